/// The arithmetic of one recurrent cell kind, apart from the unrolling over time
/// (``RecurrentLayer``): how many gates it has, how its biases enter, what it stores per step,
/// and the elementwise forward and backward of one time step over a (B, G·H) gate block.
///
/// The layer does everything the cells share: the input projection of all T steps as one GEMM
/// before the loop, the per-step recurrent GEMM h_{t−1}·W_hhᵀ, the per-step dh_{t−1} GEMM of
/// backpropagation through time and the weight gradients after it. A cell is a small value
/// type whose requirements are called statically from ``RecurrentLayer``'s loops (the layer is
/// generic over its cell, so nothing is dispatched per time step).
///
/// Gate blocks are laid out per row as in PyTorch (G = 1, 3, 4 for RNN, GRU, LSTM; gate order
/// r, z, n for GRU and i, f, g, o for LSTM), as are the parameters `weight_ih` (G·H, D),
/// `weight_hh` (G·H, H), `bias_ih` (G·H), `bias_hh` (G·H).
protocol RecurrentCell {
    associatedtype Scalar: NetworkScalar

    /// The model-description kind of this cell.
    static var kind: ModelSpec.Cell { get }
    /// G: gates per hidden unit, the G in the (G·H, D) weight shapes.
    static var gateCount: Int { get }
    /// What the layer stores per time step and per batch for this cell.
    static var storage: RecurrentCellStorage { get }

    init(spec: ModelSpec.Recurrent)

    /// The bias the gate pre-activations start from (or that the forward step adds), G·H values:
    /// b_ih + b_hh for the gates where both enter the same sum.
    static func combineBiases(ih: UnsafePointer<Scalar>, hh: UnsafePointer<Scalar>,
                              into combined: UnsafeMutablePointer<Scalar>, hidden: Int)

    /// Glorot/orthogonal initialisation's biases (after the weights): zero, except where a cell
    /// wants otherwise (LSTM: forget-gate b_ih = 1).
    static func initializeBiases(ih: UnsafeMutablePointer<Scalar>, hh: UnsafeMutablePointer<Scalar>, hidden: Int)

    /// One forward time step; see ``RecurrentForwardStep`` for the buffers.
    func forwardStep(_ step: RecurrentForwardStep<Scalar>)

    /// One backward time step: the pre-activation gradients of the step from dL/dh_t (and the
    /// cell's carried state gradient), their column sums added to the bias gradients. A cell
    /// that ``RecurrentCellStorage/keepsDirectPath`` leaves its direct path to h_{t−1} in dh
    /// (the layer's GEMM then adds onto it); for the others the GEMM overwrites dh.
    func backwardStep(_ step: RecurrentBackwardStep<Scalar>)

    /// Adds the bias gradients summed over all rows of a direction — `dBias` (G·H, the column
    /// sums of the input-side gate gradients) and `dBiasHidden` (cell-specific, see
    /// ``RecurrentCellStorage/hiddenBiasGradientBlocks``) — into the b_ih and b_hh gradients.
    static func addBiasGradients(dBias: UnsafePointer<Scalar>, dBiasHidden: UnsafePointer<Scalar>,
                                 ih: UnsafeMutablePointer<Scalar>, hh: UnsafeMutablePointer<Scalar>, hidden: Int)
}

extension RecurrentCell {
    static func initializeBiases(ih: UnsafeMutablePointer<Scalar>, hh: UnsafeMutablePointer<Scalar>, hidden: Int) {
        ih.update(repeating: 0, count: gateCount * hidden)
        hh.update(repeating: 0, count: gateCount * hidden)
    }

    /// b_ih + b_hh for every gate.
    static func combineBiases(ih: UnsafePointer<Scalar>, hh: UnsafePointer<Scalar>,
                              into combined: UnsafeMutablePointer<Scalar>, hidden: Int) {
        for j in 0..<(gateCount * hidden) { combined[j] = ih[j] + hh[j] }
    }

    /// b_ih and b_hh enter the pre-activations the same way, so both get the same gradient.
    static func addBiasGradients(dBias: UnsafePointer<Scalar>, dBiasHidden: UnsafePointer<Scalar>,
                                 ih: UnsafeMutablePointer<Scalar>, hh: UnsafeMutablePointer<Scalar>, hidden: Int) {
        let gh = gateCount * hidden
        for j in 0..<gh { ih[j] += dBias[j] }
        for j in 0..<gh { hh[j] += dBias[j] }
    }
}

/// A cell's storage needs beyond the layer's own (gate values (T, B, G·H) and hidden states
/// (T + 1, B, H) per direction and batch size).
struct RecurrentCellStorage {
    /// A cell state c besides h (LSTM): slots (T + 1, B, H) like the hidden states, and its
    /// carried gradient dc (B, H).
    var hasCellState = false
    /// A (T, B, H) per-step value kept for the backward step (LSTM tanh(c_t), GRU W_hn h + b_hn).
    var hasStepValue = false
    /// h_{t−1}·W_hhᵀ goes to its own (B, G·H) buffer (GRU, whose reset gate multiplies part of
    /// it), not onto the gate pre-activations.
    var separateRecurrentProduct = false
    /// The forward step adds the combined bias itself (LSTM), so the input projection need not
    /// start from it (one (T, B, G·H) write less).
    var biasInStep = false
    /// The gate gradients go to their own (T, B, G·H) buffer, and the hidden-side gradients
    /// (those that multiply W_hh) to a second one (GRU). Otherwise the backward step writes the
    /// gradients over the stored gate values, which then need a new forward before the next
    /// backward.
    var separateGateGradients = false
    /// The backward step leaves the direct path to h_{t−1} in dh, so the dh GEMM accumulates onto
    /// it (GRU); otherwise the GEMM overwrites dh.
    var keepsDirectPath = false
    /// H-wide blocks of the extra bias-gradient accumulator handed to the backward step (GRU: one, for b_hn).
    var hiddenBiasGradientBlocks = 0
}

/// The buffers of one forward time step, all for the B rows of the batch.
struct RecurrentForwardStep<S: NetworkScalar> {
    /// (B, G·H): W_ih x_t (+ the combined bias unless the cell adds it, + h_{t−1}·W_hhᵀ unless
    /// the cell keeps it apart) on entry; the gate activations the backward step needs on exit.
    var gates: UnsafeMutablePointer<S>
    /// (B, G·H): h_{t−1}·W_hhᵀ when the cell keeps it apart (zero at a zero initial state).
    var recurrentProduct: UnsafePointer<S>
    /// (G·H): the combined bias (``RecurrentCell/combineBiases(ih:hh:into:hidden:)``).
    var bias: UnsafePointer<S>
    /// (G·H): b_hh itself.
    var biasHH: UnsafePointer<S>
    /// (B, H) each.
    var hPrev: UnsafePointer<S>
    var hOut: UnsafeMutablePointer<S>
    /// (B, H) each, cells with a cell state only.
    var cPrev: UnsafePointer<S>?
    var cOut: UnsafeMutablePointer<S>?
    /// (B, H), cells with a per-step value only.
    var stepValue: UnsafeMutablePointer<S>?
    var batch: Int
    var hidden: Int
}

/// The buffers of one backward time step, all for the B rows of the batch.
struct RecurrentBackwardStep<S: NetworkScalar> {
    /// (B, G·H): the gate activations stored by the forward step.
    var gates: UnsafePointer<S>
    /// (B, H) each.
    var hPrev: UnsafePointer<S>
    var hOut: UnsafePointer<S>
    var cPrev: UnsafePointer<S>?
    var stepValue: UnsafePointer<S>?
    /// (B, H): dL/dh_t on entry; see ``RecurrentCell/backwardStep(_:)``.
    var dh: UnsafeMutablePointer<S>
    /// (B, H): dL/dc_t on entry, dL/dc_{t−1} on exit (cells with a cell state).
    var dc: UnsafeMutablePointer<S>?
    /// (B, G·H): the pre-activation gradients (may be `gates` itself).
    var dGates: UnsafeMutablePointer<S>
    /// (B, G·H): the hidden-side gradients, that multiply W_hh (`dGates` unless kept apart).
    var dGatesHidden: UnsafeMutablePointer<S>
    /// (G·H) and (``RecurrentCellStorage/hiddenBiasGradientBlocks``): bias-gradient sums.
    var dBias: UnsafeMutablePointer<S>
    var dBiasHidden: UnsafeMutablePointer<S>
    var batch: Int
    var hidden: Int
}
