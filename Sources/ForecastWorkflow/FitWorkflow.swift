import Dispatch
import ForecastCore
import ForecastEvaluation
import ForecastIngest
import ForecastModels
import ForecastReport
import Foundation
import Synchronization

/// The outcome of `forecast fit`: the evaluated run, where its report went, and the exit status
/// (success; every network and statistical model failed but a baseline gave the forecast; or no
/// forecast at all). The report is written either way.
public struct FitOutcome: Sendable {
    public var run: RunResult
    public var paths: ReportPaths
    public var exitStatus: ExitStatus
    /// What ingest and windowing did, one line each, for the terminal.
    public var dataLines: [String]
    /// What the user should act on after training, one line each (e.g. a network stopped by
    /// `--epochs` while its validation loss was still falling).
    public var trainingWarnings: [String] = []
    /// The model file written for each model, by stable id (`snaive` → `model-snaive.json`,
    /// `gru` → `model-gru.ckpt`); a model without one (it failed) is absent. For "predict with" hints.
    public var modelFiles: [String: String] = [:]
}

/// `forecast fit` from ingest to report: read and window the CSV, fit the contrast set
/// (baselines, ETS and Theta, windowed feed-forward, RNN, GRU, LSTM, optional custom spec), score
/// it with rolling-origin one-step forecasts, write the report folder (report, charts,
/// metrics.json and one checkpoint per trained or fitted model) atomically, and move `latest`.
///
/// Networks are independent, so they train on up to `workers` threads at once; each model's
/// numbers do not depend on the thread count (one BLAS thread each). ETS and Theta are fitted
/// one after the other on the calling thread (``StatisticalModelFit``).
public struct FitWorkflow: Sendable {
    public var configuration: FitConfiguration
    /// The command line shown in the reproducibility block.
    public var commandLine: String
    public var version: String
    /// Concurrent model trainings.
    public var workers: Int
    public var progress: (@Sendable (FitProgress) -> Void)?
    /// Warm start: parameters per model name (from earlier checkpoints) to start training from.
    public var initialParameters: [String: [Float]] = [:]
    /// What the windows and the trainings may take together; read at the start of `evaluate`
    /// when nil (the environment's cap, else available memory).
    public var memoryBudget: MemoryBudget? = nil
    /// Called with the data summary (``FitOutcome/dataLines``) once the data is read and
    /// windowed, before any model is fitted, so a terminal can show it while training runs.
    public var onData: (@Sendable ([String]) -> Void)? = nil
    /// Networks trained elsewhere on this series and others (a portfolio's ``GlobalNetworks``),
    /// scored beside the run's own models; each is also compared with its local twin on the test
    /// part (Diebold–Mariano, "global-gru vs gru"). They change no other model's numbers.
    public var globalTwins: [GlobalTwin] = []
    /// The input already read, parsed and given its window by the caller (a portfolio's
    /// ``GlobalNetworks`` reads every series before any is fitted): `evaluate` then starts from
    /// it instead of reading ``FitConfiguration/input`` again. It must come from
    /// ``prepareInput(bytes:)`` of a workflow with this configuration (the input path aside).
    var preparedInput: PreparedInput? = nil

    /// One series read and checked: the parsed series, the SHA-256 of the bytes it was parsed
    /// from (the report's checksum), its season and its networks' windowing. Holds the series'
    /// values once (no windows).
    struct PreparedInput: Sendable {
        var series: Series
        var checksum: String
        var season: SeasonChoice
        var windowing: WindowingOptions
    }

    /// A global network's results on this series: its forecasts (through this series' scaler),
    /// its checkpoint (with this series' metadata), and the local model it is the twin of.
    public struct GlobalTwin: Sendable {
        public var output: ModelOutput
        public var checkpoint: Checkpoint?
        /// The name of the series' own network of the same architecture (`gru` for `global-gru`).
        public var local: String

        public init(output: ModelOutput, checkpoint: Checkpoint?, local: String) {
            self.output = output
            self.checkpoint = checkpoint
            self.local = local
        }
    }

    public init(configuration: FitConfiguration, commandLine: String, version: String,
                workers: Int = 2, progress: (@Sendable (FitProgress) -> Void)? = nil) {
        self.configuration = configuration
        self.commandLine = commandLine
        self.version = version
        self.workers = max(1, workers)
        self.progress = progress
    }

    /// One network of the contrast set (or the custom spec) to train.
    public struct NeuralModel: Sendable {
        public var name: String
        public var kind: ForecastEvaluation.ModelKind
        public var spec: ModelSpec
    }

    /// The neural models to train, in report order. Throws for a configuration that does not
    /// pass ``FitConfiguration/validate()``.
    public func neuralModels() throws(FitConfigurationError) -> [NeuralModel] {
        let c = configuration
        try c.validate()
        var out: [NeuralModel] = []
        for model in c.models where model.isNetwork {
            let spec: ModelSpec
            do { spec = try ModelSpec.preset(model.rawValue, hidden: c.hidden, outputs: c.horizon) } catch {
                throw FitConfigurationError(.hidden, (error as? ModelSpecError)?.message ?? "\(error)")
            }
            out.append(NeuralModel(name: model.rawValue, kind: model == .ff ? .feedForward : .recurrent, spec: spec))
        }
        for custom in c.customModels {
            let spec: ModelSpec
            do { spec = try ModelSpec(parsing: custom.spec) } catch let e as ModelSpecError {
                throw FitConfigurationError(.modelSpec, "column \(e.column): \(e.message)", hint: e.hint)
            } catch {
                throw FitConfigurationError(.modelSpec, "\(error)")
            }
            let recurrent = spec.layers.contains { if case .recurrent = $0 { return true } else { return false } }
            out.append(NeuralModel(name: custom.name, kind: recurrent ? .recurrent : .feedForward, spec: spec))
        }
        return out
    }

    /// Runs the whole fit and publishes the report folder `reports/<dataset>/<run stamp>`.
    public func run() throws -> FitOutcome {
        let fitted = try evaluate()
        let c = configuration
        let dataset = c.datasetName ?? ReportPublisher.slug(forDataFile: c.input)
        let paths = try ReportPublisher(folder: URL(fileURLWithPath: c.reportsDirectory).appendingPathComponent(dataset, isDirectory: true))
            .publish(files: fitted.files(), startedAt: fitted.run.startedAt)
        // The status says what the user got: a forecast or none, and whether only a baseline was
        // left to give it (every network and statistical model failed).
        let status: ExitStatus = fitted.run.pick == nil ? .everyModelFailed
            : fitted.allTrainedModelsFailed ? .everyNetworkFailed : .success
        return FitOutcome(run: fitted.run, paths: paths, exitStatus: status,
                          dataLines: fitted.dataLines, trainingWarnings: fitted.trainingWarnings,
                          modelFiles: fitted.modelFileNames)
    }

    /// Everything a fit computes, not yet written: the evaluated run and the trained models'
    /// checkpoints.
    public struct Evaluated: Sendable {
        public var run: RunResult
        /// One per trained network that did not fail, in report order.
        public var checkpoints: [(model: String, checkpoint: Checkpoint)]
        /// One per statistical model that was fitted and scored, in report order.
        public var statisticalCheckpoints: [(model: String, checkpoint: StatisticalCheckpoint)] = []
        /// One per working baseline, by id (`naive`, `snaive`, `drift`).
        public var baselineCheckpoints: [(model: String, checkpoint: BaselineCheckpoint)] = []
        /// The combination's member list, when `combo` worked and each member has a file.
        public var combinationCheckpoint: CombinationCheckpoint? = nil
        public var series: Series
        public var season: Int?
        /// Every network and statistical model failed (``RunResult/allTrainedModelsFailed``).
        public var allTrainedModelsFailed: Bool
        /// Ingest summary and tensor shapes, one line each.
        public var dataLines: [String]
        /// See ``FitOutcome/trainingWarnings``.
        public var trainingWarnings: [String] = []

        /// The files of the report folder: report (with `sections` after the verdict), charts,
        /// metrics.json, one ``checkpointFileName(model:)`` per network checkpoint and one
        /// ``statisticalCheckpointFileName(model:)`` per statistical model, baseline and combination.
        public func files(sections: [ReportSection] = []) -> [ReportFile] {
            let values = series.target
            let dates = series.dates ?? (0..<values.count).map(Frequency.rowStamp)
            let table = ReportFile(name: ReportFileName.forecasts, contents: {
                Data(ForecastsTable.csv(run: run, values: values, dates: dates).utf8)
            })
            return ReportBundle.files(for: run, sections: sections) + [table] + checkpoints.map { m in
                let checkpoint = m.checkpoint
                return ReportFile(name: FitWorkflow.checkpointFileName(model: m.model), contents: { Data(checkpoint.encoded()) })
            } + statisticalCheckpoints.map { m in
                let checkpoint = m.checkpoint
                return ReportFile(name: FitWorkflow.statisticalCheckpointFileName(model: m.model), contents: { checkpoint.encoded() })
            } + dataOnlyModelFiles()
        }
    }

    /// `model-<name>.ckpt`: the file a trained model's checkpoint has in its report folder.
    public static func checkpointFileName(model: String) -> String { "model-\(model).ckpt" }

    /// `model-<name>.json`: the file of a statistical model (``StatisticalCheckpoint``), a baseline
    /// (``BaselineCheckpoint``, by id: `naive`, `snaive`, `drift`) or the combination
    /// (``CombinationCheckpoint``, `combo`) in its report folder.
    public static func statisticalCheckpointFileName(model: String) -> String { "model-\(model).json" }

    /// The model name of a ``checkpointFileName(model:)``, or nil for any other file name.
    public static func model(ofCheckpointFile name: String) -> String? {
        guard name.hasPrefix("model-"), name.hasSuffix(".ckpt"), name.count > "model-.ckpt".count else { return nil }
        return String(name.dropFirst("model-".count).dropLast(".ckpt".count))
    }

    /// Ingest, windows, training and evaluation; writes nothing.
    public func evaluate() throws -> Evaluated {
        let started = Date()
        let clock = DispatchTime.now()
        let c = configuration
        let models = try neuralModels()

        // 1. Ingest and window.
        // One read: the parser and the recorded SHA-256 see the same bytes, even if the file
        // changes on disk meanwhile (or is a pipe that cannot be read twice).
        let input = try preparedInput ?? prepareInput(bytes: InputFile.read(c.input))
        let (series, checksum, season, windowing) = (input.series, input.checksum, input.season, input.windowing)
        let budget = memoryBudget ?? MemoryBudget.current()
        let windowBytes = WindowedDataset.estimatedBytes(rows: series.count, dimInput: series.dimInput, windowing)
        try checkMemory(windowBytes, budget, what: "the windows (\(series.count) rows × --window \(windowing.timeSteps) × \(series.dimInput) features)",
                        key: .window, hint: "use a shorter --window, fewer --features or a larger --stride")
        let dataset = try makeWindows(series, windowing)
        try checkFootprints(models, dataset: dataset, budget: budget, windowBytes: windowBytes)
        let y = dataset.targetLevels
        let dates = series.dates ?? syntheticDates(count: y.count)
        let frequency = series.frequency
        let split = SeriesSplit(train: 0..<dataset.validationStart,
                                validation: dataset.validationStart..<dataset.testStart,
                                test: dataset.testStart..<y.count)
        // The season decides whether seasonal naive runs at all: say which and why.
        let dataLines = Self.dataLines(series: series, dataset: dataset) + ["season: \(season.reason)"]
        onData?(dataLines)

        // 2. Fit the statistical models on the training part, then train the neural models
        //    (baselines are added by the evaluator).
        let context = StatisticalModelFit.RunContext(target: series.targetName, features: series.featureNames,
                                                     dates: series.dates, toolVersion: version, configuration: c)
        let statisticalModels = c.models.filter(\.isStatistical)
        progress?(.plan(statisticalModels.map { FitProgress.PlannedModel(name: $0.rawValue, maxEpochs: nil, mayStopEarly: false, workPerSample: nil) }
                        + models.flatMap { model in (0..<c.ensembleSize).map { member in
                            FitProgress.PlannedModel(name: Self.trainingName(model.name, member: member, of: c.ensembleSize),
                                                     maxEpochs: c.epochs, mayStopEarly: c.patience > 0,
                                                     workPerSample: FitProgress.PlannedModel.forwardMultiplyAdds(
                                                         model.spec, timeSteps: dataset.timeSteps, inputDim: dataset.dimInput)) } }))
        let statistical = statisticalModels.enumerated().map { index, model in
            progress?(.started(model: index))
            let fit = StatisticalModelFit.fit(model, y: y, split: split, seasonLength: season.season ?? 1, horizon: c.horizon,
                                              context: context)
            progress?(.finished(model: index, FitProgress.ModelEnd(epochs: nil, seconds: fit.output.trainSeconds ?? 0,
                                                                   failure: fit.output.failureReason)))
            return fit
        }
        let trained = trainAll(models, dataset: dataset, firstProgressIndex: statisticalModels.count)

        // 3. Score everything the same way, pick on validation.
        var evaluator = RunEvaluator(series: y, dates: dates, frequency: frequency, split: split,
                                     horizon: c.horizon, season: season.season,
                                     intervalLevels: c.intervals.map { $0 / 100 })
        evaluator.combine = c.models.contains(.combo)
        var evaluation = evaluator.evaluate(models: statistical.map(\.output) + trained.map(\.output) + globalTwins.map(\.output))
        for twin in globalTwins {
            guard let global = evaluation.models.first(where: { $0.name == twin.output.name && $0.status.isOK }),
                  let local = evaluation.models.first(where: { $0.name == twin.local && $0.status.isOK }) else { continue }
            evaluation.comparisons.append(evaluator.compare(global, local, label: GlobalNetworks.comparisonLabel(global: global.name, local: local.name)))
        }

        let summary = series.summary
        var datasetSummary = DatasetSummary(
            filePath: c.input, sha256: checksum, rows: y.count,
            firstDate: dates.first ?? started, lastDate: dates.last ?? started,
            frequency: frequency, target: series.targetName, features: series.featureNames,
            missingCount: summary.missingCount, missingPolicy: summary.missingPolicy.rawValue,
            gaps: summary.gaps,
            transform: c.transform.rawValue, scaling: c.scaling.rawValue, window: dataset.timeSteps, horizon: c.horizon,
            trainCount: dataset.train.count, validationCount: dataset.validation.count,
            testCount: dataset.test.count, season: season)
        let reproducibility = Reproducibility(version: version, commandLine: commandLine, seed: c.seed,
                                              hyperParameters: Self.hyperParameters(c))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
        // Ingest lists the first few gaps; the totals cover all of them.
        datasetSummary.gapCount = summary.gapCount
        datasetSummary.warnings = summary.warnings
        datasetSummary.missingPeriods = summary.missingPeriods
        datasetSummary.rowsRead = summary.rowsRead
        datasetSummary.pointsPerPart = (split.train.count, split.validation.count, split.test.count)
        datasetSummary.stride = c.stride
        datasetSummary.missingFilled = summary.valuesFilled
        datasetSummary.missingRowsDropped = summary.rowsDroppedMissing
        datasetSummary.transformLostPoints = c.transform.lostPoints
        datasetSummary.scaledTargetVariance = Self.targetVariance(dataset.train).flatMap { t in
            Self.targetVariance(dataset.validation).map { (t, $0) }
        }
        let trainingWarnings = trained.compactMap(\.warning)
        var run = RunResult(dataset: datasetSummary, evaluation: evaluation, reproducibility: reproducibility,
                            startedAt: started, durationSeconds: seconds)
        run.trainingWarnings = trainingWarnings
        run.networkSeeds = c.ensembleSize

        let checkpoints = trained.compactMap { t in t.checkpoint.map { (model: t.output.name, checkpoint: $0) } }
            + globalTwins.compactMap { t in t.checkpoint.map { (model: t.output.name, checkpoint: $0) } }
        // A model the evaluator failed (e.g. a forecast that overflowed) gets no file to predict with.
        let working = Set(run.models.filter(\.status.isOK).map(\.name))
        let statisticalCheckpoints = statistical.compactMap { s in
            working.contains(s.output.name) ? s.checkpoint.map { (model: s.output.name, checkpoint: $0) } : nil
        }
        var evaluated = Evaluated(run: run, checkpoints: checkpoints, statisticalCheckpoints: statisticalCheckpoints,
                                  series: series, season: season.season, allTrainedModelsFailed: run.allTrainedModelsFailed,
                                  dataLines: dataLines, trainingWarnings: trainingWarnings)
        addModelFiles(to: &evaluated, dataset: dataset)
        return evaluated
    }

    /// Parses `bytes` (the contents of ``FitConfiguration/input``), takes their checksum and
    /// resolves the season and windowing, as the start of ``evaluate()`` does. Throws the ingest
    /// errors. O(bytes) plus the season test on the training part.
    func prepareInput(bytes: [UInt8]) throws -> PreparedInput {
        let series = try loadSeries(bytes: bytes, name: configuration.input, options: ingestOptions(configuration))
        let (season, windowing) = resolvedWindowing(series)
        return PreparedInput(series: series, checksum: sha256Hex(of: Data(bytes)), season: season, windowing: windowing)
    }

    /// The season of `series` and the windowing its networks use: the season is tested on the
    /// training part, which does not depend on the window; the window is `--window`, else the
    /// default that follows the season and the training length.
    func resolvedWindowing(_ series: Series) -> (season: SeasonChoice, windowing: WindowingOptions) {
        let c = configuration
        let bounds = windowingOptions(c).splitBoundaries(count: series.count)
        let season = chooseSeason(frequencyDefault: SeasonDefault(series.frequency), override: c.season,
                                  trainingSeries: Array(series.target[0..<max(0, min(bounds.validationStart, series.count))]))
        var windowing = windowingOptions(c)
        if c.window == nil {
            windowing.timeSteps = WindowingOptions.defaultTimeSteps(season: season.season, trainingPoints: bounds.validationStart)
        }
        return (season, windowing)
    }

    /// Population variance of the scaled targets y (N, h) of `set`, what an MSE loss is measured
    /// against; nil with fewer than two windows. O(N·h).
    static func targetVariance(_ set: WindowSet) -> Double? {
        guard set.count >= 2, set.horizon >= 1, set.y.count >= set.count * set.horizon else { return nil }
        let values = set.y.prefix(set.count * set.horizon).map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    }

    /// The ingest summary a user can check at a glance, then what the models see.
    static func dataLines(series: Series, dataset: WindowedDataset) -> [String] {
        var lines = series.summary.lines
        if series.summary.gapCount == 0 { lines.append("gaps: none beyond the \(series.frequency.name) calendar") }
        lines.append("target: \(series.targetName); input features: \(series.featureNames.listed(limit: 40)) (dim_input \(dataset.dimInput))")
        lines.append("transform \(dataset.transform.rawValue), scaling \(dataset.scaler.kind.rawValue) fitted on the \(dataset.validationStart) training points")
        let T = dataset.timeSteps, D = dataset.dimInput, h = dataset.horizon
        for (name, set) in [("train", dataset.train), ("validation", dataset.validation), ("test", dataset.test)] {
            lines.append("\(name): \(set.count) windows, x (\(T), \(set.count), \(D)) time-major, flat (\(set.count), \(T * D)), y (\(set.count), \(h))")
        }
        return lines
    }

    // MARK: - Training

    struct Trained: Sendable {
        var output: ModelOutput
        var checkpoint: Checkpoint?
        /// Something the user should act on, e.g. a network stopped by `--epochs` while its
        /// validation loss was still falling.
        var warning: String? = nil
    }

    /// Refuses, before anything is allocated for them, networks beyond the sizes a checkpoint may
    /// hold (so `forecast predict` can load what fit writes) or whose trainings — `workers` at
    /// once, beside the windows — would not fit in the memory budget. Names the option to change
    /// (`--hidden`, or `--model-spec` for the custom model) and gives the estimate.
    func checkFootprints(_ models: [NeuralModel], dataset: WindowedDataset, budget: MemoryBudget,
                         windowBytes: Int) throws(FitConfigurationError) {
        var needs: [(name: String, key: FitConfiguration.Key, bytes: Int)] = []
        for model in models {
            let key: FitConfiguration.Key = configuration.customModels.contains { $0.name == model.name } ? .modelSpec : .hidden
            do {
                let footprint = try NetworkFootprint(model.spec, timeSteps: dataset.timeSteps, inputDim: dataset.dimInput,
                                                     outputDim: dataset.horizon)
                needs.append((model.name, key, footprint.trainingBytes(batch: configuration.batchSize)))
            } catch {
                throw FitConfigurationError(key, "the \(model.name) model (\(model.spec)) \(error.message)",
                                            hint: "change \(key.optionName): a network may have at most \(Checkpoint.maximumParameters) parameters and layers \(Checkpoint.maximumLayerWidth) wide, so that forecast predict can load its checkpoint")
            }
        }
        let concurrent = needs.sorted { $0.bytes > $1.bytes }.prefix(workers)
        guard let largest = concurrent.first else { return }
        let total = concurrent.reduce(windowBytes) { $0.addingReportingOverflow($1.bytes).overflow ? .max : $0 + $1.bytes }
        let names = concurrent.map { "\($0.name) \(byteText($0.bytes))" }.listed()
        try checkMemory(total, budget, what: "training (\(names), \(concurrent.count) at once, beside \(byteText(windowBytes)) of windows)",
                        key: largest.key, hint: "use a smaller \(largest.key.optionName), --window or --batch-size, or set FORECAST_MAX_MEMORY_BYTES if the estimate is wrong for this machine")
    }

    func checkMemory(_ bytes: Int, _ budget: MemoryBudget, what: String, key: FitConfiguration.Key,
                     hint: String) throws(FitConfigurationError) {
        guard bytes > budget.bytes else { return }
        throw FitConfigurationError(key, "\(what) would need about \(byteText(bytes)), more than the \(byteText(budget.bytes)) of \(budget.source)",
                                    hint: hint)
    }

    /// Trains every model's ensemble members (``FitConfiguration/ensembleSize`` seeds each) on up
    /// to `workers` threads; slot (model, member) holds that training's result, so the order (and
    /// every number) is the same whatever the thread count. Each model's members are then
    /// averaged (``combine(_:members:)``). Training j (model j / k, member j % k) is number
    /// `firstProgressIndex + j` in the progress plan.
    func trainAll(_ models: [NeuralModel], dataset: WindowedDataset, firstProgressIndex: Int = 0) -> [Trained] {
        let k = configuration.ensembleSize
        let jobs = models.indices.flatMap { i in (0..<k).map { (model: i, member: $0) } }
        let slots = Mutex<[MemberRun?]>(Array(repeating: nil, count: jobs.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(workers, max(jobs.count, 1))) { _ in
            while true {
                let j = next.add(1, ordering: .relaxed).oldValue
                guard j < jobs.count else { return }
                let index = firstProgressIndex + j
                progress?(.started(model: index))
                let run = trainMember(models[jobs[j].model], member: jobs[j].member, of: k, dataset: dataset, progressIndex: index)
                let epochs = run.output.epochsRun ?? 0
                progress?(.finished(model: index, FitProgress.ModelEnd(
                    epochs: epochs, seconds: run.output.trainSeconds ?? 0,
                    // Training that neither failed nor ran every epoch was ended by early stopping.
                    stoppedEarly: run.output.failureReason == nil && epochs < configuration.epochs,
                    failure: run.output.failureReason)))
                slots.withLock { $0[j] = run }
            }
        }
        let runs = slots.withLock { $0.map { $0! } }
        return models.indices.map { i in combine(models[i], members: Array(runs[(i * k)..<((i + 1) * k)])) }
    }

    /// How progress names one training: the model's name, with the seed when it has several
    /// (`gru seed 2/3`).
    static func trainingName(_ name: String, member: Int, of members: Int) -> String {
        members == 1 ? name : "\(name) seed \(member + 1)/\(members)"
    }

    /// The ensemble's forecast from its members' (each `horizon` values, on the original scale):
    /// summed in member order, then divided by their count; one member's values unchanged. Fit
    /// and `forecast predict` both average with this, so their numbers agree bit for bit. O(k·h).
    static func memberMean(_ members: [[Double]]) -> [Double] {
        guard var sums = members.first else { return [] }
        guard members.count > 1 else { return sums }
        for member in members.dropFirst() { for j in sums.indices { sums[j] += member[j] } }
        return sums.map { $0 / Double(members.count) }
    }

    /// The seed of ensemble member `member`: the run's seed for the first, then a fixed odd-step
    /// sequence from it (the golden-ratio increment of SplitMix64), so `--ensemble 1` is the
    /// single network of earlier versions and every member list is reproducible.
    static func memberSeed(_ seed: UInt64, member: Int) -> UInt64 {
        seed &+ UInt64(member) &* 0x9E37_79B9_7F4A_7C15
    }

    /// One trained network of an ensemble: its forecasts on the original scale, its parameters
    /// for the checkpoint (the network itself is released), or why it failed.
    struct MemberRun: Sendable {
        var output: ModelOutput
        var checkpoint: Checkpoint?
        var warning: String? = nil
    }

    /// A model's result from its members: with one member, that member's; with k, the forecasts
    /// are the members' mean (summed in member order, then divided by k: `forecast predict`
    /// computes it the same way), loss curves and gradient flow are the first member's, and the
    /// checkpoint holds all k networks. Any member failing fails the model, naming the seed.
    func combine(_ model: NeuralModel, members: [MemberRun]) -> Trained {
        let k = members.count
        if k == 1 { return Trained(output: members[0].output, checkpoint: members[0].checkpoint, warning: members[0].warning) }
        let first = members[0].output
        let configuration = "\(first.configuration), mean of \(k) seeds"
        if let m = members.firstIndex(where: { $0.output.failureReason != nil || $0.checkpoint == nil }) {
            let f = members[m].output
            return Trained(output: .failed(name: model.name, kind: model.kind,
                                           reason: "seed \(m + 1) of \(k): \(f.failureReason ?? "no checkpoint")",
                                           parameters: f.parameters, configuration: configuration, epochsRun: f.epochsRun,
                                           trainSeconds: members.reduce(0) { $0 + ($1.output.trainSeconds ?? 0) },
                                           trainLoss: f.trainLoss, validationLoss: f.validationLoss),
                           checkpoint: nil)
        }
        func mean(_ part: KeyPath<ModelOutput, RollingForecasts?>) -> RollingForecasts? {
            guard let base = first[keyPath: part] else { return nil }
            let parts = members.compactMap { $0.output[keyPath: part]?.values }
            guard parts.count == k else { return nil }
            return RollingForecasts(origins: base.origins, values: base.values.indices.map { i in Self.memberMean(parts.map { $0[i] }) })
        }
        let output = ModelOutput(
            name: model.name, kind: model.kind, parameters: first.parameters, configuration: configuration,
            epochsRun: first.epochsRun, trainSeconds: members.reduce(0) { $0 + ($1.output.trainSeconds ?? 0) },
            trainLoss: first.trainLoss, validationLoss: first.validationLoss, gradientFlow: first.gradientFlow,
            validationForecasts: mean(\.validationForecasts), testForecasts: mean(\.testForecasts),
            nextForecast: Self.memberMean(members.map(\.output.nextForecast)))
        var checkpoint = members[0].checkpoint!
        checkpoint.parameters = members.flatMap { $0.checkpoint!.parameters }
        checkpoint.members = k
        checkpoint.version = Checkpoint.ensembleFormatVersion
        let warnings = members.compactMap(\.warning)
        return Trained(output: output, checkpoint: checkpoint,
                       warning: warnings.isEmpty ? nil : warnings[0] + (k > 1 && warnings.count > 1 ? " (\(warnings.count) of \(k) seeds)" : ""))
    }

    func trainMember(_ model: NeuralModel, member: Int, of members: Int, dataset: WindowedDataset,
                     progressIndex: Int = 0) -> MemberRun {
        let (name, kind, spec) = (model.name, model.kind, model.spec)
        let c = configuration
        let seed = Self.memberSeed(c.seed, member: member)
        if let problem = dataset.scalingProblem {
            return MemberRun(output: .failed(name: name, kind: kind,
                                             reason: "cannot scale the data for a network: \(problem); divide the values by a power of ten first",
                                             configuration: spec.description), checkpoint: nil)
        }
        let net: Network<Float>
        do {
            net = try Network<Float>(spec: spec, timeSteps: dataset.timeSteps, inputDim: dataset.dimInput,
                                     outputDim: dataset.horizon, seed: seed,
                                     initScheme: c.initScheme)
            // Warm start: member m from the m-th block of an ensemble checkpoint, or a single
            // network's parameters for the first member.
            if let warm = initialParameters[name] {
                let p = net.parameterCount
                if warm.count == p * members {
                    try net.setParameters(Array(warm[(member * p)..<((member + 1) * p)]))
                } else if warm.count == p, member == 0 {
                    try net.setParameters(warm)
                }
            }
        } catch {
            return MemberRun(output: .failed(name: name, kind: kind, reason: "cannot build the model: \(error)",
                                             configuration: spec.description), checkpoint: nil)
        }
        let config = trainingConfig(seed: seed)
        let progress = self.progress
        let result = train(net, train: (dataset.train.x, dataset.train.y, dataset.train.count),
                           validation: dataset.validation.count > 0
                               ? (dataset.validation.x, dataset.validation.y, dataset.validation.count) : nil,
                           config: config,
                           progress: progress.map { report in
                               { (e: EpochRecord) in
                                   report(.epoch(model: progressIndex, FitProgress.EpochProgress(
                                       epoch: e.epoch, trainLoss: e.trainLoss, validationLoss: e.validationLoss, seconds: e.seconds)))
                               }
                           })
        let trainLoss = result.epochs.map(\.trainLoss)
        let validationLoss = result.epochs.compactMap(\.validationLoss)
        let failure: String?
        switch result.status {
        case .completed, .earlyStopped: failure = nil
        case .diverged(let reason): failure = "training diverged: \(reason)"
        case .failed(let reason): failure = "training failed: \(reason)"
        }
        if let failure {
            return MemberRun(output: .failed(name: name, kind: kind, reason: failure,
                                             parameters: net.parameterCount, configuration: spec.description,
                                             epochsRun: result.epochs.count, trainSeconds: result.totalSeconds,
                                             trainLoss: trainLoss, validationLoss: validationLoss),
                             checkpoint: nil)
        }
        func rolling(_ set: WindowSet) -> RollingForecasts {
            let raw = net.predict(x: set.x, count: set.count)
            return RollingForecasts(origins: set.targetIndex, values: dataset.inverse(predictions: raw, for: set))
        }
        // Scored like every other model: a forecast from each origin of the validation part (the
        // `validation` windows, which need all h targets inside it, are for the validation loss).
        let validationOrigins = dataset.windows(forecastingFrom: dataset.validationStart..<dataset.testStart)
        let next = dataset.inverseNext(net.predict(x: dataset.nextInput(), count: 1))
        var flow: [Double]? = nil
        if kind == .recurrent, member == 0, dataset.validation.count > 0 {
            flow = net.gradientFlow(x: dataset.validation.x, y: dataset.validation.y, count: dataset.validation.count)
        }
        let output = ModelOutput(
            name: name, kind: kind, parameters: net.parameterCount, configuration: spec.description,
            epochsRun: result.epochs.count, trainSeconds: result.totalSeconds,
            trainLoss: trainLoss, validationLoss: validationLoss, gradientFlow: flow,
            validationForecasts: rolling(validationOrigins), testForecasts: rolling(dataset.test),
            nextForecast: next)
        let checkpoint = Checkpoint(network: net, metadata: checkpointMetadata(name: name, dataset: dataset).encoded())
        net.releaseWorkspaces()
        // Stopped by the epoch cap while the validation loss was still at its lowest: more
        // epochs would likely have helped, and the user should know.
        var warning: String? = nil
        if case .completed = result.status, validationLoss.count >= 2, let last = validationLoss.last,
           let best = validationLoss.dropLast().min(), last < best {
            warning = "\(name) reached --epochs \(c.epochs) while its validation loss was still falling "
                + "(\(String(format: "%.4g", best)) → \(String(format: "%.4g", last)) at the last epoch): more epochs may help"
        }
        return MemberRun(output: output, checkpoint: checkpoint, warning: warning)
    }

    /// The training settings of one network (one ensemble member) from the configuration.
    func trainingConfig(seed: UInt64) -> TrainingConfig {
        let c = configuration
        return TrainingConfig(maxEpochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate,
                              optimizer: c.optimizer.kind, loss: c.loss.loss,
                              clipNorm: c.clip, patience: c.patience, seed: seed)
    }

    /// What `forecast predict` needs to rebuild the model's input from a CSV.
    func checkpointMetadata(name: String, dataset: WindowedDataset) -> CheckpointMetadata {
        CheckpointMetadata(model: name, toolVersion: version, target: dataset.targetName, features: dataset.featureNames,
                           scaler: dataset.scaler, windowing: dataset.options, configuration: configuration)
    }

    // MARK: - Mapping the configuration

    func ingestOptions(_ c: FitConfiguration) -> ForecastIngest.IngestOptions {
        ForecastIngest.IngestOptions(path: c.input, delimiter: c.delimiter.flatMap(\.first),
                                     dateColumn: c.dateColumn, dateFormat: c.dateFormat, target: c.target,
                                     features: c.features, missing: c.missing, duplicates: c.duplicates)
    }

    func windowingOptions(_ c: FitConfiguration) -> WindowingOptions {
        WindowingOptions(timeSteps: c.window ?? 32, stride: c.stride, horizon: c.horizon,
                         testFraction: c.testFraction, validationFraction: c.validationFraction,
                         minimumValidationPoints: ModelSelection.preferredValidationPoints(horizon: c.horizon),
                         scaling: c.scaling, transform: c.transform)
    }

    /// The reproducibility block: every setting of the configuration's encoding, then the matrix
    /// backend (not a setting, but the backends round differently; `FORECAST_GEMM` selects one).
    static func hyperParameters(_ c: FitConfiguration) -> [HyperParameter] {
        c.settings.map { HyperParameter($0.key, $0.value) } + [HyperParameter("matrix_backend", MatrixBackend.summary)]
    }

    /// A dateless series (one column of values) is stamped with its row numbers (see
    /// `Frequency.rowNumberOrigin`); reports show "row n" for its dates.
    func syntheticDates(count: Int) -> [Date] {
        (0..<count).map(Frequency.rowStamp)
    }
}
