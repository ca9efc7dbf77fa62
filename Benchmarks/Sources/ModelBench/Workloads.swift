import Foundation

/// A reference workload of `../shared/anchors/README.md`.
struct Workload {
    let name: String
    /// Time steps T, input dimension D, hidden width H, batch size B, windows N.
    let T: Int, D: Int, H: Int, B: Int, N: Int

    static let all: [Workload] = [
        Workload(name: "W-small", T: 16, D: 1, H: 32, B: 32, N: 8192),
        Workload(name: "W-ref", T: 32, D: 4, H: 64, B: 64, N: 16384),
        Workload(name: "W-large", T: 64, D: 8, H: 256, B: 128, N: 16384),
    ]
}

/// Gate blocks per recurrent cell, for FLOP counts.
let gates = ["rnn": 1, "gru": 3, "lstm": 4]
let allModels = ["mlp", "rnn", "gru", "lstm"]
/// Inference batch size, as in bench_torch.py.
let inferBatch = 1024

/// Analytic forward FLOPs for one pass over N windows (same formula as bench_torch.py).
func forwardFLOPs(model: String, _ w: Workload) -> Double {
    let (T, D, H, N) = (Double(w.T), Double(w.D), Double(w.H), Double(w.N))
    if model == "mlp" { return 2 * N * (T * D * H + H * H + H) }
    let G = Double(gates[model]!)
    return 2 * N * T * (D * G * H + H * G * H)
}

/// SplitMix64 with Box–Muller: standard normal Float32 values, reproducible per seed.
struct NormalGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    private mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    private mutating func unit() -> Double {
        (Double(nextUInt64() >> 11) + 1) * 0x1p-53
    }

    mutating func fill(_ n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        var i = 0
        while i < n {
            let r = (-2 * Foundation.log(unit())).squareRoot()
            let theta = 2 * Double.pi * unit()
            out[i] = Float(r * Foundation.cos(theta))
            if i + 1 < n { out[i + 1] = Float(r * Foundation.sin(theta)) }
            i += 2
        }
        return out
    }
}

/// Contiguous mini-batches cut from random windows, the same way bench_torch.py cuts them:
/// X is (T, N, D) time-major, Y is (N, 1); batch k holds windows [k·B, (k+1)·B).
/// Recurrent batches are (T, B, D); MLP batches are pre-flattened (B, T·D) with index t·D + d.
struct Batches {
    let inputs: [[Float]]
    let targets: [[Float]]
    /// Windows per batch (the last one may be short if B does not divide N).
    let sizes: [Int]

    init(model: String, _ w: Workload, batch: Int, rng: inout NormalGenerator) {
        let (T, D, N) = (w.T, w.D, w.N)
        let X = rng.fill(T * N * D)
        let Y = rng.fill(N)
        var xs: [[Float]] = [], ys: [[Float]] = [], sizes: [Int] = []
        var s = 0
        while s < N {
            let b = min(batch, N - s)
            var xb = [Float](repeating: 0, count: T * b * D)
            for t in 0..<T {
                for i in 0..<b {
                    for d in 0..<D {
                        let src = (t * N + s + i) * D + d
                        let dst = model == "mlp" ? i * T * D + t * D + d : (t * b + i) * D + d
                        xb[dst] = X[src]
                    }
                }
            }
            xs.append(xb)
            ys.append(Array(Y[s..<(s + b)]))
            sizes.append(b)
            s += b
        }
        inputs = xs; targets = ys; self.sizes = sizes
    }
}
