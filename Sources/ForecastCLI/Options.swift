import ArgumentParser
import ForecastIngest
import ForecastModels
import ForecastReport
import ForecastWorkflow
import Foundation

/// How the CSV is read: shared by `fit` and `predict`.
struct IngestOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Field delimiter: ',', ';', 'tab' or '|'. Detected from the first lines when omitted.", valueName: "char"))
    var delimiter: String?

    @Option(name: .customLong("date-column"), help: ArgumentHelp("Name of the date column (default: found by name or content).", valueName: "name"))
    var dateColumn: String?

    @Option(name: .customLong("date-format"), help: ArgumentHelp("strftime-style date format, e.g. '%d.%m.%Y', for dates that are not ISO 8601 or epoch seconds.", valueName: "format"))
    var dateFormat: String?

    @Option(help: ArgumentHelp("Column to forecast (default: adj close, close, price, value, or the only numeric column).", valueName: "name"))
    var target: String?

    @Option(help: ArgumentHelp("Comma-separated input columns (default: the target alone).", valueName: "a,b,c"))
    var features: String?

    @Option(help: ArgumentHelp("What to do with missing values.", valueName: "policy"))
    var missing: MissingPolicy = .ffill

    @Option(help: ArgumentHelp("What to do with duplicate timestamps.", valueName: "policy"))
    var duplicates: DuplicatePolicy = .error

    func apply(to c: inout FitConfiguration) {
        c.delimiter = delimiter.map { $0 == "tab" ? "\t" : $0 }
        c.dateColumn = dateColumn
        c.dateFormat = dateFormat
        c.target = target
        c.features = features.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
        c.missing = missing
        c.duplicates = duplicates
    }
}

extension MissingPolicy: ExpressibleByArgument {}
extension DuplicatePolicy: ExpressibleByArgument {}
extension TargetTransform: ExpressibleByArgument {}
extension Scaling: ExpressibleByArgument {}
extension OptimizerName: ExpressibleByArgument {}
extension LossName: ExpressibleByArgument {}
extension InitScheme: ExpressibleByArgument {}
extension ContrastModel: ExpressibleByArgument {}
extension SeriesEmbedding: ExpressibleByArgument {}

/// `--models ff,gru`: a comma-separated list of contrast-set models, parsed (and its values
/// listed in `--help`) by ArgumentParser.
struct ModelList: ExpressibleByArgument, Sendable {
    var models: [ContrastModel]

    init(_ models: [ContrastModel]) { self.models = models }

    init?(argument: String) {
        var out: [ContrastModel] = []
        for name in argument.split(separator: ",") {
            guard let m = ContrastModel(argument: name.trimmingCharacters(in: .whitespaces).lowercased()) else { return nil }
            out.append(m)
        }
        models = out
    }

    var defaultValueDescription: String { models.map(\.rawValue).joined(separator: ",") }
    static var allValueStrings: [String] { ContrastModel.allValueStrings }
}

/// Windowing, models and training: the options of `fit` (and the keys of a pipeline job).
struct ModelOptions: ParsableArguments {
    /// Two unnamed `--model-spec` would both be `custom`; the names' rules are the
    /// configuration's (`Fit.validate`).
    func validate() throws {
        var probe = FitConfiguration(input: "")
        do { try probe.setModelSpecs(modelSpecs) } catch {
            throw ValidationError(error.placedMessage + (error.hint.map { "\n  hint: \($0)" } ?? ""))
        }
    }

    @Option(parsing: .unconditional, help: ArgumentHelp("Time steps per input window (default: two seasons, or 32 without a season, at most a quarter of the training points).", valueName: "n"))
    var window: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Step between consecutive windows.", valueName: "n"))
    var stride: Int = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Steps ahead to forecast.", valueName: "h"))
    var horizon: Int = 1

    @Option(help: ArgumentHelp("Target transform before windowing.", valueName: "t"))
    var transform: TargetTransform = .diff

    @Option(help: ArgumentHelp("Scaling, fitted on the training part.", valueName: "s"))
    var scaling: Scaling = .zscore

    @Option(name: .customLong("test-fraction"), parsing: .unconditional, help: ArgumentHelp("Share of points held out for the test part.", valueName: "f"))
    var testFraction: Double = 0.2

    @Option(name: .customLong("validation-fraction"), parsing: .unconditional, help: ArgumentHelp("Share of the training part held out for validation.", valueName: "f"))
    var validationFraction: Double = 0.1

    @Option(help: ArgumentHelp("Comma-separated models; the baselines naive, drift and (with a season) snaive are scored in every run, listed or not.", valueName: "list"))
    var models = ModelList(ContrastModel.allCases)

    @Option(name: .customLong("model-spec"), help: ArgumentHelp("An extra network as a layer string, e.g. 'bigru(64,sum) > dense(1)' (the model custom); name=spec names it, e.g. deep='lstm(32) > dense(1)', and may be repeated.", valueName: "[name=]spec"))
    var modelSpecs: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Hidden units of the ff, rnn, gru and lstm models.", valueName: "n"))
    var hidden: Int = 64

    @Option(parsing: .unconditional, help: ArgumentHelp("Maximum training epochs (early stopping usually ends sooner).", valueName: "n"))
    var epochs: Int = 100

    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: ArgumentHelp("Mini-batch size (1 = plain SGD).", valueName: "n"))
    var batchSize: Int = 64

    @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: ArgumentHelp("Initial learning rate.", valueName: "lr"))
    var learningRate: Double = 1e-3

    @Option(help: ArgumentHelp("Optimizer (sgd with momentum 0.9).", valueName: "name"))
    var optimizer: OptimizerName = .adam

    @Option(help: ArgumentHelp("Training loss (huber with δ = 1).", valueName: "name"))
    var loss: LossName = .mse

    @Option(parsing: .unconditional, help: ArgumentHelp("Gradient clipping by global norm; 0 turns it off.", valueName: "norm"))
    var clip: Double = 1.0

    @Option(parsing: .unconditional, help: ArgumentHelp("Early-stopping patience in epochs; 0 turns early stopping off.", valueName: "n"))
    var patience: Int = 10

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds per network: each network is trained k times and its forecasts averaged (default: 3).", valueName: "k"))
    var ensemble: Int?

    @Option(name: .customLong("init"), help: ArgumentHelp("Weight initialisation: glorot (Glorot-uniform input, orthogonal recurrent) or pytorch (U(±1/√H)).", valueName: "scheme"))
    var initScheme: InitScheme = .glorotOrthogonal

    @Option(parsing: .unconditional, help: ArgumentHelp("Random seed: same seed and data give the same numbers.", valueName: "n"))
    var seed: UInt64 = 42

    @Option(parsing: .unconditional, help: ArgumentHelp("Season length for seasonal naive, ETS, Theta and MASE (default: from the frequency).", valueName: "m"))
    var season: Int?

    func apply(to c: inout FitConfiguration) {
        c.window = window; c.stride = stride; c.horizon = horizon
        c.transform = transform; c.scaling = scaling
        c.testFraction = testFraction; c.validationFraction = validationFraction
        c.models = models.models; try? c.setModelSpecs(modelSpecs)  // validate() refused what throws
        c.hidden = hidden; c.epochs = epochs; c.batchSize = batchSize; c.learningRate = learningRate
        c.optimizer = optimizer; c.loss = loss; c.clip = clip; c.patience = patience; c.ensemble = ensemble
        c.initScheme = initScheme; c.seed = seed; c.season = season
    }
}

/// How a run talks to the person or the script that started it.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("reports"), help: ArgumentHelp("Folder for reports and checkpoints.", valueName: "dir"))
    var reportsDirectory: String = "reports"

    @Flag(help: "Print the metrics.json summary to stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Print one line per training epoch.")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together.") }
    }
}

/// `FORECAST_GEMM`, when set, must name a matrix backend: a typo would otherwise silently run
/// with the automatic choice. Checked by every command that trains or predicts.
func validateMatrixBackendEnvironment() throws {
    if let value = MatrixBackend.unrecognisedEnvironmentValue {
        throw ValidationError("FORECAST_GEMM=\(value) is not a matrix backend: set it to openblas or onednn, or unset it.")
    }
}

/// Many series in one run (`fit` with several files, `--id-column` or `--targets`): how the
/// inputs hold their series, and how the run is spread over cores and machines.
struct PortfolioOptions: ParsableArguments {
    @Option(name: .customLong("id-column"), help: ArgumentHelp("Long format: the column whose value tells the series apart; each value is one series.", valueName: "name"))
    var idColumn: String?

    @Option(help: ArgumentHelp("Wide format: 'all' (every column but the date) or comma-separated columns, each one series.", valueName: "all|a,b,c"))
    var targets: String?

    @Option(help: ArgumentHelp("Name of the portfolio: its folder under --reports (default: the input's base name, or 'portfolio' for several files).", valueName: "name"))
    var portfolio: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Series fitted at once (default: the number of cores).", valueName: "n"))
    var jobs: Int?

    /// `--jobs`, or the number of cores.
    var jobCount: Int { jobs ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(help: ArgumentHelp("Fit only shard i of n (0-based), chosen by a hash of the series id; `forecast merge` joins the shards.", valueName: "i/n"))
    var shard: String?

    @Flag(help: "Also train one global twin of every network (global-gru, …) on the pooled windows of all series, evaluated per series beside the local models.")
    var global = false

    @Option(name: .customLong("series-embedding"), help: ArgumentHelp("What the global networks see of the series: none, or onehot (one input column per series, at most \(SeriesEmbedding.maximumOneHotSeries) series).", valueName: "kind"))
    var seriesEmbedding: SeriesEmbedding?

    func apply(to c: inout FitConfiguration) {
        c.global = global ? true : nil
        c.seriesEmbedding = seriesEmbedding == SeriesEmbedding.none ? nil : seriesEmbedding
    }

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        if let shard, ShardAssignment(shard) == nil {
            throw ValidationError("--shard must be i/n with 0 ≤ i < n, e.g. 0/4 (got '\(shard)')")
        }
        if global && shard != nil {
            throw ValidationError("a global network is trained on every series in one process; drop --shard or --global")
        }
        if idColumn != nil && targets != nil {
            throw ValidationError("--id-column (long format) and --targets (wide format) cannot be used together")
        }
        if let targets, targets.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--targets has an empty column name in '\(targets)'; give 'all' or names separated by commas")
        }
    }

    /// Whether `fit` runs a portfolio: several files, or one of the options above.
    func isPortfolio(fileCount: Int) -> Bool {
        fileCount > 1 || idColumn != nil || targets != nil || shard != nil
    }

    var shape: PortfolioShape {
        if let idColumn { return .long(idColumn: idColumn) }
        if let targets {
            if targets.lowercased() == "all" { return .wide(targets: nil) }
            return .wide(targets: targets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return .files
    }

    /// The folder name under `--reports`.
    func name(files: [String]) -> String {
        if let portfolio { return ReportPublisher.slug(forDataFile: portfolio) }
        return files.count == 1 ? ReportPublisher.slug(forDataFile: files[0]) : "portfolio"
    }
}
