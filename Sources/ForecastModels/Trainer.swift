/// The training loop of ``train(_:train:validation:config:progress:)``; one per run. `run`
/// reads as its steps: check the data, then per epoch shuffle, train on every batch
/// (``trainBatch(_:count:epoch:index:)``), check, validate, record, and track the best epoch,
/// early stopping and the learning-rate plateau; at the end restore the best weights.
final class Trainer {
    typealias DataSet = (x: [Float], y: [Float], count: Int)

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

    /// Batch buffers, allocated once per run: x (T, B, D), y and dL/dŷ (B, outputDim).
    private struct BatchBuffers {
        let x: ScratchBuffer<Float>
        let y: ScratchBuffer<Float>
        let dOut: ScratchBuffer<Float>
    }

    /// Sums over one epoch's batches.
    private struct EpochTotals {
        var loss = 0.0
        var norm = 0.0
        var maxNorm = 0.0
        var batches = 0
    }

    /// Best epoch so far and the counters of early stopping and the plateau.
    private struct Progress {
        var best: [Float]
        var bestLoss: Double?
        var bestEpoch: Int?
        var sinceBest = 0
        var sincePlateau = 0
    }

    func run(train: DataSet, validation: DataSet?, progress report: ((EpochRecord) -> Void)?) -> TrainingResult {
        let start = ContinuousClock.now
        if let reason = inputProblem(train: train, validation: validation) {
            return TrainingResult(epochs: [], bestEpoch: nil, bestLoss: nil, status: .failed(reason: reason),
                                  totalSeconds: Self.seconds(since: start))
        }
        let n = train.count
        let bs = min(config.batchSize, n)
        var indices = Array(0..<n)
        let t = net.timeSteps, d = net.inputDim, o = net.outputDim
        let buffers = BatchBuffers(x: ScratchBuffer(t * bs * d), y: ScratchBuffer(bs * o), dOut: ScratchBuffer(bs * o))
        var state = Progress(best: net.copyParameters())
        var records: [EpochRecord] = []
        var status = TrainingStatus.completed
        let wasTraining = net.isTraining
        defer { net.isTraining = wasTraining }

        for epoch in 1...config.maxEpochs {
            let epochStart = ContinuousClock.now
            if config.shuffle {
                var rng = SplitMix64.derived(seed: config.seed, tag: UInt64(epoch))
                rng.shuffle(&indices)
            }
            switch trainEpoch(train, indices: indices, batchSize: bs, buffers: buffers, epoch: epoch) {
            case let .failure(divergence):
                status = .diverged(reason: divergence.reason)
            case let .success(totals):
                if let reason = checkParameters(epoch: epoch) {
                    status = .diverged(reason: reason)
                    break
                }
                var validationLoss: Double?
                if let v = validation, v.count > 0 {
                    let vl = evaluate(v, batchSize: bs)
                    if !vl.isFinite {
                        status = .diverged(reason: "validation loss became \(vl) at epoch \(epoch)")
                        break
                    }
                    validationLoss = vl
                }
                let record = EpochRecord(epoch: epoch, trainLoss: totals.loss / Double(n), validationLoss: validationLoss,
                                         gradNorm: totals.norm / Double(max(totals.batches, 1)), maxGradNorm: totals.maxNorm,
                                         learningRate: optimizer.learningRate, seconds: Self.seconds(since: epochStart))
                records.append(record)
                trackBest(record, state: &state)
                report?(record)
                if config.patience > 0 && state.sinceBest >= config.patience {
                    status = .earlyStopped
                    break
                }
                reduceOnPlateau(state: &state)
            }
            if status != .completed { break } // diverged or stopped early (`break` above only leaves the switch)
        }
        finish(status: status, best: state.best)
        return TrainingResult(epochs: records, bestEpoch: state.bestEpoch, bestLoss: state.bestLoss, status: status,
                              totalSeconds: Self.seconds(since: start))
    }

    /// Why the data or settings cannot be trained on, or nil.
    private func inputProblem(train: DataSet, validation: DataSet?) -> String? {
        let t = net.timeSteps, d = net.inputDim, o = net.outputDim
        guard train.count > 0 else { return "no training samples" }
        guard train.x.count == t * train.count * d, train.y.count == train.count * o else {
            return "training data shape: x has \(train.x.count) values for \(train.count) windows of \(t)×\(d), y has \(train.y.count) for \(o) outputs each"
        }
        if let v = validation {
            guard v.x.count == t * v.count * d, v.y.count == v.count * o else {
                return "validation data shape: x has \(v.x.count) values for \(v.count) windows of \(t)×\(d)"
            }
        }
        guard config.batchSize > 0, config.maxEpochs > 0, config.learningRate > 0 else {
            return "batch size, epochs and learning rate must be positive"
        }
        return nil
    }

    private struct Divergence: Error {
        var reason: String
    }

    /// One pass over the training set in batches of `batchSize` (in `indices` order when
    /// shuffling), in training mode; fails at the first non-finite loss or gradient norm.
    private func trainEpoch(_ train: DataSet, indices: [Int], batchSize bs: Int, buffers: BatchBuffers,
                            epoch: Int) -> Result<EpochTotals, Divergence> {
        net.isTraining = true
        defer { net.isTraining = false }
        let n = train.count
        var totals = EpochTotals()
        var batchStart = 0
        while batchStart < n {
            let b = min(bs, n - batchStart)
            loadBatch(train, indices: indices, start: batchStart, count: b, into: buffers)
            switch trainBatch(buffers, count: b, epoch: epoch, index: totals.batches + 1) {
            case let .failure(divergence):
                return .failure(divergence)
            case let .success((loss, norm)):
                totals.loss += loss * Double(b)
                totals.norm += norm
                totals.maxNorm = max(totals.maxNorm, norm)
            }
            totals.batches += 1
            batchStart += b
        }
        return .success(totals)
    }

    /// Copies samples start..<start+count (through `indices` when shuffling) into the batch buffers.
    private func loadBatch(_ train: DataSet, indices: [Int], start: Int, count b: Int, into buffers: BatchBuffers) {
        let n = train.count, o = net.outputDim
        train.x.withUnsafeBufferPointer { xs in
            train.y.withUnsafeBufferPointer { ys in
                if config.shuffle {
                    indices.withUnsafeBufferPointer { ib in
                        let sel = UnsafeBufferPointer(rebasing: ib[start..<(start + b)])
                        net.gatherWindows(xs.baseAddress!, total: n, indices: sel, into: buffers.x.pointer)
                        for (k, i) in sel.enumerated() {
                            (buffers.y.pointer + k * o).update(from: ys.baseAddress! + i * o, count: o)
                        }
                    }
                } else {
                    net.gatherWindows(xs.baseAddress!, total: n, start: start, batch: b, into: buffers.x.pointer)
                    buffers.y.pointer.update(from: ys.baseAddress! + start * o, count: b * o)
                }
            }
        }
    }

    /// Forward, loss, backward, clipping and one optimizer step on the loaded batch; returns the
    /// batch loss and the gradient norm before clipping.
    private func trainBatch(_ buffers: BatchBuffers, count b: Int, epoch: Int,
                            index: Int) -> Result<(loss: Double, norm: Double), Divergence> {
        let o = net.outputDim
        net.zeroGrad()
        let out = net.forwardPointer(UnsafePointer(buffers.x.pointer), batch: b)
        let loss = config.loss.evaluate(prediction: out, target: UnsafePointer(buffers.y.pointer), count: b * o,
                                        gradient: buffers.dOut.pointer)
        if !loss.isFinite {
            return .failure(Divergence(reason: "training loss became \(loss) at epoch \(epoch), batch \(index)"))
        }
        _ = net.backwardPointer(UnsafePointer(buffers.dOut.pointer), batch: b, needInputGradient: false)
        let norm = gradientNorm()
        if !norm.isFinite {
            return .failure(Divergence(reason: "gradient norm became \(norm) at epoch \(epoch), batch \(index)"))
        }
        if config.clipNorm > 0 && norm > config.clipNorm {
            scaleGradients(by: Float(config.clipNorm / (norm + 1e-6)))
        }
        optimizer.step(parameters: net.parameters, gradients: UnsafeBufferPointer(net.gradients))
        return .success((loss, norm))
    }

    /// Finite gradients can still push a weight past Float's range (a huge step).
    private func checkParameters(epoch: Int) -> String? {
        net.parameters.allSatisfy({ $0.isFinite }) ? nil : "parameters overflowed to infinity or NaN in epoch \(epoch)"
    }

    /// Updates the best epoch (and its weights) from the monitored loss: validation, else training.
    private func trackBest(_ record: EpochRecord, state: inout Progress) {
        let monitored = record.validationLoss ?? record.trainLoss
        if state.bestLoss == nil || monitored < state.bestLoss! - config.minDelta {
            state.bestLoss = monitored
            state.bestEpoch = record.epoch
            if config.restoreBestWeights { state.best = net.copyParameters() }
            state.sinceBest = 0
            state.sincePlateau = 0
        } else {
            state.sinceBest += 1
            state.sincePlateau += 1
        }
    }

    /// Multiplies the learning rate by the plateau factor after `lrPlateauPatience` epochs
    /// without improvement (not below `minLearningRate`).
    private func reduceOnPlateau(state: inout Progress) {
        if config.lrPlateauPatience > 0 && state.sincePlateau >= config.lrPlateauPatience {
            optimizer.learningRate = max(optimizer.learningRate * config.lrPlateauFactor, config.minLearningRate)
            state.sincePlateau = 0
        }
    }

    /// Puts the best (or initial) weights back when asked to, and always after divergence (the
    /// current weights are poisoned); leaves the gradients zero.
    private func finish(status: TrainingStatus, best: [Float]) {
        var diverged = false
        if case .diverged = status { diverged = true }
        if config.restoreBestWeights || diverged {
            try? net.setParameters(best)
        }
        net.zeroGrad()
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
