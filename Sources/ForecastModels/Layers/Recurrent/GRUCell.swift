/// GRU cell (PyTorch `nn.GRU`), gates [r | z | n]:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h′ = (1 − z) ⊙ n + z ⊙ h.
///
/// Because r multiplies W_hn h + b_hn, the recurrent product goes to its own (B, 3H) block, the
/// n block's combined bias is b_in alone, W_hn h + b_hn is kept per step, and the hidden-side
/// gradients (da_n ⊙ r in the n block) differ from the input-side ones.
struct GRUCell<S: NetworkScalar>: RecurrentCell {
    typealias Scalar = S
    static var kind: ModelSpec.Cell { .gru }
    static var gateCount: Int { 3 }
    static var storage: RecurrentCellStorage {
        RecurrentCellStorage(hasStepValue: true, separateRecurrentProduct: true, separateGateGradients: true,
                             keepsDirectPath: true, hiddenBiasGradientBlocks: 1)
    }

    init(spec: ModelSpec.Recurrent) {}

    /// b_ih + b_hh for r and z; b_in alone for n (b_hn enters inside r ⊙ (·)).
    static func combineBiases(ih: UnsafePointer<S>, hh: UnsafePointer<S>, into combined: UnsafeMutablePointer<S>,
                              hidden: Int) {
        for j in 0..<(2 * hidden) { combined[j] = ih[j] + hh[j] }
        for j in (2 * hidden)..<(3 * hidden) { combined[j] = ih[j] }
    }

    /// ``NetworkScalar/gruStepForward(gates:hiddenProjection:biasHN:hn:hPrev:hOut:batch:hidden:)``. O(B·H).
    @inline(__always)
    func forwardStep(_ step: RecurrentForwardStep<S>) {
        S.gruStepForward(gates: step.gates, hiddenProjection: step.recurrentProduct, biasHN: step.biasHH + 2 * step.hidden,
                         hn: step.stepValue!, hPrev: step.hPrev, hOut: step.hOut, batch: step.batch, hidden: step.hidden)
    }

    /// ``NetworkScalar/gruStepBackward(gates:hn:hPrev:dh:dGates:dGatesHidden:dBias:dBiasHN:batch:hidden:)``:
    /// leaves dh ⊙ z in dh, to which the layer adds dGatesHidden·W_hh. O(B·H).
    @inline(__always)
    func backwardStep(_ step: RecurrentBackwardStep<S>) {
        S.gruStepBackward(gates: step.gates, hn: step.stepValue!, hPrev: step.hPrev, dh: step.dh, dGates: step.dGates,
                          dGatesHidden: step.dGatesHidden, dBias: step.dBias, dBiasHN: step.dBiasHidden,
                          batch: step.batch, hidden: step.hidden)
    }

    /// b_ih from the input-side sums; b_hh's r and z blocks likewise, its n block from the
    /// hidden-side sums (`dBiasHidden`, H values).
    static func addBiasGradients(dBias: UnsafePointer<S>, dBiasHidden: UnsafePointer<S>,
                                 ih: UnsafeMutablePointer<S>, hh: UnsafeMutablePointer<S>, hidden: Int) {
        for j in 0..<(3 * hidden) { ih[j] += dBias[j] }
        for j in 0..<(2 * hidden) { hh[j] += dBias[j] }
        for j in 0..<hidden { hh[2 * hidden + j] += dBiasHidden[j] }
    }
}
