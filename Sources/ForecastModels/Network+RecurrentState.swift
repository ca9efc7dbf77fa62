extension Network {
    /// Final states of every recurrent layer after the last forward, in PyTorch's layout:
    /// "layers.i.h_n" of shape (levels·directions, B, H) ordered l0, l0_reverse, l1, …, and for
    /// LSTM "layers.i.c_n" likewise. For the backward direction the final state is the one after
    /// reading the whole sequence (time step 0), as PyTorch's h_n.
    public func finalHiddenStates() -> [String: [S]] {
        var result: [String: [S]] = [:]
        for layer in layers {
            guard let r = layer.recurrent else { continue }
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
            guard let r = layer.recurrent else { continue }
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
        var blocks: [(prefix: String, layers: [any RecurrentLayerProtocol<S>])] = []
        for layer in layers {
            guard let r = layer.recurrent else { continue }
            if let i = blocks.firstIndex(where: { $0.prefix == r.prefix }) {
                blocks[i].layers.append(r)
            } else {
                blocks.append((r.prefix, [r]))
            }
        }
        var assignments: [(any RecurrentLayerProtocol<S>, (batch: Int, h: [[S]], c: [[S]]?)?)] = []
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
            if c != nil && block.layers[0].cellKind != .lstm {
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
                let cs = layer.cellKind == .lstm ? (0..<directions).map { part(c, $0) } : nil
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
            if let r = layer.recurrent { r.initialStates = nil }
        }
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
        guard let top = layers.reversed().lazy.compactMap(\.recurrent).first else { return [] }
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
