/// Elman RNN cell (PyTorch `nn.RNN`): h′ = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or ReLU.
/// One gate; the step works in place on the (B, H) pre-activation block.
struct RNNCell<S: NetworkScalar>: RecurrentCell {
    typealias Scalar = S
    static var kind: ModelSpec.Cell { .rnn }
    static var gateCount: Int { 1 }
    static var storage: RecurrentCellStorage { RecurrentCellStorage() }

    /// ReLU instead of tanh.
    let relu: Bool

    init(spec: ModelSpec.Recurrent) {
        relu = spec.activation == .relu
    }

    /// h′ = act(pre), `gates` (B, H) holding the whole pre-activation. O(B·H).
    @inline(__always)
    func forwardStep(_ step: RecurrentForwardStep<S>) {
        let n = step.batch * step.hidden
        if relu {
            step.hOut.update(from: step.gates, count: n)
            S.reluVector(step.hOut, count: n)
        } else {
            S.tanhVector(step.gates, into: step.hOut, count: n)
        }
    }

    /// dPre = dh ⊙ act′, act′ written through the output h (1 − h² for tanh, [h > 0] for ReLU),
    /// over the stored pre-activations; then the step's column sums into the bias gradient.
    @inline(__always)
    func backwardStep(_ step: RecurrentBackwardStep<S>) {
        let n = step.batch * step.hidden
        let h = step.hOut, dh = step.dh, dPre = step.dGates
        if relu {
            S.reluBackward(output: h, gradient: dh, into: dPre, count: n)
        } else {
            for i in 0..<n { dPre[i] = dh[i] * (1 - h[i] * h[i]) }
        }
        S.addColumnSums(UnsafePointer(dPre), rows: step.batch, columns: step.hidden, rowStride: step.hidden,
                        into: step.dBias)
    }
}
