import Dispatch
import ForecastCore
import ForecastEvaluation
import ForecastIngest
import ForecastModels
import ForecastReport
import Foundation
import Synchronization

/// A portfolio's global networks (`--global`): for every network of the run (ff, rnn, gru, lstm,
/// custom specs) one twin `global-<name>`, trained once on the windows of all the portfolio's
/// series pooled, then forecasting each series through that series' own scaler. Pooling lets one
/// set of weights learn what the series share, which helps short series most (Montero-Manso and
/// Hyndman, "Principles and algorithms for forecasting groups of time series: locality and
/// globality", IJF 2021; Salinas et al., DeepAR, IJF 2020, for the series embedding).
///
/// - Common window: every series is windowed with one T, `--window` when given, else the
///   smallest of the series' data-derived windows; a series whose data cannot be read, is
///   constant, or is too short for T is left out (with the reason) and keeps its own networks.
/// - Scaling: each series by the statistics of its own training part, exactly as its local
///   networks (the scaler does not depend on the window).
/// - Pooling: series in id order, windows in time order within a series, stacked along
///   n_samples (``WindowSet/stacked(_:oneHot:)``); early stopping on the pooled validation
///   windows. With ``SeriesEmbedding/onehot`` each window also carries S one-hot columns.
/// - Seeds: `--ensemble k` members with the seeds of the local networks, trained `workers` at a
///   time; every number is independent of `workers` and of `--jobs`.
///
/// Memory: the series' windows at T and the pooled copy of their training and validation
/// windows are held at once, with the trainings running side by side; the estimate is checked
/// against ``MemoryBudget`` before anything is allocated. Every series read is also kept
/// (values only, about 1/T of its windows) and handed on in ``Outcome``, so that its own fit
/// does not read and parse it again.
public struct GlobalNetworks: Sendable {
    /// The prefix of a global network's name: `global-gru` is the global twin of `gru`.
    public static let namePrefix = GlobalLocalComparison.globalPrefix

    /// The name of the global twin of the network `local`.
    public static func name(ofTwinOf local: String) -> String { namePrefix + local }

    /// The label of the per-series comparison of a global network with its local twin.
    public static func comparisonLabel(global: String, local: String) -> String {
        GlobalLocalComparison.label(global: global, local: local)
    }

    /// The portfolio's settings (``FitConfiguration/isGlobal`` set).
    public var configuration: FitConfiguration
    public var version: String
    /// Trainings at once.
    public var workers: Int
    /// nil: read at the start of ``train(_:configurationFor:)``.
    public var memoryBudget: MemoryBudget? = nil
    /// One line when the pooled windows are ready, before the trainings start (what is trained
    /// on how many windows), for the terminal.
    public var onTraining: (@Sendable (String) -> Void)? = nil
    /// The trainings' progress, as ``FitWorkflow/progress`` reports a fit's networks: the plan
    /// (one entry per training, `global-gru seed 2/3`, in model then seed order), then for each
    /// training its start, every epoch and its end. `workers` trainings run at once, so the
    /// events of different trainings interleave; each training's own come in order.
    public var progress: (@Sendable (FitProgress) -> Void)? = nil

    public init(configuration: FitConfiguration, version: String, workers: Int) {
        self.configuration = configuration
        self.version = version
        self.workers = max(1, workers)
    }

    /// What the global networks give: per series id, the twins to score beside its own models
    /// (``FitWorkflow/globalTwins``; no entry for a series left out), and the summary's account.
    public struct Outcome: Sendable {
        public var twins: [String: [FitWorkflow.GlobalTwin]]
        public var report: PortfolioGlobalNetworks
        /// Per series id, the series as read here, for its own fit to start from
        /// (``FitWorkflow/preparedInput``) instead of reading it again; no entry for a series
        /// that could not be read. Its values once per series, no windows.
        var inputs: [String: FitWorkflow.PreparedInput] = [:]
    }

    /// One series in the global model: its settings (as `fit` would run it alone) and its
    /// windows at the common window.
    struct Member {
        var id: String
        var configuration: FitConfiguration
        var dataset: WindowedDataset
    }

    /// A series read and checked, before the common window is known.
    struct Candidate {
        var id: String
        var configuration: FitConfiguration
        var input: FitWorkflow.PreparedInput
        var series: Series { input.series }
        var windowing: WindowingOptions { input.windowing }
    }

    /// Reads every series, pools their windows, trains the global networks and forecasts each
    /// series with them. `configurationFor` gives a series' own settings (``PortfolioRun/configuration(for:)``).
    /// - Throws: ``FitConfigurationError`` (`--series-embedding` beyond its cap, `--global`
    ///   beyond the memory budget, a network too large for a checkpoint); errors reading a file
    ///   that are not a problem of one series' data.
    public func train(_ series: [PortfolioSeries],
                      configurationFor: (PortfolioSeries) -> FitConfiguration) throws -> Outcome {
        let clock = DispatchTime.now()
        let c = configuration
        let oneHot = c.seriesEmbedding == .onehot
        // The networks as a series' own fit builds them (its settings name its input file).
        let models = try FitWorkflow(configuration: series.first.map(configurationFor) ?? c, commandLine: "", version: version).neuralModels()
        let names = models.map { Self.name(ofTwinOf: $0.name) }
        var excluded: [PortfolioGlobalNetworks.Exclusion] = []

        // 1. Read every series and find its data-derived window. Each series' own fit later
        //    starts from what is read here (`inputs`), so every series is read once in the run.
        var candidates: [Candidate] = []
        var inputs: [String: FitWorkflow.PreparedInput] = [:]
        for s in series {
            let own = configurationFor(s)
            let workflow = FitWorkflow(configuration: own, commandLine: "", version: version, workers: 1)
            do {
                let bytes: [UInt8]
                if case .rows(let table, let group) = s.source { bytes = table.csv(group: group) } else { bytes = try InputFile.read(own.input) }
                let input = try workflow.prepareInput(bytes: bytes)
                inputs[s.id] = input
                let loaded = input.series
                if let first = loaded.target.first, loaded.target.allSatisfy({ $0 == first }) {
                    excluded.append(.init(series: s.id, reason: "constant: every one of the \(loaded.count) values is \(first)"))
                    continue
                }
                candidates.append(Candidate(id: s.id, configuration: own, input: input))
            } catch let e as any ForecastError where PortfolioRun.isDataProblem(e.exitStatus) {
                excluded.append(.init(series: s.id, reason: e.message))
            }
        }
        let window = c.window ?? candidates.map(\.windowing.timeSteps).min() ?? 1
        let windowSource = c.window != nil ? "--window" : "the smallest of the series' data-derived windows"

        // 2. The memory the windows, the pooled copy and the trainings need, before allocating any.
        let dims = candidates.first?.series.dimInput ?? 0
        let embedded = oneHot ? candidates.count : 0
        if oneHot && candidates.count > SeriesEmbedding.maximumOneHotSeries {
            throw FitConfigurationError(.seriesEmbedding, "onehot adds one input column per series, but \(candidates.count) series would be in the global model, more than the \(SeriesEmbedding.maximumOneHotSeries) it takes",
                                        hint: "use --series-embedding none, or split the portfolio into groups of at most \(SeriesEmbedding.maximumOneHotSeries) series")
        }
        try checkMemory(candidates, window: window, dimInput: dims + embedded, models: models)

        // 3. Each series' windows at the common window; a series too short for it is left out.
        var members: [Member] = []
        for candidate in candidates {
            var w = candidate.windowing
            w.timeSteps = window
            do {
                let dataset = try makeWindows(candidate.series, w)
                if let problem = dataset.scalingProblem {
                    excluded.append(.init(series: candidate.id, reason: "cannot scale the data for a network: \(problem)"))
                } else if dataset.dimInput != dims {
                    excluded.append(.init(series: candidate.id, reason: "has \(dataset.dimInput) input columns, the other series \(dims)"))
                } else {
                    members.append(Member(id: candidate.id, configuration: candidate.configuration, dataset: dataset))
                }
            } catch let e as any ForecastError where PortfolioRun.isDataProblem(e.exitStatus) {
                excluded.append(.init(series: candidate.id, reason: "too short for the global window of \(window) steps: \(e.message)"))
            }
        }
        candidates = []
        excluded.sort { Array($0.series.utf8).lexicographicallyPrecedes(Array($1.series.utf8)) }
        let embedding = oneHot ? "onehot (\(members.count) columns)" : "none"
        guard !members.isEmpty else {
            return Outcome(twins: [:], report: PortfolioGlobalNetworks(
                window: window, windowSource: windowSource, embedding: embedding, series: [], trainingWindows: 0,
                validationWindows: 0, models: names, excluded: excluded,
                failures: names.map { .init(series: $0, reason: "no series could be used") }, seconds: Self.seconds(since: clock)),
                inputs: inputs)
        }

        // 4. Pool and train: model i, member m in slot i · k + m, whatever the thread count.
        guard let pooledTrain = WindowSet.stacked(members.map(\.dataset.train), oneHot: oneHot),
              let pooledValidation = WindowSet.stacked(members.map(\.dataset.validation), oneHot: oneHot) else {
            preconditionFailure("the members' windows share T, D and h by construction")
        }
        onTraining?("global networks: \(members.count) series, window \(window), \(pooledTrain.count) training and "
                    + "\(pooledValidation.count) validation windows, dim_input \(pooledTrain.dimInput); training \(names.listed())")
        progress?(.plan(models.flatMap { model in (0..<c.ensembleSize).map { member in
            FitProgress.PlannedModel(name: FitWorkflow.trainingName(Self.name(ofTwinOf: model.name), member: member, of: c.ensembleSize),
                                     maxEpochs: c.epochs, mayStopEarly: c.patience > 0,
                                     workPerSample: FitProgress.PlannedModel.forwardMultiplyAdds(
                                         model.spec, timeSteps: pooledTrain.timeSteps, inputDim: pooledTrain.dimInput)) } }))
        let trainings = trainAll(models, train: pooledTrain, validation: pooledValidation)

        // 5. Forecast every series with every global network.
        var twins: [String: [FitWorkflow.GlobalTwin]] = [:]
        var failures: [PortfolioGlobalNetworks.Exclusion] = []
        var ensembles: [(checkpoint: Checkpoint, networks: [Network<Float>])?] = []
        for i in models.indices {
            switch trainings[i] {
            case .failure(let reason):
                failures.append(.init(series: names[i], reason: reason))
                ensembles.append(nil)
            case .success(let checkpoint, _, _):
                // The networks predict forecasts from the parameters the checkpoint holds, as `predict` does.
                guard let nets = try? checkpoint.makeNetworks() else {
                    failures.append(.init(series: names[i], reason: "its checkpoint could not be read back"))
                    ensembles.append(nil)
                    continue
                }
                ensembles.append((checkpoint, nets))
            }
        }
        for (k, member) in members.enumerated() {
            twins[member.id] = models.indices.map { i in
                twin(of: models[i], name: names[i], member: member, index: k, of: members.count, oneHot: oneHot,
                     training: trainings[i], ensemble: ensembles[i], pooledWindows: pooledTrain.count, window: window)
            }
        }
        return Outcome(twins: twins, report: PortfolioGlobalNetworks(
            window: window, windowSource: windowSource, embedding: embedding, series: members.map(\.id),
            trainingWindows: pooledTrain.count, validationWindows: pooledValidation.count, models: names,
            excluded: excluded, failures: failures, seconds: Self.seconds(since: clock)), inputs: inputs)
    }

    /// One global network's training: the ensemble's checkpoint and the first member's record,
    /// or why it failed.
    enum Training: Sendable {
        case success(Checkpoint, first: TrainingResult, seconds: Double)
        case failure(String)
    }

    /// Trains `--ensemble k` members of every model on the pooled windows, `workers` at a time.
    /// Training j (model j / k, member j % k) is number j in the ``progress`` plan.
    func trainAll(_ models: [FitWorkflow.NeuralModel], train: WindowSet, validation: WindowSet) -> [Training] {
        let c = configuration
        let k = c.ensembleSize
        let jobs = models.indices.flatMap { i in (0..<k).map { (model: i, member: $0) } }
        let slots = Mutex<[(checkpoint: Checkpoint?, result: TrainingResult?, failure: String?)]>(
            Array(repeating: (nil, nil, nil), count: jobs.count))
        let next = Atomic<Int>(0)
        let workflow = FitWorkflow(configuration: c, commandLine: "", version: version)
        let progress = self.progress
        DispatchQueue.concurrentPerform(iterations: min(workers, max(jobs.count, 1))) { _ in
            while true {
                let j = next.add(1, ordering: .relaxed).oldValue
                guard j < jobs.count else { return }
                let model = models[jobs[j].model], m = jobs[j].member
                progress?(.started(model: j))
                let net: Network<Float>
                do {
                    net = try Network<Float>(spec: model.spec, timeSteps: train.timeSteps, inputDim: train.dimInput,
                                             outputDim: train.horizon, seed: FitWorkflow.memberSeed(c.seed, member: m),
                                             initScheme: c.initScheme)
                } catch {
                    let failure = "cannot build the model: \(error)"
                    progress?(.finished(model: j, FitProgress.ModelEnd(epochs: 0, seconds: 0, failure: failure)))
                    slots.withLock { $0[j] = (nil, nil, failure) }
                    continue
                }
                let result = ForecastModels.train(net, train: (train.x, train.y, train.count),
                                                  validation: validation.count > 0 ? (validation.x, validation.y, validation.count) : nil,
                                                  config: workflow.trainingConfig(seed: FitWorkflow.memberSeed(c.seed, member: m)),
                                                  progress: progress.map { report in
                                                      { (e: EpochRecord) in
                                                          report(.epoch(model: j, FitProgress.EpochProgress(
                                                              epoch: e.epoch, trainLoss: e.trainLoss, validationLoss: e.validationLoss, seconds: e.seconds)))
                                                      }
                                                  })
                var failure: String? = nil
                switch result.status {
                case .completed, .earlyStopped: break
                case .diverged(let reason): failure = "training diverged: \(reason)"
                case .failed(let reason): failure = "training failed: \(reason)"
                }
                let checkpoint = failure == nil ? Checkpoint(network: net) : nil
                net.releaseWorkspaces()
                // Neither failed nor ran every epoch: early stopping ended it (as a fit reports its networks).
                progress?(.finished(model: j, FitProgress.ModelEnd(epochs: result.epochs.count, seconds: result.totalSeconds,
                                                                    stoppedEarly: failure == nil && result.epochs.count < c.epochs,
                                                                    failure: failure)))
                slots.withLock { $0[j] = (checkpoint, result, failure) }
            }
        }
        let runs = slots.withLock { $0 }
        return models.indices.map { i in
            let part = runs[(i * k)..<((i + 1) * k)]
            if let (m, failed) = part.enumerated().first(where: { $0.element.failure != nil || $0.element.checkpoint == nil }).map({ ($0.offset, $0.element) }) {
                return .failure(k == 1 ? (failed.failure ?? "no checkpoint") : "seed \(m + 1) of \(k): \(failed.failure ?? "no checkpoint")")
            }
            var ensemble = part.first!.checkpoint!
            if k > 1 {
                ensemble.parameters = part.flatMap { $0.checkpoint!.parameters }
                ensemble.members = k
                ensemble.version = Checkpoint.ensembleFormatVersion
            }
            return .success(ensemble, first: part.first!.result!, seconds: part.reduce(0) { $0 + ($1.result?.totalSeconds ?? 0) })
        }
    }

    /// The global network `name` on series `member` (number `index` of `count` in the model):
    /// its forecasts through the series' own scaler (the mean over the ensemble's members, in
    /// member order, as ``FitWorkflow/memberMean(_:)`` averages them for local networks and
    /// `predict`), and its checkpoint with the series' metadata.
    func twin(of model: FitWorkflow.NeuralModel, name: String, member: Member, index: Int, of count: Int, oneHot: Bool,
              training: Training, ensemble: (checkpoint: Checkpoint, networks: [Network<Float>])?,
              pooledWindows: Int, window: Int) -> FitWorkflow.GlobalTwin {
        let k = configuration.ensembleSize
        var description = "\(model.spec) — global: one network for the \(count) series of the portfolio, trained on their "
            + "\(pooledWindows) pooled training windows (window \(window))"
        description += oneHot ? ", one-hot series embedding (\(count) input columns; this series is column \(index + 1))" : ", no series embedding"
        if k > 1 { description += ", mean of \(k) seeds" }
        guard case .success(_, let first, let seconds) = training, let ensemble else {
            let reason: String
            if case .failure(let why) = training { reason = "the global network failed: \(why)" } else { reason = "the global network's checkpoint could not be read back" }
            return FitWorkflow.GlobalTwin(output: .failed(name: name, kind: model.kind, reason: reason, configuration: description),
                                          checkpoint: nil, local: model.name)
        }
        let d = member.dataset
        func input(_ x: [Float], rows: Int) -> [Float] {
            oneHot ? WindowSet.appendingOneHot(to: x, rows: rows, dimInput: d.dimInput, index: index, of: count) : x
        }
        func rolling(_ set: WindowSet) -> RollingForecasts {
            let x = input(set.x, rows: set.timeSteps * set.count)
            let perMember = ensemble.networks.map { d.inverse(predictions: $0.predict(x: x, count: set.count), for: set) }
            return RollingForecasts(origins: set.targetIndex,
                                    values: set.targetIndex.indices.map { i in FitWorkflow.memberMean(perMember.map { $0[i] }) })
        }
        let next = input(d.nextInput(), rows: d.timeSteps)
        let output = ModelOutput(
            name: name, kind: model.kind, parameters: ensemble.networks[0].parameterCount, configuration: description,
            epochsRun: first.epochs.count, trainSeconds: seconds,
            trainLoss: first.epochs.map(\.trainLoss), validationLoss: first.epochs.compactMap(\.validationLoss),
            // From every validation origin, as the local networks and the other models are scored.
            validationForecasts: rolling(d.windows(forecastingFrom: d.validationStart..<d.testStart)), testForecasts: rolling(d.test),
            nextForecast: FitWorkflow.memberMean(ensemble.networks.map { d.inverseNext($0.predict(x: next, count: 1)) }))
        var meta = CheckpointMetadata(model: name, toolVersion: version, target: d.targetName, features: d.featureNames,
                                      scaler: d.scaler, windowing: d.options, configuration: member.configuration)
        if oneHot { meta.oneHotSeries = .init(index: index, count: count, series: member.id) }
        var checkpoint = ensemble.checkpoint  // the parameters are shared between the series' copies
        checkpoint.metadata = meta.encoded()
        return FitWorkflow.GlobalTwin(output: output, checkpoint: checkpoint, local: model.name)
    }

    /// Refuses, before allocating, a global model whose windows (every series' at the common
    /// window, and the pooled training and validation copy with its embedding columns) and
    /// trainings (`workers` at once) would not fit in the memory budget; and networks a
    /// checkpoint cannot hold.
    func checkMemory(_ candidates: [Candidate], window: Int, dimInput: Int, models: [FitWorkflow.NeuralModel]) throws(FitConfigurationError) {
        let c = configuration
        var windows = 0, pooled = 0
        for candidate in candidates {
            var w = candidate.windowing
            w.timeSteps = window
            let own = WindowedDataset.estimatedBytes(rows: candidate.series.count, dimInput: candidate.series.dimInput, w)
            // The pooled copy holds at most every window, each with the embedding's columns too.
            let widened = Double(own) * Double(dimInput) / Double(max(1, candidate.series.dimInput))
            windows = windows.addingReportingOverflow(own).overflow ? .max : windows + own
            pooled = widened >= Double(Int.max / 2) ? .max : pooled.addingReportingOverflow(Int(widened)).overflow ? .max : pooled + Int(widened)
        }
        var training: [Int] = []
        for model in models {
            do {
                let footprint = try NetworkFootprint(model.spec, timeSteps: window, inputDim: dimInput, outputDim: c.horizon)
                training += Array(repeating: footprint.trainingBytes(batch: c.batchSize), count: c.ensembleSize)
            } catch {
                let key: FitConfiguration.Key = c.customModels.contains { $0.name == model.name } ? .modelSpec : .hidden
                throw FitConfigurationError(.global, "the global \(model.name) network (\(model.spec), window \(window), \(dimInput) inputs) \(error.message)",
                                            hint: "change \(key.optionName) or --window (or drop --series-embedding onehot): a network may have at most \(Checkpoint.maximumParameters) parameters, so that forecast predict can load its checkpoint")
            }
        }
        let concurrent = training.sorted(by: >).prefix(workers).reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }
        let total = [windows, pooled, concurrent].reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }
        let budget = memoryBudget ?? MemoryBudget.current()
        guard total > budget.bytes else { return }
        throw FitConfigurationError(.global, "the global networks would need about \(byteText(total)) (the windows of \(candidates.count) series at window \(window): \(byteText(windows)), "
                                        + "their pooled copy: \(byteText(pooled)), \(min(workers, training.count)) trainings at once: \(byteText(concurrent))), "
                                        + "more than the \(byteText(budget.bytes)) of \(budget.source)",
                                    hint: "drop --global, use a shorter --window or a larger --stride, split the portfolio, or set FORECAST_MAX_MEMORY_BYTES if the estimate is wrong for this machine")
    }

    static func seconds(since clock: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
    }
}
