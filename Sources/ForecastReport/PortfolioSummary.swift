import ForecastCore
import Foundation

/// The overview of a portfolio run: one ``PortfolioSeriesResult`` per series (fitted or
/// skipped), what they add up to, and how long the run took. It renders `summary.md`,
/// `summary.json`, `skill.svg` and the portfolio-level `forecasts.csv`, and is what a shard
/// file carries (``PortfolioShardFile``), so a merge of shards and a one-process run produce
/// the same summary apart from ``timing``.
public struct PortfolioSummary: Codable, Sendable {
    /// When and how the run ran: everything here may differ between two runs of the same data.
    public struct Timing: Codable, Sendable {
        public var startedAt: Date
        public var wallSeconds: Double
        public var jobs: Int
        /// 1 for a one-process run; n for a merge of n shards.
        public var shards: Int
        public var commandLine: String

        public init(startedAt: Date, wallSeconds: Double, jobs: Int, shards: Int, commandLine: String) {
            self.startedAt = startedAt
            self.wallSeconds = wallSeconds
            self.jobs = jobs
            self.shards = shards
            self.commandLine = commandLine
        }
    }

    public var name: String
    /// Sorted by series id (UTF-8 byte order).
    public var results: [PortfolioSeriesResult]
    /// Series in the whole portfolio (all shards).
    public var totalSeries: Int
    public var warnings: [String]
    /// The run's settings in one line (models, window, seed…).
    public var settings: String
    public var version: String
    public var timing: Timing
    /// The global networks of a `--global` run; nil otherwise.
    public var global: PortfolioGlobalNetworks? = nil
    /// The run's `--horizon` (nil in shard files of older versions): above 1 the summary says
    /// that its skill and Diebold–Mariano figures are one step ahead.
    public var horizon: Int? = nil

    public init(name: String, results: [PortfolioSeriesResult], totalSeries: Int, warnings: [String],
                settings: String, version: String, timing: Timing) {
        self.name = name
        self.results = results.sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
        self.totalSeries = totalSeries
        self.warnings = warnings
        self.settings = settings
        self.version = version
        self.timing = timing
    }

    /// Shards of one run as one summary: results pooled, the earliest start, and the wall time
    /// from that start to the end of the last shard to finish (shards may run side by side or
    /// one after another: the longest shard alone understates the second).
    public static func merging(_ parts: [PortfolioSummary], commandLine: String) -> PortfolioSummary? {
        guard let first = parts.first else { return nil }
        let start = parts.map(\.timing.startedAt).min() ?? first.timing.startedAt
        let end = parts.map { $0.timing.startedAt.addingTimeInterval($0.timing.wallSeconds) }.max() ?? start
        var merged = PortfolioSummary(
            name: first.name, results: parts.flatMap(\.results), totalSeries: first.totalSeries,
            warnings: first.warnings, settings: first.settings, version: first.version,
            timing: Timing(startedAt: start,
                           wallSeconds: max(0, end.timeIntervalSince(start)), jobs: first.timing.jobs,
                           shards: parts.count, commandLine: commandLine))
        merged.horizon = first.horizon
        return merged
    }

    // MARK: - What the results add up to

    public var fitted: [PortfolioSeriesResult] { results.filter { $0.status == .ok } }
    /// Skipped series and series without a forecast, with their reasons.
    public var notFitted: [PortfolioSeriesResult] { results.filter { $0.status != .ok } }

    /// Fitted series, best skill first (series without a skill last), then by id.
    public var leaderboard: [PortfolioSeriesResult] {
        fitted.enumerated().sorted { a, b in
            switch (a.element.skill, b.element.skill) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// How often each model was picked, most often first (ties by name).
    public var pickCounts: [(model: String, count: Int)] {
        var counts: [String: Int] = [:]
        for r in fitted { if let p = r.pick { counts[p, default: 0] += 1 } }
        return counts.map { ($0.key, $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.model < $1.model }
    }

    public var beatNaiveSignificantly: Int { fitted.filter(\.beatsNaiveSignificantly).count }

    /// Results carried over from an earlier run of `forecast run` (rows and settings unchanged).
    public var unchanged: [PortfolioSeriesResult] { results.filter { $0.unchangedSince != nil } }

    /// The slowest series, slowest first (timing: differs run to run).
    /// A series carried over unchanged (``PortfolioSeriesResult/unchangedSince``) took no time in
    /// this run: its `seconds` are its earlier fit's, so it is left out.
    public func slowest(_ k: Int = 5) -> [PortfolioSeriesResult] {
        Array(results.filter { $0.unchangedSince == nil }
            .sorted { $0.seconds != $1.seconds ? $0.seconds > $1.seconds : $0.id < $1.id }.prefix(k))
    }

    static func median(_ xs: [Double]) -> Double? {
        let s = xs.sorted()
        guard !s.isEmpty else { return nil }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    // MARK: - Files

    public static let markdownFile = "summary.md"
    public static let jsonFile = "summary.json"
    public static let chartFile = "skill.svg"

    /// `summary.json`. Keys in a fixed order; every key but `run` (and each series' `seconds` and
    /// `report`, which name this run's folders) is the same for the same data and settings,
    /// whatever `--jobs` and however the run was sharded.
    public func json() -> String {
        func number(_ x: Double?) -> JSONValue { JSONValue.number(x) }
        func text(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func int(_ n: Int?) -> JSONValue { n.map(JSONValue.int) ?? .null }
        func row(_ r: PortfolioSeriesResult) -> JSONValue {
            var next: JSONValue = .null
            if let n = r.next {
                next = .object([("date", .string(n.date)), ("value", .double(n.value)),
                                ("lower_80", number(n.lower80)), ("upper_80", number(n.upper80))])
            }
            var fields: [(String, JSONValue)] = [("series", .string(r.id)), ("status", .string(r.status.rawValue))]
            fields.append(("reason", text(r.reason)))
            fields.append(("pick", text(r.pick)))
            fields.append(("pick_name", text(r.pickName)))
            fields.append(("test_mase", number(r.testMASE)))
            fields.append(("mase_season", int(r.maseSeason)))
            fields.append(("mase_scale", number(r.maseScale)))
            fields.append(("skill", number(r.skill)))
            fields.append(("dm_p_value", number(r.dmPValue)))
            fields.append(("beats_naive_significantly", .bool(r.beatsNaiveSignificantly)))
            fields.append(("next_forecast", next))
            fields.append(("rows", int(r.rows)))
            fields.append(("frequency", text(r.frequency)))
            fields.append(("report", text(r.report)))
            fields.append(("seconds", .double(r.seconds)))
            if let since = r.unchangedSince { fields.append(("unchanged_since", .string(since))) }
            if r.liveError != nil || r.liveScaledError != nil {
                fields.append(("live_error", number(r.liveError)))
                fields.append(("live_scaled_error", number(r.liveScaledError)))
            }
            return .object(fields)
        }
        let skills = fitted.compactMap(\.skill)
        let chart = PortfolioSkillChart(skills: skills)
        var counts: [(String, JSONValue)] = [("series", .int(totalSeries)), ("in_this_summary", .int(results.count))]
        counts.append(("fitted", .int(fitted.count)))
        counts.append(("skipped", .int(results.filter { $0.status == .skipped }.count)))
        counts.append(("no_forecast", .int(results.filter { $0.status == .noForecast }.count)))
        counts.append(("beat_naive_significantly", .int(beatNaiveSignificantly)))
        counts.append(("unchanged", .int(unchanged.count)))
        counts.append(("better_than_naive", .int(skills.filter { $0 > 0 }.count)))
        counts.append(("picks", .object(pickCounts.map { ($0.model, JSONValue.int($0.count)) })))
        let histogram: [JSONValue] = chart.counts.enumerated().map { b, n in
            JSONValue.object([("bin", .string(PortfolioSkillChart.label(of: b))), ("count", .int(n))])
        }
        let slow: [JSONValue] = slowest().map { JSONValue.object([("series", .string($0.id)), ("seconds", .double($0.seconds))]) }
        var run: [(String, JSONValue)] = [("generated_at", .string(Format.iso8601(timing.startedAt)))]
        run.append(("wall_seconds", .double(timing.wallSeconds)))
        run.append(("jobs", .int(timing.jobs)))
        run.append(("shards", .int(timing.shards)))
        run.append(("command_line", .string(timing.commandLine)))
        run.append(("slowest", .array(slow)))
        var top: [(String, JSONValue)] = [("schema_version", .int(1)), ("portfolio", .string(name))]
        top.append(("tool_version", .string(version)))
        top.append(("settings", .string(settings)))
        top.append(("counts", .object(counts)))
        top.append(("skill", .object([("median", number(Self.median(skills))), ("histogram", .array(histogram))])))
        top.append(("leaderboard", .array(leaderboard.map(row))))
        top.append(("not_fitted", .array(notFitted.map(row))))
        if let global { top.append(("global_networks", globalJSON(global))) }
        top.append(("warnings", .array(warnings.map { JSONValue.string($0) })))
        top.append(("run", .object(run)))
        let document = JSONValue.object(top)
        return document.serialized() + "\n"
    }

    /// `summary.md`: the verdict first, then the leaderboard, the skill chart, the slowest and
    /// the skipped series.
    public func markdown() -> String {
        let skills = fitted.compactMap(\.skill)
        let better = skills.filter { $0 > 0 }.count
        // Skill, MASE and the DM test are of the one-step forecasts; at a longer horizon say so.
        let oneStep = (horizon ?? 1) > 1 ? " one step ahead" : ""
        var out: [String] = ["# Portfolio \(Escape.markdown(name))", ""]
        out.append("\(totalSeries) series\(results.count < totalSeries ? " (\(results.count) in this summary)" : ""): "
                   + "\(fitted.count) fitted\(unchanged.isEmpty ? "" : " (\(unchanged.count) unchanged since their last run, not refitted: their earlier results are shown)"), "
                   + "\(notFitted.count) skipped or without a forecast. Settings: \(Escape.markdown(settings)).")
        out.append("")
        out.append("Run \(Format.iso8601(timing.startedAt)), \(Format.seconds(timing.wallSeconds)) wall time, "
                   + "\(timing.jobs) series at a time\(timing.shards > 1 ? " per shard, merged from \(timing.shards) shards" : "").")
        out.append("")
        out.append("## What the portfolio says")
        out.append("")
        if fitted.isEmpty {
            out.append("No series was fitted; the reasons are listed below.")
        } else {
            out.append("- The pick beat the naive forecast on the test part\(oneStep) for **\(better) of \(skills.count)** series "
                       + "(skill > 0), significantly (Diebold–Mariano, 5 %) for **\(beatNaiveSignificantly)**.")
            if let m = Self.median(skills) { out.append("- Median skill against naive\(oneStep): \(Format.fixed(m, decimals: 3)).") }
            out.append("- Picks: " + pickCounts.map { "\($0.model) \($0.count)" }.joined(separator: ", ") + ".")
            if let live = liveErrorLine() { out.append("- " + live) }
        }
        out.append("")
        out.append("## Leaderboard")
        out.append("")
        out.append("Best skill first. MASE is scaled by the in-sample MAE of the seasonal naive with season m "
                   + "(the naive when m is –) on the series' training part; skill = 1 − MAE / naive MAE; "
                   + "DM p is the Diebold–Mariano test of the pick against naive" + (oneStep.isEmpty ? "." : "; all of them\(oneStep)."))
        out.append("")
        out.append("| series | pick | test MASE | m | scale | skill vs naive | DM p vs naive | next | 80% interval | report |")
        out.append("|---|---|---:|---:|---:|---:|---:|---|---|---|")
        for r in leaderboard {
            var next = "–", band = "–"
            if let n = r.next {
                next = "\(n.date): \(Format.value(n.value))"
                if let lo = n.lower80, let hi = n.upper80 { band = "[\(Format.value(lo)), \(Format.value(hi))]" }
            }
            var p = "–"
            if let value = r.dmPValue { p = Format.pValue(value) + (r.beatsNaiveSignificantly ? " ✓" : "") }
            var cells: [String] = [Escape.markdown(r.id), Escape.markdown(r.pickName ?? "–")]
            cells.append(r.testMASE.map { Format.fixed($0, decimals: 3) } ?? "–")
            cells.append(r.maseSeason.map { String($0) } ?? "–")
            cells.append(r.maseScale.map { Format.number($0) } ?? "–")
            cells.append(r.skill.map { Format.fixed($0, decimals: 3) } ?? "–")
            cells += [p, next, band]
            cells.append((r.report.map { "[report](../\($0)/report.md)" } ?? "–") + (r.unchangedSince.map { " (unchanged since \($0))" } ?? ""))
            out.append("| " + cells.joined(separator: " | ") + " |")
        }
        out.append("")
        out.append("✓: better than naive, significantly at 5 %.")
        out.append("")
        out.append("## Distribution of skill")
        out.append("")
        out.append("![Histogram of the picks' skill against naive](\(Self.chartFile))")
        out.append("")
        out.append("## Slowest series")
        out.append("")
        out.append("| series | seconds |")
        out.append("|---|---:|")
        for r in slowest() { out.append("| \(Escape.markdown(r.id)) | \(Format.fixed(r.seconds, decimals: 2)) |") }
        out.append("")
        out.append("## Skipped series")
        out.append("")
        if notFitted.isEmpty {
            out.append("None.")
        } else {
            out.append("| series | status | reason |")
            out.append("|---|---|---|")
            for r in notFitted {
                out.append("| \(Escape.markdown(r.id)) | \(r.status.rawValue) | \(Escape.markdown(r.reason ?? "")) |")
            }
        }
        if let global { out += globalMarkdown(global) }
        if !warnings.isEmpty {
            out.append("")
            out.append("## Warnings")
            out.append("")
            out += warnings.map { "- " + Escape.markdown($0) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: - Global networks

    /// Every series' global-vs-local comparisons, series in id order.
    public var globalComparisons: [(series: String, comparison: GlobalLocalComparison)] {
        results.flatMap { r in (r.globalComparisons ?? []).map { (r.id, $0) } }
    }

    func globalJSON(_ g: PortfolioGlobalNetworks) -> JSONValue {
        let pairs = globalComparisons
        let (perModel, overall) = PortfolioGlobalNetworks.tallies(pairs.map(\.comparison))
        func tally(_ t: PortfolioGlobalNetworks.Tally) -> JSONValue {
            .object([("global", .string(t.global)), ("local", .string(t.local)), ("series", .int(t.series)),
                     ("global_better", .int(t.globalBetter)),
                     ("global_significantly_better", .int(t.globalSignificantlyBetter)),
                     ("local_significantly_better", .int(t.localSignificantlyBetter)),
                     ("geometric_mean_mae_ratio", .number(t.geometricMeanRatio))])
        }
        let rows: [JSONValue] = pairs.map { p in
            let c = p.comparison
            return .object([("series", .string(p.series)), ("global", .string(c.global)), ("local", .string(c.local)),
                            ("global_test_mae", .double(c.globalTestMAE)), ("local_test_mae", .double(c.localTestMAE)),
                            ("mae_ratio", .number(c.ratio)), ("dm_p_value", .number(c.dmPValue)),
                            ("global_significantly_better", .bool(c.globalSignificantlyBetter)),
                            ("local_significantly_better", .bool(c.localSignificantlyBetter))])
        }
        return .object([
            ("window", .int(g.window)), ("window_source", .string(g.windowSource)), ("series_embedding", .string(g.embedding)),
            ("series_in_model", .int(g.series.count)), ("training_windows", .int(g.trainingWindows)),
            ("validation_windows", .int(g.validationWindows)), ("models", .array(g.models.map { .string($0) })),
            ("excluded", .array(g.excluded.map { .object([("series", .string($0.series)), ("reason", .string($0.reason))]) })),
            ("failed", .array(g.failures.map { .object([("model", .string($0.series)), ("reason", .string($0.reason))]) })),
            ("overall", tally(overall)), ("per_model", .array(perModel.map(tally))), ("per_series", .array(rows)),
        ])
    }

    func globalMarkdown(_ g: PortfolioGlobalNetworks) -> [String] {
        let pairs = globalComparisons
        let (perModel, overall) = PortfolioGlobalNetworks.tallies(pairs.map(\.comparison))
        var out = ["", "## Global vs local networks", ""]
        out.append("\(g.models.map { Escape.markdown($0) }.listed()) \(g.models.count == 1 ? "was" : "were") each trained once on the pooled windows of "
                   + "\(g.series.count) series (\(g.trainingWindows) training windows, early stopping on \(g.validationWindows) validation windows; "
                   + "window \(g.window), \(Escape.markdown(g.windowSource)); series embedding: \(g.embedding)), each series scaled by its own training statistics, "
                   + "then evaluated per series beside its own networks. Test MAE at step 1; ratio = global MAE / local MAE (below 1: global more accurate); "
                   + "DM p: Diebold–Mariano test of the global network against the local one on the one-step test errors.")
        out.append("")
        if perModel.count > 1 { out.append("- " + PortfolioGlobalNetworks.sentence(overall, subject: "All networks together", unit: "(series, network) pairs")) }
        for t in perModel { out.append("- " + PortfolioGlobalNetworks.sentence(t, subject: "\(Escape.markdown(t.global)) vs \(Escape.markdown(t.local))")) }
        if perModel.isEmpty { out.append("- No series had both a working global and a working local network to compare.") }
        for f in g.failures { out.append("- \(Escape.markdown(f.series)) failed: \(Escape.markdown(f.reason)).") }
        if !pairs.isEmpty {
            out.append("")
            out.append("| series | global | local | global MAE | local MAE | ratio | DM p |")
            out.append("|---|---|---|---:|---:|---:|---:|")
            for p in pairs {
                let c = p.comparison
                let mark = c.globalSignificantlyBetter ? " ✓" : c.localSignificantlyBetter ? " ✗" : ""
                out.append("| \(Escape.markdown(p.series)) | \(Escape.markdown(c.global)) | \(Escape.markdown(c.local)) | "
                           + "\(Format.value(c.globalTestMAE)) | \(Format.value(c.localTestMAE)) | "
                           + "\(c.ratio.map { Format.fixed($0, decimals: 3) } ?? "–") | \(c.dmPValue.map(Format.pValue) ?? "–")\(mark) |")
            }
            out.append("")
            out.append("✓: global significantly better at 5 %; ✗: local significantly better at 5 %.")
        }
        out.append("")
        if g.excluded.isEmpty {
            out.append("Every fitted series was in the global model.")
        } else {
            out.append("Left out of the global model (their own networks were still fitted where their data allowed):")
            out.append("")
            out.append("| series | reason |")
            out.append("|---|---|")
            for e in g.excluded { out.append("| \(Escape.markdown(e.series)) | \(Escape.markdown(e.reason)) |") }
        }
        return out
    }

    /// The portfolio's `forecasts.csv`: every fitted series' own `forecasts.csv` (read from its
    /// report folder under `folder`, or under `seriesFolders[id]`) with a first column `series`.
    /// Series in id order, emitted one series at a time, so memory holds one series' table
    /// whatever the portfolio's size. O(total size of the tables).
    public func writeForecastsCSV(folder: URL, seriesFolders: [String: URL] = [:], emit: (Data) throws -> Void) throws {
        try emit(Data(("series," + ForecastsTable.header + "\n").utf8))
        for r in results {
            guard let report = r.report else { continue }
            let base = seriesFolders[r.id] ?? folder
            let url = base.appendingPathComponent(report).appendingPathComponent(ReportFileName.forecasts)
            guard let data = try OwnedFiles.read(url, role: "the forecasts.csv of series \(r.id)") else {
                throw OwnedFileReadError(path: url.path, reason: "the file is missing")
            }
            let prefix = Data((Self.csvField(r.id) + ",").utf8)
            var out = Data()
            out.reserveCapacity(data.count + data.count / 8)
            for line in data.split(separator: UInt8(ascii: "\n")).dropFirst() {
                out.append(prefix)
                out.append(contentsOf: line)
                out.append(UInt8(ascii: "\n"))
            }
            try emit(out)
        }
    }

    /// ``writeForecastsCSV(folder:seriesFolders:emit:)`` in memory, for tests and small portfolios.
    public func forecastsCSV(folder: URL, seriesFolders: [String: URL] = [:]) throws -> Data {
        var out = Data()
        try writeForecastsCSV(folder: folder, seriesFolders: seriesFolders) { out.append($0) }
        return out
    }

    /// `forecast run`: the previous run's next forecasts scored against the values observed
    /// since, over the series fitted in this run (a carried-over series' score is its earlier
    /// run's); nil when none was scored.
    func liveErrorLine() -> String? {
        let scored = results.filter { $0.unchangedSince == nil && $0.status == .ok }
            .compactMap { r in r.liveScaledError.map { (id: r.id, scaled: $0, seasonal: (r.maseSeason ?? 1) >= 2) } }
        guard let median = Self.median(scored.map(\.scaled)), let worst = scored.max(by: { $0.scaled < $1.scaled }) else { return nil }
        let below = scored.filter { $0.scaled < 1 }.count
        // The scale is each series' MASE reference: the seasonal naive where it has a season.
        let seasonal = scored.map(\.seasonal)
        let reference = seasonal.allSatisfy { $0 } ? "seasonal naive" : seasonal.contains(true) ? "naive or seasonal naive" : "naive"
        return "Live error: the last run's next forecast was checked against the value observed since for **\(scored.count)** series; "
            + "scaled by each series' in-sample \(reference) MAE on its training part (its MASE scale), the median error is \(Format.fixed(median, decimals: 3)), "
            + "\(below) of \(scored.count) below 1 (closer than the \(reference) forecast's typical in-sample error); "
            + "the largest \(Format.fixed(worst.scaled, decimals: 3)) (\(Escape.markdown(worst.id))). Each series' report shows its own."
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func csvField(_ s: String) -> String {
        s.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Publishes `<folder>/<stamp>/` with the summary files (atomically, through
    /// ``ReportPublisher``, which also moves `<folder>/latest`). Returns the folder.
    @discardableResult
    public func publish(in folder: URL, seriesFolders: [String: URL] = [:]) throws -> URL {
        let md = markdown(), js = json()
        let chart = PortfolioSkillChart(skills: fitted.compactMap(\.skill))
        let summary = self
        let files = [
            ReportFile(name: Self.markdownFile, text: md),
            ReportFile(name: Self.jsonFile, text: js),
            ReportFile(name: Self.chartFile, contents: { Data(chart.render().utf8) }),
            ReportFile(name: ReportFileName.forecasts, streaming: { emit in
                try summary.writeForecastsCSV(folder: folder, seriesFolders: seriesFolders, emit: emit)
            }),
        ]
        return try ReportPublisher(folder: folder).publish(files: files, startedAt: timing.startedAt).folder
    }
}

/// `reports/<portfolio>/shards/shard-<i>-of-<n>.json`: what one shard of a portfolio run found,
/// for `forecast merge`. `fingerprint` is the same for every shard of one run (series ids and
/// settings), so a merge can refuse shard files of different runs.
public struct PortfolioShardFile: Codable, Sendable {
    public static let formatVersion = 1
    public var formatVersion: Int
    public var shardIndex: Int
    public var shardCount: Int
    public var fingerprint: String
    public var summary: PortfolioSummary

    public init(shardIndex: Int, shardCount: Int, fingerprint: String, summary: PortfolioSummary) {
        self.formatVersion = Self.formatVersion
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.fingerprint = fingerprint
        self.summary = summary
    }

    public static let folderName = "shards"

    public static func fileName(index: Int, count: Int) -> String { "shard-\(index)-of-\(count).json" }

    /// Writes the file atomically into `<portfolioFolder>/shards/`; returns its URL.
    public func write(in portfolioFolder: URL) throws -> URL {
        let folder = portfolioFolder.appendingPathComponent(Self.folderName, isDirectory: true)
        try OwnedFiles.refuseSymlink(folder, role: "the shard folder")
        let url = folder.appendingPathComponent(Self.fileName(index: shardIndex, count: shardCount))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(self), to: url)
        return url
    }

    /// Reads a shard file; nil for a file of another format version.
    public static func read(_ url: URL) throws -> PortfolioShardFile {
        guard let data = try OwnedFiles.read(url, role: "the shard file \(url.lastPathComponent)") else {
            throw OwnedFileReadError(path: url.path, reason: "the file is missing")
        }
        return try JSONDecoder().decode(PortfolioShardFile.self, from: data)
    }
}
