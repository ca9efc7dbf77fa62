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

    func zero() {
        pointer.update(repeating: 0, count: count)
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

/// Base class of the network's layers: a forward/backward pair over batch-major or time-major
/// activations. Subclasses own their parameter slice (set by ``bind(parameters:gradients:)``)
/// and their per-batch-size workspaces. Forward returns a pointer into the layer's own output
/// buffer, valid until the next forward with the same batch size; backward accumulates
/// parameter gradients with += and returns the gradient with respect to its input.
class Layer<S: NetworkScalar> {
    let timeSteps: Int
    let inputShape: ActivationShape
    let outputShape: ActivationShape

    /// Start of this layer's parameters and gradients in the network's contiguous buffers.
    var parameters: UnsafeMutablePointer<S>!
    var gradients: UnsafeMutablePointer<S>!

    init(timeSteps: Int, inputShape: ActivationShape, outputShape: ActivationShape) {
        self.timeSteps = timeSteps
        self.inputShape = inputShape
        self.outputShape = outputShape
    }

    /// The parameter tensors in buffer order (names are full, e.g. "layers.1.weight_ih_l0").
    var parameterSlots: [ParameterSlot] { [] }

    var parameterCount: Int { parameterSlots.reduce(0) { $0 + $1.count } }

    func bind(parameters: UnsafeMutablePointer<S>, gradients: UnsafeMutablePointer<S>) {
        self.parameters = parameters
        self.gradients = gradients
    }

    /// Draws initial parameter values.
    func initialize(scheme: InitScheme, rng: inout SplitMix64) {}

    /// Input rows per sample: T for sequence input, 1 for flat input.
    var inputCountPerSample: Int {
        switch inputShape {
        case let .sequence(f): return timeSteps * f
        case let .flat(f): return f
        }
    }

    var outputCountPerSample: Int {
        switch outputShape {
        case let .sequence(f): return timeSteps * f
        case let .flat(f): return f
        }
    }

    /// Runs the layer on `input` ((T, B, F) or (B, F)) for `batch` samples.
    func forward(_ input: UnsafePointer<S>, batch: Int, training: Bool) -> UnsafePointer<S> {
        fatalError("abstract")
    }

    /// Given dL/d(output) of the last forward, accumulates dL/d(parameters) into the gradient
    /// buffer and returns dL/d(input) (or nil when `needInputGradient` is false).
    func backward(_ dOutput: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        fatalError("abstract")
    }

    /// Frees all workspaces (they are rebuilt on demand).
    func releaseWorkspaces() {}
}

/// Column sums of a row-major (rows × columns) matrix added into `into` (a bias gradient), as a
/// (1 × rows)·(rows × columns) product with a ones vector of at least `rows` entries.
@inline(__always)
func addColumnSums<S: NetworkScalar>(_ m: UnsafePointer<S>, rows: Int, columns: Int,
                                     ones: UnsafePointer<S>, into: UnsafeMutablePointer<S>) {
    S.gemm(transA: false, transB: false, m: 1, n: columns, k: rows, alpha: 1,
           a: ones, lda: rows, b: m, ldb: columns, beta: 1, c: into, ldc: columns)
}
