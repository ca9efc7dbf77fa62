/// One recurrent layer (one level of a stack) over time-major input, generic over its cell
/// (``RNNCell``, ``GRUCell``, ``LSTMCell``): one ``RecurrentDirection``, or two for a
/// bidirectional layer whose outputs are merged (sum or concatenation).
///
/// Shapes: input x (T, B, D) → output (T, B, H′) of all hidden states when `returnSequences`
/// (the next layer is recurrent), else the final hidden state (B, H′); H′ = H, or 2H for a
/// concatenating bidirectional layer. h₀ = c₀ = 0 unless set (``initialStates``).
///
/// Parameters per direction, PyTorch's names and layout (suffix "_reverse" for the backward
/// direction): `weight_ih_l{k}` (G·H, D), `weight_hh_l{k}` (G·H, H), `bias_ih_l{k}` (G·H),
/// `bias_hh_l{k}` (G·H); the cell equations are PyTorch's (see each cell).
///
/// Cost per batch and direction: forward one (T·B × D)·(D × G·H) GEMM, then per step one
/// (B × H)·(H × G·H) GEMM and O(B·G·H) elementwise work; backward per step the elementwise
/// gate derivatives and one (B × G·H)·(G·H × H) GEMM, then three GEMMs over all T·B rows.
/// Memory: (T, B, G·H) gate values and (T + 1, B, H) states per direction and batch size.
final class RecurrentLayer<Cell: RecurrentCell>: Layer {
    typealias Scalar = Cell.Scalar
    typealias S = Cell.Scalar

    let timeSteps: Int
    let inputShape: ActivationShape
    let outputShape: ActivationShape
    let hidden: Int
    let inFeatures: Int
    let merge: ModelSpec.Merge
    let returnSequences: Bool
    /// Parameter-name prefix, e.g. "layers.0.", and the level in its stack (the k of "_l{k}").
    let prefix: String
    let level: Int
    /// The forward direction, then (bidirectional) the reverse one.
    let directions: [RecurrentDirection<Cell>]

    /// When set, backward records Σ_b ‖∂L/∂h_t[b]‖₂ of the forward direction per time step.
    var recordGradientFlow = false
    /// Per time step t: sum over the batches since the last reset of Σ_b ‖∂L/∂h_t[b]‖₂.
    private(set) var gradientFlowSums: [Double] = []
    private(set) var gradientFlowSamples = 0

    /// Given h₀ (and LSTM c₀) per direction, each (B, H); nil means zero.
    var initialStates: (batch: Int, h: [[S]], c: [[S]]?)?

    /// Per batch size: the merged output (bidirectional) and dL/dx.
    private final class Workspace {
        let output: ScratchBuffer<S>?
        private let inputCount: Int
        lazy var dInput = ScratchBuffer<S>(inputCount)

        init(output: ScratchBuffer<S>?, inputCount: Int) {
            self.output = output
            self.inputCount = inputCount
        }
    }

    private var workspaces: [Int: Workspace] = [:]
    private var lastInput: UnsafePointer<S>?
    private var lastBatch = 0
    /// Set by backward when the cell writes its gate gradients over the stored gate values: a
    /// second backward needs a new forward.
    private var gatesConsumed = false

    init(prefix: String, level: Int, timeSteps: Int, inFeatures: Int, spec: ModelSpec.Recurrent,
         returnSequences: Bool) {
        precondition(spec.cell == Cell.kind, "a \(spec.cell) block built with \(Cell.self)")
        self.prefix = prefix
        self.level = level
        self.timeSteps = timeSteps
        self.hidden = spec.units
        self.inFeatures = inFeatures
        self.merge = spec.merge
        self.returnSequences = returnSequences
        let cell = Cell(spec: spec)
        directions = (0..<(spec.bidirectional ? 2 : 1)).map {
            RecurrentDirection(cell: cell, reverse: $0 == 1, timeSteps: timeSteps, hidden: spec.units,
                               inFeatures: inFeatures)
        }
        inputShape = .sequence(features: inFeatures)
        outputShape = returnSequences ? .sequence(features: spec.outputWidth) : .flat(features: spec.outputWidth)
    }

    var bidirectional: Bool { directions.count == 2 }
    var directionCount: Int { directions.count }
    var outputWidth: Int { bidirectional && merge == .concat ? 2 * hidden : hidden }

    private var directionParameterCount: Int {
        RecurrentDirection<Cell>.parameterCount(hidden: hidden, inFeatures: inFeatures)
    }

    var parameterSlots: [ParameterSlot] {
        let gh = Cell.gateCount * hidden
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

    func bind(parameters: UnsafeMutablePointer<S>, gradients: UnsafeMutablePointer<S>) {
        for (d, direction) in directions.enumerated() {
            direction.bind(parameters: parameters + d * directionParameterCount,
                           gradients: gradients + d * directionParameterCount)
        }
    }

    /// `.glorotOrthogonal`: each gate's (H, D) input block Glorot-uniform, each gate's (H, H)
    /// recurrent block orthogonal, biases per ``RecurrentCell/initializeBiases(ih:hh:hidden:)``.
    /// `.pytorch`: everything U(±1/√H), as `nn.RNN/GRU/LSTM`.
    func initialize(scheme: InitScheme, rng: inout SplitMix64) {
        let h = hidden, gates = Cell.gateCount
        let gh = gates * h
        for direction in directions {
            switch scheme {
            case .glorotOrthogonal:
                for g in 0..<gates {
                    Initializer.glorotUniform(direction.weightIH + g * h * inFeatures, rows: h, columns: inFeatures,
                                              rng: &rng)
                }
                for g in 0..<gates {
                    Initializer.orthogonal(direction.weightHH + g * h * h, n: h, rng: &rng)
                }
                Cell.initializeBiases(ih: direction.biasIH, hh: direction.biasHH, hidden: h)
            case .pytorch:
                let limit = 1 / Double(h).squareRoot()
                Initializer.uniform(direction.weightIH, count: gh * inFeatures, limit: limit, rng: &rng)
                Initializer.uniform(direction.weightHH, count: gh * h, limit: limit, rng: &rng)
                Initializer.uniform(direction.biasIH, count: gh, limit: limit, rng: &rng)
                Initializer.uniform(direction.biasHH, count: gh, limit: limit, rng: &rng)
            }
        }
    }

    private func workspace(batch: Int) -> Workspace {
        if let w = workspaces[batch] { return w }
        let outCount = returnSequences ? timeSteps * batch * outputWidth : batch * outputWidth
        let w = Workspace(output: bidirectional ? ScratchBuffer(outCount) : nil,
                          inputCount: timeSteps * batch * inFeatures)
        workspaces[batch] = w
        return w
    }

    func releaseWorkspaces() {
        workspaces.removeAll()
        for direction in directions { direction.releaseWorkspaces() }
        lastInput = nil
    }

    // MARK: Forward

    /// x: (T, B, D) → (T, B, H′) or (B, H′).
    func forward(_ input: UnsafePointer<S>, batch: Int, training: Bool) -> UnsafePointer<S> {
        let ws = workspace(batch: batch)
        lastInput = input
        lastBatch = batch
        gatesConsumed = false
        if let initial = initialStates {
            precondition(initial.batch == batch, "initial states were set for batch size \(initial.batch), not \(batch)")
        }
        for (d, direction) in directions.enumerated() {
            let initial = initialStates.map { (h: $0.h[d], c: $0.c?[d]) }
            direction.forward(input, batch: batch, initial: initial)
        }
        return mergedOutput(ws, batch: batch)
    }

    /// Pointer to the layer output: a slice of the forward states for a unidirectional layer,
    /// else the merged buffer.
    private func mergedOutput(_ ws: Workspace, batch: Int) -> UnsafePointer<S> {
        let t = timeSteps, h = hidden
        let bh = batch * h
        let fwd = directions[0].workspace(batch: batch).states.pointer
        guard bidirectional else {
            // Sequence: slots 1…T; final state: slot T.
            return UnsafePointer(returnSequences ? fwd + bh : fwd + t * bh)
        }
        let bwd = directions[1].workspace(batch: batch).states.pointer
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

    // MARK: Backward

    /// dOutput: (T, B, H′) or (B, H′) → dx (T, B, D) when `needInputGradient`.
    func backward(_ dOutput: UnsafePointer<S>, batch: Int, needInputGradient: Bool) -> UnsafePointer<S>? {
        precondition(batch == lastBatch && lastInput != nil, "backward without a matching forward")
        precondition(!gatesConsumed, "a second backward needs a new forward (the first one overwrote the stored gates)")
        let ws = workspace(batch: batch)
        if recordGradientFlow && gradientFlowSums.count != timeSteps {
            gradientFlowSums = [Double](repeating: 0, count: timeSteps)
            gradientFlowSamples = 0
        }
        let dInput = needInputGradient ? ws.dInput.pointer : nil
        for d in directions.indices {
            if recordGradientFlow && d == 0 {
                gradientFlowSums.withUnsafeMutableBufferPointer {
                    backwardDirection(d, dOutput, batch: batch, dInput: dInput, flowSums: $0.baseAddress!)
                }
            } else {
                backwardDirection(d, dOutput, batch: batch, dInput: dInput, flowSums: nil)
            }
        }
        if recordGradientFlow { gradientFlowSamples += batch }
        gatesConsumed = !Cell.storage.separateGateGradients
        return dInput.map { UnsafePointer($0) }
    }

    /// Direction `d`'s BPTT; the reverse direction adds its dL/dx to the forward one's.
    private func backwardDirection(_ d: Int, _ dOutput: UnsafePointer<S>, batch: Int, dInput: UnsafeMutablePointer<S>?,
                                   flowSums: UnsafeMutablePointer<Double>?) {
        let columnOffset = bidirectional && merge == .concat && d == 1 ? hidden : 0
        directions[d].backward(dOutput, width: outputWidth, columnOffset: columnOffset, returnSequences: returnSequences,
                               batch: batch, input: lastInput!, hasInitialState: initialStates != nil, dInput: dInput,
                               accumulateInput: d > 0, flowSums: flowSums)
    }

    /// Clears the gradient-flow accumulators.
    func resetGradientFlow() {
        gradientFlowSums = [Double](repeating: 0, count: timeSteps)
        gradientFlowSamples = 0
    }

    // MARK: States

    var cellKind: ModelSpec.Cell { Cell.kind }

    /// Final hidden (and for LSTM cell) state of each direction after the last forward, as
    /// (B, H) arrays: index 0 forward, 1 backward.
    func finalStates() -> [(h: [S], c: [S]?)] {
        guard workspaces[lastBatch] != nil else { return [] }
        let bh = lastBatch * hidden
        return directions.map { direction in
            let dw = direction.workspace(batch: lastBatch)
            let slot = direction.finalStateSlot()
            let h = Array(UnsafeBufferPointer(start: dw.states.pointer + slot * bh, count: bh))
            let c = dw.cells.map { Array(UnsafeBufferPointer(start: $0.pointer + slot * bh, count: bh)) }
            return (h, c)
        }
    }

    /// All hidden states of the last forward in PyTorch's `output` layout (T, B, directions·H):
    /// at time t the forward direction's h_t, then (bidirectional) the backward direction's
    /// state after reading steps T−1 … t — concatenated whatever the layer's merge.
    func sequenceOutput() -> [S] {
        guard workspaces[lastBatch] != nil else { return [] }
        let t = timeSteps, h = hidden, batch = lastBatch, dirs = directionCount
        let bh = batch * h
        var out = [S](repeating: 0, count: t * batch * dirs * h)
        out.withUnsafeMutableBufferPointer { o in
            for (d, direction) in directions.enumerated() {
                let states = direction.workspace(batch: batch).states.pointer
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
}

/// What ``Network`` needs of a recurrent layer outside the passes (states and diagnostics),
/// whatever its cell.
protocol RecurrentLayerProtocol<Scalar>: Layer {
    var prefix: String { get }
    var hidden: Int { get }
    var directionCount: Int { get }
    var cellKind: ModelSpec.Cell { get }
    var initialStates: (batch: Int, h: [[Scalar]], c: [[Scalar]]?)? { get set }
    var recordGradientFlow: Bool { get set }
    var gradientFlowSums: [Double] { get }
    var gradientFlowSamples: Int { get }
    func resetGradientFlow()
    func finalStates() -> [(h: [Scalar], c: [Scalar]?)]
    func sequenceOutput() -> [Scalar]
}

extension RecurrentLayer: RecurrentLayerProtocol {}
