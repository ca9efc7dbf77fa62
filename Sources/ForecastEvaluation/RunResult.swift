import Foundation
import ForecastIngest

/// Everything one `forecast fit` run produced, as plain values: the evaluation module fills the
/// model results (`RunEvaluator`), the lead fills the dataset description and reproducibility
/// block, and `ForecastReport` renders it to markdown, SVG and `metrics.json`.
///
/// Dates are `Date` instants; they are shown with `dataset.frequency.format(_:)` (UTC; date only
/// for daily and coarser data, with time for sub-daily data).
public struct RunResult: Sendable {
    public var dataset: DatasetSummary
    /// Baselines first, then the trained models, in the order given to the evaluator.
    public var models: [ModelResult]
    /// Name of the model chosen for tomorrow (lowest validation MAE, see `ModelSelection`);
    /// nil when every model failed.
    public var pick: String?
    /// Why that model, in one sentence.
    public var pickReason: String
    /// Diebold–Mariano comparisons on the test part (pick vs naive; best recurrent vs feed-forward).
    public var comparisons: [ModelComparison]
    /// The test part's actual values (step-1 targets), for charts: index i is series index
    /// `test.startIndex + i`.
    public var test: SeriesExcerpt
    /// Nominal coverages of the prediction intervals, e.g. [0.8, 0.95].
    public var intervalLevels: [Double]
    /// Where lower interval bounds are cut (0 for a series whose training part is never
    /// negative), nil when they are not.
    public var intervalFloor: Double?
    /// Why the pick is a baseline although another model had a lower validation error; nil when
    /// the pick is simply the lowest validation error.
    public var selectionFallback: ModelSelection.Fallback?
    /// The validation part's folds, origin ranges into the series (``ModelSelection/folds(of:)``).
    public var validationFolds: [Range<Int>] = []
    public var reproducibility: Reproducibility
    /// When the run started, and how long it took in seconds.
    public var startedAt: Date
    public var durationSeconds: Double
    /// What the user should act on after training, one line each, as the terminal prints them
    /// (e.g. a network stopped by `--epochs` while its validation loss was still falling); the
    /// report repeats them in its training section.
    public var trainingWarnings: [String] = []
    /// Seeds per network (`--ensemble k`): above 1 each network's forecasts are the mean of k
    /// trained networks, while its parameter count, epochs, loss curves and gradient flow are
    /// the first seed's and its training time is the sum over the k trainings.
    public var networkSeeds: Int = 1

    public init(dataset: DatasetSummary, evaluation: RunEvaluation, reproducibility: Reproducibility,
                startedAt: Date, durationSeconds: Double) {
        self.dataset = dataset
        self.models = evaluation.models
        self.pick = evaluation.pick
        self.pickReason = evaluation.pickReason
        self.comparisons = evaluation.comparisons
        self.test = evaluation.test
        self.intervalLevels = evaluation.intervalLevels
        self.intervalFloor = evaluation.intervalFloor
        self.selectionFallback = evaluation.selectionFallback
        self.validationFolds = evaluation.validationFolds
        self.reproducibility = reproducibility
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
    }

    /// The chosen model's result.
    public var pickedModel: ModelResult? { pick.flatMap { name in models.first { $0.name == name } } }

    /// The naive baseline's result.
    public var naiveModel: ModelResult? { models.first { $0.name == NaiveForecaster().name } }

    /// True when every model beyond the baselines (networks and statistical models) failed, so
    /// that the forecast, if any, comes from a baseline: `forecast fit` then exits with 33 (30
    /// when the baselines failed too). False when the run asked for baselines only.
    public var allTrainedModelsFailed: Bool {
        let trained = models.filter { $0.kind != .baseline }
        return !trained.isEmpty && trained.allSatisfy { !$0.status.isOK }
    }
}

/// The data a run used, as the report's "Data" section shows it.
public struct DatasetSummary: Sendable {
    /// Path as given on the command line, and the SHA-256 of the file's bytes (lowercase hex).
    public var filePath: String
    public var sha256: String
    /// Data rows (header excluded) after ingest.
    public var rows: Int
    public var firstDate: Date
    public var lastDate: Date
    public var frequency: Frequency
    public var target: String
    public var features: [String]
    /// Missing values found, and how they were filled (e.g. "forward fill", "linear interpolation").
    public var missingCount: Int
    public var missingPolicy: String
    /// Gaps in the calendar (periods with no row at all): ingest's list, which holds only the
    /// first few of a series with many gaps.
    public var gaps: [Gap]
    /// Totals over every gap (ingest lists only the first few in `gaps`).
    public var gapCount: Int
    public var missingPeriods: Int
    /// What a reader must not miss about the data (ingest's warnings, e.g. most rows dropped
    /// as duplicate timestamps); shown first in the report's data section.
    public var warnings: [String] = []
    /// Transform of the target before training (e.g. "none", "log", "difference") and the scaling
    /// (e.g. "z-score fitted on the training part").
    public var transform: String
    public var scaling: String
    /// Input window length (time steps) and forecast horizon (steps ahead).
    public var window: Int
    public var horizon: Int
    /// The networks' windows per part, in time order: training and validation windows (what they
    /// learn and stop early on) need a full input window and all h targets inside their part;
    /// test windows are one per test point (each origin the models forecast from).
    public var trainCount: Int
    public var validationCount: Int
    public var testCount: Int
    /// The season used by the seasonal naive and MASE, with its reason.
    public var season: SeasonChoice
    /// What became of the missing values: how many were filled, and how many rows were dropped
    /// (leading rows with nothing to fill from, or every such row under `--missing drop`); nil
    /// when unknown.
    public var missingFilled: Int? = nil
    public var missingRowsDropped: Int? = nil
    /// Step between consecutive training and validation windows (`--stride`).
    public var stride: Int = 1
    /// Leading points the target transform uses up (1 for diff and log-return, 0 for none):
    /// the first training window's inputs start after them.
    public var transformLostPoints: Int = 0
    /// Data rows in the file (header excluded) before cleaning; nil when unknown.
    public var rowsRead: Int? = nil
    /// Series points in each part, in time order (they add up to `rows`); the counts above are
    /// the networks' windows. Nil when unknown.
    public var pointsPerPart: (train: Int, validation: Int, test: Int)? = nil
    /// Variance of the scaled target (after transform and scaling, all horizon steps) over the
    /// training and validation windows: tells whether a low validation loss reflects a calmer
    /// validation part. Nil when unknown.
    public var scaledTargetVariance: (train: Double, validation: Double)? = nil

    public init(filePath: String, sha256: String, rows: Int, firstDate: Date, lastDate: Date,
                frequency: Frequency, target: String, features: [String], missingCount: Int,
                missingPolicy: String, gaps: [Gap], transform: String, scaling: String, window: Int,
                horizon: Int, trainCount: Int, validationCount: Int, testCount: Int, season: SeasonChoice) {
        self.filePath = filePath
        self.sha256 = sha256
        self.rows = rows
        self.firstDate = firstDate
        self.lastDate = lastDate
        self.frequency = frequency
        self.target = target
        self.features = features
        self.missingCount = missingCount
        self.missingPolicy = missingPolicy
        self.gaps = gaps
        self.gapCount = gaps.count
        self.missingPeriods = gaps.reduce(0) { $0 + $1.missingPeriods }
        self.transform = transform
        self.scaling = scaling
        self.window = window
        self.horizon = horizon
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.testCount = testCount
        self.season = season
    }
}

/// A contiguous slice of the series with its dates: element i is series index `startIndex + i`.
public struct SeriesExcerpt: Codable, Equatable, Sendable {
    public var startIndex: Int
    public var dates: [Date]
    public var values: [Double]
    public init(startIndex: Int, dates: [Date], values: [Double]) {
        precondition(dates.count == values.count)
        self.startIndex = startIndex
        self.dates = dates
        self.values = values
    }
}

/// What kind of model a result belongs to; also orders models by simplicity for tie-breaks.
public enum ModelKind: String, Codable, Sendable, Comparable {
    /// Naive, seasonal naive, drift: no parameters, no training.
    case baseline
    /// ETS and Theta: a few smoothing parameters estimated on the training part, the state
    /// filtered through the actual values.
    case statistical
    /// The windowed feed-forward network (MLP on the flattened window).
    case feedForward = "feed-forward"
    /// RNN, GRU, LSTM.
    case recurrent
    /// The equal-weight mean of other models' forecasts (`combo`).
    case combination

    /// A trained network: the windowed feed-forward model or a recurrent one.
    public var isNetwork: Bool { self == .feedForward || self == .recurrent }

    var simplicityRank: Int {
        switch self {
        case .baseline: return 0
        case .statistical: return 1
        case .feedForward: return 2
        case .recurrent: return 3
        case .combination: return 4
        }
    }
    public static func < (a: ModelKind, b: ModelKind) -> Bool { a.simplicityRank < b.simplicityRank }
}

/// Whether a model produced usable forecasts.
public enum ModelStatus: Codable, Equatable, Sendable {
    case ok
    /// Divergence, too little data for its window or season, non-finite forecasts, …
    case failed(reason: String)

    public var isOK: Bool { self == .ok }
    public var failureReason: String? {
        if case .failed(let reason) = self { return reason }
        return nil
    }
}

/// One model's results. Metrics arrays are per forecast step: element 0 is one step ahead,
/// element j is j + 1 steps ahead; they are empty for a failed model.
public struct ModelResult: Codable, Sendable {
    /// Shown to people; may change between versions ("seasonal naive (m=12)").
    public var name: String
    /// What programs read (metrics.json's `id`, history.csv's `model`, forecasts.csv): the
    /// `--models` spelling (`snaive`, `ets`, `gru`) or a custom model's name (`custom`, `deep`);
    /// the model's ``ModelOutput/id``.
    public var id: String
    public var kind: ModelKind
    public var status: ModelStatus
    /// Trainable parameters (0 for baselines).
    public var parameters: Int
    /// Short configuration text, e.g. "hidden 32, 1 layer" (empty for baselines).
    public var configuration: String
    public var epochsRun: Int?
    public var trainSeconds: Double?
    /// Loss per epoch on the training and validation parts (empty for baselines).
    public var trainLoss: [Double]
    public var validationLoss: [Double]
    /// ‖∂L/∂h_{T−k}‖ for k = 0, 1, … (recurrent models that recorded it), else nil.
    public var gradientFlow: [Double]?
    public var validationMetrics: [ForecastMetrics]
    public var testMetrics: [ForecastMetrics]
    /// Diebold–Mariano test of this model against the naive forecast on the test part, one step
    /// ahead (nil for the naive itself, failed models, or when the test has no result; then
    /// `dmNote` says why).
    public var dmVsNaive: DieboldMarianoResult?
    public var dmNote: String?
    /// Rolling-origin forecasts on the validation part (original scale); nil for a failed model.
    public var validationForecasts: RollingForecasts? = nil
    /// Rolling-origin forecasts on the test part (original scale).
    public var testForecasts: RollingForecasts?
    /// Conformal intervals: half-width per level and step, and empirical coverage on the test part.
    public var intervals: [IntervalCalibration]
    /// Forecasts after the last row, one per step, with dates and intervals.
    public var nextForecasts: [NextForecast]

    /// `id` nil takes the name.
    public init(name: String, id: String? = nil, kind: ModelKind, status: ModelStatus, parameters: Int, configuration: String,
                epochsRun: Int?, trainSeconds: Double?, trainLoss: [Double], validationLoss: [Double],
                gradientFlow: [Double]?, validationMetrics: [ForecastMetrics], testMetrics: [ForecastMetrics],
                dmVsNaive: DieboldMarianoResult?, dmNote: String?, testForecasts: RollingForecasts?,
                intervals: [IntervalCalibration], nextForecasts: [NextForecast]) {
        self.name = name
        self.id = id ?? name
        self.kind = kind
        self.status = status
        self.parameters = parameters
        self.configuration = configuration
        self.epochsRun = epochsRun
        self.trainSeconds = trainSeconds
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.gradientFlow = gradientFlow
        self.validationMetrics = validationMetrics
        self.testMetrics = testMetrics
        self.dmVsNaive = dmVsNaive
        self.dmNote = dmNote
        self.testForecasts = testForecasts
        self.intervals = intervals
        self.nextForecasts = nextForecasts
    }

    /// The name with what was selected for statistical models, as tables and the terminal show
    /// it: `ets ETS(M,Ad,M)`, `theta DOTM`; the plain name for the others (and for a statistical
    /// model whose fit failed before a spec was chosen).
    public var displayName: String {
        switch kind {
        case .statistical where !configuration.isEmpty: return "\(name) \(configuration)"
        case .combination where !configuration.isEmpty: return "\(name) (\(configuration))"
        default: return name
        }
    }


    /// What the pick is chosen by: the validation MAE averaged over the forecast steps (the
    /// one-step MAE when the horizon is 1); nil without validation metrics.
    public var selectionMAE: Double? {
        guard !validationMetrics.isEmpty else { return nil }
        if validationMetrics.count == 1 { return validationMetrics[0].mae }
        return validationMetrics.reduce(0) { $0 + $1.mae } / Double(validationMetrics.count)
    }

    /// One-step-ahead validation / test metrics (the headline numbers), nil for a failed model.
    public var validation: ForecastMetrics? { validationMetrics.first }
    public var test: ForecastMetrics? { testMetrics.first }
}

/// Split-conformal calibration of one nominal level: the half-width per step (from validation
/// residuals; +∞ when there were too few) and the share of test actuals inside the interval per step.
public struct IntervalCalibration: Codable, Equatable, Sendable {
    public var level: Double
    public var halfWidth: [Double]
    public var testCoverage: [Double?]
    public init(level: Double, halfWidth: [Double], testCoverage: [Double?]) {
        self.level = level
        self.halfWidth = halfWidth
        self.testCoverage = testCoverage
    }
}

/// A forecast after the last row.
public struct NextForecast: Codable, Equatable, Sendable {
    /// 1-based steps ahead.
    public var step: Int
    public var date: Date
    public var value: Double
    public var intervals: [IntervalBound]
    public init(step: Int, date: Date, value: Double, intervals: [IntervalBound]) {
        self.step = step
        self.date = date
        self.value = value
        self.intervals = intervals
    }
}

/// A prediction interval [lower, upper] at nominal coverage `level`; bounds are ±∞ when unbounded.
public struct IntervalBound: Codable, Equatable, Sendable {
    public var level: Double
    public var lower: Double
    public var upper: Double
    public init(level: Double, lower: Double, upper: Double) {
        self.level = level
        self.lower = lower
        self.upper = upper
    }
    public var isBounded: Bool { lower.isFinite && upper.isFinite }

    /// `value − halfWidth`, not below `floor` (``RunResult/intervalFloor``, nil for no cut):
    /// the one rule every interval the run reports is cut by.
    public static func lower(_ value: Double, halfWidth: Double, floor: Double?) -> Double {
        floor.map { Swift.max($0, value - halfWidth) } ?? value - halfWidth
    }
}

/// A Diebold–Mariano comparison of `model` against `reference` on the test part (one step ahead).
public struct ModelComparison: Codable, Equatable, Sendable {
    /// What the comparison answers, e.g. "pick vs naive", "best recurrent vs feed-forward".
    public var label: String
    public var model: String
    public var reference: String
    /// nil when the test could not run; `note` says why.
    public var result: DieboldMarianoResult?
    public var note: String?
    public init(label: String, model: String, reference: String, result: DieboldMarianoResult?, note: String?) {
        self.label = label
        self.model = model
        self.reference = reference
        self.result = result
        self.note = note
    }
}

/// What is needed to re-run exactly this run.
public struct Reproducibility: Codable, Sendable {
    /// `forecast` version string.
    public var version: String
    /// The exact command line (shell-quoted), to paste.
    public var commandLine: String
    public var seed: UInt64
    /// Every hyper-parameter, in display order, as (name, value text).
    public var hyperParameters: [HyperParameter]
    /// Set when networks did not start from the seed alone but from an earlier run's weights
    /// (a pipeline's `refit: warm`), naming them, e.g. "ff from 2024-05-01T063000Z/model-ff.ckpt":
    /// the seed and input then give these numbers only from those same weights.
    public var startingWeights: String? = nil
    public init(version: String, commandLine: String, seed: UInt64, hyperParameters: [HyperParameter]) {
        self.version = version
        self.commandLine = commandLine
        self.seed = seed
        self.hyperParameters = hyperParameters
    }
}

public struct HyperParameter: Codable, Equatable, Sendable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
