/// One recurrent layer (one level of a stack), unidirectional or bidirectional, running a vanilla
/// RNN, GRU or LSTM cell over time-major input.
///
/// Shapes: input X (T, B, D) → output (T, B, H′) of all hidden states when `returnSequences`
/// (the next layer is recurrent), else the final hidden state (B, H′); H′ = H, or 2H for a
/// concatenating bidirectional layer. h₀ = c₀ = 0 unless set (``initialStates``).
///
/// Parameters per direction, PyTorch's names and layout (G = 1, 3, 4 gates for RNN, GRU, LSTM;
/// gate order r, z, n for GRU and i, f, g, o for LSTM; suffix "_reverse" for the backward
/// direction): `weight_ih_l{k}` (G·H, D), `weight_hh_l{k}` (G·H, H), `bias_ih_l{k}` (G·H),
/// `bias_hh_l{k}` (G·H).
///
/// Cell equations (σ the logistic function, ⊙ elementwise):
/// - RNN:  h′ = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or ReLU;
/// - GRU:  r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
///         n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h′ = (1 − z) ⊙ n + z ⊙ h;
/// - LSTM: i, f, o = σ(·), g = tanh(·) of W_i· x + b_i· + W_h· h + b_h·; c′ = f ⊙ c + i ⊙ g,
///         h′ = o ⊙ tanh(c′).
///
/// Cost per batch: forward, one (T·B × D)·(D × G·H) GEMM for the input projection of every step
/// before the loop, then per step a (B × H)·(H × G·H) GEMM for the recurrent term (against a
/// transposed copy of W_hh refreshed each forward, except oneDNN on large gate blocks), both
/// accumulating onto the biases (LSTM: the step kernel adds them), and O(B·G·H) elementwise
/// work. Backward
/// (BPTT): per step the elementwise gate derivatives, the step's share of the bias gradient
/// (column sums) and one (B × G·H)·(G·H × H) GEMM for dh_{t−1}; after the reverse loop, one GEMM
/// each for dW_hh = Σ_t dG_tᵀ h_{t−1}, dW_ihᵀ = Xᵀ dG and dX = dG W_ih over all T·B rows.
///
/// One backward per forward: RNN and LSTM write the gate gradients over the stored gate values.
///
/// Memory: hidden states are stored in T + 1 slots per direction. The forward direction reads its
/// h_{t−1} from slot t and writes h_t to slot t + 1 (slot 0 holds h₀); the backward direction
/// reads from slot t + 1 and writes to slot t (slot T holds h₀). So for either direction the
/// outputs and the previous states are each one contiguous (T, B, H) block in time order.
final class RecurrentLayer<S: NetworkScalar>: Layer<S> {
    let cell: ModelSpec.Cell
    let hidden: Int
    let inFeatures: Int
    let bidirectional: Bool
    let merge: ModelSpec.Merge
    let returnSequences: Bool
    let useReLU: Bool
    let prefix: String
    let level: Int
    let gates: Int

    /// When set, backward records Σ_b ‖∂L/∂h_t[b]‖₂ of the forward direction per time step.
    var recordGradientFlow = false
    /// Per time step t: sum over the batches since the last reset of Σ_b ‖∂L/∂h_t[b]‖₂.
    var gradientFlowSums: [Double] = []
    var gradientFlowSamples = 0

    private final class DirectionWorkspace {
        let gateValues: ScratchBuffer<S>   // (T, B, G·H): input projection, then gate activations
        let states: ScratchBuffer<S>       // (T + 1, B, H)
        let cells: ScratchBuffer<S>?       // LSTM: (T + 1, B, H)
        let tanhCells: ScratchBuffer<S>?   // LSTM: (T, B, H)
        let hn: ScratchBuffer<S>?          // GRU: (T, B, H) = W_hn h_{t−1} + b_hn
        let gh: ScratchBuffer<S>?          // GRU: (B, G·H) per-step scratch
        private let sizes: (tbgh: Int, bh: Int, gh: Int, h: Int, gru: Bool, lstm: Bool)
        /// GRU: (T, B, G·H) pre-activation gradients. RNN and LSTM write theirs over `gateValues`.
        lazy var dGates = ScratchBuffer<S>(sizes.tbgh)
        lazy var dGatesHidden = ScratchBuffer<S>(sizes.gru ? sizes.tbgh : 0) // GRU: (T, B, G·H)
        lazy var dh = ScratchBuffer<S>(sizes.bh)
        lazy var dc = ScratchBuffer<S>(sizes.lstm ? sizes.bh : 0)
        /// Σ over all T·B rows of dGates (G·H): the b_ih gradient (and b_hh's, except GRU's n block).
        lazy var dBias = ScratchBuffer<S>(sizes.gh)
        /// GRU: Σ over all rows of dGatesHidden's n block (H), the b_hn gradient.
        lazy var dBiasHiddenN = ScratchBuffer<S>(sizes.gru ? sizes.h : 0)

        init(timeSteps t: Int, batch b: Int, hidden h: Int, gates g: Int, cell: ModelSpec.Cell) {
            gateValues = ScratchBuffer(t * b * g * h)
            states = ScratchBuffer((t + 1) * b * h)
            cells = cell == .lstm ? ScratchBuffer((t + 1) * b * h) : nil
            tanhCells = cell == .lstm ? ScratchBuffer(t * b * h) : nil
            hn = cell == .gru ? ScratchBuffer(t * b * h) : nil
            gh = cell == .gru ? ScratchBuffer(b * g * h) : nil
            sizes = (t * b * g * h, b * h, g * h, h, cell == .gru, cell == .lstm)
        }
    }

    private final class Workspace {
        let directions: [DirectionWorkspace]
        /// Merged output when it is not simply a slice of the forward states.
        let output: ScratchBuffer<S>?
        let batch: Int
        private let inputCount: Int
        private let weightIHCount: Int
        private let weightHHCount: Int
        lazy var dInput = ScratchBuffer<S>(inputCount)
        /// dW_ihᵀ (D, G·H) of one direction, before it is added into the gradient buffer.
        lazy var dWeightIHTransposed = ScratchBuffer<S>(weightIHCount)
        /// dW_hhᵀ (H, G·H) of one direction (oneDNN orientation), before it is added.
        lazy var dWeightHHTransposed = ScratchBuffer<S>(weightHHCount)
        let rows: Int

        init(directions: [DirectionWorkspace], output: ScratchBuffer<S>?, batch: Int, rows: Int, inputCount: Int,
             weightIHCount: Int, weightHHCount: Int) {
            self.weightHHCount = weightHHCount
            self.directions = directions
            self.output = output
            self.batch = batch
            self.rows = rows
            self.inputCount = inputCount
            self.weightIHCount = weightIHCount
        }
    }

    private var workspaces: [Int: Workspace] = [:]
    /// Given h₀ (and LSTM c₀) per direction, each (B, H); nil means zero.
    var initialStates: (batch: Int, h: [[S]], c: [[S]]?)?
    private var lastInput: UnsafePointer<S>?
    /// Set by backward for RNN and LSTM, which write the gate gradients over the stored gate
    /// values (one (T, B, G·H) buffer instead of two): a second backward needs a new forward.
    private var gatesConsumed = false
    private var lastBatch = 0
    /// b_ih + b_hh per direction (for GRU the n block holds b_in only), refreshed each forward.
    private var combinedBias: ScratchBuffer<S>
    /// W_hhᵀ (H, G·H) per direction, refreshed by each forward that multiplies by it (see
    /// ``recurrentProductNT(batch:)``): h·W_hhᵀ then runs as a plain (non-transposed) GEMM.
    private var weightHHTransposed: ScratchBuffer<S>
    /// Whether the per-step product h·W_hhᵀ of a (B × G·H) gate block reads W_hh itself (an NT
    /// GEMM) rather than its transposed copy (NN). Measured on one core with
    /// scripts/bench/step_orientation.c: OpenBLAS is ~5 % faster NN at every shape; oneDNN is
    /// 7–30 % faster NN on small gate blocks (W-ref training, B·G·H = 16 Ki floats: LSTM 0.070
    /// vs 0.077 s/epoch, RNN 0.020 vs 0.028) and 3–20 % slower NN from 256 KiB blocks on (W-large
    /// LSTM, 512 Ki floats: 1.39 vs 1.16 s/epoch; W-ref LSTM inference, B = 1024: 0.086 vs 0.079).
    @inline(__always) private func recurrentProductNT(batch: Int) -> Bool {
        S.gemmIsOneDNN && batch * gates * hidden >= 65_536
    }

    init(prefix: String, level: Int, timeSteps: Int, inFeatures: Int, spec: ModelSpec.Recurrent,
         returnSequences: Bool) {
        self.prefix = prefix
        self.level = level
        self.cell = spec.cell
        self.hidden = spec.units
        self.inFeatures = inFeatures
        self.bidirectional = spec.bidirectional
        self.merge = spec.merge
        self.returnSequences = returnSequences
        self.useReLU = spec.cell == .rnn && spec.activation == .relu
        self.gates = spec.cell.gateCount
        combinedBias = ScratchBuffer((spec.bidirectional ? 2 : 1) * spec.cell.gateCount * spec.units)
        weightHHTransposed = ScratchBuffer((spec.bidirectional ? 2 : 1) * spec.cell.gateCount * spec.units * spec.units)
        let width = spec.outputWidth
        super.init(timeSteps: timeSteps, inputShape: .sequence(features: inFeatures),
                   outputShape: returnSequences ? .sequence(features: width) : .flat(features: width))
    }

    var directionCount: Int { bidirectional ? 2 : 1 }
    var outputWidth: Int { bidirectional && merge == .concat ? 2 * hidden : hidden }

    private var directionParameterCount: Int {
        let gh = gates * hidden
        return gh * inFeatures + gh * hidden + 2 * gh
    }

    override var parameterSlots: [ParameterSlot] {
        let gh = gates * hidden
        var slots: [ParameterSlot] = []
        for d in 0..<directionCount {
            let suffix = "_l\(level)" + (d == 1 ? "_reverse" : "")
            slots.append(ParameterSlot(name: prefix + "weight_ih" + suffix, shape: [gh, inFeatures]))
            slots.append(ParameterSlot(name: prefix + "weight_hh" + suffix, shape: [gh, hidden]))
            slots.append(ParameterSlot(name: prefix + "bias_ih" + suffix, shape: [gh]))
            slots.append(ParameterSlot(name: prefix + "bias_hh" + suffix, shape: [gh]))
        }
        return slots
    }

    @inline(__always) private func weightIH(_ d: Int) -> UnsafeMutablePointer<S> { parameters + d * directionParameterCount }
    @inline(__always) private func weightHH(_ d: Int) -> UnsafeMutablePointer<S> { weightIH(d) + gates * hidden * inFeatures }
    @inline(__always) private func biasIH(_ d: Int) -> UnsafeMutablePointer<S> { weightHH(d) + gates * hidden * hidden }
    @inline(__always) private func biasHH(_ d: Int) -> UnsafeMutablePointer<S> { biasIH(d) + gates * hidden }
    @inline(__always) private func gradWeightIH(_ d: Int) -> UnsafeMutablePointer<S> { gradients + d * directionParameterCount }
    @inline(__always) private func gradWeightHH(_ d: Int) -> UnsafeMutablePointer<S> { gradWeightIH(d) + gates * hidden * inFeatures }
    @inline(__always) private func gradBiasIH(_ d: Int) -> UnsafeMutablePointer<S> { gradWeightHH(d) + gates * hidden * hidden }
    @inline(__always) private func gradBiasHH(_ d: Int) -> UnsafeMutablePointer<S> { gradBiasIH(d) + gates * hidden }

    /// `.glorotOrthogonal`: each gate's (H, D) input block Glorot-uniform, each gate's (H, H)
    /// recurrent block orthogonal, biases zero except the LSTM forget gate's b_ih = 1 (so the
    /// forget bias b_if + b_hf is 1). `.pytorch`: everything U(±1/√H), as `nn.RNN/GRU/LSTM`.
    override func initialize(scheme: InitScheme, rng: inout SplitMix64) {
        let h = hidden
        let gh = gates * h
        for d in 0..<directionCount {
            switch scheme {
            case .glorotOrthogonal:
                for g in 0..<gates {
                    Initializer.glorotUniform(weightIH(d) + g * h * inFeatures, rows: h, columns: inFeatures, rng: &rng)
                }
                for g in 0..<gates {
                    Initializer.orthogonal(weightHH(d) + g * h * h, n: h, rng: &rng)
                }
                biasIH(d).update(repeating: 0, count: gh)
                biasHH(d).update(repeating: 0, count: gh)
                if cell == .lstm {
                    (biasIH(d) + h).update(repeating: 1, count: h)
                }
            case .pytorch:
                let limit = 1 / Double(h).squareRoot()
                Initializer.uniform(weightIH(d), count: gh * inFeatures, limit: limit, rng: &rng)
                Initializer.uniform(weightHH(d), count: gh * h, limit: limit, rng: &rng)
                Initializer.uniform(biasIH(d), count: gh, limit: limit, rng: &rng)
                Initializer.uniform(biasHH(d), count: gh, limit: limit, rng: &rng)
            }
        }
    }

    private func workspace(batch: Int) -> Workspace {
        if let w = workspaces[batch] { return w }
        let dirs = (0..<directionCount).map { _ in
            DirectionWorkspace(timeSteps: timeSteps, batch: batch, hidden: hidden, gates: gates, cell: cell)
        }
        let needsOutput = bidirectional
        let outCount = returnSequences ? timeSteps * batch * outputWidth : batch * outputWidth
        let w = Workspace(directions: dirs, output: needsOutput ? ScratchBuffer(outCount) : nil, batch: batch,
                          rows: timeSteps * batch, inputCount: timeSteps * batch * inFeatures,
                          weightIHCount: gates * hidden * inFeatures, weightHHCount: gates * hidden * hidden)
        workspaces[batch] = w
        return w
    }

    override func releaseWorkspaces() {
        workspaces.removeAll()
        lastInput = nil
    }

    // MARK: Forward

    override func forward(_ input: UnsafePointer<S>, batch: Int, training: Bool) -> UnsafePointer<S> {
        let ws = workspace(batch: batch)
        lastInput = input
        lastBatch = batch
        gatesConsumed = false
        let gh = gates * hidden
        for d in 0..<directionCount {
            // Biases that add straight onto the gate pre-activations, combined once per batch.
            let cb = combinedBias.pointer + d * gh
            let bih = biasIH(d), bhh = biasHH(d)
            let foldedCount = cell == .gru ? 2 * hidden : gh
            for j in 0..<foldedCount { cb[j] = bih[j] + bhh[j] }
            if cell == .gru {
                for j in foldedCount..<gh { cb[j] = bih[j] }
            }
            if !recurrentProductNT(batch: batch) {
                RecurrentKernels.transpose(weightHH(d), rows: gh, columns: hidden,
                                           into: weightHHTransposed.pointer + d * gh * hidden, accumulate: false)
            }
            runDirection(d, input: input, workspace: ws.directions[d], batch: batch)
        }
        return mergedOutput(ws)
    }

    private func runDirection(_ d: Int, input: UnsafePointer<S>, workspace dw: DirectionWorkspace, batch: Int) {
        let t = timeSteps, h = hidden, gh = gates * hidden
        let bh = batch * h
        let reverse = d == 1
        let gv = dw.gateValues.pointer
        let states = dw.states.pointer
        // h₀ (and c₀): the given initial state, else zero.
        let initialSlot = reverse ? t : 0
        let hasInitialState = initialStates != nil
        if let initial = initialStates {
            precondition(initial.batch == batch, "initial states were set for batch size \(initial.batch), not \(batch)")
            initial.h[d].withUnsafeBufferPointer { (states + initialSlot * bh).update(from: $0.baseAddress!, count: bh) }
        } else {
            (states + initialSlot * bh).update(repeating: 0, count: bh)
        }
        if let cells = dw.cells {
            if let c = initialStates?.c?[d] {
                c.withUnsafeBufferPointer { (cells.pointer + initialSlot * bh).update(from: $0.baseAddress!, count: bh) }
            } else {
                (cells.pointer + initialSlot * bh).update(repeating: 0, count: bh)
            }
        }
        let wHHT = UnsafePointer(weightHHTransposed.pointer + d * gh * h)
        let wHH = UnsafePointer(weightHH(d))
        // h·W_hhᵀ as NN on the transposed copy, or NT on W_hh itself (see recurrentProductNT(batch:)).
        let nt = recurrentProductNT(batch: batch)
        let recurrentB = nt ? wHH : wHHT
        let bias = UnsafePointer(combinedBias.pointer + d * gh)
        // Pre-activations of every step start as the biases; the input projection of all T steps
        // is then ONE product (T·B × D)·(D × G·H) added onto them, before the recurrent loop.
        // Inside the loop only h·W_hhᵀ remains.
        // (LSTM adds the biases in its step kernel instead, sparing a (T, B, G·H) write.)
        let rows = t * batch
        let biasInKernel = cell == .lstm
        if !biasInKernel {
            for r in 0..<rows { (gv + r * gh).update(from: bias, count: gh) }
        }
        S.gemm(transA: false, transB: true, m: rows, n: gh, k: inFeatures, alpha: 1,
               a: input, lda: inFeatures, b: weightIH(d), ldb: inFeatures, beta: biasInKernel ? 0 : 1, c: gv, ldc: gh)
        for s in 0..<t {
            let step = reverse ? t - 1 - s : s
            let g = gv + step * batch * gh
            let prevSlot = reverse ? step + 1 : step
            let outSlot = reverse ? step : step + 1
            let hPrev = UnsafePointer(states + prevSlot * bh)
            let hOut = states + outSlot * bh
            switch cell {
            case .rnn:
                if s > 0 || hasInitialState {
                    S.gemm(transA: false, transB: nt, m: batch, n: h, k: h, alpha: 1,
                           a: hPrev, lda: h, b: recurrentB, ldb: h, beta: 1, c: g, ldc: h)
                }
                RecurrentKernels.rnnForward(pre: g, hOut: hOut, batch: batch, hidden: h, relu: useReLU)
            case .lstm:
                if s > 0 || hasInitialState {
                    S.gemm(transA: false, transB: nt, m: batch, n: gh, k: h, alpha: 1,
                           a: hPrev, lda: h, b: recurrentB, ldb: nt ? h : gh, beta: 1, c: g, ldc: gh)
                }
                let cells = dw.cells!.pointer
                RecurrentKernels.lstmForward(gates: g, bias: bias, cPrev: cells + prevSlot * bh,
                                             cOut: cells + outSlot * bh, tanhC: dw.tanhCells!.pointer + step * bh,
                                             hOut: hOut, batch: batch, hidden: h)
            case .gru:
                let ghBuf = dw.gh!.pointer
                if s > 0 || hasInitialState {
                    S.gemm(transA: false, transB: nt, m: batch, n: gh, k: h, alpha: 1,
                           a: hPrev, lda: h, b: recurrentB, ldb: nt ? h : gh, beta: 0, c: ghBuf, ldc: gh)
                } else {
                    ghBuf.update(repeating: 0, count: batch * gh)
                }
                RecurrentKernels.gruForward(gates: g, hiddenProjection: ghBuf,
                                            biasHN: biasHH(d) + 2 * h, hn: dw.hn!.pointer + step * bh,
                                            hPrev: hPrev, hOut: hOut, batch: batch, hidden: h)
            }
        }
    }

    /// Pointer to the layer output: a slice of the forward states for a unidirectional layer,
    /// else the merged buffer.
    private func mergedOutput(_ ws: Workspace) -> UnsafePointer<S> {
        let t = timeSteps, h = hidden, batch = ws.batch
        let bh = batch * h
        let fwd = ws.directions[0].states.pointer
        guard bidirectional else {
            // Sequence: slots 1…T; final state: slot T.
            return UnsafePointer(returnSequences ? fwd + bh : fwd + t * bh)
        }
        let bwd = ws.directions[1].states.pointer
        let out = ws.output!.pointer
        // Forward output at time s is slot s + 1; backward output at time s is slot s.
        // Final states: forward slot T, backward slot 0 (after reading the whole sequence).
        let steps = returnSequences ? t : 1
        for s in 0..<steps {
            let f = returnSequences ? fwd + (s + 1) * bh : fwd + t * bh
            let b = returnSequences ? bwd + s * bh : bwd
            let o = out + s * batch * outputWidth
            switch merge {
            case .sum:
                for i in 0..<bh { o[i] = f[i] + b[i] }
            case .concat:
                for r in 0..<batch {
                    (o + r * 2 * h).update(from: f + r * h, count: h)
                    (o + r * 2 * h + h).update(from: b + r * h, count: h)
                }
            }
        }
        return UnsafePointer(out)
    }

    /// Final hidden (and for LSTM cell) state of each direction after the last forward, as
    /// (B, H) arrays: index 0 forward, 1 backward.
    func finalStates() -> [(h: [S], c: [S]?)] {
        guard let ws = workspaces[lastBatch] else { return [] }
        let bh = lastBatch * hidden
        return (0..<directionCount).map { d in
            let slot = d == 0 ? timeSteps : 0
            let hp = ws.directions[d].states.pointer + slot * bh
            let h = Array(UnsafeBufferPointer(start: hp, count: bh))
            var c: [S]?
            if let cells = ws.directions[d].cells {
                c = Array(UnsafeBufferPointer(start: cells.pointer + slot * bh, count: bh))
            }
            return (h, c)
        }
    }

    /// All hidden states of the last forward in PyTorch's `output` layout (T, B, directions·H):
    /// at time t the forward direction's h_t, then (bidirectional) the backward direction's
    /// state after reading steps T−1 … t — concatenated whatever the layer's merge.
    func sequenceOutput() -> [S] {
        guard let ws = workspaces[lastBatch] else { return [] }
        let t = timeSteps, h = hidden, batch = lastBatch, dirs = directionCount
        let bh = batch * h
        var out = [S](repeating: 0, count: t * batch * dirs * h)
        out.withUnsafeMutableBufferPointer { o in
            for d in 0..<dirs {
                let states = ws.directions[d].states.pointer
                for step in 0..<t {
                    let slot = d == 0 ? step + 1 : step
                    for b in 0..<batch {
                        (o.baseAddress! + (step * batch + b) * dirs * h + d * h)
                            .update(from: states + slot * bh + b * h, count: h)
                    }
                }
            }
        }
        return out
    }

    // MARK: Backward (BPTT)

    override func backward(_ dOutput: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        precondition(batch == lastBatch && lastInput != nil, "backward without a matching forward")
        precondition(!gatesConsumed, "a second backward needs a new forward (the first one overwrote the stored gates)")
        let ws = workspace(batch: batch)
        let rows = timeSteps * batch
        let gh = gates * hidden
        if recordGradientFlow && gradientFlowSums.count != timeSteps {
            gradientFlowSums = [Double](repeating: 0, count: timeSteps)
            gradientFlowSamples = 0
        }
        for d in 0..<directionCount {
            let dw = ws.directions[d]
            reverseLoop(d, dOutput: dOutput, workspace: dw, batch: batch)
            // Weight gradients of all time steps at once.
            let dG = UnsafePointer(gateGradients(dw))
            let dGh = cell == .gru ? UnsafePointer(dw.dGatesHidden.pointer) : dG
            // dW_hh = Σ_t dGh_tᵀ h_{t−1}. With h₀ = 0 the first processed step adds nothing: its
            // rows (time 0 forward, time T−1 backward) are left out of the product.
            let bh = batch * hidden
            var prevStates = UnsafePointer(dw.states.pointer + (d == 1 ? bh : 0))
            var dGhRows = dGh
            var count = rows
            if initialStates == nil && timeSteps > 1 {
                count -= batch
                if d == 0 {
                    prevStates += bh
                    dGhRows += batch * gh
                }
            }
            if S.gemmIsOneDNN {
                // oneDNN is faster at the transposed product Hᵀ·dG (H × G·H): 1.1–1.2×.
                let dWT = ws.dWeightHHTransposed.pointer
                S.gemm(transA: true, transB: false, m: hidden, n: gh, k: count, alpha: 1,
                       a: prevStates, lda: hidden, b: dGhRows, ldb: gh, beta: 0, c: dWT, ldc: gh)
                RecurrentKernels.transpose(dWT, rows: hidden, columns: gh, into: gradWeightHH(d), accumulate: true)
            } else {
                S.gemm(transA: true, transB: false, m: gh, n: hidden, k: count, alpha: 1,
                       a: dGhRows, lda: gh, b: prevStates, ldb: hidden, beta: 1, c: gradWeightHH(d), ldc: hidden)
            }
            // dW_ih = dGᵀ X, computed as its transpose Xᵀ dG (D × G·H): with few input features
            // that orientation suits OpenBLAS's kernels better (W-ref: 1.5× faster).
            let dWT = ws.dWeightIHTransposed.pointer
            S.gemm(transA: true, transB: false, m: inFeatures, n: gh, k: rows, alpha: 1,
                   a: lastInput!, lda: inFeatures, b: dG, ldb: gh, beta: 0, c: dWT, ldc: gh)
            RecurrentKernels.transpose(dWT, rows: inFeatures, columns: gh, into: gradWeightIH(d), accumulate: true)
            // Bias gradients: column sums accumulated by the reverse loop. b_ih and b_hh enter the
            // pre-activations the same way, so their gradients agree, except GRU's b_hn.
            let dB = dw.dBias.pointer
            let dBih = gradBiasIH(d), dBhh = gradBiasHH(d)
            for j in 0..<gh { dBih[j] += dB[j] }
            if cell == .gru {
                for j in 0..<(2 * hidden) { dBhh[j] += dB[j] }
                let dBn = dw.dBiasHiddenN.pointer
                for j in 0..<hidden { dBhh[2 * hidden + j] += dBn[j] }
            } else {
                for j in 0..<gh { dBhh[j] += dB[j] }
            }
            if needInputGradient {
                S.gemm(transA: false, transB: false, m: rows, n: inFeatures, k: gh, alpha: 1,
                       a: dG, lda: gh, b: weightIH(d), ldb: inFeatures, beta: d == 0 ? 0 : 1,
                       c: ws.dInput.pointer, ldc: inFeatures)
            }
        }
        if recordGradientFlow { gradientFlowSamples += batch }
        gatesConsumed = cell != .gru
        return needInputGradient ? UnsafePointer(ws.dInput.pointer) : nil
    }

    /// Where the reverse loop writes the pre-activation gradients: over the gate values for RNN
    /// and LSTM (each step's kernel reads its gates before writing), a separate buffer for GRU
    /// (its backward reads the n gate after writing the gradients).
    private func gateGradients(_ dw: DirectionWorkspace) -> UnsafeMutablePointer<S> {
        cell == .gru ? dw.dGates.pointer : dw.gateValues.pointer
    }

    /// Walks the steps of direction `d` in reverse processing order, filling dGates (and for GRU
    /// dGatesHidden) for every step and carrying dh (and dc) back.
    private func reverseLoop(_ d: Int, dOutput: UnsafePointer<S>, workspace dw: DirectionWorkspace, batch: Int) {
        let t = timeSteps, h = hidden, gh = gates * hidden
        let bh = batch * h
        let reverse = d == 1
        let gv = UnsafePointer(dw.gateValues.pointer)
        let states = UnsafePointer(dw.states.pointer)
        let dG = gateGradients(dw)
        let dh = dw.dh.pointer
        let wHH = UnsafePointer(weightHH(d))
        let width = outputWidth
        let columnOffset = bidirectional && merge == .concat && reverse ? h : 0
        dh.update(repeating: 0, count: bh)
        if cell == .lstm { dw.dc.pointer.update(repeating: 0, count: bh) }
        let dBias = dw.dBias.pointer
        dBias.update(repeating: 0, count: gh)
        if cell == .gru { dw.dBiasHiddenN.pointer.update(repeating: 0, count: h) }
        // Many-to-one: the output gradient enters at the direction's final step only.
        if !returnSequences {
            addOutputGradient(dOutput, width: width, columnOffset: columnOffset, into: dh, batch: batch)
        }
        let recordFlow = recordGradientFlow && d == 0
        for s in stride(from: t - 1, through: 0, by: -1) {
            let step = reverse ? t - 1 - s : s
            if returnSequences {
                addOutputGradient(dOutput + step * batch * width, width: width, columnOffset: columnOffset,
                                  into: dh, batch: batch)
            }
            if recordFlow {
                var total = 0.0
                for b in 0..<batch {
                    var sq = 0.0
                    for j in 0..<h {
                        let v = Double(dh[b * h + j])
                        sq += v * v
                    }
                    total += sq.squareRoot()
                }
                gradientFlowSums[step] += total
            }
            let prevSlot = reverse ? step + 1 : step
            let outSlot = reverse ? step : step + 1
            let g = gv + step * batch * gh
            let dGStep = dG + step * batch * gh
            let hPrev = states + prevSlot * bh
            let isFirst = s == 0 // h_{t−1} = h₀ = 0: no gradient needs to flow further
            switch cell {
            case .rnn:
                RecurrentKernels.rnnBackward(h: states + outSlot * bh, dh: dh, dPre: dGStep, batch: batch,
                                             hidden: h, relu: useReLU)
                if !isFirst {
                    S.gemm(transA: false, transB: false, m: batch, n: h, k: h, alpha: 1,
                           a: dGStep, lda: h, b: wHH, ldb: h, beta: 0, c: dh, ldc: h)
                }
            case .lstm:
                let cells = UnsafePointer(dw.cells!.pointer)
                RecurrentKernels.lstmBackward(gates: g, cPrev: cells + prevSlot * bh,
                                              tanhC: UnsafePointer(dw.tanhCells!.pointer) + step * bh,
                                              dh: dh, dc: dw.dc.pointer, dGates: dGStep, dBias: dBias,
                                              batch: batch, hidden: h)
                if !isFirst {
                    S.gemm(transA: false, transB: false, m: batch, n: h, k: gh, alpha: 1,
                           a: dGStep, lda: gh, b: wHH, ldb: h, beta: 0, c: dh, ldc: h)
                }
            case .gru:
                let dGhStep = dw.dGatesHidden.pointer + step * batch * gh
                // Writes dh ⊙ z (the direct path to h_{t−1}) into dh, then adds dGh·W_hh.
                RecurrentKernels.gruBackward(gates: g, hn: UnsafePointer(dw.hn!.pointer) + step * bh, hPrev: hPrev,
                                             dh: dh, dGates: dGStep, dGatesHidden: dGhStep, batch: batch, hidden: h)
                if !isFirst {
                    S.gemm(transA: false, transB: false, m: batch, n: h, k: gh, alpha: 1,
                           a: dGhStep, lda: gh, b: wHH, ldb: h, beta: 1, c: dh, ldc: h)
                }
                RecurrentKernels.addColumnSums(UnsafePointer(dGhStep + 2 * h), rows: batch, columns: h, rowStride: gh,
                                               into: dw.dBiasHiddenN.pointer)
            }
            // This step's share of the bias gradient, while its rows are still in cache (LSTM:
            // added by its step kernel).
            if cell != .lstm {
                RecurrentKernels.addColumnSums(UnsafePointer(dGStep), rows: batch, columns: gh, rowStride: gh,
                                               into: dBias)
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

    /// Clears the gradient-flow accumulators.
    func resetGradientFlow() {
        gradientFlowSums = [Double](repeating: 0, count: timeSteps)
        gradientFlowSamples = 0
    }
}
