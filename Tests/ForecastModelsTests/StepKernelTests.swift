import CForecastKernels
import ForecastModels
import Testing

/// The GRU and LSTM backward step kernels of every instruction-set copy against the Swift code
/// they replace, bit for bit. The expected values below are the step formulas as the layers
/// evaluated them in Swift (same operations, same order, FastMath's sigmoid and tanh).
@Suite("Recurrent step kernels")
struct StepKernelTests {
    // B = 3, H = 37: vector columns of every width plus a scalar tail.
    static let batch = 3, hidden = 37

    private static func random(_ count: Int, _ low: Double, _ high: Double, _ rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float(rng.uniform(low, high)) }
    }

    private static func differences(_ got: [Float], _ want: [Float]) -> [Int] {
        got.indices.filter { got[$0].bitPattern != want[$0].bitPattern }
    }

    /// GRU forward as the Swift layer computed it: r, z = σ(pre + gh); hn = gh_n + b_hn;
    /// n = tanh(pre_n + r·hn); h′ = n + z·(h − n).
    private static func gruForwardReference(pre: [Float], gh: [Float], biasHN: [Float], hPrev: [Float])
        -> (gates: [Float], hn: [Float], h: [Float]) {
        let b = batch, h = hidden
        var gates = pre, hn = [Float](repeating: 0, count: b * h), out = hn
        for row in 0..<b {
            let g = row * 3 * h
            for j in 0..<(2 * h) { gates[g + j] = FastMath.sigmoid(gates[g + j] + gh[g + j]) }
            for j in 0..<h {
                hn[row * h + j] = gh[g + 2 * h + j] + biasHN[j]
                let n = FastMath.tanh(gates[g + 2 * h + j] + gates[g + j] * hn[row * h + j])
                gates[g + 2 * h + j] = n
                out[row * h + j] = n + gates[g + h + j] * (hPrev[row * h + j] - n)
            }
        }
        return (gates, hn, out)
    }

    /// GRU backward as the Swift layer computed it, with the per-step bias column sums.
    private static func gruBackwardReference(gates: [Float], hn: [Float], hPrev: [Float], dh: [Float],
                                             dBias: [Float], dBiasHN: [Float])
        -> (dGates: [Float], dGatesHidden: [Float], dh: [Float], dBias: [Float], dBiasHN: [Float]) {
        let b = batch, h = hidden
        var dG = [Float](repeating: 0, count: b * 3 * h), dGh = dG, dhOut = dh, dB = dBias, dBn = dBiasHN
        for row in 0..<b {
            let g = row * 3 * h
            for j in 0..<h {
                let r = gates[g + j], z = gates[g + h + j], n = gates[g + 2 * h + j], dhv = dh[row * h + j]
                let dxn = dhv * (1 - z) * (1 - n * n)
                let dxr = dxn * hn[row * h + j] * r * (1 - r)
                let dxz = dhv * (hPrev[row * h + j] - n) * z * (1 - z)
                (dG[g + j], dG[g + h + j], dG[g + 2 * h + j]) = (dxr, dxz, dxn)
                (dGh[g + j], dGh[g + h + j], dGh[g + 2 * h + j]) = (dxr, dxz, dxn * r)
                dhOut[row * h + j] = dhv * z
            }
            for k in 0..<(3 * h) { dB[k] = dB[k] + dG[g + k] }
            for k in 0..<h { dBn[k] = dBn[k] + dGh[g + 2 * h + k] }
        }
        return (dG, dGh, dhOut, dB, dBn)
    }

    @Test("every copy of the GRU step kernels gives the Swift GRU step's bits, forward and backward")
    func gruCopies() {
        var rng = SplitMix64(seed: 17)
        let b = Self.batch, h = Self.hidden
        var pre = Self.random(b * 3 * h, -4, 4, &rng)
        pre[5] = 0; pre[6] = -0.0; pre[40] = 0.3 // tanh's small-argument branch is reached via the n block below
        let gh = Self.random(b * 3 * h, -3, 3, &rng)
        let biasHN = Self.random(h, -1, 1, &rng)
        var hPrev = Self.random(b * h, -1, 1, &rng)
        hPrev[3] = 0
        let want = Self.gruForwardReference(pre: pre, gh: gh, biasHN: biasHN, hPrev: hPrev)
        let dh = Self.random(b * h, -2, 2, &rng)
        let dBias0 = Self.random(3 * h, -1, 1, &rng), dBiasHN0 = Self.random(h, -1, 1, &rng)
        let wantBack = Self.gruBackwardReference(gates: want.gates, hn: want.hn, hPrev: hPrev, dh: dh,
                                                 dBias: dBias0, dBiasHN: dBiasHN0)
        var copiesRun = 0
        for variant in 0..<3 {
            var gates = pre, hn = [Float](repeating: 0, count: b * h), hOut = hn
            guard fk_variant_gru_forward(Int32(variant), &gates, gh, biasHN, &hn, hPrev, &hOut, b, h) == 1 else { continue }
            copiesRun += 1
            for (name, got, expected) in [("gates", gates, want.gates), ("hn", hn, want.hn), ("h", hOut, want.h)] {
                let bad = Self.differences(got, expected)
                #expect(bad.isEmpty, "copy \(variant): GRU forward \(name) differs at \(bad.prefix(5))")
            }
            var dG = [Float](repeating: 0, count: b * 3 * h), dGh = dG, dhIO = dh, dB = dBias0, dBn = dBiasHN0
            _ = fk_variant_gru_backward(Int32(variant), want.gates, want.hn, hPrev, &dhIO, &dG, &dGh, &dB, &dBn, b, h)
            for (name, got, expected) in [("dGates", dG, wantBack.dGates), ("dGatesHidden", dGh, wantBack.dGatesHidden),
                                          ("dh", dhIO, wantBack.dh), ("dBias", dB, wantBack.dBias),
                                          ("dBiasHN", dBn, wantBack.dBiasHN)] {
                let bad = Self.differences(got, expected)
                #expect(bad.isEmpty, "copy \(variant): GRU backward \(name) differs at \(bad.prefix(5))")
            }
        }
        #expect(copiesRun >= 1) // the baseline copy runs everywhere
        // The dispatched kernel behind Float's NetworkScalar requirement is one of those copies.
        var gates = pre, hn = [Float](repeating: 0, count: b * h), hOut = hn
        Float.gruStepForward(gates: &gates, hiddenProjection: gh, biasHN: biasHN, hn: &hn, hPrev: hPrev, hOut: &hOut,
                             batch: b, hidden: h)
        #expect(Self.differences(hOut, want.h).isEmpty && Self.differences(gates, want.gates).isEmpty)
    }

    @Test("every copy of the LSTM backward kernel gives the Swift LSTM step's bits")
    func lstmBackwardCopies() {
        var rng = SplitMix64(seed: 23)
        let b = Self.batch, h = Self.hidden
        let gates = (0..<(b * 4 * h)).map { i in Float(rng.uniform(i % (4 * h) >= 2 * h && i % (4 * h) < 3 * h ? -1 : 0, 1)) }
        let cPrev = Self.random(b * h, -2, 2, &rng), tanhC = Self.random(b * h, -1, 1, &rng)
        let dh = Self.random(b * h, -2, 2, &rng), dc0 = Self.random(b * h, -2, 2, &rng)
        let dBias0 = Self.random(4 * h, -1, 1, &rng)
        var wantD = [Float](repeating: 0, count: b * 4 * h), wantDc = dc0, wantBias = dBias0
        for row in 0..<b {
            let g = row * 4 * h
            for j in 0..<h {
                let i = gates[g + j], f = gates[g + h + j], gg = gates[g + 2 * h + j], o = gates[g + 3 * h + j]
                let t = tanhC[row * h + j], dhv = dh[row * h + j]
                let dcv = dc0[row * h + j] + dhv * o * (1 - t * t)
                wantD[g + j] = dcv * gg * i * (1 - i)
                wantD[g + h + j] = dcv * cPrev[row * h + j] * f * (1 - f)
                wantD[g + 2 * h + j] = dcv * i * (1 - gg * gg)
                wantD[g + 3 * h + j] = dhv * t * o * (1 - o)
                wantDc[row * h + j] = dcv * f
            }
            for k in 0..<(4 * h) { wantBias[k] = wantBias[k] + wantD[g + k] }
        }
        var copiesRun = 0
        for variant in 0..<3 {
            var d = gates, dc = dc0, dB = dBias0 // d_gates over the gates, as the layer runs it
            guard fk_variant_lstm_backward(Int32(variant), gates, cPrev, tanhC, dh, &dc, &d, &dB, b, h) == 1 else { continue }
            copiesRun += 1
            for (name, got, expected) in [("dGates", d, wantD), ("dc", dc, wantDc), ("dBias", dB, wantBias)] {
                let bad = Self.differences(got, expected)
                #expect(bad.isEmpty, "copy \(variant): LSTM backward \(name) differs at \(bad.prefix(5))")
            }
        }
        #expect(copiesRun >= 1)
    }
}
