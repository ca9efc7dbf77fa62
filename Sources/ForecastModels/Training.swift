/// Which optimizer ``train(_:train:validation:config:progress:)`` uses.
public enum OptimizerKind: Equatable, Sendable {
    /// Adam, β = (0.9, 0.999), ε = 1e-8 (see ``Adam``).
    case adam
    /// SGD with the given momentum (0 for plain SGD; see ``SGD``).
    case sgd(momentum: Double)
}

/// Settings of one training run. Defaults: Adam lr 1e-3, batches of 64 shuffled per epoch,
/// MSE, gradient clipping at global norm 1, early stopping after 10 epochs without improvement
/// of the validation loss, learning rate halved after 5.
public struct TrainingConfig: Equatable, Sendable {
    /// Upper bound on the number of epochs.
    public var maxEpochs: Int
    /// Mini-batch size; 1 gives plain per-sample SGD steps. The last batch of an epoch may be smaller.
    public var batchSize: Int
    public var learningRate: Double
    public var optimizer: OptimizerKind
    public var loss: Loss
    /// Global-norm gradient clipping threshold (PyTorch `clip_grad_norm_`); 0 turns it off.
    public var clipNorm: Double
    /// Early stopping: stop after this many epochs without improvement of the monitored loss
    /// (validation if given, else training); 0 turns it off.
    public var patience: Int
    /// Multiply the learning rate by `lrPlateauFactor` after this many epochs without
    /// improvement; 0 turns it off.
    public var lrPlateauPatience: Int
    public var lrPlateauFactor: Double
    /// The plateau reduction never goes below this learning rate.
    public var minLearningRate: Double
    /// An epoch improves on the best when its loss is below best − minDelta.
    public var minDelta: Double
    /// Shuffle the training samples every epoch (with `seed`); false gives fixed contiguous batches.
    public var shuffle: Bool
    /// Seed of the per-epoch shuffles.
    public var seed: UInt64
    /// Put the parameters of the best epoch back at the end (also after divergence).
    public var restoreBestWeights: Bool

    public init(maxEpochs: Int = 100, batchSize: Int = 64, learningRate: Double = 1e-3,
                optimizer: OptimizerKind = .adam, loss: Loss = .mse, clipNorm: Double = 1.0,
                patience: Int = 10, lrPlateauPatience: Int = 5, lrPlateauFactor: Double = 0.5,
                minLearningRate: Double = 1e-6, minDelta: Double = 0, shuffle: Bool = true, seed: UInt64 = 0,
                restoreBestWeights: Bool = true) {
        self.maxEpochs = maxEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.loss = loss
        self.clipNorm = clipNorm
        self.patience = patience
        self.lrPlateauPatience = lrPlateauPatience
        self.lrPlateauFactor = lrPlateauFactor
        self.minLearningRate = minLearningRate
        self.minDelta = minDelta
        self.shuffle = shuffle
        self.seed = seed
        self.restoreBestWeights = restoreBestWeights
    }
}

/// What happened in one epoch.
public struct EpochRecord: Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's batches (weighted by batch size), measured before each
    /// batch's update, in training mode (dropout on).
    public var trainLoss: Double
    /// Loss on the validation set after the epoch (inference mode), if a validation set was given.
    public var validationLoss: Double?
    /// Mean global gradient norm before clipping over the epoch's batches.
    public var gradNorm: Double
    /// Largest global gradient norm before clipping in the epoch.
    public var maxGradNorm: Double
    /// Learning rate used during the epoch.
    public var learningRate: Double
    /// Wall time of the epoch including validation, seconds.
    public var seconds: Double
}

/// How a training run ended.
public enum TrainingStatus: Equatable, Sendable, CustomStringConvertible {
    /// Ran all `maxEpochs`.
    case completed
    /// Stopped early: the monitored loss did not improve for `patience` epochs.
    case earlyStopped
    /// A loss or gradient became NaN or infinite; training stopped and the best weights so far
    /// (or the initial weights) were restored.
    case diverged(reason: String)
    /// Training could not start (e.g. no training samples).
    case failed(reason: String)

    public var description: String {
        switch self {
        case .completed: return "completed"
        case .earlyStopped: return "early stopped"
        case let .diverged(reason): return "diverged: \(reason)"
        case let .failed(reason): return "failed: \(reason)"
        }
    }
}

/// The record of a training run.
public struct TrainingResult: Equatable, Sendable {
    public var epochs: [EpochRecord]
    /// Epoch (1-based) whose weights the network holds at the end when restoring best weights;
    /// nil if no epoch finished.
    public var bestEpoch: Int?
    /// The monitored loss (validation if given, else training) at `bestEpoch`.
    public var bestLoss: Double?
    public var status: TrainingStatus
    public var totalSeconds: Double
}

/// Trains `net` on `train` — x (T, count, D) time-major windows, y (count, outputDim) — with
/// mini-batch gradient descent per `config`, monitoring `validation` (same layout) for early
/// stopping and learning-rate reduction. Calls `progress` after every epoch.
///
/// Single-threaded and deterministic: the same network seed, config and data give bit-identical
/// weights (with one BLAS thread). A NaN or infinite loss or gradient ends the run with
/// ``TrainingStatus/diverged(reason:)``; it never traps. Allocation happens once before the
/// first epoch (batch buffers, workspaces for the two batch sizes), not per step.
public func train(_ net: Network<Float>, train: (x: [Float], y: [Float], count: Int),
                  validation: (x: [Float], y: [Float], count: Int)? = nil, config: TrainingConfig,
                  progress: ((EpochRecord) -> Void)? = nil) -> TrainingResult {
    Trainer(net: net, config: config).run(train: train, validation: validation, progress: progress)
}

/// The training loop's state; one per run.
final class Trainer {
    let net: Network<Float>
    let config: TrainingConfig
    let optimizer: Optimizer

    init(net: Network<Float>, config: TrainingConfig) {
        self.net = net
        self.config = config
        switch config.optimizer {
        case .adam:
            optimizer = Adam(parameterCount: net.parameterCount, learningRate: config.learningRate)
        case let .sgd(momentum):
            optimizer = SGD(parameterCount: net.parameterCount, learningRate: config.learningRate, momentum: momentum)
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    func run(train: (x: [Float], y: [Float], count: Int), validation: (x: [Float], y: [Float], count: Int)?,
             progress: ((EpochRecord) -> Void)?) -> TrainingResult {
        let start = ContinuousClock.now
        let t = net.timeSteps, d = net.inputDim, o = net.outputDim
        func fail(_ reason: String) -> TrainingResult {
            TrainingResult(epochs: [], bestEpoch: nil, bestLoss: nil, status: .failed(reason: reason),
                           totalSeconds: Self.seconds(since: start))
        }
        guard train.count > 0 else { return fail("no training samples") }
        guard train.x.count == t * train.count * d, train.y.count == train.count * o else {
            return fail("training data shape: x has \(train.x.count) values for \(train.count) windows of \(t)×\(d), y has \(train.y.count) for \(o) outputs each")
        }
        if let v = validation {
            guard v.x.count == t * v.count * d, v.y.count == v.count * o else {
                return fail("validation data shape: x has \(v.x.count) values for \(v.count) windows of \(t)×\(d)")
            }
        }
        guard config.batchSize > 0, config.maxEpochs > 0, config.learningRate > 0 else {
            return fail("batch size, epochs and learning rate must be positive")
        }

        let n = train.count
        let bs = min(config.batchSize, n)
        var indices = Array(0..<n)
        let xBatch = ScratchBuffer<Float>(t * bs * d)
        let yBatch = ScratchBuffer<Float>(bs * o)
        let dOut = ScratchBuffer<Float>(bs * o)
        var best = net.copyParameters()
        var bestLoss: Double?
        var bestEpoch: Int?
        var sinceBest = 0
        var sincePlateau = 0
        var records: [EpochRecord] = []
        var status = TrainingStatus.completed
        let wasTraining = net.isTraining
        defer { net.isTraining = wasTraining }

        epochLoop: for epoch in 1...config.maxEpochs {
            let epochStart = ContinuousClock.now
            if config.shuffle {
                var rng = SplitMix64.derived(seed: config.seed, tag: UInt64(epoch))
                rng.shuffle(&indices)
            }
            net.isTraining = true
            var lossSum = 0.0, normSum = 0.0, normMax = 0.0
            var batches = 0
            var batchStart = 0
            while batchStart < n {
                let b = min(bs, n - batchStart)
                train.x.withUnsafeBufferPointer { xs in
                    train.y.withUnsafeBufferPointer { ys in
                        if config.shuffle {
                            indices.withUnsafeBufferPointer { ib in
                                let sel = UnsafeBufferPointer(rebasing: ib[batchStart..<(batchStart + b)])
                                net.gatherWindows(xs.baseAddress!, total: n, indices: sel, into: xBatch.pointer)
                                for (k, i) in sel.enumerated() {
                                    (yBatch.pointer + k * o).update(from: ys.baseAddress! + i * o, count: o)
                                }
                            }
                        } else {
                            net.gatherWindows(xs.baseAddress!, total: n, start: batchStart, batch: b, into: xBatch.pointer)
                            yBatch.pointer.update(from: ys.baseAddress! + batchStart * o, count: b * o)
                        }
                    }
                }
                net.zeroGrad()
                let out = net.forwardPointer(UnsafePointer(xBatch.pointer), batch: b)
                let loss = config.loss.evaluate(prediction: out, target: UnsafePointer(yBatch.pointer), count: b * o,
                                                gradient: dOut.pointer)
                if !loss.isFinite {
                    status = .diverged(reason: "training loss became \(loss) at epoch \(epoch), batch \(batches + 1)")
                    break epochLoop
                }
                _ = net.backwardPointer(UnsafePointer(dOut.pointer), batch: b, needInputGradient: false)
                let norm = gradientNorm()
                if !norm.isFinite {
                    status = .diverged(reason: "gradient norm became \(norm) at epoch \(epoch), batch \(batches + 1)")
                    break epochLoop
                }
                if config.clipNorm > 0 && norm > config.clipNorm {
                    scaleGradients(by: Float(config.clipNorm / (norm + 1e-6)))
                }
                optimizer.step(parameters: net.parameters, gradients: UnsafeBufferPointer(net.gradients))
                lossSum += loss * Double(b)
                normSum += norm
                normMax = max(normMax, norm)
                batches += 1
                batchStart += b
            }
            net.isTraining = false
            // Finite gradients can still push a weight past Float's range (a huge step).
            if !net.parameters.allSatisfy({ $0.isFinite }) {
                status = .diverged(reason: "parameters overflowed to infinity or NaN in epoch \(epoch)")
                break epochLoop
            }
            let trainLoss = lossSum / Double(n)
            var validationLoss: Double?
            if let v = validation, v.count > 0 {
                let vl = evaluate(v, batchSize: bs)
                if !vl.isFinite {
                    status = .diverged(reason: "validation loss became \(vl) at epoch \(epoch)")
                    break epochLoop
                }
                validationLoss = vl
            }
            let record = EpochRecord(epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss,
                                     gradNorm: normSum / Double(max(batches, 1)), maxGradNorm: normMax,
                                     learningRate: optimizer.learningRate, seconds: Self.seconds(since: epochStart))
            records.append(record)
            let monitored = validationLoss ?? trainLoss
            if bestLoss == nil || monitored < bestLoss! - config.minDelta {
                bestLoss = monitored
                bestEpoch = epoch
                if config.restoreBestWeights { best = net.copyParameters() }
                sinceBest = 0
                sincePlateau = 0
            } else {
                sinceBest += 1
                sincePlateau += 1
            }
            progress?(record)
            if config.patience > 0 && sinceBest >= config.patience {
                status = .earlyStopped
                break
            }
            if config.lrPlateauPatience > 0 && sincePlateau >= config.lrPlateauPatience {
                optimizer.learningRate = max(optimizer.learningRate * config.lrPlateauFactor, config.minLearningRate)
                sincePlateau = 0
            }
        }
        // After divergence the current weights are poisoned: always go back to the best (or initial) ones.
        var diverged = false
        if case .diverged = status { diverged = true }
        if config.restoreBestWeights || diverged {
            try? net.setParameters(best)
        }
        net.zeroGrad()
        return TrainingResult(epochs: records, bestEpoch: bestEpoch, bestLoss: bestLoss, status: status,
                              totalSeconds: Self.seconds(since: start))
    }

    /// √(Σ g²) over the whole gradient buffer, accumulated in Double in four interleaved partial
    /// sums (independent chains instead of one latency-bound one; fixed order, deterministic).
    private func gradientNorm() -> Double {
        let g = net.gradients.baseAddress!
        let n = net.gradients.count
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= n {
            let a = Double(g[i]), b = Double(g[i + 1]), c = Double(g[i + 2]), d = Double(g[i + 3])
            s0 += a * a
            s1 += b * b
            s2 += c * c
            s3 += d * d
            i += 4
        }
        while i < n {
            let a = Double(g[i])
            s0 += a * a
            i += 1
        }
        return ((s0 + s1) + (s2 + s3)).squareRoot()
    }

    private func scaleGradients(by factor: Float) {
        let g = net.gradients.baseAddress!
        for i in 0..<net.gradients.count { g[i] *= factor }
    }

    /// Mean loss over a data set in inference mode.
    func evaluate(_ data: (x: [Float], y: [Float], count: Int), batchSize: Int) -> Double {
        let o = net.outputDim
        var total = 0.0
        data.x.withUnsafeBufferPointer { xs in
            data.y.withUnsafeBufferPointer { ys in
                var start = 0
                while start < data.count {
                    let b = min(batchSize, data.count - start)
                    let buffer = net.inputBuffer(batch: b)
                    net.gatherWindows(xs.baseAddress!, total: data.count, start: start, batch: b, into: buffer.pointer)
                    let out = net.forwardPointer(UnsafePointer(buffer.pointer), batch: b)
                    total += config.loss.evaluate(prediction: out, target: ys.baseAddress! + start * o, count: b * o,
                                                  gradient: nil) * Double(b)
                    start += b
                }
            }
        }
        return total / Double(data.count)
    }
}
