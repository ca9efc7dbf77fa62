/// Fully connected layer `y = act(x · Wᵀ + b)` with W of shape (out, in) and b of shape (out),
/// PyTorch's `nn.Linear` layout (names "<prefix>weight", "<prefix>bias").
///
/// Shapes: flat input (B, in) → (B, out); sequence input (T, B, in) → (T, B, out), the same
/// weights applied at every time step (the T·B rows go through one matrix product).
/// Cost: forward one (R × in)·(in × out) GEMM with R = B or T·B; backward two GEMMs of that size.
final class DenseLayer<S: NetworkScalar>: Layer {
    typealias Scalar = S
    let timeSteps: Int
    let inputShape: ActivationShape
    let outputShape: ActivationShape
    let inFeatures: Int
    let outFeatures: Int
    let activation: ModelSpec.Activation
    let prefix: String
    /// Rows per sample: T for per-time-step application, 1 otherwise.
    let rowsPerSample: Int
    /// This layer's slices of the network's parameter and gradient buffers: W (out, in), then b (out).
    private var parameters: UnsafeMutablePointer<S>!
    private var gradients: UnsafeMutablePointer<S>!

    private final class Workspace {
        let output: ScratchBuffer<S>
        lazy var dPre = ScratchBuffer<S>(rows * outFeatures)
        lazy var dInput = ScratchBuffer<S>(rows * inFeatures)
        lazy var ones: ScratchBuffer<S> = {
            let b = ScratchBuffer<S>(rows)
            b.pointer.update(repeating: 1, count: rows)
            return b
        }()
        let rows: Int
        let inFeatures: Int
        let outFeatures: Int

        init(rows: Int, inFeatures: Int, outFeatures: Int) {
            self.rows = rows
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
            output = ScratchBuffer(rows * outFeatures)
        }
    }

    private var workspaces: [Int: Workspace] = [:]
    private var lastInput: UnsafePointer<S>?
    private var lastBatch = 0

    init(prefix: String, timeSteps: Int, input: ActivationShape, units: Int, activation: ModelSpec.Activation) {
        self.prefix = prefix
        self.inFeatures = input.features
        self.outFeatures = units
        self.activation = activation
        self.timeSteps = timeSteps
        inputShape = input
        switch input {
        case .sequence:
            rowsPerSample = timeSteps
            outputShape = .sequence(features: units)
        case .flat:
            rowsPerSample = 1
            outputShape = .flat(features: units)
        }
    }

    func bind(parameters: UnsafeMutablePointer<S>, gradients: UnsafeMutablePointer<S>) {
        self.parameters = parameters
        self.gradients = gradients
    }

    var parameterSlots: [ParameterSlot] {
        [ParameterSlot(name: prefix + "weight", shape: [outFeatures, inFeatures]),
         ParameterSlot(name: prefix + "bias", shape: [outFeatures])]
    }

    private var weight: UnsafeMutablePointer<S> { parameters }
    private var bias: UnsafeMutablePointer<S> { parameters + outFeatures * inFeatures }

    func initialize(scheme: InitScheme, rng: inout SplitMix64) {
        switch scheme {
        case .glorotOrthogonal:
            Initializer.glorotUniform(weight, rows: outFeatures, columns: inFeatures, rng: &rng)
            bias.update(repeating: 0, count: outFeatures)
        case .pytorch:
            // nn.Linear: kaiming_uniform(a = √5) gives U(±1/√in) for the weight; bias U(±1/√in).
            let limit = 1 / Double(inFeatures).squareRoot()
            Initializer.uniform(weight, count: outFeatures * inFeatures, limit: limit, rng: &rng)
            Initializer.uniform(bias, count: outFeatures, limit: limit, rng: &rng)
        }
    }

    private func workspace(batch: Int) -> Workspace {
        if let w = workspaces[batch] { return w }
        let w = Workspace(rows: batch * rowsPerSample, inFeatures: inFeatures, outFeatures: outFeatures)
        workspaces[batch] = w
        return w
    }

    func releaseWorkspaces() {
        workspaces.removeAll()
        lastInput = nil
    }

    func forward(_ input: UnsafePointer<S>, batch: Int, training: Bool) -> UnsafePointer<S> {
        let ws = workspace(batch: batch)
        let rows = ws.rows
        let y = ws.output.pointer
        let out = outFeatures
        // Rows start as the bias, then the product is added onto them.
        for r in 0..<rows {
            (y + r * out).update(from: bias, count: out)
        }
        S.gemm(transA: false, transB: true, m: rows, n: out, k: inFeatures, alpha: 1,
               a: input, lda: inFeatures, b: weight, ldb: inFeatures, beta: 1, c: y, ldc: out)
        let n = rows * out
        switch activation {
        case .identity:
            break
        case .tanh:
            S.tanhVector(y, into: y, count: n)
        case .sigmoid:
            S.sigmoidVector(y, into: y, count: n)
        case .relu:
            S.reluVector(y, count: n)
        }
        lastInput = input
        lastBatch = batch
        return UnsafePointer(y)
    }

    func backward(_ dOutput: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        precondition(batch == lastBatch && lastInput != nil, "backward without a matching forward")
        let ws = workspace(batch: batch)
        let rows = ws.rows
        let out = outFeatures
        let n = rows * out
        let y = ws.output.pointer
        // dL/d(pre-activation), with the derivative written through the stored output y.
        let dPre: UnsafePointer<S>
        switch activation {
        case .identity:
            dPre = dOutput
        case .tanh:
            let d = ws.dPre.pointer
            for i in 0..<n { d[i] = dOutput[i] * (1 - y[i] * y[i]) }
            dPre = UnsafePointer(d)
        case .sigmoid:
            let d = ws.dPre.pointer
            for i in 0..<n { d[i] = dOutput[i] * y[i] * (1 - y[i]) }
            dPre = UnsafePointer(d)
        case .relu:
            let d = ws.dPre.pointer
            S.reluBackward(output: y, gradient: dOutput, into: d, count: n)
            dPre = UnsafePointer(d)
        }
        // dW += dPreᵀ · X   (out × in);   db += Σ_rows dPre;   dX = dPre · W   (rows × in).
        S.gemm(transA: true, transB: false, m: out, n: inFeatures, k: rows, alpha: 1,
               a: dPre, lda: out, b: lastInput!, ldb: inFeatures, beta: 1, c: gradients, ldc: inFeatures)
        addColumnSums(dPre, rows: rows, columns: out, ones: ws.ones.pointer, into: gradients + out * inFeatures)
        guard needInputGradient else { return nil }
        let dx = ws.dInput.pointer
        S.gemm(transA: false, transB: false, m: rows, n: inFeatures, k: out, alpha: 1,
               a: dPre, lda: out, b: weight, ldb: inFeatures, beta: 0, c: dx, ldc: inFeatures)
        return UnsafePointer(dx)
    }
}

/// Column sums of a row-major (rows × columns) matrix added into `into` (a bias gradient), as a
/// (1 × rows)·(rows × columns) product with a ones vector of at least `rows` entries.
@inline(__always)
private func addColumnSums<S: NetworkScalar>(_ m: UnsafePointer<S>, rows: Int, columns: Int,
                                             ones: UnsafePointer<S>, into: UnsafeMutablePointer<S>) {
    S.gemm(transA: false, transB: false, m: 1, n: columns, k: rows, alpha: 1,
           a: ones, lda: rows, b: m, ldb: columns, beta: 1, c: into, ldc: columns)
}
