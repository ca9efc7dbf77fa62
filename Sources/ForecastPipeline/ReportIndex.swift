import Foundation
import ForecastReport

/// One job's line in `reports/index.md`.
public struct IndexEntry: Equatable, Sendable {
    public var job: String
    /// Status of the job's most recent run; nil when it never ran.
    public var lastStatus: JobStatus?
    public var lastRun: Date?
    /// From the most recent *successful* run.
    public var pick: String?
    public var forecast: ForecastPoint?
    public var testMASE: Double?
    /// What `testMASE` is scaled by, e.g. "vs naive, in-sample" (``MASEScale``), from the latest
    /// report's `metrics.json`; nil when it cannot be read.
    public var maseScale: String?
    public var liveScaledError: Double?
    /// Link to the job's latest report, relative to the index file.
    public var link: String?
    public var schedule: String?
    public var nextRun: Date?
    /// Error of the most recent run when it failed.
    public var message: String?
    /// When the run that `pick`, `forecast` and the link come from started (the last success).
    public var lastSuccess: Date?
    /// Set for a portfolio job: whether it is one, and the counts of its latest summary (nil
    /// inside when no summary can be read yet).
    public var isPortfolio = false
    public var portfolio: PortfolioCounts?

    public init(job: String) { self.job = job }
}

/// `reports/index.md`: every job of the pipeline with its latest pick, next forecast, and a link.
public enum ReportIndex {
    /// Builds the entries from each job's `history.csv` and `latest` link, so jobs that did not
    /// run this time (`--job`) still appear with their last result.
    public static func entries(for jobs: [JobConfig], indexFolder: URL, now: Date, timeZone: TimeZone = .current) -> [IndexEntry] {
        jobs.map { job in
            var e = IndexEntry(job: job.name)
            let rows = (try? RunHistory(url: job.reportDir.appendingPathComponent("history.csv")).read()) ?? []
            if let last = rows.last {
                e.lastStatus = last.status
                e.lastRun = last.runStarted
                if last.status == .failed { e.message = last.message }
            }
            if let ok = rows.last(where: { $0.status == .ok }) {
                e.lastSuccess = ok.runStarted
                e.pick = ok.pick
                e.forecast = ok.forecast
                e.testMASE = ok.pick.flatMap { ok.testMASE[$0] }
                e.liveScaledError = ok.liveScaledError
            }
            if job.portfolio != nil {
                e.isPortfolio = true
                // A portfolio run writes one line per series; the run's status is its job-level
                // line's (skipped or failed as a whole), else ok.
                if let last = rows.last {
                    let run = rows.filter { $0.runStarted == last.runStarted }
                    let whole = run.last { $0.series == nil }
                    e.lastStatus = whole?.status ?? .ok
                    e.message = whole?.status == .failed ? whole?.message : nil
                }
                if let latest = RunFolders.latestTarget(in: job.reportDir) {
                    e.link = relativePath(from: indexFolder, to: job.reportDir.appendingPathComponent("latest"))
                    e.portfolio = PortfolioCounts.read(summaryFolder: job.reportDir.appendingPathComponent(latest))
                }
            } else if let latest = RunFolders.latestTarget(in: job.reportDir) {
                e.link = relativePath(from: indexFolder, to: job.reportDir.appendingPathComponent("latest"))
                e.maseScale = maseScale(ofRunFolder: job.reportDir.appendingPathComponent(latest))
            }
            e.schedule = job.schedule?.source
            e.nextRun = job.schedule?.nextFireDate(after: now, in: timeZone)
            return e
        }
    }

    /// The MASE scale of a run folder's `metrics.json` (its `dataset.season`); nil when the file
    /// is missing, unreadable or a symbolic link.
    static func maseScale(ofRunFolder folder: URL) -> String? {
        guard let data = (try? OwnedFiles.read(folder.appendingPathComponent(ReportFileName.metrics), role: "a report's metrics.json")) ?? nil,
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let dataset = root["dataset"] as? [String: Any], dataset.keys.contains("season") else { return nil }
        return MASEScale.label(season: dataset["season"] as? Int)
    }

    public static func markdown(_ entries: [IndexEntry], generated: Date, pipeline: String) -> String {
        markdown([(pipeline, entries)], generated: generated)
    }

    /// The index of every pipeline that writes into one report root: one table per pipeline
    /// (the first is the one that just ran), each followed by its failures.
    public static func markdown(_ sections: [(pipeline: String, entries: [IndexEntry])], generated: Date) -> String {
        var md = "# Forecast reports\n\n"
        if sections.count == 1 {
            md += "Pipeline `\(sections[0].pipeline)`, index written \(timestamp(generated)).\n"
            md += table(sections[0].entries, headingLevel: "##")
        } else {
            md += "\(sections.count) pipelines write into this folder; index written \(timestamp(generated)).\n"
            for section in sections {
                md += "\n## Pipeline `\(section.pipeline)`\n"
                md += table(section.entries, headingLevel: "###")
            }
        }
        return md
    }

    private static func table(_ all: [IndexEntry], headingLevel: String) -> String {
        let entries = all.filter { !$0.isPortfolio }
        let portfolios = all.filter(\.isPortfolio)
        var md = ""
        if !entries.isEmpty || portfolios.isEmpty { md += singleSeriesTable(entries) }
        if !portfolios.isEmpty {
            md += "\n\(headingLevel) Portfolios\n\n"
            md += "One row per portfolio job: its latest summary's counts. Fitted includes the series carried over unchanged "
                + "(not refitted); skipped: a data problem or no forecast; beat naive: significantly (Diebold–Mariano, 5 %).\n"
            md += "\n| job | last run | status | series | fitted | unchanged | skipped | beat naive | next run | summary |\n"
            md += "|---|---|---|---:|---:|---:|---:|---:|---|---|\n"
            for e in portfolios {
                let status = e.lastStatus.map { $0 == .failed ? "**failed**" : $0.rawValue } ?? "never run"
                let next = e.nextRun.map(timestamp) ?? (e.schedule == nil ? "by hand" : "–")
                let c = e.portfolio
                let cells = [c.map { String($0.series) }, c.map { String($0.fitted) }, c.map { String($0.unchanged) },
                             c.map { String($0.skipped) }, c.map { String($0.beatNaive) }].map { $0 ?? "–" }
                let link = e.link.map { "[summary](\($0)/\(PortfolioSummary.markdownFile))" } ?? "–"
                md += "| \(e.job) | \(e.lastRun.map(timestamp) ?? "–") | \(status) | \(cells.joined(separator: " | ")) | \(next) | \(link) |\n"
            }
        }
        let failed = all.filter { $0.lastStatus == .failed }
        if !failed.isEmpty {
            md += "\n\(headingLevel) Failures\n\n"
            for e in failed {
                // The row beside it shows the last success's pick and forecast: say they are not this run's.
                let earlier = e.isPortfolio ? "the summary and its counts are" : "the pick, next forecast and report are"
                let shown = e.lastSuccess.map { "; \(earlier) those of the last successful run, \(timestamp($0))" } ?? ""
                md += "- **\(e.job)**: \(e.message ?? "failed; see the log")\(shown)\n"
            }
        }
        return md
    }

    private static func singleSeriesTable(_ entries: [IndexEntry]) -> String {
        let n = tableNumber
        var md = "\n| job | last run | status | pick | next forecast | interval | test MASE | live scaled error | next run | report |\n"
        md += "|---|---|---|---|---|---|---:|---:|---|---|\n"
        for e in entries {
            let forecast = e.forecast.map { "\(n($0.value)) for \(timestamp($0.date))" } ?? "–"
            let interval = e.forecast.map(tableInterval) ?? "–"
            let status = e.lastStatus.map { $0 == .failed ? "**failed**" : $0.rawValue } ?? "never run"
            let link = e.link.map { "[latest](\($0)/report.md)" } ?? "–"
            let next = e.nextRun.map(timestamp) ?? (e.schedule == nil ? "by hand" : "–")
            let mase = e.testMASE.map { m in n(m) + (e.maseScale.map { " (\($0))" } ?? "") } ?? "–"
            md += "| \(e.job) | \(e.lastRun.map(timestamp) ?? "–") | \(status) | \(e.pick ?? "–") | \(forecast) | \(interval) | \(mase) | \(n(e.liveScaledError)) | \(next) | \(link) |\n"
        }
        return md
    }

    /// Writes `index.md` atomically.
    public static func write(_ entries: [IndexEntry], to url: URL, generated: Date, pipeline: String) throws {
        try AtomicFile.write(markdown(entries, generated: generated, pipeline: pipeline), to: url)
    }

    /// Writes `index.md` atomically, one table per pipeline.
    public static func write(_ sections: [(pipeline: String, entries: [IndexEntry])], to url: URL, generated: Date) throws {
        try AtomicFile.write(markdown(sections, generated: generated), to: url)
    }

    /// `.pipelines` in a report root: the absolute paths of the pipeline files that write into it,
    /// one per line, so that `index.md` lists the jobs of all of them rather than of whichever ran
    /// last. Runs sharing a root hold the same lock, so reading and rewriting it does not race.
    public static func registryFile(root: URL) -> URL { root.appendingPathComponent(".pipelines") }

    /// The other pipelines registered in `pipeline`'s report root that still exist, parse and
    /// write into that root (in registration order), after adding `pipeline` to the registry and
    /// dropping the entries that no longer qualify.
    public static func registerAndLoadOthers(_ pipeline: PipelineFile) throws -> [PipelineFile] {
        let registry = registryFile(root: pipeline.reportRoot)
        let root = pipeline.reportRoot.standardizedFileURL.path
        let listed = ((try? OwnedFiles.read(registry, role: "the report root's .pipelines")).flatMap { $0 }
            .map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        var others: [PipelineFile] = []
        for path in listed where path != pipeline.url.path {
            guard let other = try? PipelineFile.load(path: path),
                  other.reportRoot.standardizedFileURL.path == root else { continue }
            others.append(other)
        }
        let kept = [pipeline.url.path] + others.map(\.url.path)
        let unchanged = listed.count == kept.count && Set(listed) == Set(kept)
        if !unchanged {
            try AtomicFile.write(kept.sorted().joined(separator: "\n") + "\n", to: registry)
        }
        return others
    }

    /// `to` relative to the folder `from` (both absolute), e.g. `prices/latest`.
    static func relativePath(from folder: URL, to target: URL) -> String {
        let a = folder.standardizedFileURL.pathComponents, b = target.standardizedFileURL.pathComponents
        var i = 0
        while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
        return (Array(repeating: "..", count: a.count - i) + b[i...]).joined(separator: "/")
    }
}

// Markdown table cells shared by index.md and the report's live-error section.

/// A number with 4 significant digits, or "–" when there is none.
func tableNumber(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "–" }

/// A forecast's interval, "[lower, upper]", or "–" when it has no bounds.
func tableInterval(_ f: ForecastPoint) -> String {
    guard let lower = f.lower, let upper = f.upper else { return "–" }
    return "[\(tableNumber(lower)), \(tableNumber(upper))]"
}
