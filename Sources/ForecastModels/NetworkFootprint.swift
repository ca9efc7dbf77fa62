/// What a network of a given description needs, computed from the description alone (nothing
/// is allocated), so that an oversized model is refused before training or loading starts.
/// The same walk checks a checkpoint's description against ``Checkpoint``'s limits.
/// Complexity O(layers).
public struct NetworkFootprint: Sendable, Equatable {
    /// Trainable parameters (Float32 each).
    public let parameters: Int
    /// Values one sample's forward pass stores for the backward pass: layer outputs, and the
    /// gates and states of every recurrent step.
    public let activationsPerSample: Int

    /// Measures `spec` for windows of `timeSteps` × `inputDim` and `outputDim` outputs.
    /// - Throws: ``NetworkSizeError`` when a width, depth, parameter or activation count is
    ///   beyond ``Checkpoint``'s limits, or the last layer does not give `outputDim` values.
    public init(_ spec: ModelSpec, timeSteps: Int, inputDim: Int, outputDim: Int) throws(NetworkSizeError) {
        var sequence = true
        var features = inputDim
        var total = 0
        var activations = timeSteps * inputDim
        var layerCount = 0
        func add(_ n: Int, _ what: String) throws(NetworkSizeError) {
            total += n
            guard total <= Checkpoint.maximumParameters else {
                throw NetworkSizeError("needs more than \(Checkpoint.maximumParameters) parameters (at \(what))")
            }
        }
        func store(_ n: Int, _ what: String) throws(NetworkSizeError) {
            activations += n
            guard activations <= Checkpoint.maximumActivations else {
                throw NetworkSizeError("needs more than \(Checkpoint.maximumActivations) activation values per sample (at \(what))")
            }
        }
        func width(_ units: Int, _ what: String) throws(NetworkSizeError) {
            guard (1...Checkpoint.maximumLayerWidth).contains(units) else {
                throw NetworkSizeError("\(what) has \(units) units, outside 1...\(Checkpoint.maximumLayerWidth)")
            }
        }
        for (index, layer) in spec.layers.enumerated() {
            let what = "layer \(index + 1)"
            switch layer {
            case .flatten:
                features *= timeSteps  // ≤ 1e5 · 65 536: no overflow
                sequence = false
                layerCount += 1
            case let .dense(units, _):
                try width(units, what)
                try add(units * features + units, what)  // each factor ≤ 1e5 · 65 536
                try store((sequence ? timeSteps : 1) * units, what)
                features = units
                layerCount += 1
            case .dropout:
                layerCount += 1
            case let .recurrent(r):
                try width(r.units, what)
                guard (1...Checkpoint.maximumLayers).contains(r.layers) else {
                    throw NetworkSizeError("\(what) stacks \(r.layers) levels, more than \(Checkpoint.maximumLayers)")
                }
                let directions = r.bidirectional ? 2 : 1
                let gates = r.cell.gateCount * r.units
                for _ in 0..<r.layers {
                    try add(directions * (gates * features + gates * r.units + 2 * gates), what)
                    try store(directions * timeSteps * (gates + 2 * r.units), what)
                    features = r.outputWidth
                }
                let next = spec.layers[(index + 1)...].first { if case .dropout = $0 { return false } else { return true } }
                if case .recurrent = next {} else { sequence = false }
                layerCount += r.layers
            }
            guard layerCount <= Checkpoint.maximumLayers else { throw NetworkSizeError("has more than \(Checkpoint.maximumLayers) layers") }
            guard features <= Checkpoint.maximumParameters else { throw NetworkSizeError("\(what) produces \(features) values per sample") }
        }
        guard !sequence, features == outputDim else {
            throw NetworkSizeError("produces \(features) values per sample, but outputDim is \(outputDim)")
        }
        parameters = total
        activationsPerSample = activations
    }

    /// Bytes that training takes, estimated: five Float32 copies of the parameters (values,
    /// gradients, the two Adam moments, the best epoch's copy), the stored activations and their
    /// gradients for `batch` samples, and the largest inference batch (256).
    public func trainingBytes(batch: Int) -> Int {
        let values = 5 * parameters + 2 * activationsPerSample * max(batch, 256)
        return values.multipliedReportingOverflow(by: 4).overflow ? .max : values * 4
    }
}

/// A network description beyond the sizes this tool builds or loads.
public struct NetworkSizeError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
