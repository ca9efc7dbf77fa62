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

extension Workload {
    /// `NAME=T,D,H,B,N`, e.g. `G-visnights=8,1,64,64,1060`; nil unless five positive numbers.
    init?(parsing text: String) {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        let numbers = parts[1].split(separator: ",").compactMap { Int($0) }
        guard numbers.count == 5, numbers.allSatisfy({ $0 > 0 }) else { return nil }
        self.init(name: String(parts[0]), T: numbers[0], D: numbers[1], H: numbers[2], B: numbers[3], N: numbers[4])
    }
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

/// Random windows for one workload, as bench_torch.py draws them: X (T, N, D) time-major
/// standard normal, Y (N, 1). Training cuts X into contiguous mini-batches of B windows
/// [k·B, (k+1)·B) (no shuffle); inference runs all N windows in batches of 1024.
struct WindowData {
    let x: [Float]
    let y: [Float]
    let count: Int

    init(_ w: Workload, rng: inout NormalGenerator) {
        x = rng.fill(w.T * w.N * w.D)
        y = rng.fill(w.N)
        count = w.N
    }
}
