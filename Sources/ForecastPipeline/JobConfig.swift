import ForecastIngest
import Foundation

/// The models of the contrast set, named as on the `forecast fit --models` command line.
public enum ContrastModel: String, CaseIterable, Sendable {
    case naive, snaive, drift, ff, rnn, gru, lstm
}

/// How a scheduled job trains: `full` retrains from scratch on every run; `warm` starts from the
/// last successful run's checkpoint and fine-tunes on the data (falling back to `full` when no
/// usable checkpoint exists).
public enum RefitPolicy: String, CaseIterable, Sendable {
    case full, warm
}

/// One job of a pipeline file after defaults are applied and paths resolved. Optional settings
/// are nil when neither the job nor `defaults:` sets them: the executor then uses the
/// `forecast fit` default, so the pipeline never restates (and never drifts from) those defaults.
public struct JobConfig: Equatable, Sendable {
    /// Plain identifier `[A-Za-z_][A-Za-z0-9_-]*`; names the report folder and the cron entry.
    public var name: String
    /// Absolute path of the input CSV.
    public var input: URL
    public var target: String?
    public var features: [String]?
    public var dateColumn: String?
    /// One character.
    public var delimiter: String?
    public var missing: MissingPolicy?
    /// Models to train and compare; nil means fit's default set. Mutually exclusive with `modelSpec`.
    public var models: [ContrastModel]?
    /// A `forecast fit --model-spec` string, passed through unchanged.
    public var modelSpec: String?
    /// Input window length (time steps).
    public var window: Int?
    /// Step between consecutive windows (time steps).
    public var stride: Int?
    /// Steps ahead to forecast.
    public var horizon: Int?
    public var transform: TargetTransform?
    public var scaling: Scaling?
    /// Season length in time steps (seasonal naive, MASE scale).
    public var season: Int?
    public var epochs: Int?
    public var batchSize: Int?
    public var learningRate: Double?
    /// Hidden units of the neural models.
    public var hidden: Int?
    /// Early-stopping patience in epochs.
    public var patience: Int?
    /// Gradient-norm clipping threshold.
    public var clip: Double?
    public var seed: UInt64?
    /// Absolute folder holding this job's dated reports, `latest`, `history.csv` and `state.json`.
    public var reportDir: URL
    /// When `forecast schedule` runs the job; nil means the job is only run by hand.
    public var schedule: CronExpression?
    /// How many dated report folders (with their checkpoints) to keep; at least 1.
    public var retention: Int
    public var refit: RefitPolicy
    /// YAML line where the job starts (for messages).
    public var line: Int

    public init(name: String, input: URL, reportDir: URL, retention: Int = JobConfig.defaultRetention,
                refit: RefitPolicy = .full, line: Int = 0) {
        self.name = name
        self.input = input
        self.reportDir = reportDir
        self.retention = retention
        self.refit = refit
        self.line = line
    }

    public static let defaultRetention = 30

    /// The job's settings as `forecast fit` options (input path first, then only the options
    /// that are set), so an executor can reuse fit's own parser:
    /// `try Fit.parse(job.fitArguments + ["--out", context.runFolder.path])`.
    /// Lists are comma-joined (`--models naive,ff`). Option names follow the pipeline keys with
    /// `_` → `-`; adjust here if fit spells one differently.
    public var fitArguments: [String] {
        var a = [input.path]
        func add(_ flag: String, _ value: String?) { if let value { a += ["--\(flag)", value] } }
        add("target", target)
        add("features", features?.joined(separator: ","))
        add("date-column", dateColumn)
        add("delimiter", delimiter)
        add("missing", missing?.rawValue)
        add("models", models?.map(\.rawValue).joined(separator: ","))
        add("model-spec", modelSpec)
        add("window", window.map(String.init))
        add("stride", stride.map(String.init))
        add("horizon", horizon.map(String.init))
        add("transform", transform?.rawValue)
        add("scaling", scaling?.rawValue)
        add("season", season.map(String.init))
        add("epochs", epochs.map(String.init))
        add("batch-size", batchSize.map(String.init))
        add("learning-rate", learningRate.map { "\($0)" })
        add("hidden", hidden.map(String.init))
        add("patience", patience.map(String.init))
        add("clip", clip.map { "\($0)" })
        add("seed", seed.map(String.init))
        return a
    }

    /// The settings that change what a run computes, one `key=value` per line in a fixed order,
    /// unset values written as `-`. The schedule and retention are left out: changing when a
    /// job runs or how much it keeps must not force a refit.
    public var canonicalConfiguration: String {
        func s<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "-" }
        let pairs: [(String, String)] = [
            ("format", "1"),
            ("name", name),
            ("input", input.path),
            ("target", s(target)),
            ("features", s(features?.joined(separator: ","))),
            ("date_column", s(dateColumn)),
            ("delimiter", s(delimiter)),
            ("missing", s(missing?.rawValue)),
            ("models", s(models?.map(\.rawValue).joined(separator: ","))),
            ("model_spec", s(modelSpec)),
            ("window", s(window)),
            ("stride", s(stride)),
            ("horizon", s(horizon)),
            ("transform", s(transform?.rawValue)),
            ("scaling", s(scaling?.rawValue)),
            ("season", s(season)),
            ("epochs", s(epochs)),
            ("batch_size", s(batchSize)),
            ("learning_rate", s(learningRate)),
            ("hidden", s(hidden)),
            ("patience", s(patience)),
            ("clip", s(clip)),
            ("seed", s(seed)),
            ("refit", refit.rawValue),
        ]
        return pairs.map { "\($0.0)=\($0.1)\n" }.joined()
    }
}
