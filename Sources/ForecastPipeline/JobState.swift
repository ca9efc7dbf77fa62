import Foundation
import ForecastReport
import ForecastWorkflow

/// What a job's result depends on: the input's bytes and the settings that change the
/// computation. Equal fingerprints mean a rerun would reproduce the last report.
public struct JobFingerprint: Codable, Equatable, Sendable {
    /// SHA-256 (hex) of the input file's bytes.
    public var inputSHA256: String
    /// SHA-256 (hex) of `JobConfig.canonicalConfiguration`.
    public var configurationSHA256: String

    public init(inputSHA256: String, configurationSHA256: String) {
        self.inputSHA256 = inputSHA256
        self.configurationSHA256 = configurationSHA256
    }

    /// Reads the input (O(file size)). Throws when the input cannot be read.
    public static func of(_ job: JobConfig) throws -> JobFingerprint {
        JobFingerprint(inputSHA256: try sha256Hex(of: job.input),
                       configurationSHA256: sha256Hex(of: job.canonicalConfiguration))
    }
}

/// `state.json` in a job's report folder, written after each successful run. It decides
/// skipping (`fingerprint`) and warm starts (`checkpoint`).
public struct JobState: Codable, Equatable, Sendable {
    public var fingerprint: JobFingerprint
    /// When the last successful run started (ISO 8601).
    public var lastSuccess: Date
    /// Name of the dated report folder of that run, relative to the job's report folder.
    public var runFolder: String
    /// Checkpoint of the picked model, relative to the job's report folder; the warm-start point.
    public var checkpoint: String?
    /// A portfolio job's series that have a report, by series id (nil for a single-series job,
    /// and in files of older versions).
    public var series: [String: SeriesState]?

    public init(fingerprint: JobFingerprint, lastSuccess: Date, runFolder: String, checkpoint: String?,
                series: [String: SeriesState]? = nil) {
        self.fingerprint = fingerprint
        self.lastSuccess = lastSuccess
        self.runFolder = runFolder
        self.checkpoint = checkpoint
        self.series = series
    }

    public static func url(in reportDir: URL) -> URL { reportDir.appendingPathComponent("state.json") }

    /// The state in `reportDir`, or nil when there is none, it is a symbolic link, or it does not
    /// decode (then the job simply runs in full).
    public static func load(from reportDir: URL) -> JobState? {
        guard let data = (try? OwnedFiles.read(url(in: reportDir), role: "the job's state.json")) ?? nil else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(JobState.self, from: data)
    }

    /// Writes atomically.
    public func save(in reportDir: URL) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: Self.url(in: reportDir))
    }
}

/// Whether a job must run.
public enum SkipDecision: Equatable, Sendable {
    case run(reason: String)
    case skip(lastSuccess: Date)

    /// Skip only when the last successful run had the same fingerprint and its report is still
    /// there; `force` always runs.
    public static func decide(fingerprint: JobFingerprint, state: JobState?, reportDir: URL, force: Bool) -> SkipDecision {
        if force { return .run(reason: "forced") }
        guard let state else { return .run(reason: "no earlier successful run") }
        guard FileManager.default.fileExists(atPath: reportDir.appendingPathComponent(state.runFolder).path) else {
            return .run(reason: "the last report folder is gone")
        }
        if state.fingerprint.inputSHA256 != fingerprint.inputSHA256 { return .run(reason: "input changed") }
        if state.fingerprint.configurationSHA256 != fingerprint.configurationSHA256 { return .run(reason: "configuration changed") }
        return .skip(lastSuccess: state.lastSuccess)
    }
}

/// One series of a portfolio job in `state.json`: what its last fit depended on and what it
/// found, so an unchanged series is carried into the next summary instead of being refitted.
public struct SeriesState: Codable, Equatable, Sendable {
    /// `inputSHA256` is of the series' own bytes (``SeriesFingerprint``), not the whole file's.
    public var fingerprint: JobFingerprint
    /// Start of the run that fitted it.
    public var lastSuccess: Date
    /// Its leaderboard row; `report` names its run folder, relative to the job's folder.
    public var result: PortfolioSeriesResult

    public init(fingerprint: JobFingerprint, lastSuccess: Date, result: PortfolioSeriesResult) {
        self.fingerprint = fingerprint
        self.lastSuccess = lastSuccess
        self.result = result
    }
}
