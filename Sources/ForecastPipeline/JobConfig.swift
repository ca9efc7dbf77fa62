import Glibc
import ForecastReport
import ForecastWorkflow
import Foundation

/// How a scheduled job trains: `full` retrains from scratch on every run; `warm` starts from the
/// last successful run's checkpoint and fine-tunes on the data (falling back to `full` when no
/// usable checkpoint exists).
public enum RefitPolicy: String, CaseIterable, Codable, Sendable {
    case full, warm
}

/// A job whose input is many series (`id_column`, `targets`, several files or a glob): run as
/// `forecast fit` runs a portfolio (``PortfolioRun``), one report folder per series under the
/// job's folder and a summary beside them.
public struct PortfolioInput: Equatable, Sendable {
    /// Absolute paths or glob patterns (`*`, `?`, `[…]`), expanded at each run so that a file
    /// added to the folder joins the next run.
    public var inputs: [String]
    public var shape: PortfolioShape

    public init(inputs: [String], shape: PortfolioShape) {
        self.inputs = inputs
        self.shape = shape
    }

    /// Whether a path is a glob pattern rather than a file name.
    public static func isPattern(_ path: String) -> Bool { path.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    /// The files of the run: each pattern's matches in byte order, then the plain paths, in the
    /// order given, without repeats. Throws ``PortfolioError`` (exit 10) for a pattern that
    /// matches nothing.
    public func files() throws -> [String] {
        var out: [String] = []
        for item in inputs {
            guard Self.isPattern(item) else {
                if !out.contains(item) { out.append(item) }
                continue
            }
            var g = glob_t()
            defer { globfree(&g) }
            guard glob(item, 0, nil, &g) == 0, g.gl_pathc > 0 else {
                throw PortfolioError(.inputUnreadable, file: item, "the pattern matches no file",
                                     hint: "check the folder and the pattern (relative to the pipeline file's folder)")
            }
            var matches: [String] = []
            for i in 0..<Int(g.gl_pathc) { if let c = g.gl_pathv[i] { matches.append(String(cString: c)) } }
            matches.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for m in matches where !out.contains(m) { out.append(m) }
        }
        return out
    }
}

/// One job of a pipeline file after defaults are applied and paths resolved: the run's
/// ``FitConfiguration`` (`forecast fit`'s defaults, overridden by the file's `defaults:` and then
/// by the job's own keys) plus what only scheduling needs.
public struct JobConfig: Equatable, Sendable {
    /// Plain identifier `[A-Za-z_][A-Za-z0-9_-]*`; names the report folder and the cron entry.
    public var name: String
    /// What the job computes; `fit.input` is the absolute path of the input CSV.
    public var fit: FitConfiguration
    /// When `forecast schedule` runs the job; nil means the job is only run by hand.
    public var schedule: CronExpression?
    /// How many dated report folders (with their checkpoints) to keep; at least 1.
    public var retention: Int
    public var refit: RefitPolicy
    /// Set when the job forecasts many series (``PortfolioInput``); nil for one series.
    public var portfolio: PortfolioInput?
    /// YAML line where the job starts (for messages).
    public var line: Int

    public init(name: String, input: URL, reportDir: URL, retention: Int = JobConfig.defaultRetention,
                refit: RefitPolicy = .full, line: Int = 0) {
        self.name = name
        self.fit = FitConfiguration(input: input.path)
        self.retention = retention
        self.refit = refit
        self.line = line
        fit.reportsDirectory = reportDir.path
        fit.datasetName = name
    }

    public static let defaultRetention = 30

    /// Absolute folder holding this job's dated reports, `latest`, `history.csv` and `state.json`.
    public var reportDir: URL {
        get { URL(fileURLWithPath: fit.reportsDirectory, isDirectory: true) }
        set { fit.reportsDirectory = newValue.path }
    }

    /// Absolute path of the input CSV.
    public var input: URL {
        get { URL(fileURLWithPath: fit.input) }
        set { fit.input = newValue.path }
    }

    /// What changes a run's numbers, for skip-when-unchanged: the configuration's canonical
    /// encoding and the refit policy. The schedule and retention are left out: changing when a
    /// job runs or how much it keeps must not force a refit.
    public var canonicalConfiguration: Data {
        var data = Data("refit=\(refit.rawValue)\n".utf8)
        data.append(fit.canonicalJSON())
        return data
    }
}
