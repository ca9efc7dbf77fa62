/// Which optimizer ``train(_:train:validation:config:progress:)`` uses.
public enum OptimizerKind: Hashable, Codable, Sendable {
    /// Adam, β = (0.9, 0.999), ε = 1e-8 (see ``Adam``).
    case adam
    /// SGD with the given momentum (0 for plain SGD; see ``SGD``).
    case sgd(momentum: Double)

    /// The family's command-line name.
    public var name: OptimizerName {
        switch self {
        case .adam: return .adam
        case .sgd: return .sgd
        }
    }
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

/// The optimizer families by their command-line names (`--optimizer adam|sgd`), for typed
/// configuration; ``kind`` gives the ``OptimizerKind`` the CLI trains with.
public enum OptimizerName: String, Codable, CaseIterable, Sendable, Hashable {
    case adam
    /// SGD with momentum 0.9.
    case sgd

    /// `.adam`, or `.sgd(momentum: 0.9)` as the CLI's `--optimizer sgd`.
    public var kind: OptimizerKind {
        switch self {
        case .adam: return .adam
        case .sgd: return .sgd(momentum: 0.9)
        }
    }
}

/// The training losses by their command-line names (`--loss mse|mae|huber`), for typed
/// configuration; ``loss`` gives the ``Loss`` the CLI trains with.
public enum LossName: String, Codable, CaseIterable, Sendable, Hashable {
    case mse, mae
    /// Huber with δ = 1.
    case huber

    /// `.mse`, `.mae` or `.huber(delta: 1)`, as the CLI's `--loss`.
    public var loss: Loss {
        switch self {
        case .mse: return .mse
        case .mae: return .mae
        case .huber: return .huber(delta: 1)
        }
    }
}
