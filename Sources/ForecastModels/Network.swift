/// How a network's weights are drawn at construction.
public enum InitScheme: String, Sendable, CaseIterable {
    /// Glorot-uniform input and dense weights, orthogonal recurrent weights (per gate block),
    /// zero biases, LSTM forget-gate bias 1. The default.
    case glorotOrthogonal = "glorot"
    /// PyTorch's defaults: recurrent weights and biases U(±1/√H); dense weight and bias U(±1/√in).
    case pytorch
}

/// Where a named parameter tensor lives in the contiguous parameter (and gradient) buffer.
public struct ParameterView: Sendable, Equatable {
    /// PyTorch-style name, e.g. "layers.0.weight_ih_l0", "layers.0.bias_hh_l1_reverse",
    /// "layers.1.weight". "layers.i" is the i-th element of the model description (0-based).
    public var name: String
    /// Offset of the first element in ``Network/parameters``.
    public var offset: Int
    /// Row-major shape in PyTorch's layout: weights (out, in), biases (out).
    public var shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

/// A problem with parameter names or sizes handed to a network (exit code 64).
public struct NetworkError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var exitCode: Int32 { 64 }
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A feed-forward or recurrent network built from a ``ModelSpec``, with all parameters in one
/// contiguous buffer and the gradients in a second buffer of the same layout.
///
/// Data layout: inputs are time-major windows X of shape (T, B, D), flattened row-major
/// (`x[(t·B + b)·D + d]`); outputs and targets are (B, outputDim). Parameters use PyTorch's
/// names and layouts (see ``ParameterView``), so a PyTorch `state_dict` maps onto them one to one.
///
/// Workspaces (activations stored for backpropagation, gradients of activations) are allocated
/// once per batch size and reused, so forward and backward passes do not allocate after the
/// first call with a given batch size. Not thread-safe; one network per thread.
public final class Network<S: NetworkScalar> {
    public let spec: ModelSpec
    public let timeSteps: Int
    public let inputDim: Int
    public let outputDim: Int
    public let seed: UInt64
    public let initScheme: InitScheme

    /// All parameters, contiguous; named slices in ``parameterViews``.
    public let parameters: UnsafeMutableBufferPointer<S>
    /// Gradients, same layout as ``parameters``; backward adds into them (+=).
    public let gradients: UnsafeMutableBufferPointer<S>
    /// The named tensors, in buffer order.
    public let parameterViews: [ParameterView]

    /// Training mode turns dropout on. Off by default.
    public var isTraining = false

    let layers: [AnyLayer<S>]
    private var inputBuffers: [Int: ScratchBuffer<S>] = [:]
    private(set) var lastBatch = 0

    /// Builds the layers of `spec` for windows of `timeSteps` steps of `inputDim` features and
    /// `outputDim` outputs, and draws the initial weights from `seed`.
    /// - Throws: ``ModelSpecError`` if the layers do not connect or the last layer's width is not
    ///   `outputDim`.
    public init(spec: ModelSpec, timeSteps: Int, inputDim: Int, outputDim: Int, seed: UInt64 = 0,
                initScheme: InitScheme = .glorotOrthogonal) throws {
        try spec.validate()
        guard timeSteps > 0, inputDim > 0, outputDim > 0 else {
            throw ModelSpecError(column: 1, message: "window sizes must be positive (time steps \(timeSteps), input features \(inputDim), outputs \(outputDim))",
                                 expected: "positive sizes", hint: "check --window and the feature columns")
        }
        self.spec = spec
        self.timeSteps = timeSteps
        self.inputDim = inputDim
        self.outputDim = outputDim
        self.seed = seed
        self.initScheme = initScheme

        var built: [AnyLayer<S>] = []
        var shape = ActivationShape.sequence(features: inputDim)
        let items = spec.layers
        for (index, item) in items.enumerated() {
            let prefix = "layers.\(index)."
            let dropoutSeed = SplitMix64.derived(seed: seed, tag: UInt64(1000 + 100 * index)).state
            switch item {
            case .flatten:
                let l = FlattenLayer<S>(timeSteps: timeSteps, features: shape.features)
                built.append(.flatten(l))
                shape = l.outputShape
            case let .dense(units, activation):
                let l = DenseLayer<S>(prefix: prefix, timeSteps: timeSteps, input: shape, units: units, activation: activation)
                built.append(.dense(l))
                shape = l.outputShape
            case let .dropout(rate):
                built.append(.dropout(DropoutLayer<S>(timeSteps: timeSteps, shape: shape, rate: rate, seed: dropoutSeed)))
            case let .recurrent(r):
                let next = items[(index + 1)...].first { if case .dropout = $0 { return false } else { return true } }
                var nextIsRecurrent = false
                if case .recurrent = next { nextIsRecurrent = true }
                for level in 0..<r.layers {
                    let last = level == r.layers - 1
                    let l = RecurrentLayer<S>(prefix: prefix, level: level, timeSteps: timeSteps, inFeatures: shape.features,
                                              spec: r, returnSequences: !last || nextIsRecurrent)
                    built.append(.recurrent(l))
                    shape = l.outputShape
                    if !last && r.dropout > 0 {
                        let s = SplitMix64.derived(seed: seed, tag: UInt64(1000 + 100 * index + 1 + level)).state
                        built.append(.dropout(DropoutLayer<S>(timeSteps: timeSteps, shape: shape, rate: r.dropout, seed: s)))
                    }
                }
            }
        }
        guard case let .flat(width) = shape, width == outputDim else {
            let lastText = ModelSpec(layers: [items.last!]).description
            throw ModelSpecError(column: max(1, spec.description.count - lastText.count + 1),
                                 message: "the model's last layer produces \(shape.features) values per sample, but \(outputDim) outputs are needed",
                                 expected: "a last layer of width \(outputDim)", hint: "end the model with 'dense(\(outputDim))'")
        }
        layers = built

        var views: [ParameterView] = []
        var offset = 0
        for layer in built {
            for slot in layer.base.parameterSlots {
                views.append(ParameterView(name: slot.name, offset: offset, shape: slot.shape))
                offset += slot.count
            }
        }
        parameterViews = views
        parameters = .allocate(capacity: max(offset, 1))
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: max(offset, 1))
        gradients.initialize(repeating: 0)
        var layerOffset = 0
        var rng = SplitMix64(seed: seed)
        for layer in built {
            let base = layer.base
            base.bind(parameters: parameters.baseAddress! + layerOffset, gradients: gradients.baseAddress! + layerOffset)
            base.initialize(scheme: initScheme, rng: &rng)
            layerOffset += base.parameterCount
        }
        parameterCountStorage = offset
    }

    /// Parses `description` and builds the network (see ``init(spec:timeSteps:inputDim:outputDim:seed:initScheme:)``).
    public convenience init(description: String, timeSteps: Int, inputDim: Int, outputDim: Int, seed: UInt64 = 0,
                            initScheme: InitScheme = .glorotOrthogonal) throws {
        try self.init(spec: ModelSpec(parsing: description), timeSteps: timeSteps, inputDim: inputDim,
                      outputDim: outputDim, seed: seed, initScheme: initScheme)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
    }

    private let parameterCountStorage: Int

    /// Number of scalar parameters (e.g. the MLP's first weight matrix alone has T·D·64).
    public var parameterCount: Int { parameterCountStorage }

    public var parameterNames: [String] { parameterViews.map(\.name) }

    public func view(named name: String) -> ParameterView? {
        parameterViews.first { $0.name == name }
    }

    /// A copy of the named tensor's values (row-major), or nil for an unknown name.
    public func parameter(named name: String) -> [S]? {
        guard let v = view(named: name) else { return nil }
        return Array(parameters[v.offset..<(v.offset + v.count)])
    }

    /// A copy of the named tensor's gradient, or nil for an unknown name.
    public func gradient(named name: String) -> [S]? {
        guard let v = view(named: name) else { return nil }
        return Array(gradients[v.offset..<(v.offset + v.count)])
    }

    /// Overwrites the named tensor with `values` in PyTorch's row-major layout.
    /// - Throws: ``NetworkError`` for an unknown name or a wrong element count.
    public func setParameter(named name: String, to values: [S]) throws {
        guard let v = view(named: name) else {
            throw NetworkError("unknown parameter '\(name)'; this model has: " + parameterNames.joined(separator: ", "))
        }
        guard values.count == v.count else {
            throw NetworkError("parameter '\(name)' has shape \(v.shape) (\(v.count) values), got \(values.count) values")
        }
        for i in 0..<v.count { parameters[v.offset + i] = values[i] }
    }

    /// A copy of all parameters in buffer order.
    public func copyParameters() -> [S] { Array(parameters) }

    /// Overwrites all parameters (buffer order).
    /// - Throws: ``NetworkError`` if the count differs from ``parameterCount``.
    public func setParameters(_ values: [S]) throws {
        guard values.count == parameterCount else {
            throw NetworkError("expected \(parameterCount) parameters, got \(values.count)")
        }
        for i in 0..<values.count { parameters[i] = values[i] }
    }

    /// Sets every gradient to zero.
    public func zeroGrad() {
        gradients.update(repeating: 0)
    }

    // MARK: Forward and backward

    /// Forward pass on a batch. `x` is (T, B, D) time-major with B = `batch`; returns (B, outputDim).
    public func forward(x: [S], batch: Int) -> [S] {
        forwardArray(x, batch: batch)
    }

    /// Backward pass for the last ``forward(x:batch:)``: `dOutput` is dL/d(output), (B, outputDim).
    /// Adds dL/d(parameters) into ``gradients`` and returns dL/dX, (T, B, D). Once per forward:
    /// recurrent layers overwrite the forward's stored gate values with their gradients.
    public func backward(dOutput: [S]) -> [S] {
        backwardArray(dOutput)
    }

    func forwardArray(_ x: [S], batch: Int) -> [S] {
        precondition(x.count == timeSteps * batch * inputDim, "x must hold T·B·D = \(timeSteps * batch * inputDim) values")
        let buffer = inputBuffer(batch: batch)
        x.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: x.count) }
        let y = forwardPointer(UnsafePointer(buffer.pointer), batch: batch)
        return Array(UnsafeBufferPointer(start: y, count: batch * outputDim))
    }

    func backwardArray(_ dOutput: [S]) -> [S] {
        precondition(dOutput.count == lastBatch * outputDim, "dOutput must hold B·outputDim values")
        let dx = dOutput.withUnsafeBufferPointer { backwardPointer($0.baseAddress!, batch: lastBatch, needInputGradient: true) }
        return Array(UnsafeBufferPointer(start: dx!, count: timeSteps * lastBatch * inputDim))
    }

    func inputBuffer(batch: Int) -> ScratchBuffer<S> {
        if let b = inputBuffers[batch] { return b }
        let b = ScratchBuffer<S>(timeSteps * batch * inputDim)
        inputBuffers[batch] = b
        return b
    }

    /// Forward on caller-owned memory that must stay unchanged until the matching backward.
    /// Returns a pointer into the last layer's workspace, valid until the next forward.
    func forwardPointer(_ x: UnsafePointer<S>, batch: Int) -> UnsafePointer<S> {
        var a = x
        let training = isTraining
        for layer in layers {
            a = layer.forward(a, batch: batch, training: training)
        }
        lastBatch = batch
        return a
    }

    /// Backward through all layers; returns dL/dX when `needInputGradient`.
    func backwardPointer(_ dOutput: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        var d: UnsafePointer<S>? = dOutput
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            d = layers[i].backward(d!, batch: batch, needInputGradient: needInputGradient || i > 0)
        }
        return d
    }

    /// Predictions for `count` samples: `x` is (T, count, D) time-major; returns (count, outputDim).
    /// Runs in batches of `batchSize` in inference mode (no dropout).
    public func predict(x: [S], count: Int, batchSize: Int = 256) -> [S] {
        predictArray(x, count: count, batchSize: batchSize)
    }

    func predictArray(_ x: [S], count: Int, batchSize: Int) -> [S] {
        precondition(x.count == timeSteps * count * inputDim, "x must hold T·count·D values")
        var out = [S](repeating: 0, count: count * outputDim)
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        out.withUnsafeMutableBufferPointer { os in
            forEachBatch(of: x, count: count, batchSize: batchSize) { start, b, y in
                (os.baseAddress! + start * outputDim).update(from: y, count: b * outputDim)
            }
        }
        return out
    }

    /// Runs the forward pass over samples 0..<count of `x` (T, count, D) in consecutive batches
    /// of at most `batchSize`, calling `body(start, batch, output)` with each batch's output
    /// (batch, outputDim), valid until the next forward.
    func forEachBatch(of x: [S], count: Int, batchSize: Int,
                      _ body: (_ start: Int, _ batch: Int, _ output: UnsafePointer<S>) -> Void) {
        let bs = max(1, min(batchSize, count))
        x.withUnsafeBufferPointer { xs in
            var start = 0
            while start < count {
                let b = min(bs, count - start)
                let buffer = inputBuffer(batch: b)
                gatherWindows(xs.baseAddress!, total: count, start: start, batch: b, into: buffer.pointer)
                body(start, b, forwardPointer(UnsafePointer(buffer.pointer), batch: b))
                start += b
            }
        }
    }

    /// Copies samples start..<start+batch of a (T, total, D) array into a (T, batch, D) buffer.
    func gatherWindows(_ x: UnsafePointer<S>, total: Int, start: Int, batch: Int, into dst: UnsafeMutablePointer<S>) {
        let d = inputDim
        for t in 0..<timeSteps {
            (dst + t * batch * d).update(from: x + (t * total + start) * d, count: batch * d)
        }
    }

    /// Copies the samples `indices` of a (T, total, D) array into a (T, indices.count, D) buffer.
    func gatherWindows(_ x: UnsafePointer<S>, total: Int, indices: UnsafeBufferPointer<Int>, into dst: UnsafeMutablePointer<S>) {
        let d = inputDim
        let batch = indices.count
        for t in 0..<timeSteps {
            let src = x + t * total * d
            let row = dst + t * batch * d
            for (b, i) in indices.enumerated() {
                (row + b * d).update(from: src + i * d, count: d)
            }
        }
    }

    /// Final states of every recurrent layer after the last forward, in PyTorch's layout:
    /// "layers.i.h_n" of shape (levels·directions, B, H) ordered l0, l0_reverse, l1, …, and for
    /// LSTM "layers.i.c_n" likewise. For the backward direction the final state is the one after
    /// reading the whole sequence (time step 0), as PyTorch's h_n.
    public func finalHiddenStates() -> [String: [S]] {
        var result: [String: [S]] = [:]
        for layer in layers {
            guard case let .recurrent(r) = layer else { continue }
            let hKey = r.prefix + "h_n", cKey = r.prefix + "c_n"
            for state in r.finalStates() {
                result[hKey, default: []] += state.h
                if let c = state.c { result[cKey, default: []] += c }
            }
        }
        return result
    }

    /// Every hidden state of each recurrent element after the last forward, PyTorch's `output`
    /// of `nn.RNN/GRU/LSTM`: key "layers.i.output", shape (T, B, directions·H), the top level of
    /// a stack; for a bidirectional layer the two directions concatenated (whatever its merge),
    /// the backward half at time t being its state after reading steps T−1 … t.
    public func sequenceOutputs() -> [String: [S]] {
        var result: [String: [S]] = [:]
        for layer in layers {
            guard case let .recurrent(r) = layer else { continue }
            result[r.prefix + "output"] = r.sequenceOutput() // later levels overwrite earlier ones
        }
        return result
    }

    /// Sets the initial states h₀ (and c₀ for LSTM) of recurrent layers for the following passes,
    /// in PyTorch's layout: keys "layers.i.h_0" and "layers.i.c_0" (i the element of the model
    /// description), each (levels·directions, B, H) ordered l0, l0_reverse, l1, … . Layers without
    /// an entry start from zero; an LSTM given h_0 without c_0 starts its cells from zero. The
    /// following forward passes must use batch size `batch`. Gradients do not flow into h₀.
    /// - Throws: ``NetworkError`` for an unknown key or a wrong size.
    public func setInitialStates(_ states: [String: [S]], batch: Int) throws {
        var used = Set<String>()
        var blocks: [(prefix: String, layers: [RecurrentLayer<S>])] = []
        for layer in layers {
            guard case let .recurrent(r) = layer else { continue }
            if let i = blocks.firstIndex(where: { $0.prefix == r.prefix }) {
                blocks[i].layers.append(r)
            } else {
                blocks.append((r.prefix, [r]))
            }
        }
        var assignments: [(RecurrentLayer<S>, (batch: Int, h: [[S]], c: [[S]]?)?)] = []
        for block in blocks {
            let hKey = block.prefix + "h_0", cKey = block.prefix + "c_0"
            let h = states[hKey], c = states[cKey]
            if h != nil { used.insert(hKey) }
            if c != nil { used.insert(cKey) }
            let directions = block.layers[0].directionCount
            let hidden = block.layers[0].hidden
            let slice = batch * hidden
            let expected = block.layers.count * directions * slice
            for (name, values) in [(hKey, h), (cKey, c)] {
                if let values, values.count != expected {
                    throw NetworkError("initial state '\(name)' needs \(block.layers.count * directions)·\(batch)·\(hidden) = \(expected) values, got \(values.count)")
                }
            }
            if c != nil && block.layers[0].cell != .lstm {
                throw NetworkError("'\(cKey)': only LSTM layers have a cell state")
            }
            for (level, layer) in block.layers.enumerated() {
                guard h != nil || c != nil else {
                    assignments.append((layer, nil))
                    continue
                }
                let zero = [S](repeating: 0, count: slice)
                func part(_ v: [S]?, _ d: Int) -> [S] {
                    guard let v else { return zero }
                    let start = (level * directions + d) * slice
                    return Array(v[start..<(start + slice)])
                }
                let hs = (0..<directions).map { part(h, $0) }
                let cs = layer.cell == .lstm ? (0..<directions).map { part(c, $0) } : nil
                assignments.append((layer, (batch, hs, cs)))
            }
        }
        if let unknown = Set(states.keys).subtracting(used).sorted().first {
            throw NetworkError("unknown initial state '\(unknown)'; expected keys like " +
                               blocks.map { "'\($0.prefix)h_0'" }.joined(separator: ", "))
        }
        for (layer, value) in assignments { layer.initialStates = value }
    }

    /// Back to zero initial states.
    public func clearInitialStates() {
        for layer in layers {
            if case let .recurrent(r) = layer { r.initialStates = nil }
        }
    }

    /// Frees the per-batch-size workspaces (they are rebuilt on the next pass).
    public func releaseWorkspaces() {
        inputBuffers.removeAll()
        for layer in layers { layer.base.releaseWorkspaces() }
    }

    /// True when the model has at least one recurrent layer.
    public var isRecurrent: Bool {
        layers.contains { if case .recurrent = $0 { return true } else { return false } }
    }

    // MARK: Gradient flow

    /// The gradient-flow diagnostic: for the last recurrent layer (its forward direction), the
    /// batch average of ‖∂L/∂h_{T−1−k}‖₂ for k = 0 … T−1 (k = 0 is the last step), over `count`
    /// samples of `x` (T, count, D) with targets `y` (count, outputDim) and loss `loss`
    /// (mean over each batch, as in training). Returns [] for a model without recurrent layers.
    /// Overwrites ``gradients`` (they are zero afterwards).
    public func gradientFlow(x: [S], y: [S], count: Int, loss: Loss = .mse, batchSize: Int = 256) -> [Double] {
        gradientFlowImpl(x: x, y: y, count: count, loss: loss, batchSize: batchSize)
    }

    func gradientFlowImpl(x: [S], y: [S], count: Int, loss: Loss, batchSize: Int) -> [Double] {
        guard let top = layers.reversed().compactMap({ l -> RecurrentLayer<S>? in
            if case let .recurrent(r) = l { return r } else { return nil }
        }).first else { return [] }
        precondition(x.count == timeSteps * count * inputDim && y.count == count * outputDim)
        let wasTraining = isTraining
        isTraining = false
        defer {
            isTraining = wasTraining
            top.recordGradientFlow = false
            zeroGrad()
        }
        top.recordGradientFlow = true
        top.resetGradientFlow()
        var dOut = [S](repeating: 0, count: max(1, min(batchSize, count)) * outputDim)
        y.withUnsafeBufferPointer { ys in
            dOut.withUnsafeMutableBufferPointer { d in
                forEachBatch(of: x, count: count, batchSize: batchSize) { start, b, out in
                    _ = loss.evaluate(prediction: out, target: ys.baseAddress! + start * outputDim,
                                      count: b * outputDim, gradient: d.baseAddress!)
                    _ = backwardPointer(UnsafePointer(d.baseAddress!), batch: b, needInputGradient: false)
                }
            }
        }
        let n = Double(max(top.gradientFlowSamples, 1))
        return (0..<timeSteps).map { k in top.gradientFlowSums[timeSteps - 1 - k] / n }
    }
}

extension Network where S == Float {
    // Concrete Float entry points: calls from other modules land here, in code specialised for
    // Float, rather than in the unspecialised generic methods.

    /// Forward pass on a batch (Float): `x` (T, B, D) → (B, outputDim).
    public func forward(x: [Float], batch: Int) -> [Float] {
        forwardArray(x, batch: batch)
    }

    /// Backward pass (Float) for the last forward; returns dL/dX (T, B, D).
    public func backward(dOutput: [Float]) -> [Float] {
        backwardArray(dOutput)
    }

    /// Predictions (Float) for `count` samples of `x` (T, count, D); returns (count, outputDim).
    public func predict(x: [Float], count: Int, batchSize: Int = 256) -> [Float] {
        predictArray(x, count: count, batchSize: batchSize)
    }

    /// Gradient-flow diagnostic (Float); see the generic method.
    public func gradientFlow(x: [Float], y: [Float], count: Int, loss: Loss = .mse, batchSize: Int = 256) -> [Double] {
        gradientFlowImpl(x: x, y: y, count: count, loss: loss, batchSize: batchSize)
    }
}

/// Static dispatch over the layer kinds (a switch instead of class-method dispatch keeps the
/// whole forward/backward path visible to the specialiser).
enum AnyLayer<S: NetworkScalar> {
    case dense(DenseLayer<S>)
    case flatten(FlattenLayer<S>)
    case dropout(DropoutLayer<S>)
    case recurrent(RecurrentLayer<S>)

    var base: Layer<S> {
        switch self {
        case let .dense(l): return l
        case let .flatten(l): return l
        case let .dropout(l): return l
        case let .recurrent(l): return l
        }
    }

    @inline(__always)
    func forward(_ x: UnsafePointer<S>, batch: Int, training: Bool) -> UnsafePointer<S> {
        switch self {
        case let .dense(l): return l.forward(x, batch: batch, training: training)
        case let .flatten(l): return l.forward(x, batch: batch, training: training)
        case let .dropout(l): return l.forward(x, batch: batch, training: training)
        case let .recurrent(l): return l.forward(x, batch: batch, training: training)
        }
    }

    @inline(__always)
    func backward(_ d: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        switch self {
        case let .dense(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        case let .flatten(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        case let .dropout(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        case let .recurrent(l): return l.backward(d, batch: batch, needInputGradient: needInputGradient)
        }
    }
}
