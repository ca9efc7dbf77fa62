import ForecastEvaluation
import Foundation

/// File names inside one report folder; the markdown links the charts relatively.
public enum ReportFileName {
    public static let report = "report.md"
    public static let metrics = "metrics.json"
    /// The fan chart: recent history, the pick's forecast path and its bands (the first chart).
    public static let fanChart = "forecast.svg"
    public static let testPeriodChart = "test-period.svg"
    public static let lossChart = "training-loss.svg"
    public static let gradientFlowChart = "gradient-flow.svg"
    public static let forecasts = "forecasts.csv"
}

/// A section a caller adds to a report (a pipeline adds "How the last forecast did"): its
/// markdown, starting with its `## ` heading, and optionally the chart it links to by file name.
/// Extra sections come right after the verdict, the run line and the fan chart, before "## Data".
public struct ReportSection: Sendable {
    public var markdown: String
    public var chart: (file: String, chart: SVGLineChart)?

    public init(markdown: String, chart: (file: String, chart: SVGLineChart)? = nil) {
        self.markdown = markdown
        self.chart = chart
    }
}

/// Renders a `RunResult` as the markdown report: verdict first (with the whole forecast path
/// when the horizon is above 1), the fan chart, then data, models, next forecast, test period,
/// intervals, significance, feed-forward vs recurrent, training, gradient flow, reproducibility. GitHub-flavoured markdown (pipe tables, fenced code); every chart has
/// alt text and a sentence beside it, so the report reads with images off.
public struct MarkdownReport {
    public var run: RunResult
    /// Charts present in the folder (file names from `ReportFileName`); missing ones are
    /// described in words instead.
    public var charts: Set<String>
    /// Sections added by the caller, in order (see ``ReportSection``).
    public var sections: [ReportSection]
    /// Time zone for the run timestamp.
    public var timeZone: TimeZone
    /// p-value under which a Diebold–Mariano difference counts as significant.
    public static let significanceLevel = 0.05

    public init(run: RunResult, charts: Set<String>, sections: [ReportSection] = [], timeZone: TimeZone = .current) {
        self.run = run
        self.charts = charts
        self.sections = sections
        self.timeZone = timeZone
    }

    /// One row of a markdown table from cells that are already escaped.
    static func tableRow(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }

    public func render() -> String {
        var out: [String] = []
        let fileName = URL(fileURLWithPath: run.dataset.filePath).lastPathComponent
        out.append("# Forecast report: \(Escape.markdown(run.dataset.target)) in \(Escape.markdown(fileName))")
        out.append("")
        out.append("> " + verdict())
        out.append("")
        if run.dataset.horizon > 1 { out += forecastPathTable() }
        out.append("Data file \(Escape.codeSpan(run.dataset.filePath)) · run \(Format.timestamp(run.startedAt, timeZone: timeZone)) · took \(Format.seconds(run.durationSeconds)) · forecast \(Escape.markdown(run.reproducibility.version))")
        out.append("")
        out += fanChartBlock()
        for section in sections {
            out.append(section.markdown.trimmingCharacters(in: .newlines))
            out.append("")
        }
        out += dataSection()
        out += modelSection()
        out += nextForecastSection()
        out += testPeriodSection()
        out += intervalSection()
        out += significanceSection()
        out += contrastSection()
        out += networksVersusStatisticalSection()
        out += trainingSection()
        out += gradientSection()
        out += reproducibilitySection()
        return out.joined(separator: "\n")
    }

    // MARK: - Verdict

    /// One line: pick, next forecast with interval, and whether it beats naive significantly.
    func verdict() -> String {
        guard let pick = run.pickedModel else {
            return "**No usable model:** every model failed (reasons below), so there is no forecast for the next period."
        }
        var s = "**Pick: \(Escape.markdown(pick.displayName)).**"
        // Say plainly which family won: a classical model beating every network is news.
        if let kept = fallbackSentence() {
            s += " " + kept
        } else {
            // Name the beaten rivals only when they ran and worked: with `--models ets,theta` there
            // is no network to have beaten.
            let networks = run.models.filter { $0.kind.isNetwork }
            let statistical = run.models.filter { $0.kind == .statistical }
            switch pick.kind {
            case .statistical:
                if networks.contains(where: \.status.isOK) {
                    s += " A classical statistical model won: it beat every network on the validation part."
                } else {
                    s += " A classical statistical model won on the validation part; "
                        + (networks.isEmpty ? "no network was run." : "every network failed (reasons below).")
                }
            case .baseline where pick.name != NaiveForecaster().name:
                let rivals = networks + statistical
                if rivals.contains(where: \.status.isOK) {
                    s += " A simple baseline won: no network or statistical model beat it on the validation part."
                } else {
                    s += " A simple baseline won on the validation part; "
                        + (rivals.isEmpty ? "only baselines were run." : "every network and statistical model failed (reasons below).")
                }
            default: break
            }
        }
        let f = run.dataset.frequency
        let path = pick.nextForecasts.sorted { $0.step < $1.step }
        if path.count > 1, let first = path.first, let last = path.last {
            s += " Forecast for the next \(path.count) steps, \(f.format(first.date)) to \(f.format(last.date)): "
                + "**\(Format.value(first.value))** to **\(Format.value(last.value))**, the whole path with its intervals in the table below."
        } else if let next = path.first {
            s += " Next value (\(f.format(next.date))): **\(Format.value(next.value))**"
            let bounds = next.intervals.map { b in
                b.isBounded ? "\(Format.level(b.level)): \(Format.value(b.lower)) to \(Format.value(b.upper))"
                            : "\(Format.level(b.level)): unbounded"
            }
            if !bounds.isEmpty { s += " (" + bounds.joined(separator: "; ") + ")" }
            s += "."
        }
        s += " " + beatsNaiveSentence(pick)
        return s
    }

    /// Why the run kept a baseline although another model had a lower validation error, in one
    /// sentence; nil when the pick is simply the lowest validation error.
    func fallbackSentence() -> String? {
        guard let fallback = run.selectionFallback, let pick = run.pickedModel else { return nil }
        let kept = Escape.markdown(pick.displayName)
        switch fallback {
        case .tooFewPoints(let points):
            return "It is kept as the safe choice: the validation part gives \(points) point\(points == 1 ? "" : "s") at step \(run.dataset.horizon), "
                + "fewer than the \(ModelSelection.minimumSelectionPoints) needed to choose between models."
        case .withinNoise(let model, let test):
            let name = run.models.first { $0.name == model }.map { Escape.markdown($0.displayName) } ?? Escape.markdown(model)
            // The rule tests one-step squared errors, one-sided: the p shown is the one it compares.
            let evidence = test.map { "Diebold–Mariano one-sided \(Format.pEquals($0.oneSidedPValue)) on \($0.count) validation points" } ?? "no test was possible"
            return "It is kept as the safe choice: \(name) had a lower validation MAE, but its one-step squared errors were not significantly smaller than \(kept)'s "
                + "(\(evidence); the rule asks for one-sided p below \(Format.number(ModelSelection.noiseLevel, significant: 2)))."
        }
    }

    func beatsNaiveSentence(_ pick: ModelResult) -> String {
        if pick.name == NaiveForecaster().name {
            if run.selectionFallback != nil { return "It is the naive forecast itself (tomorrow = today)." }
            return "It is the naive forecast itself (tomorrow = today): no model beat it on the validation part."
        }
        guard let c = run.comparisons.first(where: { $0.label == "pick vs naive" }), let r = c.result else {
            let note = run.comparisons.first { $0.label == "pick vs naive" }?.note ?? "no test result"
            return "Whether it beats naive could not be tested (\(Escape.markdown(note)))."
        }
        let p = "Diebold–Mariano \(Format.pEquals(r.pValue)), \(r.count) test points"
        // The test and the skill are one step ahead; with a longer horizon the sentence says so,
        // and the mean over the steps asked for follows, since it can point the other way.
        let part = run.dataset.horizon > 1 ? "on the test part one step ahead" : "on the test part"
        let sentence: String
        if r.pValue < Self.significanceLevel {
            // The test is on squared errors; the skill (MAE) can point the other way, and then
            // the sentence names the loss so that it does not contradict the skill beside it.
            let skillDisagrees = pick.test?.skill.map { ($0 > 0) != (r.meanLossDifference < 0) && $0 != 0 } ?? false
            let loss = skillDisagrees ? "in squared error, " : ""
            sentence = r.meanLossDifference < 0
                ? "Beats naive \(part): **yes, significantly** (\(loss)\(p))."
                : "Beats naive \(part): **no, it is significantly worse** (\(loss)\(p))."
        } else {
            let direction = r.meanLossDifference < 0 ? "lower" : "higher"
            sentence = "Beats naive \(part): **not significantly** (squared error \(direction) than naive, \(p))."
        }
        return sentence + naiveDidBetterSentence(pick) + allStepsSentence(pick)
    }

    /// " Naive did better on the held-out test part: …" when the pick's skill vs naive (MAE on the
    /// same test points) is negative, else "": a pick chosen on validation can lose to naive on
    /// the held-out part, and the verdict must say so in plain words.
    func naiveDidBetterSentence(_ pick: ModelResult) -> String {
        guard let skill = pick.test?.skill, skill < 0, let mae = pick.test?.mae, let naive = run.naiveModel?.test?.mae else { return "" }
        let part = run.dataset.horizon > 1 ? "on the held-out test part one step ahead" : "on the held-out test part"
        return " **Naive did better \(part):** MAE \(Format.number(naive)) for naive against \(Format.number(mae)) for \(Escape.markdown(pick.displayName)) (skill \(Format.fixed(skill, decimals: 3)))."
    }

    /// With a horizon above 1: " Averaged over the h steps asked for, its test MAE was … against …
    /// for naive (lower|higher)." — the mean of the per-step test MAEs, as the pick was chosen on
    /// validation; "" for h = 1 or without per-step metrics.
    func allStepsSentence(_ pick: ModelResult) -> String {
        let h = run.dataset.horizon
        guard h > 1, let naive = run.naiveModel, pick.testMetrics.count == h, naive.testMetrics.count == h else { return "" }
        let a = pick.testMetrics.reduce(0) { $0 + $1.mae } / Double(h), b = naive.testMetrics.reduce(0) { $0 + $1.mae } / Double(h)
        guard a.isFinite, b.isFinite else { return "" }
        let direction = a < b ? "lower than naive's" : a > b ? "higher than naive's" : "the same as naive's"
        return " Averaged over the \(h) steps asked for, its test MAE was \(Format.number(a)) against \(Format.number(b)) for naive (\(direction))."
    }

    /// How a model stands against naive on the test part (one step ahead): significantly better,
    /// significantly worse, or not significantly different, by its Diebold–Mariano test.
    enum NaiveStanding { case beats, worse, notSignificant, untested }

    func naiveStanding(_ m: ModelResult) -> NaiveStanding {
        guard let r = m.dmVsNaive, r.pValue.isFinite else { return .untested }
        guard r.pValue < Self.significanceLevel else { return .notSignificant }
        return r.meanLossDifference < 0 ? .beats : .worse
    }

    /// The clause that follows "A is significantly more accurate than B" so that the same
    /// sentence says how both fare against naive on the test part: ", and both beat naive …",
    /// ", but only A beats naive …", ", but neither beats naive …", each with the skill and the
    /// Diebold–Mariano p-value against naive. A comparison between two models says nothing about
    /// either being worth using; this keeps the reader from taking it as such.
    func naiveClause(_ a: ModelResult, _ b: ModelResult, detailed: Bool = true) -> String {
        let standings = [a, b].map { naiveStanding($0) }
        let beating = zip([a, b], standings).filter { $0.1 == .beats }.map(\.0)
        let name = { (m: ModelResult) in Escape.markdown(detailed ? m.displayName : m.name) }
        var clause: String
        switch beating.count {
        case 2: clause = ", and both beat naive on the test part"
        case 1: clause = ", but only \(name(beating[0])) beats naive on the test part"
        default: clause = ", but neither beats naive on the test part"
        }
        guard detailed else { return clause }
        let details = zip([a, b], standings).map { m, standing -> String in
            let skill = m.test?.skill.map { "skill \(Format.fixed($0, decimals: 3))" } ?? "skill n/a"
            let p = m.dmVsNaive.map { "DM \(Format.pEquals($0.pValue))" } ?? "no DM test"
            let reading: String
            switch standing {
            case .beats: reading = "significantly better than naive"
            case .worse: reading = "significantly worse than naive"
            case .notSignificant: reading = "not significantly different from naive"
            case .untested: reading = "not tested against naive"
            }
            return "\(name(m)) \(reading), \(skill), \(p)"
        }
        return clause + " (" + details.joined(separator: "; ") + ")"
    }

    // MARK: - Forecast path and fan chart

    /// The pick's whole forecast path, one row per step (horizon above 1): step, date, forecast
    /// and one column per interval level.
    func forecastPathTable() -> [String] {
        guard let pick = run.pickedModel, pick.nextForecasts.count > 1 else { return [] }
        let f = run.dataset.frequency
        let levels = run.intervalLevels
        var out = [Self.tableRow(["Step", "Date", "Forecast"] + levels.map { Format.level($0) }),
                   "|---:|---|---:|" + String(repeating: "---|", count: levels.count)]
        for next in pick.nextForecasts.sorted(by: { $0.step < $1.step }) {
            let bounds = levels.map { level -> String in
                guard let b = next.intervals.first(where: { $0.level == level }) else { return "—" }
                return b.isBounded ? "\(Format.value(b.lower)) to \(Format.value(b.upper))" : "unbounded"
            }
            out.append(Self.tableRow(["\(next.step)", f.format(next.date), Format.value(next.value)] + bounds))
        }
        out.append("")
        return out
    }

    /// The fan chart (when present) with its sentence, right after the run line.
    func fanChartBlock() -> [String] {
        guard let pick = run.pickedModel, !pick.nextForecasts.isEmpty else { return [] }
        let shown = min(run.test.values.count, ReportCharts.fanHistoryLength(horizon: run.dataset.horizon))
        let summary = ReportCharts.fanSummary(run, pick: pick, shown: shown, runnerUp: ReportCharts.runnerUp(run))
        var out: [String] = []
        if charts.contains(ReportFileName.fanChart) {
            out += ["![Fan chart: the last observed values, then the forecast of \(altText(pick.displayName)) with its \(run.intervalLevels.map { Format.level($0) }.joined(separator: " and ")) intervals](\(ReportFileName.fanChart))", ""]
        }
        if !summary.isEmpty { out += [Escape.markdown(summary), ""] }
        return out
    }

    // MARK: - Data

    func dataSection() -> [String] {
        let d = run.dataset
        let f = d.frequency
        // Each count names what it counts, so no two read as the same quantity: rows in the
        // file, points of the cleaned series, points per part, and the networks' windows.
        var counts: [(String, String)] = []
        if let read = d.rowsRead { counts.append(("Rows read from the file", Format.integer(read))) }
        counts.append(("Points after cleaning", Format.integer(d.rows)))
        // The windows are the networks': without a network in the run they describe nothing that ran.
        let networksRan = run.models.contains { $0.kind.isNetwork }
        if let parts = d.pointsPerPart {
            counts.append(("Points per part (in time order)", "train \(Format.integer(parts.train)) · validation \(Format.integer(parts.validation)) · test \(Format.integer(parts.test))"))
        }
        if let parts = d.pointsPerPart, networksRan {
            var windows = "train \(Format.integer(d.trainCount)) · validation \(Format.integer(d.validationCount)) · test \(Format.integer(d.testCount))"
            let short = [("train", d.trainCount < parts.train), ("validation", d.validationCount < parts.validation), ("test", d.testCount < parts.test)]
                .filter(\.1).map(\.0)
            if !short.isEmpty {
                windows += " (fewer windows than points in \(short.joined(separator: ", ")): " + windowShortfallReasons(short).joined(separator: "; ")
                    + "; the networks forecast from every validation and test point, as the other models do)"
            }
            counts.append(("Network windows per part", windows))
        } else if d.pointsPerPart == nil {
            counts.append(("Split (in time order)", "train \(Format.integer(d.trainCount)) · validation \(Format.integer(d.validationCount)) · test \(Format.integer(d.testCount))"))
        }
        let rows: [(String, String)] = counts + [
            ("Date range", "\(f.format(d.firstDate)) to \(f.format(d.lastDate))"),
            ("Frequency", f.name),
            ("Target", Escape.codeSpan(d.target, inTable: true)),
            ("Features", featuresText()),
            ("Missing values", missingText()),
            ("Gaps in the calendar", gapText()),
            ("Transform", Escape.markdown(d.transform)),
            ("Scaling", Escape.markdown(d.scaling)),
            ("Window", "\(d.window) steps"),
            ("Horizon", "\(d.horizon) step\(d.horizon == 1 ? "" : "s") ahead"),
            ("Season", Escape.markdown(d.season.reason)),
        ]
        var out = ["## Data", ""]
        for warning in d.warnings { out += ["**Warning:** \(Escape.markdown(warning)).", ""] }
        out += ["| | |", "|---|---|"]
        out += rows.map { "| \($0.0) | \($0.1) |" }
        out.append("")
        return out
    }

    /// Why the networks have fewer windows than points in the parts named in `short`, only the
    /// reasons that apply (as `SlidingWindows` builds them): a training window needs its input
    /// steps (after the points the transform uses up) and its h targets inside the training part;
    /// an early-stopping window needs only its h targets inside the validation part, its inputs
    /// reach back; both start `stride` points apart; a test window needs its inputs before its origin.
    func windowShortfallReasons(_ short: [String]) -> [String] {
        let d = run.dataset
        let targets = "\(d.horizon) target step\(d.horizon == 1 ? "" : "s")"
        var reasons: [String] = []
        if short.contains("train") {
            let lost = d.transformLostPoints > 0
                ? " (after the first \(d.transformLostPoints == 1 ? "point" : "\(d.transformLostPoints) points"), which the \(d.transform) transform uses up)" : ""
            reasons.append("a training window needs \(d.window) input steps\(lost) and \(targets) inside the training part")
        }
        if short.contains("validation") {
            reasons.append("an early-stopping window needs its \(targets) inside the validation part (its \(d.window) input steps may reach back into the training part)")
        }
        if d.stride > 1 && (short.contains("train") || short.contains("validation")) {
            reasons.append("training and early-stopping windows start every \(d.stride) points (--stride \(d.stride))")
        }
        if short.contains("test") {
            reasons.append("a test forecast needs \(d.window) input steps before its origin")
        }
        return reasons
    }

    /// The input columns; when they go beyond the target and models other than networks ran,
    /// whose inputs they are: baselines, ETS and Theta forecast from the target's past alone.
    func featuresText() -> String {
        let d = run.dataset
        guard !d.features.isEmpty else { return "none (the target's own past only)" }
        let list = d.features.map { Escape.codeSpan($0, inTable: true) }.joined(separator: ", ")
        let univariate = run.models.contains { $0.kind == .baseline || $0.kind == .statistical }
        guard d.features.contains(where: { $0 != d.target }), univariate else { return list }
        return list + " (the networks' inputs; the baselines and statistical models use the target's past alone)"
    }

    /// The missing values and what became of them, from ingest's counts: "6 (4 filled by forward
    /// fill, 2 leading rows dropped)", "34 (34 rows dropped)"; the policy alone when the counts are unknown.
    func missingText() -> String {
        let d = run.dataset
        guard d.missingCount > 0 else { return "none" }
        let policy: String
        switch d.missingPolicy {
        case "ffill": policy = "forward fill"
        case "interpolate": policy = "linear interpolation"
        default: policy = d.missingPolicy
        }
        let count = Format.integer(d.missingCount)
        guard let filled = d.missingFilled, let dropped = d.missingRowsDropped else {
            return d.missingPolicy == "drop" ? "\(count), their rows dropped" : "\(count), filled by \(Escape.markdown(policy))"
        }
        var fates: [String] = []
        if filled > 0 { fates.append("\(Format.integer(filled)) filled by \(Escape.markdown(policy))") }
        if dropped > 0 {
            // Under ffill and interpolate only the leading rows are dropped: nothing comes before them.
            let leading = d.missingPolicy == "drop" ? "" : "leading "
            fates.append("\(Format.integer(dropped)) \(leading)row\(dropped == 1 ? "" : "s") dropped")
        }
        return fates.isEmpty ? count : "\(count) (\(fates.joined(separator: ", ")))"
    }

    func gapText() -> String {
        let gaps = run.dataset.gaps
        guard !gaps.isEmpty else { return "none" }
        let f = run.dataset.frequency
        let total = run.dataset.missingPeriods, count = run.dataset.gapCount
        let shown = gaps.sorted { $0.missingPeriods > $1.missingPeriods }.prefix(3).map {
            "\($0.missingPeriods) after \(f.format($0.after))"
        }
        return "\(count) gap\(count == 1 ? "" : "s"), \(Format.integer(total)) missing period\(total == 1 ? "" : "s")"
            + " (largest: " + shown.joined(separator: ", ") + (count > 3 ? ", …" : "") + ")"
    }

    // MARK: - Models

    /// Metric columns: header, value, and whether lower is better.
    private struct Column {
        var header: String
        var value: (ModelResult) -> Double?
        var lowerIsBetter: Bool
        var format: (Double) -> String
    }

    /// "MASE (vs naive, in-sample)": the scale travels with the number.
    var maseHeader: String { "MASE (\(MASEScale.label(season: run.dataset.season.season)))" }

    private var metricColumns: [Column] {
        [
            Column(header: run.dataset.horizon > 1 ? "Val MAE (steps 1–\(run.dataset.horizon))" : "Val MAE", value: { $0.selectionMAE },
                   lowerIsBetter: true, format: { Format.number($0) }),
            Column(header: "MAE", value: { $0.test?.mae }, lowerIsBetter: true, format: { Format.number($0) }),
            Column(header: "RMSE", value: { $0.test?.rmse }, lowerIsBetter: true, format: { Format.number($0) }),
            Column(header: "sMAPE %", value: { $0.test?.smape }, lowerIsBetter: true, format: { Format.fixed($0, decimals: 2) }),
            Column(header: maseHeader, value: { $0.test?.mase }, lowerIsBetter: true, format: { Format.fixed($0, decimals: 3) }),
            // The naive forecast never moves: its directional accuracy measures nothing.
            Column(header: "DirAcc %", value: { $0.name == NaiveForecaster().name ? nil : $0.test.map { 100 * $0.directionalAccuracy } },
                   lowerIsBetter: false, format: { Format.fixed($0, decimals: 1) }),
            Column(header: "Skill vs naive", value: { $0.test?.skill }, lowerIsBetter: false, format: { Format.fixed($0, decimals: 3) }),
        ]
    }

    /// The best value per column among working models (ties all marked); compares the values as
    /// displayed, so two cells that read the same are both bold.
    private func bestCells(_ column: Column, _ models: [ModelResult]) -> Set<String> {
        let shown = models.filter(\.status.isOK).compactMap { column.value($0) }.filter(\.isFinite)
        guard let best = column.lowerIsBetter ? shown.min() : shown.max() else { return [] }
        return [column.format(best)]
    }

    func modelSection() -> [String] {
        let models = run.models
        let columns = metricColumns
        let best = columns.map { bestCells($0, models) }
        var out = ["## Models", ""]
        if let first = run.test.dates.first, let last = run.test.dates.last {
            let f = run.dataset.frequency
            out.append("Test part, one step ahead: \(run.test.values.count) points from \(f.format(first)) to \(f.format(last)). **Bold** = best in its column among working models. ★ = the pick, chosen by the lowest validation MAE (Val MAE\(run.dataset.horizon > 1 ? ", averaged over the \(run.dataset.horizon) steps asked for" : ""))\(run.selectionFallback == nil ? "" : ", or the reference baseline when that choice is not clearly better (as here, see the verdict)"), never by the test part.")
            out.append("")
        }
        let header = ["Model", "Params"] + columns.map(\.header) + ["DM p vs naive", "Epochs", "Train time"]
        out.append(Self.tableRow(header))
        out.append("|" + header.enumerated().map { $0.offset == 0 ? "---" : "---:" }.joined(separator: "|") + "|")
        for m in models {
            var name = Escape.markdown(m.displayName)
            if m.name == run.pick { name = "★ " + name }
            if !m.status.isOK { name += " (failed)" }
            var cells = [name, m.kind == .baseline ? "0" : Format.integer(m.parameters)]
            for (c, column) in columns.enumerated() {
                if column.header == "DirAcc %" && m.status.isOK && m.name == NaiveForecaster().name {
                    cells.append("n/a (no-change forecast)")
                    continue
                }
                guard m.status.isOK, let v = column.value(m), v.isFinite else { cells.append("—"); continue }
                let text = column.format(v)
                cells.append(best[c].contains(text) ? "**\(text)**" : text)
            }
            cells.append(dmCell(m))
            cells.append(m.epochsRun.map(String.init) ?? "—")
            cells.append(m.trainSeconds.map { Format.seconds($0) } ?? "—")
            out.append(Self.tableRow(cells))
        }
        out.append("")
        let seasonText = run.dataset.season.season.map { "the seasonal naive forecast (m = \($0))" } ?? "the naive forecast"
        out.append("*How to read this:* MASE is the test MAE divided by the MAE \(seasonText) made in-sample on the training part: below 1 means a smaller error than that in-sample error, which is not the same as beating naive on the test part. Skill vs naive is 1 − MAE / MAE of the naive forecast on the same test points: 0.10 means 10% less error than repeating the last value, below 0 means worse. \"Beats naive\" in this report always compares with naive on the same test points (skill and the DM test), never MASE with 1. DirAcc is the share of steps where the forecast moved in the same direction as the actual value. A Diebold–Mariano (DM) p-value below 0.05 means the difference in squared error from naive is unlikely to be luck.")
        out.append("")
        if let note = ensembleNote(models) { out += [note, ""] }
        let failed = models.filter { !$0.status.isOK }
        if !failed.isEmpty {
            out.append("**Failed models** (the others ran normally):")
            out.append("")
            for m in failed { out.append("- **\(Escape.markdown(m.name))**: \(Escape.markdown(m.status.failureReason ?? "unknown reason"))") }
            out.append("")
        }
        if run.dataset.horizon > 1 { out += perStepTable() }
        return out
    }

    func dmCell(_ m: ModelResult) -> String {
        guard m.status.isOK else { return "—" }
        if m.name == NaiveForecaster().name { return "(reference)" }
        guard let r = m.dmVsNaive else { return "n/a" }
        var text = Format.pValue(r.pValue)
        if r.pValue < Self.significanceLevel { text += r.meanLossDifference < 0 ? " (better)" : " (worse)" }
        return text
    }

    func perStepTable() -> [String] {
        let h = run.dataset.horizon
        let models = run.models.filter { $0.status.isOK && !$0.testMetrics.isEmpty }
        var out = ["### Test MAE by step ahead", ""]
        let header = ["Model"] + (1...h).map { "t+\($0)" }
        out.append(Self.tableRow(header))
        out.append("|---|" + String(repeating: "---:|", count: h))
        let bestPerStep: [Double?] = (0..<h).map { s in models.compactMap { $0.testMetrics.count > s ? $0.testMetrics[s].mae : nil }.min() }
        for m in models {
            let cells = (0..<h).map { s -> String in
                guard m.testMetrics.count > s else { return "—" }
                let text = Format.number(m.testMetrics[s].mae)
                return bestPerStep[s].map { Format.number($0) == text } == true ? "**\(text)**" : text
            }
            out.append(Self.tableRow([Escape.markdown(m.displayName)] + cells))
        }
        out.append("")
        out.append("Per-step RMSE, sMAPE, MASE (\(MASEScale.label(season: run.dataset.season.season))), DirAcc and skill are in `metrics.json` (`per_step`).")
        out.append("")
        return out
    }

    // MARK: - Next forecast

    func nextForecastSection() -> [String] {
        let levels = run.intervalLevels
        let models = run.models.filter { $0.status.isOK && !$0.nextForecasts.isEmpty }
        guard !models.isEmpty else { return ["## Next forecast", "", "No model produced a forecast.", ""] }
        let ordered = models.filter { $0.name == run.pick } + models.filter { $0.name != run.pick }
        var out = ["## Next forecast", ""]
        let multiStep = run.dataset.horizon > 1
        let header = ["Model"] + (multiStep ? ["Step"] : []) + ["Date", "Forecast"] + levels.map { "\(Format.level($0)) interval" }
        out.append(Self.tableRow(header))
        out.append("|---|" + (multiStep ? "---:|" : "") + "---|---:|" + String(repeating: "---|", count: levels.count))
        let f = run.dataset.frequency
        for m in ordered {
            for next in m.nextForecasts {
                let name = m.name == run.pick ? "**★ \(Escape.markdown(m.displayName))**" : Escape.markdown(m.displayName)
                var cells = [name] + (multiStep ? ["\(next.step)"] : []) + [f.format(next.date), m.name == run.pick ? "**\(Format.value(next.value))**" : Format.value(next.value)]
                for level in levels {
                    if let b = next.intervals.first(where: { $0.level == level }) {
                        cells.append(b.isBounded ? "\(Format.value(b.lower)) to \(Format.value(b.upper))" : "unbounded")
                    } else {
                        cells.append("—")
                    }
                }
                out.append(Self.tableRow(cells))
            }
        }
        out.append("")
        // A bound cut at the floor is not "forecast − quantile": say so when a row shows one.
        let cut = run.intervalFloor.map { floor in
            models.contains { m in
                m.nextForecasts.contains { next in
                    m.intervals.contains { c in
                        let j = next.step - 1
                        return c.halfWidth.indices.contains(j) && c.halfWidth[j].isFinite && next.value - c.halfWidth[j] < floor
                    }
                }
            }
        } ?? false
        out.append("Intervals are split-conformal: the forecast ± the validation-part quantile of absolute errors"
                   + (cut ? ", with lower bounds that would fall below \(Format.number(run.intervalFloor!)) cut there" : "")
                   + " (see *Prediction intervals*).")
        out.append("")
        return out
    }

    // MARK: - Test period

    func testPeriodSection() -> [String] {
        guard let pick = run.pickedModel else { return [] }
        var out = ["## Test period", ""]
        let summary = ReportCharts.testSummary(run, pick: pick, naiveMAE: run.naiveModel?.test?.mae)
        if charts.contains(ReportFileName.testPeriodChart) {
            out.append("![Test period: actual values against the one-step forecasts of \(altText(pick.name)) and of the naive forecast, with shaded prediction intervals](\(ReportFileName.testPeriodChart))")
            out.append("")
        }
        out.append(Escape.markdown(summary))
        out.append("")
        return out
    }

    private func altText(_ s: String) -> String {
        s.replacingOccurrences(of: "[", with: "(").replacingOccurrences(of: "]", with: ")")
    }

    // MARK: - Intervals

    func intervalSection() -> [String] {
        let levels = run.intervalLevels
        let models = run.models.filter { $0.status.isOK && !$0.intervals.isEmpty }
        guard !models.isEmpty, !levels.isEmpty else { return [] }
        var out = ["## Prediction intervals", ""]
        out.append("Split-conformal: the half-width is the ⌈(n+1)·level⌉-th smallest absolute one-step error on the n validation points; coverage is the share of test values that fell inside. Good intervals cover close to their nominal level.")
        out.append("")
        if let floor = run.intervalFloor, Self.intervalsReachBelow(floor, models) {
            out.append("Some lower bounds are cut at \(Format.number(floor)): no training value was below it, so an interval does not claim values the series never takes.")
            out.append("")
        }
        var header = ["Model"]
        for level in levels { header += ["\(Format.level(level)) ±", "\(Format.level(level)) coverage"] }
        out.append(Self.tableRow(header))
        out.append("|---|" + String(repeating: "---:|", count: 2 * levels.count))
        for m in models {
            var cells = [m.name == run.pick ? "★ " + Escape.markdown(m.displayName) : Escape.markdown(m.displayName)]
            for level in levels {
                let c = m.intervals.first { $0.level == level }
                let q = c?.halfWidth.first
                cells.append(q.map { $0.isFinite ? Format.number($0) : "unbounded" } ?? "—")
                cells.append((c?.testCoverage.first ?? nil).map { Format.percent($0) } ?? "—")
            }
            out.append(Self.tableRow(cells))
        }
        out.append("")
        if run.dataset.horizon > 1 {
            out.append("One step ahead shown; per-step half-widths and coverages are in `metrics.json`.")
            out.append("")
        }
        return out
    }

    /// Whether some interval (next forecasts or test part, any model shown) would reach below
    /// `floor` without the cut: only then does the report mention it.
    static func intervalsReachBelow(_ floor: Double, _ models: [ModelResult]) -> Bool {
        models.contains { m in
            m.intervals.contains { c in
                c.halfWidth.indices.contains { j in
                    let q = c.halfWidth[j]
                    guard q.isFinite else { return false }
                    let next = m.nextForecasts.filter { $0.step == j + 1 }.map(\.value)
                    let test = m.testForecasts?.values.compactMap { $0.count > j ? $0[j] : nil } ?? []
                    return (next + test).contains { $0 - q < floor }
                }
            }
        }
    }

    // MARK: - Significance

    func significanceSection() -> [String] {
        guard !run.comparisons.isEmpty else { return [] }
        var out = ["## Significance", ""]
        out.append("Diebold–Mariano test on the test part, squared-error loss, one step ahead, with the Harvey–Leybourne–Newbold small-sample correction and a Student-t(n − 1) p-value (as R's `forecast::dm.test`). A negative statistic means the first model has the smaller squared error.")
        out.append("")
        out.append("| Comparison | Model | Against | n | DM statistic | p-value | Reading |")
        out.append("|---|---|---|---:|---:|---:|---|")
        for c in run.comparisons {
            let model = Escape.markdown(c.model), reference = Escape.markdown(c.reference)
            guard let r = c.result else {
                out.append("| \(Escape.markdown(c.label)) | \(model) | \(reference) | — | — | — | not testable: \(Escape.markdown(c.note ?? "")) |")
                continue
            }
            var reading: String
            if r.pValue < Self.significanceLevel {
                reading = r.meanLossDifference < 0 ? "\(model) significantly more accurate" : "\(reference) significantly more accurate"
                // Against naive the reading is itself the verdict; between two models it must
                // also say whether either beats naive.
                if c.reference != NaiveForecaster().name, let a = result(named: c.model), let b = result(named: c.reference) {
                    reading += r.meanLossDifference < 0 ? naiveClause(a, b, detailed: false) : naiveClause(b, a, detailed: false)
                }
            } else {
                reading = "no significant difference"
            }
            out.append("| \(Escape.markdown(c.label)) | \(model) | \(reference) | \(r.count) | \(Format.fixed(r.statistic, decimals: 3)) | \(Format.pValue(r.pValue)) | \(reading) |")
        }
        out.append("")
        return out
    }

    func result(named name: String) -> ModelResult? { run.models.first { $0.name == name } }

    // MARK: - Feed-forward vs recurrent

    func contrastSection() -> [String] {
        let ffModels = run.models.filter { $0.kind == .feedForward }
        let recurrentModels = run.models.filter { $0.kind == .recurrent }
        guard !ffModels.isEmpty || !recurrentModels.isEmpty else { return [] }
        var out = ["## Windowed feed-forward vs recurrent", ""]
        let ff = ffModels.first { $0.status.isOK }
        let rnn = ModelSelection.bestRecurrent(run.models)
        func describe(_ m: ModelResult) -> String {
            var s = "\(Escape.markdown(m.name)) (\(Format.integer(m.parameters)) parameters"
            if let t = m.trainSeconds { s += ", \(Format.seconds(t)) training" }
            s += ") had test MAE \(Format.number(m.test?.mae ?? .nan))"
            return s
        }
        guard let ff, let rnn else {
            if ff == nil && !ffModels.isEmpty { out.append("The feed-forward network failed, so there is no contrast to draw.") }
            else if rnn == nil && !recurrentModels.isEmpty { out.append("Every recurrent model failed, so there is no contrast to draw.") }
            else { out.append("Only one family of networks ran, so there is no contrast to draw.") }
            out.append("")
            return out
        }
        var text = "The windowed feed-forward network \(describe(ff)). The best recurrent model on validation, \(describe(rnn))"
        if let a = ff.test?.mae, let b = rnn.test?.mae, a > 0 {
            let change = (b - a) / a
            text += change < 0 ? ", \(Format.percent(-change)) lower." : change > 0 ? ", \(Format.percent(change)) higher." : ", the same."
        } else {
            text += "."
        }
        if ff.parameters > 0 && rnn.parameters > 0 {
            let ratio = Double(rnn.parameters) / Double(ff.parameters)
            text += " The recurrent model has \(Format.number(ratio, significant: 2))× the parameters"
            if let t1 = ff.trainSeconds, let t2 = rnn.trainSeconds, t1 > 0 {
                text += " and took \(Format.number(t2 / t1, significant: 2))× the training time"
            }
            text += "."
        }
        out.append(text)
        out.append("")
        let others = recurrentModels.filter { $0.name != rnn.name }
        if !others.isEmpty {
            let list = others.map { m in
                m.status.isOK ? "\(Escape.markdown(m.name)) MAE \(Format.number(m.test?.mae ?? .nan)) (\(Format.integer(m.parameters)) parameters)"
                              : "\(Escape.markdown(m.name)) failed"
            }
            out.append("Other recurrent models: " + list.joined(separator: "; ") + ".")
            out.append("")
        }
        out.append(whatTheDataSays("best recurrent vs feed-forward",
            firstBetter: { r in "the recurrent state pays off here: \(Escape.markdown(rnn.name)) is significantly more accurate than the feed-forward network (DM \(Format.pEquals(r.pValue)))\(naiveClause(rnn, ff))." },
            secondBetter: { r in "the feed-forward network is significantly more accurate than \(Escape.markdown(rnn.name)) (DM \(Format.pEquals(r.pValue)))\(naiveClause(ff, rnn)); the window already holds what the recurrent models would carry in their state." },
            noise: { r in "the difference is within noise (DM \(Format.pEquals(r.pValue))); the recurrent models do not buy accuracy over a network that sees the same window, so the cheaper model is the sensible default." }))
        out.append("")
        return out
    }

    // MARK: - Networks vs statistical models

    /// The best network against the best statistical model (each chosen on validation, as the
    /// pick is), their test MAE and the Diebold–Mariano test on the test part: whether a network
    /// earned its place beside exponential smoothing and Theta on this series.
    func networksVersusStatisticalSection() -> [String] {
        guard run.models.contains(where: { $0.kind == .statistical }) else { return [] }
        var out = ["## Networks vs statistical models", ""]
        guard let network = ModelSelection.bestNetwork(run.models), let statistical = ModelSelection.bestStatistical(run.models) else {
            let failed = ModelSelection.bestStatistical(run.models) == nil ? "every statistical model failed"
                : run.models.contains { $0.kind.isNetwork } ? "every network failed" : "no network was run"
            out += ["There is nothing to compare: \(failed).", ""]
            return out
        }
        func mae(_ m: ModelResult) -> String { Format.number(m.test?.mae ?? .nan) }
        var text = "The best network on validation, \(Escape.markdown(network.displayName)), had test MAE \(mae(network)); "
            + "the best statistical model, \(Escape.markdown(statistical.displayName)), had \(mae(statistical))"
        if let a = statistical.test?.mae, let b = network.test?.mae, a > 0 {
            let change = (b - a) / a
            text += change < 0 ? ": the network's is \(Format.percent(-change)) lower." : change > 0 ? ": the network's is \(Format.percent(change)) higher." : ": the same."
        } else {
            text += "."
        }
        out += [text, ""]
        let statisticalName = Escape.markdown(statistical.displayName)
        out.append(whatTheDataSays("best network vs best statistical",
            firstBetter: { r in "the network earns its place here: \(Escape.markdown(network.name)) is significantly more accurate than \(statisticalName) (DM \(Format.pEquals(r.pValue)), \(r.count) test points)\(naiveClause(network, statistical))." },
            secondBetter: { r in "\(statisticalName) is significantly more accurate than the best network (DM \(Format.pEquals(r.pValue)), \(r.count) test points)\(naiveClause(statistical, network)); on this series the networks do not earn their place." },
            noise: { r in "the difference is within noise (DM \(Format.pEquals(r.pValue)), \(r.count) test points): the network does not buy accuracy over \(statisticalName), which is cheaper to fit and easier to explain." }))
        out.append("")
        return out
    }

    /// "What the data says: …" for the comparison labelled `label`: `firstBetter` when its first
    /// model is significantly more accurate (DM p below the significance level, lower loss),
    /// `secondBetter` when significantly less, `noise` otherwise; why not, when it was not testable.
    func whatTheDataSays(_ label: String, firstBetter: (DieboldMarianoResult) -> String,
                         secondBetter: (DieboldMarianoResult) -> String, noise: (DieboldMarianoResult) -> String) -> String {
        let comparison = run.comparisons.first { $0.label == label }
        guard let r = comparison?.result else {
            return "What the data says: the test could not separate them (\(Escape.markdown(comparison?.note ?? "no paired test forecasts")))."
        }
        let reading = r.pValue >= Self.significanceLevel ? noise(r) : r.meanLossDifference < 0 ? firstBetter(r) : secondBetter(r)
        return "What the data says: " + reading
    }

    // MARK: - Training

    func trainingSection() -> [String] {
        let models = run.models.filter { !$0.trainLoss.isEmpty || !$0.validationLoss.isEmpty }
        var out = ["## Training", ""]
        guard !models.isEmpty else {
            out.append("No model recorded loss curves.")
            out.append("")
            return out
        }
        if charts.contains(ReportFileName.lossChart) {
            out.append("![Training and validation loss per epoch for each network](\(ReportFileName.lossChart))")
            out.append("")
        }
        for m in models { out.append("- " + Escape.markdown(ReportCharts.lossSummary(m))) }
        out.append("")
        if let note = ensembleNote(models) { out += [note, ""] }
        // One line per distinct reason, naming the models it applies to.
        var reasons: [(reason: String, models: [String])] = []
        for m in models {
            guard let gap = lossGap(m) else { continue }
            let figures = "\(m.name) \(Format.number(gap.validation, significant: 3)) vs \(Format.number(gap.train, significant: 3)) at epoch \(gap.epoch)"
            if let i = reasons.firstIndex(where: { $0.reason == gap.reason }) { reasons[i].models.append(figures) }
            else { reasons.append((gap.reason, [figures])) }
        }
        for r in reasons {
            out += ["**Why the validation loss is far below the training loss** (lowest validation loss vs training loss at that epoch: "
                    + Escape.markdown(r.models.joined(separator: "; ")) + "): " + Escape.markdown(r.reason) + ".", ""]
        }
        for warning in run.trainingWarnings {
            out += ["**Stopped by the epoch cap:** \(Escape.markdown(warning)).", ""]
        }
        return out
    }

    /// With `--ensemble k` above 1 and networks among `models`: what the networks' figures are of
    /// (forecasts and errors: the mean of k networks; parameters, epochs, loss curves and gradient
    /// flow: the first seed's; training time: all k). Nil otherwise.
    func ensembleNote(_ models: [ModelResult]) -> String? {
        let k = run.networkSeeds
        guard k > 1, models.contains(where: { $0.kind.isNetwork }) else { return nil }
        return "Each network is an ensemble of \(k) seeds (--ensemble \(k)): its forecasts and errors are the mean of \(k) trained networks; "
            + "its parameters, epochs, loss figures and gradient flow are those of the first seed, and its training time is the sum of the \(k) trainings."
    }

    /// Validation loss below this share of the training loss (at the best validation epoch) gets
    /// an explanation in the report.
    static let lossGapRatio = 0.5

    /// Why a model's lowest validation loss is far below its training loss, checked rather than
    /// guessed: dropout is active while the training loss is measured and off for validation
    /// (only if the model has dropout); the validation part may be calmer than the training part
    /// (compared by the variance of the scaled target on each). Nil when there is no such gap.
    func lossGap(_ m: ModelResult) -> (validation: Double, train: Double, epoch: Int, reason: String)? {
        guard let best = m.validationLoss.enumerated().filter({ $0.element.isFinite }).min(by: { $0.element < $1.element }),
              m.trainLoss.indices.contains(best.offset) else { return nil }
        let train = m.trainLoss[best.offset]
        guard train.isFinite, train > 0, best.element < Self.lossGapRatio * train else { return nil }
        var reasons: [String] = []
        if m.configuration.contains("dropout") {
            reasons.append("the model has dropout, which is on while the training loss is measured and off for validation")
        }
        var calmer = false
        if let v = run.dataset.scaledTargetVariance, v.train > 0, v.validation.isFinite {
            let figures = "variance of the scaled target \(Format.number(v.validation, significant: 2)) on the validation part against \(Format.number(v.train, significant: 2)) on the training part"
            if v.validation < 0.75 * v.train {
                calmer = true
                reasons.append("the validation part is calmer than the training part (\(figures)), so the same model makes smaller errors there")
            } else {
                reasons.append("the validation part is not calmer (\(figures)), so the data do not explain it")
            }
        }
        if reasons.isEmpty || (!calmer && !m.configuration.contains("dropout")) {
            reasons.append("the training loss is the mean over the epoch's mini-batches while the weights are still changing, the validation loss is measured after the epoch")
        }
        return (best.element, train, best.offset + 1, reasons.joined(separator: "; "))
    }

    // MARK: - Gradient flow

    func gradientSection() -> [String] {
        let models = run.models.filter { ($0.gradientFlow?.isEmpty == false) }
        guard !models.isEmpty else { return [] }
        var out = ["## Gradient flow", ""]
        if charts.contains(ReportFileName.gradientFlowChart) {
            out.append("![Gradient norm against the number of steps back in time, log scale, one line per recurrent model](\(ReportFileName.gradientFlowChart))")
            out.append("")
        }
        out.append("Each line shows how strongly the loss at the last step reacts to the hidden state k steps earlier (log scale): the steeper a line falls, the less the oldest inputs of the window can teach that model.")
        let summary = ReportCharts.gradientSummary(models)
        if !summary.isEmpty {
            out.append("")
            out.append(Escape.markdown(summary))
        }
        out.append("")
        out += gradientReading(models)
        return out
    }

    /// What this run's gradient norms show, then the textbook expectation said as an
    /// expectation, and whether this run agrees with it: the report must not claim that gates
    /// preserved the gradient when the numbers say they did not.
    func gradientReading(_ models: [ModelResult]) -> [String] {
        // Shrink factor ‖g_0‖ / ‖g_K‖ per model (above 1: the gradient fell going back in time).
        let factors: [(name: String, factor: Double, steps: Int)] = models.compactMap { m in
            guard let g = m.gradientFlow, g.count > 1, let first = g.first, let last = g.last, first > 0, last > 0 else { return nil }
            return (m.name, first / last, g.count - 1)
        }
        guard !factors.isEmpty else { return [] }
        // A factor below 1 means the gradient grew going back: it must not be read as "fell".
        func moved(_ f: Double) -> String {
            f > 1 ? "fell by ×\(Format.factor(f))" : f < 1 ? "grew by ×\(Format.factor(1 / f))" : "stayed level"
        }
        var out: [String] = []
        if factors.count >= 2, let fastest = factors.max(by: { $0.factor < $1.factor }), let slowest = factors.min(by: { $0.factor < $1.factor }) {
            if slowest.factor >= 1 {
                out.append("In this run the gradient fell fastest for \(Escape.markdown(fastest.name)) (×\(Format.factor(fastest.factor)) over \(fastest.steps) steps) and least for \(Escape.markdown(slowest.name)) (×\(Format.factor(slowest.factor))).")
            } else {
                let each = factors.sorted { $0.factor > $1.factor }.map { "\(moved($0.factor)) for \(Escape.markdown($0.name))" }
                out.append("In this run, going back \(fastest.steps) steps, the gradient "
                           + (each.count <= 1 ? each.joined() : each.dropLast().joined(separator: ", ") + " and " + each.last!) + ".")
            }
        }
        let lowered = factors.map { ($0.name.lowercased(), $0.factor) }
        if let rnn = lowered.first(where: { $0.0 == "rnn" }) {
            let gated = lowered.filter { $0.0 == "gru" || $0.0 == "lstm" }
            if !gated.isEmpty {
                var text = "The textbook expectation is that the plain RNN's gradient vanishes fastest, since its state is squashed at every step, and that the gates of GRU and LSTM let it survive over the window; gates allow that, they do not force it. "
                let against = gated.filter { $0.1 >= rnn.1 }
                if rnn.1 <= 1 {
                    text += "This run does not agree: the plain RNN's gradient did not vanish, it \(moved(rnn.1)) going back in time."
                } else if against.isEmpty {
                    text += "This run agrees: the plain RNN's gradient fell by more (×\(Format.factor(rnn.1))) than every gated model's."
                } else {
                    text += "This run does not agree: " + against.map { "\($0.0) fell by ×\(Format.factor($0.1))" }.joined(separator: " and ")
                        + ", as much as or more than the plain RNN (×\(Format.factor(rnn.1)))."
                }
                out.append(text)
            }
        }
        if !out.isEmpty { out.append("") }
        return out
    }

    // MARK: - Reproducibility

    func reproducibilitySection() -> [String] {
        let r = run.reproducibility
        let d = run.dataset
        var lines = [
            "forecast version: \(r.version)",
            "command:          \(r.commandLine)",
            "seed:             \(r.seed)",
            "input file:       \(d.filePath)",
            "input sha256:     \(d.sha256)",
            "run started:      \(Format.iso8601(run.startedAt))",
        ]
        if let warm = r.startingWeights { lines.append("warm start:       \(warm)") }
        if !r.hyperParameters.isEmpty {
            lines.append("hyper-parameters:")
            let width = r.hyperParameters.map(\.name.count).max() ?? 0
            for p in r.hyperParameters {
                lines.append("  " + p.name + String(repeating: " ", count: width - p.name.count + 2) + p.value)
            }
        }
        let block = lines.joined(separator: "\n")
        let fence = Escape.codeFence(for: block)
        let commandFence = Escape.codeFence(for: r.commandLine)
        return ["## Reproducibility", "", fence + "text", block, fence, "",
                r.startingWeights == nil
                    ? "Re-run exactly this (same seed and input give bit-identical numbers; check the checksum with `sha256sum`):"
                    : "Re-run this to fit the same input again; the numbers above came from a warm start (networks trained on from an "
                      + "earlier run's weights, not from the seed alone), so only a run from those same weights, seed and input gives them bit for bit:",
                "",
                commandFence + "sh", r.commandLine, commandFence, ""]
    }
}
