import Numerics

/// SplitMix64 (Steele, Lea & Flood 2014; the seeding generator of `xoshiro`): a 64-bit state
/// advanced by the golden-ratio increment 0x9E3779B97F4A7C15 and finalised by Stafford's
/// "Mix13" variant of the MurmurHash3 finaliser. Every draw is pure integer arithmetic, so a
/// seed gives the same sequence on every platform and compiler. Period 2⁶⁴.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// The whole generator state; a checkpoint of it resumes the sequence exactly.
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform Double in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUnit()
    }

    /// A standard normal draw (Box–Muller, using the cosine branch only so each call consumes
    /// exactly two 64-bit draws).
    public mutating func normal() -> Double {
        // 1 − u ∈ (0, 1] keeps the logarithm finite.
        let u1 = 1 - nextUnit()
        let u2 = nextUnit()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }

    /// A uniform integer in 0..<bound (bound > 0), by Lemire's multiply-shift with rejection,
    /// so it is unbiased and platform independent.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold {
                m = next().multipliedFullWidth(by: b)
            }
        }
        return Int(m.high)
    }

    /// Fisher–Yates shuffle of `array` in place with this generator.
    public mutating func shuffle<T>(_ array: inout [T]) {
        if array.count < 2 { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextIndex(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// Derives an independent stream for a named purpose (e.g. per-epoch shuffling) without
    /// disturbing this generator: SplitMix64 of the mixed seed and tag.
    public static func derived(seed: UInt64, tag: UInt64) -> SplitMix64 {
        var g = SplitMix64(seed: seed ^ (tag &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return SplitMix64(seed: g.next())
    }
}

/// Weight initialisers. All draw from a ``SplitMix64`` in row-major order, in Double, and round
/// to the scalar at the end, so Float and Double networks with the same seed start from the same
/// values (up to rounding).
enum Initializer {
    /// Glorot (Xavier) uniform: U(±√(6 / (fanIn + fanOut))) for a `fanOut × fanIn` block.
    static func glorotUniform<S: NetworkScalar>(_ p: UnsafeMutablePointer<S>, rows: Int, columns: Int,
                                               rng: inout SplitMix64) {
        let limit = (6.0 / Double(rows + columns)).squareRoot()
        uniform(p, count: rows * columns, limit: limit, rng: &rng)
    }

    /// U(±limit) for `count` values.
    static func uniform<S: NetworkScalar>(_ p: UnsafeMutablePointer<S>, count: Int, limit: Double,
                                         rng: inout SplitMix64) {
        for i in 0..<count {
            p[i] = S(rng.uniform(-limit, limit))
        }
    }

    /// An orthogonal `n × n` matrix: modified Gram–Schmidt (in Double) on the rows of a seeded
    /// standard Gaussian matrix, i.e. the Q factor of its QR decomposition with positive R
    /// diagonal — a Haar-distributed orthogonal matrix. A (probability-zero) rank-deficient draw
    /// is redrawn. O(n³).
    static func orthogonal<S: NetworkScalar>(_ p: UnsafeMutablePointer<S>, n: Int, rng: inout SplitMix64) {
        var q = [Double](repeating: 0, count: n * n)
        var row = 0
        while row < n {
            for j in 0..<n { q[row * n + j] = rng.normal() }
            for k in 0..<row {
                var dot = 0.0
                for j in 0..<n { dot += q[row * n + j] * q[k * n + j] }
                for j in 0..<n { q[row * n + j] -= dot * q[k * n + j] }
            }
            var norm = 0.0
            for j in 0..<n { norm += q[row * n + j] * q[row * n + j] }
            norm = norm.squareRoot()
            if norm < 1e-8 { continue } // redraw this row
            for j in 0..<n { q[row * n + j] /= norm }
            row += 1
        }
        for i in 0..<(n * n) { p[i] = S(q[i]) }
    }
}
