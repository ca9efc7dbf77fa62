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
    public var liveScaledError: Double?
    /// Link to the job's latest report, relative to the index file.
    public var link: String?
    public var schedule: String?
    public var nextRun: Date?
    /// Error of the most recent run when it failed.
    public var message: String?

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
                e.pick = ok.pick
                e.forecast = ok.forecast
                e.testMASE = ok.pick.flatMap { ok.testMASE[$0] }
                e.liveScaledError = ok.liveScaledError
            }
            if RunFolders.latestTarget(in: job.reportDir) != nil {
                e.link = relativePath(from: indexFolder, to: job.reportDir.appendingPathComponent("latest"))
            }
            e.schedule = job.schedule?.source
            e.nextRun = job.schedule?.nextFireDate(after: now, in: timeZone)
            return e
        }
    }

    public static func markdown(_ entries: [IndexEntry], generated: Date, pipeline: String) -> String {
        let n = tableNumber
        var md = "# Forecast reports\n\n"
        md += "Pipeline `\(pipeline)`, index written \(timestamp(generated)).\n\n"
        md += "| job | last run | status | pick | next forecast | interval | test MASE | live scaled error | next run | report |\n"
        md += "|---|---|---|---|---|---|---:|---:|---|---|\n"
        for e in entries {
            let forecast = e.forecast.map { "\(n($0.value)) for \(timestamp($0.date))" } ?? "–"
            let interval = e.forecast.map(tableInterval) ?? "–"
            let status = e.lastStatus.map { $0 == .failed ? "**failed**" : $0.rawValue } ?? "never run"
            let link = e.link.map { "[latest](\($0)/report.md)" } ?? "–"
            let next = e.nextRun.map(timestamp) ?? (e.schedule == nil ? "by hand" : "–")
            md += "| \(e.job) | \(e.lastRun.map(timestamp) ?? "–") | \(status) | \(e.pick ?? "–") | \(forecast) | \(interval) | \(n(e.testMASE)) | \(n(e.liveScaledError)) | \(next) | \(link) |\n"
        }
        let failed = entries.filter { $0.lastStatus == .failed }
        if !failed.isEmpty {
            md += "\n## Failures\n\n"
            for e in failed { md += "- **\(e.job)**: \(e.message ?? "failed; see the log")\n" }
        }
        return md
    }

    /// Writes `index.md` atomically.
    public static func write(_ entries: [IndexEntry], to url: URL, generated: Date, pipeline: String) throws {
        try AtomicFile.write(markdown(entries, generated: generated, pipeline: pipeline), to: url)
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
