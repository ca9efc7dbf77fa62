extension Network {
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
