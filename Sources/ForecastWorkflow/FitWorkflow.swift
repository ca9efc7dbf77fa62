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
                          dataLines: fitted.dataLines, trainingWarnings: fitted.trainingWarnings)
    }

    /// Everything a fit computes, not yet written: the evaluated run and the trained models'
    /// checkpoints.
    public struct Evaluated: Sendable {
        public var run: RunResult
        /// One per trained network that did not fail, in report order.
        public var checkpoints: [(model: String, checkpoint: Checkpoint)]
        /// One per statistical model that was fitted and scored, in report order.
        public var statisticalCheckpoints: [(model: String, checkpoint: StatisticalCheckpoint)] = []
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
        /// ``statisticalCheckpointFileName(model:)`` per statistical model.
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
            }
        }
    }

    /// `model-<name>.ckpt`: the file a trained model's checkpoint has in its report folder.
    public static func checkpointFileName(model: String) -> String { "model-\(model).ckpt" }

    /// `model-<name>.json`: the file of a statistical model (``StatisticalCheckpoint``) in its report folder.
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
        let bytes = try InputFile.read(c.input)
        let checksum = sha256Hex(of: Data(bytes))
        let series = try loadSeries(bytes: bytes, name: c.input, options: ingestOptions(c))
        let budget = memoryBudget ?? MemoryBudget.current()
        let windowBytes = WindowedDataset.estimatedBytes(rows: series.count, dimInput: series.dimInput, windowingOptions(c))
        try checkMemory(windowBytes, budget, what: "the windows (\(series.count) rows × --window \(c.window) × \(series.dimInput) features)",
                        key: .window, hint: "use a shorter --window, fewer --features or a larger --stride")
        let dataset = try makeWindows(series, windowingOptions(c))
        try checkFootprints(models, dataset: dataset, budget: budget, windowBytes: windowBytes)
        let y = dataset.targetLevels
        let dates = series.dates ?? syntheticDates(count: y.count)
        let frequency = series.frequency
        let split = SeriesSplit(train: 0..<dataset.validationStart,
                                validation: dataset.validationStart..<dataset.testStart,
                                test: dataset.testStart..<y.count)
        let season = chooseSeason(frequencyDefault: SeasonDefault(frequency), override: c.season,
                                  trainingSeries: Array(y[split.train]))
        // The season decides whether seasonal naive runs at all: say which and why.
        let dataLines = Self.dataLines(series: series, dataset: dataset) + ["season: \(season.reason)"]
        onData?(dataLines)

        // 2. Fit the statistical models on the training part, then train the neural models
        //    (baselines are added by the evaluator).
        let context = StatisticalModelFit.RunContext(target: series.targetName, features: series.featureNames,
                                                     dates: series.dates, toolVersion: version, configuration: c)
        let statisticalModels = c.models.filter(\.isStatistical)
        progress?(.plan(statisticalModels.map { FitProgress.PlannedModel(name: $0.rawValue, maxEpochs: nil, mayStopEarly: false, workPerSample: nil) }
                        + models.map { FitProgress.PlannedModel(name: $0.name, maxEpochs: c.epochs, mayStopEarly: c.patience > 0,
                                                                workPerSample: FitProgress.PlannedModel.forwardMultiplyAdds(
                                                                    $0.spec, timeSteps: dataset.timeSteps, inputDim: dataset.dimInput)) }))
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
        let evaluation = evaluator.evaluate(models: statistical.map(\.output) + trained.map(\.output))

        let summary = series.summary
        var datasetSummary = DatasetSummary(
            filePath: c.input, sha256: checksum, rows: y.count,
            firstDate: dates.first ?? started, lastDate: dates.last ?? started,
            frequency: frequency, target: series.targetName, features: series.featureNames,
            missingCount: summary.missingCount, missingPolicy: summary.missingPolicy.rawValue,
            gaps: summary.gaps,
            transform: c.transform.rawValue, scaling: c.scaling.rawValue, window: c.window, horizon: c.horizon,
            trainCount: dataset.train.count, validationCount: dataset.validation.count,
            testCount: dataset.test.count, season: season)
        let reproducibility = Reproducibility(version: version, commandLine: commandLine, seed: c.seed,
                                              hyperParameters: Self.hyperParameters(c))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
        // Ingest lists the first few gaps; the totals cover all of them.
        datasetSummary.gapCount = summary.gapCount
        datasetSummary.warnings = summary.warnings
        datasetSummary.missingPeriods = summary.missingPeriods
        let run = RunResult(dataset: datasetSummary, evaluation: evaluation, reproducibility: reproducibility,
                            startedAt: started, durationSeconds: seconds)

        let checkpoints = trained.compactMap { t in t.checkpoint.map { (model: t.output.name, checkpoint: $0) } }
        // A model the evaluator failed (e.g. a forecast that overflowed) gets no file to predict with.
        let working = Set(run.models.filter(\.status.isOK).map(\.name))
        let statisticalCheckpoints = statistical.compactMap { s in
            working.contains(s.output.name) ? s.checkpoint.map { (model: s.output.name, checkpoint: $0) } : nil
        }
        return Evaluated(run: run, checkpoints: checkpoints, statisticalCheckpoints: statisticalCheckpoints,
                         series: series, season: season.season, allTrainedModelsFailed: run.allTrainedModelsFailed,
                         dataLines: dataLines, trainingWarnings: trained.compactMap(\.warning))
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

    /// Trains every model on up to `workers` threads; slot i holds model i's result, so the
    /// order (and every number) is the same whatever the thread count. Model i is number
    /// `firstProgressIndex + i` in the progress plan.
    func trainAll(_ models: [NeuralModel], dataset: WindowedDataset, firstProgressIndex: Int = 0) -> [Trained] {
        let slots = Mutex<[Trained?]>(Array(repeating: nil, count: models.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(workers, max(models.count, 1))) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < models.count else { return }
                let index = firstProgressIndex + i
                progress?(.started(model: index))
                let trained = trainOne(models[i], dataset: dataset, progressIndex: index)
                let epochs = trained.output.epochsRun ?? 0
                progress?(.finished(model: index, FitProgress.ModelEnd(
                    epochs: epochs, seconds: trained.output.trainSeconds ?? 0,
                    // Training that neither failed nor ran every epoch was ended by early stopping.
                    stoppedEarly: trained.output.failureReason == nil && epochs < configuration.epochs,
                    failure: trained.output.failureReason)))
                slots.withLock { $0[i] = trained }
            }
        }
        return slots.withLock { $0.map { $0! } }
    }

    func trainOne(_ model: NeuralModel, dataset: WindowedDataset, progressIndex: Int = 0) -> Trained {
        let (name, kind, spec) = (model.name, model.kind, model.spec)
        let c = configuration
        if let problem = dataset.scalingProblem {
            return Trained(output: .failed(name: name, kind: kind,
                                           reason: "cannot scale the data for a network: \(problem); divide the values by a power of ten first",
                                           configuration: spec.description), checkpoint: nil)
        }
        let net: Network<Float>
        do {
            net = try Network<Float>(spec: spec, timeSteps: dataset.timeSteps, inputDim: dataset.dimInput,
                                     outputDim: dataset.horizon, seed: c.seed,
                                     initScheme: c.initScheme)
            if let warm = initialParameters[name], warm.count == net.parameterCount {
                try net.setParameters(warm)
            }
        } catch {
            return Trained(output: .failed(name: name, kind: kind, reason: "cannot build the model: \(error)",
                                           configuration: spec.description), checkpoint: nil)
        }
        let config = TrainingConfig(
            maxEpochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate,
            optimizer: c.optimizer.kind, loss: c.loss.loss,
            clipNorm: c.clip, patience: c.patience, seed: c.seed)
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
            return Trained(output: .failed(name: name, kind: kind, reason: failure,
                                           parameters: net.parameterCount, configuration: spec.description,
                                           epochsRun: result.epochs.count, trainSeconds: result.totalSeconds,
                                           trainLoss: trainLoss, validationLoss: validationLoss),
                           checkpoint: nil)
        }
        func rolling(_ set: WindowSet) -> RollingForecasts {
            let raw = net.predict(x: set.x, count: set.count)
            return RollingForecasts(origins: set.targetIndex, values: dataset.inverse(predictions: raw, for: set))
        }
        let next = dataset.inverseNext(net.predict(x: dataset.nextInput(), count: 1))
        var flow: [Double]? = nil
        if kind == .recurrent, dataset.validation.count > 0 {
            flow = net.gradientFlow(x: dataset.validation.x, y: dataset.validation.y, count: dataset.validation.count)
        }
        let output = ModelOutput(
            name: name, kind: kind, parameters: net.parameterCount, configuration: spec.description,
            epochsRun: result.epochs.count, trainSeconds: result.totalSeconds,
            trainLoss: trainLoss, validationLoss: validationLoss, gradientFlow: flow,
            validationForecasts: rolling(dataset.validation), testForecasts: rolling(dataset.test),
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
        return Trained(output: output, checkpoint: checkpoint, warning: warning)
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
        WindowingOptions(timeSteps: c.window, stride: c.stride, horizon: c.horizon,
                         testFraction: c.testFraction, validationFraction: c.validationFraction,
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
