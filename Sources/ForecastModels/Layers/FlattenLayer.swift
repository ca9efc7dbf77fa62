/// (T, B, D) → (B, T·D): `out[b, t·D + d] = in[t, b, d]`, the window of each sample laid out
/// time by time (as `x.permute(1, 0, 2).reshape(B, T·D)` in PyTorch). No parameters.
final class FlattenLayer<S: NetworkScalar>: ParameterFreeLayer {
    typealias Scalar = S
    let timeSteps: Int
    let inputShape: ActivationShape
    let outputShape: ActivationShape
    private var outputs: [Int: ScratchBuffer<S>] = [:]
    private var dInputs: [Int: ScratchBuffer<S>] = [:]

    init(timeSteps: Int, features: Int) {
        self.timeSteps = timeSteps
        inputShape = .sequence(features: features)
        outputShape = .flat(features: timeSteps * features)
    }

    func releaseWorkspaces() {
        outputs.removeAll()
        dInputs.removeAll()
    }

    func forward(_ input: UnsafePointer<S>, batch: Int, training: Bool) -> UnsafePointer<S> {
        let d = inputShape.features
        let t = timeSteps
        let out: ScratchBuffer<S>
        if let o = outputs[batch] { out = o } else { out = ScratchBuffer(batch * t * d); outputs[batch] = out }
        let y = out.pointer
        for step in 0..<t {
            for b in 0..<batch {
                (y + b * t * d + step * d).update(from: input + (step * batch + b) * d, count: d)
            }
        }
        return UnsafePointer(y)
    }

    func backward(_ dOutput: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        guard needInputGradient else { return nil }
        let d = inputShape.features
        let t = timeSteps
        let buf: ScratchBuffer<S>
        if let o = dInputs[batch] { buf = o } else { buf = ScratchBuffer(batch * t * d); dInputs[batch] = buf }
        let dx = buf.pointer
        for step in 0..<t {
            for b in 0..<batch {
                (dx + (step * batch + b) * d).update(from: dOutput + b * t * d + step * d, count: d)
            }
        }
        return UnsafePointer(dx)
    }
}
