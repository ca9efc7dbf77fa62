/// LSTM cell (PyTorch `nn.LSTM`), gates [i | f | g | o]:
/// i, f, o = σ(W_i· x + b_i· + W_h· h + b_h·), g = tanh(·), c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′).
///
/// The step kernel adds the combined bias itself and keeps tanh(c′) per step for the backward
/// step; the backward step writes the gate gradients over the stored activations.
struct LSTMCell<S: NetworkScalar>: RecurrentCell {
    typealias Scalar = S
    static var kind: ModelSpec.Cell { .lstm }
    static var gateCount: Int { 4 }
    static var storage: RecurrentCellStorage {
        RecurrentCellStorage(hasCellState: true, hasStepValue: true, biasInStep: true)
    }

    init(spec: ModelSpec.Recurrent) {}

    /// Zero biases except the forget gate's b_ih = 1 (so the forget bias b_if + b_hf is 1).
    static func initializeBiases(ih: UnsafeMutablePointer<S>, hh: UnsafeMutablePointer<S>, hidden: Int) {
        ih.update(repeating: 0, count: 4 * hidden)
        hh.update(repeating: 0, count: 4 * hidden)
        (ih + hidden).update(repeating: 1, count: hidden)
    }

    /// ``NetworkScalar/lstmStepForward(gates:bias:cPrev:cOut:tanhC:hOut:batch:hidden:)``. O(B·H).
    @inline(__always)
    func forwardStep(_ step: RecurrentForwardStep<S>) {
        S.lstmStepForward(gates: step.gates, bias: step.bias, cPrev: step.cPrev!, cOut: step.cOut!,
                          tanhC: step.stepValue!, hOut: step.hOut, batch: step.batch, hidden: step.hidden)
    }

    /// ``NetworkScalar/lstmStepBackward(gates:cPrev:tanhC:dh:dc:dGates:dBias:batch:hidden:)``
    /// (dh_{t−1} = dGates·W_hh is the layer's GEMM). O(B·H).
    @inline(__always)
    func backwardStep(_ step: RecurrentBackwardStep<S>) {
        S.lstmStepBackward(gates: step.gates, cPrev: step.cPrev!, tanhC: step.stepValue!, dh: step.dh, dc: step.dc!,
                           dGates: step.dGates, dBias: step.dBias, batch: step.batch, hidden: step.hidden)
    }
}
