/// One direction of a ``RecurrentLayer``: its parameters (a slice of the layer's), its per-batch
/// workspaces, and the unrolled forward loop and backpropagation through time over a cell.
///
/// Hidden states are stored in T + 1 slots. The forward direction reads h_{t−1} from slot t and
/// writes h_t to slot t + 1 (slot 0 holds h₀); the reverse direction reads from slot t + 1 and
/// writes to slot t (slot T holds h₀). So for either direction the outputs and the previous
/// states are each one contiguous (T, B, H) block in time order.
final class RecurrentDirection<Cell: RecurrentCell> {
    typealias S = Cell.Scalar

    let cell: Cell
    /// Reads the sequence from t = T − 1 down to 0.
    let reverse: Bool
    let timeSteps: Int
    let hidden: Int
    let inFeatures: Int

    /// G·H, the width of a gate block.
    private var gateWidth: Int { Cell.gateCount * hidden }

    /// W_ih (G·H, D), W_hh (G·H, H), b_ih (G·H), b_hh (G·H) in the network's parameter buffer,
    /// and their gradients in the same layout.
    private var parameters: UnsafeMutablePointer<S>!
    private var gradients: UnsafeMutablePointer<S>!
    var weightIH: UnsafeMutablePointer<S> { parameters }
    var weightHH: UnsafeMutablePointer<S> { parameters + gateWidth * inFeatures }
    var biasIH: UnsafeMutablePointer<S> { weightHH + gateWidth * hidden }
    var biasHH: UnsafeMutablePointer<S> { biasIH + gateWidth }
    private var gradWeightIH: UnsafeMutablePointer<S> { gradients }
    private var gradWeightHH: UnsafeMutablePointer<S> { gradients + gateWidth * inFeatures }
    private var gradBiasIH: UnsafeMutablePointer<S> { gradWeightHH + gateWidth * hidden }
    private var gradBiasHH: UnsafeMutablePointer<S> { gradBiasIH + gateWidth }

    /// Parameters of one direction: G·H·D + G·H·H + 2·G·H.
    static func parameterCount(hidden: Int, inFeatures: Int) -> Int {
        let gh = Cell.gateCount * hidden
        return gh * inFeatures + gh * hidden + 2 * gh
    }

    /// (G·H): the combined bias (``RecurrentCell/combineBiases(ih:hh:into:hidden:)``), refreshed each forward.
    private let combinedBias: ScratchBuffer<S>
    /// W_hhᵀ (H, G·H), refreshed by each forward that multiplies by it (see
    /// ``recurrentProductNT(batch:)``): h·W_hhᵀ then runs as a plain (non-transposed) GEMM.
    private let weightHHTransposed: ScratchBuffer<S>
    /// dW_ihᵀ (D, G·H) and dW_hhᵀ (H, G·H) before they are added into the gradient buffer.
    private lazy var dWeightIHTransposed = ScratchBuffer<S>(gateWidth * inFeatures)
    private lazy var dWeightHHTransposed = ScratchBuffer<S>(gateWidth * hidden)

    /// The buffers of one batch size.
    final class Workspace {
        /// (T, B, G·H): input projection, then gate activations (then, unless the cell keeps
        /// them apart, the gate gradients).
        let gateValues: ScratchBuffer<S>
        /// (T + 1, B, H): hidden-state slots.
        let states: ScratchBuffer<S>
        /// (T + 1, B, H): cell-state slots (cells with a cell state).
        let cells: ScratchBuffer<S>?
        /// (T, B, H): the cell's per-step value (LSTM tanh c_t, GRU W_hn h_{t−1} + b_hn).
        let stepValues: ScratchBuffer<S>?
        /// (B, G·H): h_{t−1}·W_hhᵀ of the current step, for cells that keep it apart.
        let recurrentProduct: ScratchBuffer<S>?
        private let sizes: (tbgh: Int, bh: Int, gh: Int, hiddenBias: Int)
        /// (T, B, G·H) input-side and hidden-side gate gradients, for cells that keep them apart.
        lazy var dGates = ScratchBuffer<S>(Cell.storage.separateGateGradients ? sizes.tbgh : 0)
        lazy var dGatesHidden = ScratchBuffer<S>(Cell.storage.separateGateGradients ? sizes.tbgh : 0)
        /// (B, H): dL/dh carried back through the steps; dL/dc likewise for cells with a cell state.
        lazy var dh = ScratchBuffer<S>(sizes.bh)
        lazy var dc = ScratchBuffer<S>(Cell.storage.hasCellState ? sizes.bh : 0)
        /// (G·H): column sums of the gate gradients over all T·B rows.
        lazy var dBias = ScratchBuffer<S>(sizes.gh)
        /// The cell's extra bias-gradient sums (GRU: b_hn, H).
        lazy var dBiasHidden = ScratchBuffer<S>(sizes.hiddenBias)

        init(timeSteps t: Int, batch b: Int, hidden h: Int) {
            let gh = Cell.gateCount * h
            let needs = Cell.storage
            gateValues = ScratchBuffer(t * b * gh)
            states = ScratchBuffer((t + 1) * b * h)
            cells = needs.hasCellState ? ScratchBuffer((t + 1) * b * h) : nil
            stepValues = needs.hasStepValue ? ScratchBuffer(t * b * h) : nil
            recurrentProduct = needs.separateRecurrentProduct ? ScratchBuffer(b * gh) : nil
            sizes = (t * b * gh, b * h, gh, needs.hiddenBiasGradientBlocks * h)
        }

        /// Where the backward loop writes the input-side gate gradients.
        var gateGradients: UnsafeMutablePointer<S> {
            Cell.storage.separateGateGradients ? dGates.pointer : gateValues.pointer
        }

        /// Where it writes the hidden-side ones (those that multiply W_hh).
        var hiddenGateGradients: UnsafeMutablePointer<S> {
            Cell.storage.separateGateGradients ? dGatesHidden.pointer : gateValues.pointer
        }
    }

    private(set) var workspaces: [Int: Workspace] = [:]

    init(cell: Cell, reverse: Bool, timeSteps: Int, hidden: Int, inFeatures: Int) {
        self.cell = cell
        self.reverse = reverse
        self.timeSteps = timeSteps
        self.hidden = hidden
        self.inFeatures = inFeatures
        let gh = Cell.gateCount * hidden
        combinedBias = ScratchBuffer(gh)
        weightHHTransposed = ScratchBuffer(gh * hidden)
    }

    func bind(parameters: UnsafeMutablePointer<S>, gradients: UnsafeMutablePointer<S>) {
        self.parameters = parameters
        self.gradients = gradients
    }

    func workspace(batch: Int) -> Workspace {
        if let w = workspaces[batch] { return w }
        let w = Workspace(timeSteps: timeSteps, batch: batch, hidden: hidden)
        workspaces[batch] = w
        return w
    }

    func releaseWorkspaces() { workspaces.removeAll() }

    /// Whether the per-step product h·W_hhᵀ of a (B × G·H) gate block reads W_hh itself (an NT
    /// GEMM) rather than its transposed copy (NN): NN is faster with OpenBLAS at every shape and
    /// with oneDNN on small gate blocks, NT with oneDNN from 256 KiB blocks on (measurements:
    /// Benchmarks/README.md, "Operand orientation").
    @inline(__always) private func recurrentProductNT(batch: Int) -> Bool {
        S.gemmIsOneDNN && batch * gateWidth >= 65_536
    }

    /// Hidden-state slot read by step `step` (h_{t−1}) and written by it (h_t).
    @inline(__always) private func slots(_ step: Int) -> (previous: Int, output: Int) {
        reverse ? (step + 1, step) : (step, step + 1)
    }

    // MARK: Forward

    /// Runs the direction over x (T, B, D), from h₀ (and c₀) = `initial` (each (B, H)) or zero.
    /// Cost: one (T·B × D)·(D × G·H) GEMM for the input projection of all steps, then per step
    /// one (B × H)·(H × G·H) GEMM and the cell's O(B·H) step.
    func forward(_ input: UnsafePointer<S>, batch: Int, initial: (h: [S], c: [S]?)?) {
        let dw = workspace(batch: batch)
        let t = timeSteps, h = hidden, gh = gateWidth
        let bh = batch * h
        let needs = Cell.storage
        // Biases that add straight onto the gate pre-activations, combined once per batch.
        Cell.combineBiases(ih: biasIH, hh: biasHH, into: combinedBias.pointer, hidden: h)
        // h·W_hhᵀ as NN on the transposed copy, or NT on W_hh itself.
        let nt = recurrentProductNT(batch: batch)
        if !nt {
            S.transpose(weightHH, rows: gh, columns: h, into: weightHHTransposed.pointer, accumulate: false)
        }
        let gv = dw.gateValues.pointer
        let states = dw.states.pointer
        // h₀ (and c₀): the given initial state, else zero.
        let initialSlot = reverse ? t : 0
        let hasInitialState = initial != nil
        if let initial {
            initial.h.withUnsafeBufferPointer { (states + initialSlot * bh).update(from: $0.baseAddress!, count: bh) }
        } else {
            (states + initialSlot * bh).update(repeating: 0, count: bh)
        }
        if let cells = dw.cells {
            if let c = initial?.c {
                c.withUnsafeBufferPointer { (cells.pointer + initialSlot * bh).update(from: $0.baseAddress!, count: bh) }
            } else {
                (cells.pointer + initialSlot * bh).update(repeating: 0, count: bh)
            }
        }
        let recurrentB = UnsafePointer(nt ? weightHH : weightHHTransposed.pointer)
        let bias = UnsafePointer(combinedBias.pointer)
        let biasHHPointer = UnsafePointer(biasHH)
        // Pre-activations of every step start as the biases (unless the cell adds them); the
        // input projection of all T steps is then ONE product (T·B × D)·(D × G·H) added onto
        // them, before the loop. Inside the loop only h·W_hhᵀ remains.
        let rows = t * batch
        if !needs.biasInStep {
            for r in 0..<rows { (gv + r * gh).update(from: bias, count: gh) }
        }
        S.gemm(transA: false, transB: true, m: rows, n: gh, k: inFeatures, alpha: 1,
               a: input, lda: inFeatures, b: weightIH, ldb: inFeatures, beta: needs.biasInStep ? 0 : 1, c: gv, ldc: gh)
        let product = dw.recurrentProduct?.pointer
        let cells = dw.cells?.pointer
        let stepValues = dw.stepValues?.pointer
        for s in 0..<t {
            let step = reverse ? t - 1 - s : s
            let g = gv + step * batch * gh
            let (prevSlot, outSlot) = slots(step)
            let hPrev = UnsafePointer(states + prevSlot * bh)
            // h_{t−1}·W_hhᵀ (B × G·H): onto the pre-activations, or into the cell's own block.
            // With h₀ = 0 the first step has none.
            let hasRecurrentTerm = s > 0 || hasInitialState
            if let product {
                if hasRecurrentTerm {
                    S.gemm(transA: false, transB: nt, m: batch, n: gh, k: h, alpha: 1,
                           a: hPrev, lda: h, b: recurrentB, ldb: nt ? h : gh, beta: 0, c: product, ldc: gh)
                } else {
                    product.update(repeating: 0, count: batch * gh)
                }
            } else if hasRecurrentTerm {
                S.gemm(transA: false, transB: nt, m: batch, n: gh, k: h, alpha: 1,
                       a: hPrev, lda: h, b: recurrentB, ldb: nt ? h : gh, beta: 1, c: g, ldc: gh)
            }
            cell.forwardStep(RecurrentForwardStep(
                gates: g, recurrentProduct: UnsafePointer(product ?? g), bias: bias, biasHH: biasHHPointer,
                hPrev: hPrev, hOut: states + outSlot * bh,
                cPrev: cells.map { UnsafePointer($0 + prevSlot * bh) }, cOut: cells.map { $0 + outSlot * bh },
                stepValue: stepValues.map { $0 + step * bh }, batch: batch, hidden: h))
        }
    }

    /// The final hidden state (B, H) after the last forward: slot T forward, slot 0 reverse.
    func finalStateSlot() -> Int { reverse ? 0 : timeSteps }

    // MARK: Backward (BPTT)

    /// Backpropagation through time for the last forward with this batch size. `dOutput` is the
    /// layer's output gradient, (T, B, width) when `returnSequences` else (B, width), of which
    /// this direction's part starts at `columnOffset`. Adds the parameter gradients; writes (or
    /// with `accumulateInput` adds) dL/dx (T, B, D) to `dInput` when given; with `flowSums`
    /// (T values) adds Σ_b ‖∂L/∂h_t[b]‖₂ per time step.
    ///
    /// Cost: per step the cell's O(B·H) backward and one (B × G·H)·(G·H × H) GEMM for dh_{t−1};
    /// then one GEMM each for dW_hh = Σ_t dGh_tᵀ h_{t−1}, dW_ihᵀ = Xᵀ dG and dX = dG W_ih over
    /// all T·B rows.
    func backward(_ dOutput: UnsafePointer<S>, width: Int, columnOffset: Int, returnSequences: Bool, batch: Int,
                  input: UnsafePointer<S>, hasInitialState: Bool, dInput: UnsafeMutablePointer<S>?,
                  accumulateInput: Bool, flowSums: UnsafeMutablePointer<Double>?) {
        let dw = workspace(batch: batch)
        let rows = timeSteps * batch
        let gh = gateWidth
        reverseLoop(dOutput, width: width, columnOffset: columnOffset, returnSequences: returnSequences,
                    workspace: dw, batch: batch, flowSums: flowSums)
        let dG = UnsafePointer(dw.gateGradients)
        let dGh = UnsafePointer(dw.hiddenGateGradients)
        // dW_hh = Σ_t dGh_tᵀ h_{t−1}. With h₀ = 0 the first processed step adds nothing: its
        // rows (time 0 forward, time T−1 reverse) are left out of the product.
        let bh = batch * hidden
        var prevStates = UnsafePointer(dw.states.pointer + (reverse ? bh : 0))
        var dGhRows = dGh
        var count = rows
        if !hasInitialState && timeSteps > 1 {
            count -= batch
            if !reverse {
                prevStates += bh
                dGhRows += batch * gh
            }
        }
        if S.gemmIsOneDNN {
            // oneDNN is faster at the transposed product Hᵀ·dG (H × G·H).
            let dWT = dWeightHHTransposed.pointer
            S.gemm(transA: true, transB: false, m: hidden, n: gh, k: count, alpha: 1,
                   a: prevStates, lda: hidden, b: dGhRows, ldb: gh, beta: 0, c: dWT, ldc: gh)
            S.transpose(dWT, rows: hidden, columns: gh, into: gradWeightHH, accumulate: true)
        } else {
            S.gemm(transA: true, transB: false, m: gh, n: hidden, k: count, alpha: 1,
                   a: dGhRows, lda: gh, b: prevStates, ldb: hidden, beta: 1, c: gradWeightHH, ldc: hidden)
        }
        // dW_ih = dGᵀ X, computed as its transpose Xᵀ dG (D × G·H): with few input features
        // that orientation suits OpenBLAS's kernels better.
        let dWT = dWeightIHTransposed.pointer
        S.gemm(transA: true, transB: false, m: inFeatures, n: gh, k: rows, alpha: 1,
               a: input, lda: inFeatures, b: dG, ldb: gh, beta: 0, c: dWT, ldc: gh)
        S.transpose(dWT, rows: inFeatures, columns: gh, into: gradWeightIH, accumulate: true)
        // Bias gradients: the column sums accumulated by the backward steps.
        Cell.addBiasGradients(dBias: UnsafePointer(dw.dBias.pointer), dBiasHidden: UnsafePointer(dw.dBiasHidden.pointer),
                              ih: gradBiasIH, hh: gradBiasHH, hidden: hidden)
        if let dInput {
            S.gemm(transA: false, transB: false, m: rows, n: inFeatures, k: gh, alpha: 1,
                   a: dG, lda: gh, b: weightIH, ldb: inFeatures, beta: accumulateInput ? 1 : 0,
                   c: dInput, ldc: inFeatures)
        }
    }

    /// Walks the steps in reverse processing order, filling the gate gradients of every step
    /// and carrying dh (and dc) back.
    private func reverseLoop(_ dOutput: UnsafePointer<S>, width: Int, columnOffset: Int, returnSequences: Bool,
                             workspace dw: Workspace, batch: Int, flowSums: UnsafeMutablePointer<Double>?) {
        let t = timeSteps, h = hidden, gh = gateWidth
        let bh = batch * h
        let gv = UnsafePointer(dw.gateValues.pointer)
        let states = UnsafePointer(dw.states.pointer)
        let dG = dw.gateGradients
        let dGh = dw.hiddenGateGradients
        let dh = dw.dh.pointer
        let wHH = UnsafePointer(weightHH)
        let needs = Cell.storage
        dh.update(repeating: 0, count: bh)
        let dc = needs.hasCellState ? dw.dc.pointer : nil
        dc?.update(repeating: 0, count: bh)
        let dBias = dw.dBias.pointer, dBiasHidden = dw.dBiasHidden.pointer
        dBias.update(repeating: 0, count: gh)
        dBiasHidden.update(repeating: 0, count: dw.dBiasHidden.count)
        let cells = dw.cells.map { UnsafePointer($0.pointer) }
        let stepValues = dw.stepValues.map { UnsafePointer($0.pointer) }
        // Many-to-one: the output gradient enters at the direction's final step only.
        if !returnSequences {
            addOutputGradient(dOutput, width: width, columnOffset: columnOffset, into: dh, batch: batch)
        }
        for s in stride(from: t - 1, through: 0, by: -1) {
            let step = reverse ? t - 1 - s : s
            if returnSequences {
                addOutputGradient(dOutput + step * batch * width, width: width, columnOffset: columnOffset,
                                  into: dh, batch: batch)
            }
            if let flowSums {
                var total = 0.0
                for b in 0..<batch {
                    var sq = 0.0
                    for j in 0..<h {
                        let v = Double(dh[b * h + j])
                        sq += v * v
                    }
                    total += sq.squareRoot()
                }
                flowSums[step] += total
            }
            let (prevSlot, outSlot) = slots(step)
            let dGhStep = dGh + step * batch * gh
            cell.backwardStep(RecurrentBackwardStep(
                gates: gv + step * batch * gh, hPrev: states + prevSlot * bh, hOut: states + outSlot * bh,
                cPrev: cells.map { $0 + prevSlot * bh }, stepValue: stepValues.map { $0 + step * bh },
                dh: dh, dc: dc, dGates: dG + step * batch * gh, dGatesHidden: dGhStep,
                dBias: dBias, dBiasHidden: dBiasHidden, batch: batch, hidden: h))
            // dh_{t−1} (+)= dGh_t·W_hh; at the first processed step h_{t−1} = h₀ takes no gradient.
            if s != 0 {
                S.gemm(transA: false, transB: false, m: batch, n: h, k: gh, alpha: 1,
                       a: dGhStep, lda: gh, b: wHH, ldb: h, beta: needs.keepsDirectPath ? 1 : 0, c: dh, ldc: h)
            }
        }
    }

    /// dh[b, j] += dOut[b, columnOffset + j] for a (B, width) output-gradient block.
    @inline(__always)
    private func addOutputGradient(_ dOut: UnsafePointer<S>, width: Int, columnOffset: Int,
                                   into dh: UnsafeMutablePointer<S>, batch: Int) {
        let h = hidden
        for b in 0..<batch {
            let src = dOut + b * width + columnOffset
            let dst = dh + b * h
            for j in 0..<h { dst[j] += src[j] }
        }
    }
}
