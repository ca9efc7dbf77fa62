import ForecastModels

/// What a fit reports while it runs, for a terminal or a log. First ``plan(_:)`` once, with every
/// model the fit will fit or train in order (statistical models, then networks in report order);
/// then, for each model, ``started(model:)``, its epochs (networks only) and ``finished(model:_:)``.
/// `model` is the model's index in the plan. Networks train on two threads, so the events of two
/// models interleave; each model's own events come in order.
public enum FitProgress: Sendable, Equatable {
    case plan([PlannedModel])
    case started(model: Int)
    case epoch(model: Int, EpochProgress)
    case finished(model: Int, ModelEnd)

    /// One model of the plan.
    public struct PlannedModel: Sendable, Equatable {
        public var name: String
        /// A network's epoch cap; nil for a statistical model (one fit, no epochs).
        public var maxEpochs: Int?
        /// Whether early stopping may end training before `maxEpochs` (patience > 0).
        public var mayStopEarly: Bool
        /// A network's multiply-adds for one sample's forward pass (``forwardMultiplyAdds(_:timeSteps:inputDim:)``);
        /// nil for a statistical model. Networks of one run see the same windows in the same
        /// batches, so their epoch times grow with it: the measured epochs of one network of
        /// similar work estimate those of a network that has not started.
        public var workPerSample: Double?

        public init(name: String, maxEpochs: Int?, mayStopEarly: Bool, workPerSample: Double?) {
            self.name = name
            self.maxEpochs = maxEpochs
            self.mayStopEarly = mayStopEarly
            self.workPerSample = workPerSample
        }
    }

    /// One finished epoch of a network.
    public struct EpochProgress: Sendable, Equatable {
        /// 1-based.
        public var epoch: Int
        public var trainLoss: Double
        public var validationLoss: Double?
        /// Wall time of the epoch, validation included.
        public var seconds: Double

        public init(epoch: Int, trainLoss: Double, validationLoss: Double?, seconds: Double) {
            self.epoch = epoch
            self.trainLoss = trainLoss
            self.validationLoss = validationLoss
            self.seconds = seconds
        }
    }

    /// How a model's fit or training ended.
    public struct ModelEnd: Sendable, Equatable {
        /// Epochs run (nil for a statistical model).
        public var epochs: Int?
        /// Wall time of the fit or the training.
        public var seconds: Double
        /// Early stopping ended the training before the epoch cap.
        public var stoppedEarly: Bool
        /// Why the model failed; nil when it worked.
        public var failure: String?

        public init(epochs: Int?, seconds: Double, stoppedEarly: Bool = false, failure: String? = nil) {
            self.epochs = epochs
            self.seconds = seconds
            self.stoppedEarly = stoppedEarly
            self.failure = failure
        }
    }
}

extension FitProgress.PlannedModel {
    /// Multiply-adds of one forward pass of one window of `timeSteps` × `inputDim` through `spec`:
    /// a dense layer costs in·out per position it is applied at (every time step before a
    /// recurrent layer, once after `flatten` or a many-to-one recurrent layer); a recurrent level
    /// costs T·G·H·(in + H) per direction (G gate blocks of width H: 1 for an RNN, 3 GRU, 4 LSTM).
    /// Backpropagation costs about twice the forward pass for every layer kind, so the forward
    /// count orders epoch times. O(layers).
    public static func forwardMultiplyAdds(_ spec: ModelSpec, timeSteps: Int, inputDim: Int) -> Double {
        let steps = Double(timeSteps)
        var width = Double(inputDim)
        var sequence = true
        var total = 0.0
        for (index, layer) in spec.layers.enumerated() {
            switch layer {
            case .flatten:
                width *= steps
                sequence = false
            case let .dense(units, _):
                total += (sequence ? steps : 1) * width * Double(units)
                width = Double(units)
            case .dropout:
                break
            case let .recurrent(r):
                let gates = Double(r.cell.gateCount * r.units)
                for _ in 0..<r.layers {
                    total += Double(r.bidirectional ? 2 : 1) * steps * gates * (width + Double(r.units))
                    width = Double(r.outputWidth)
                }
                let next = spec.layers[(index + 1)...].first { if case .dropout = $0 { return false } else { return true } }
                if case .recurrent = next {} else { sequence = false }
            }
        }
        return total
    }
}
