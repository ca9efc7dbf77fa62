import ForecastCore
/// How a network's weights are drawn at construction.
public enum InitScheme: String, Codable, CaseIterable, Sendable, Hashable {
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
public struct NetworkError: ForecastError, Equatable {
    public var message: String
    public var exitStatus: ExitStatus { .usage }
    public var location: ErrorLocation? { nil }
    public var hint: String? { nil }
    public init(_ message: String) { self.message = message }
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
    /// Per batch size: the (T, B, D) input copied from the caller's array.
    var inputBuffers: [Int: ScratchBuffer<S>] = [:]
    /// Batch size of the last forward (what backward expects).
    var lastBatch = 0

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
                    let l = Self.recurrentLayer(prefix: prefix, level: level, timeSteps: timeSteps,
                                                inFeatures: shape.features, spec: r,
                                                returnSequences: !last || nextIsRecurrent)
                    built.append(l)
                    shape = l.layer.outputShape
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
            for slot in layer.layer.parameterSlots {
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
            let base = layer.layer
            base.bind(parameters: parameters.baseAddress! + layerOffset, gradients: gradients.baseAddress! + layerOffset)
            base.initialize(scheme: initScheme, rng: &rng)
            layerOffset += base.parameterCount
        }
        parameterCountStorage = offset
    }

    /// The layer of one level of a recurrent block, with its cell.
    private static func recurrentLayer(prefix: String, level: Int, timeSteps: Int, inFeatures: Int,
                                       spec: ModelSpec.Recurrent, returnSequences: Bool) -> AnyLayer<S> {
        switch spec.cell {
        case .rnn:
            return .rnn(RecurrentLayer(prefix: prefix, level: level, timeSteps: timeSteps, inFeatures: inFeatures,
                                       spec: spec, returnSequences: returnSequences))
        case .gru:
            return .gru(RecurrentLayer(prefix: prefix, level: level, timeSteps: timeSteps, inFeatures: inFeatures,
                                       spec: spec, returnSequences: returnSequences))
        case .lstm:
            return .lstm(RecurrentLayer(prefix: prefix, level: level, timeSteps: timeSteps, inFeatures: inFeatures,
                                        spec: spec, returnSequences: returnSequences))
        }
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

    /// Frees the per-batch-size workspaces (they are rebuilt on the next pass).
    public func releaseWorkspaces() {
        inputBuffers.removeAll()
        for layer in layers { layer.layer.releaseWorkspaces() }
    }
}
