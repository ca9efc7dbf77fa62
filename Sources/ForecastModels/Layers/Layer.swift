/// Fixed-size scalar storage with a stable address, zero-initialised, freed with its owner.
/// Workspaces are built from these once per batch size, so the training and inference loops
/// never allocate.
final class ScratchBuffer<S: NetworkScalar> {
    let pointer: UnsafeMutablePointer<S>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<S>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        pointer.deallocate()
    }
}

/// The shape of the activations flowing between layers, per sample.
enum ActivationShape: Equatable {
    /// (T, B, F), time-major.
    case sequence(features: Int)
    /// (B, F).
    case flat(features: Int)

    var features: Int {
        switch self {
        case let .sequence(f), let .flat(f): return f
        }
    }
}

/// One named parameter tensor of a layer, in PyTorch's layout (row-major, weights (out, in)).
struct ParameterSlot {
    var name: String
    var shape: [Int]
    var count: Int { shape.reduce(1, *) }
}

/// A layer of a ``Network``: a forward/backward pair over batch-major (B, F) or time-major
/// (T, B, F) activations. A layer owns its parameter slice (set by ``bind(parameters:gradients:)``)
/// and its per-batch-size workspaces. Forward returns a pointer into the layer's own output
/// buffer (or its input), valid until the next forward with the same batch size; backward adds
/// the parameter gradients (+=) and returns the gradient with respect to its input.
///
/// Networks hold their layers in ``AnyLayer`` (an enum over the concrete final classes), so a
/// pass calls each layer statically, in code specialised for the scalar and the cell.
protocol Layer<Scalar>: AnyObject {
    associatedtype Scalar: NetworkScalar
    var timeSteps: Int { get }
    var inputShape: ActivationShape { get }
    var outputShape: ActivationShape { get }

    /// The parameter tensors in buffer order (names are full, e.g. "layers.1.weight_ih_l0").
    var parameterSlots: [ParameterSlot] { get }

    /// Points the layer at its slices of the network's parameter and gradient buffers.
    func bind(parameters: UnsafeMutablePointer<Scalar>, gradients: UnsafeMutablePointer<Scalar>)

    /// Draws initial parameter values.
    func initialize(scheme: InitScheme, rng: inout SplitMix64)

    /// Runs the layer on `input` ((T, B, F) or (B, F)) for `batch` samples.
    func forward(_ input: UnsafePointer<Scalar>, batch: Int, training: Bool) -> UnsafePointer<Scalar>

    /// Given dL/d(output) of the last forward, accumulates dL/d(parameters) into the gradient
    /// buffer and returns dL/d(input) (or nil when `needInputGradient` is false).
    func backward(_ dOutput: UnsafePointer<Scalar>, batch: Int, needInputGradient: Bool) -> UnsafePointer<Scalar>?

    /// Frees all workspaces (they are rebuilt on demand).
    func releaseWorkspaces()
}

extension Layer {
    var parameterCount: Int { parameterSlots.reduce(0) { $0 + $1.count } }

    /// Input values per sample: T·F for sequence input, F for flat input.
    var inputCountPerSample: Int {
        switch inputShape {
        case let .sequence(f): return timeSteps * f
        case let .flat(f): return f
        }
    }
}

/// A layer without parameters: nothing to bind or draw.
protocol ParameterFreeLayer: Layer {}

extension ParameterFreeLayer {
    var parameterSlots: [ParameterSlot] { [] }
    func bind(parameters: UnsafeMutablePointer<Scalar>, gradients: UnsafeMutablePointer<Scalar>) {}
    func initialize(scheme: InitScheme, rng: inout SplitMix64) {}
}

/// Static dispatch over the concrete layer types (a switch, so the whole forward/backward path
/// stays visible to the specialiser; one case per recurrent cell for the same reason).
enum AnyLayer<S: NetworkScalar> {
    case dense(DenseLayer<S>)
    case flatten(FlattenLayer<S>)
    case dropout(DropoutLayer<S>)
    case rnn(RecurrentLayer<RNNCell<S>>)
    case gru(RecurrentLayer<GRUCell<S>>)
    case lstm(RecurrentLayer<LSTMCell<S>>)

    /// The layer, for the calls outside the passes (binding, initialisation, workspaces).
    var layer: any Layer<S> {
        switch self {
        case let .dense(l): return l
        case let .flatten(l): return l
        case let .dropout(l): return l
        case let .rnn(l): return l
        case let .gru(l): return l
        case let .lstm(l): return l
        }
    }

    /// The recurrent layer, if this is one (for the state and diagnostic accessors).
    var recurrent: (any RecurrentLayerProtocol<S>)? {
        switch self {
        case .dense, .flatten, .dropout: return nil
        case let .rnn(l): return l
        case let .gru(l): return l
        case let .lstm(l): return l
        }
    }

    @inline(__always)
    func forward(_ x: UnsafePointer<S>, batch: Int, training: Bool) -> UnsafePointer<S> {
        switch self {
        case let .dense(l): return l.forward(x, batch: batch, training: training)
        case let .flatten(l): return l.forward(x, batch: batch, training: training)
        case let .dropout(l): return l.forward(x, batch: batch, training: training)
        case let .rnn(l): return l.forward(x, batch: batch, training: training)
        case let .gru(l): return l.forward(x, batch: batch, training: training)
        case let .lstm(l): return l.forward(x, batch: batch, training: training)
        }
    }

    @inline(__always)
    func backward(_ d: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        switch self {
        case let .dense(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        case let .flatten(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        case let .dropout(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        case let .rnn(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        case let .gru(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        case let .lstm(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        }
    }
}
