/// Inverted dropout: in training, each activation is kept with probability 1 − p and scaled
/// by 1/(1 − p); at inference it is the identity. The mask comes from the layer's own seeded
/// ``SplitMix64``, so training runs are reproducible. Works on any shape.
final class DropoutLayer<S: NetworkScalar>: ParameterFreeLayer {
    typealias Scalar = S
    let timeSteps: Int
    let inputShape: ActivationShape
    var outputShape: ActivationShape { inputShape }
    let rate: Double
    private var rng: SplitMix64
    private var masks: [Int: ScratchBuffer<S>] = [:]
    private var outputs: [Int: ScratchBuffer<S>] = [:]
    private var dInputs: [Int: ScratchBuffer<S>] = [:]
    private var lastWasTraining = false

    init(timeSteps: Int, shape: ActivationShape, rate: Double, seed: UInt64) {
        self.rate = rate
        rng = SplitMix64(seed: seed)
        self.timeSteps = timeSteps
        inputShape = shape
    }

    func releaseWorkspaces() {
        masks.removeAll()
        outputs.removeAll()
        dInputs.removeAll()
    }

    private func buffer(_ dict: inout [Int: ScratchBuffer<S>], _ batch: Int) -> ScratchBuffer<S> {
        if let b = dict[batch] { return b }
        let b = ScratchBuffer<S>(batch * inputCountPerSample)
        dict[batch] = b
        return b
    }

    func forward(_ input: UnsafePointer<S>, batch: Int, training: Bool) -> UnsafePointer<S> {
        lastWasTraining = training && rate > 0
        guard lastWasTraining else { return input }
        let n = batch * inputCountPerSample
        let mask = buffer(&masks, batch).pointer
        let y = buffer(&outputs, batch).pointer
        let scale = S(1 / (1 - rate))
        for i in 0..<n {
            mask[i] = rng.nextUnit() < rate ? 0 : scale
            y[i] = input[i] * mask[i]
        }
        return UnsafePointer(y)
    }

    func backward(_ dOutput: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        guard needInputGradient else { return nil }
        guard lastWasTraining else { return dOutput }
        let n = batch * inputCountPerSample
        let mask = buffer(&masks, batch).pointer
        let dx = buffer(&dInputs, batch).pointer
        for i in 0..<n { dx[i] = dOutput[i] * mask[i] }
        return UnsafePointer(dx)
    }
}
