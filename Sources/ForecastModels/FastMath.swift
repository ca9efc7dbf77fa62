/// Branch-free single-precision `exp` and `tanh` (only multiplies, adds, fused multiply-adds,
/// compares, selects and integer bit operations). Accuracy: `exp` relative error below 2e-7 on [-87, 88]
/// (Cephes `expf` polynomial, Cody–Waite reduction), `tanh` below 3e-7 absolute and 2e-6
/// relative, `sigmoid` below 1e-7 absolute, `tanhFast` below 2e-7 absolute (bounds checked by the
/// tests against libm in Double). These are the reference formulas: the vector kernels of
/// CForecastKernels, which the layers run, evaluate them operation for operation on 16, 8 or 4
/// lanes and give the same bits (checked by the tests).
public enum FastMath {
    /// `exp(x)` in Float; inputs are clamped to [-87.3, 88.3] so the result stays finite and
    /// normal (a sigmoid or tanh built on it saturates correctly for any finite input). NaN
    /// propagates. Relative error below 2e-7.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        // Clamp (NaN compares false and so stays NaN through both selects).
        var v = x > 88.3 ? 88.3 : x
        v = v < -87.3 ? -87.3 : v
        // n = round(v / ln 2) with the 1.5·2²³ trick: adding it pushes the fraction out of the
        // mantissa, so the low mantissa bits hold n (two's complement) — no float→int conversion.
        let shifter: Float = 12_582_912 // 1.5 · 2²³
        let t = shifter.addingProduct(v, 1.442_695_040_9)
        let n = t - shifter
        // r = v − n·ln 2 in two parts (Cody–Waite), |r| ≤ ln2/2.
        let r = v.addingProduct(n, -0.693_359_375).addingProduct(n, 2.121_944_4e-4)
        // exp(r) = 1 + r + r²·Q(r), Cephes expf's minimax Q, evaluated by Estrin's scheme (a
        // short dependency chain keeps the vectorised loop from being latency bound).
        let r2 = r * r
        let e0 = Float(5.000_000_1e-1).addingProduct(1.666_666_5e-1, r)
        let e1 = Float(4.166_579_6e-2).addingProduct(8.333_452e-3, r)
        let e2 = Float(1.398_199_9e-3).addingProduct(1.987_569_1e-4, r)
        let q = e0.addingProduct(r2, e1.addingProduct(r2, e2))
        let p = (1 + r).addingProduct(r2, q)
        // 2ⁿ built in the exponent field; the clamp keeps n in [-126, 127].
        let nBits = Int32(bitPattern: t.bitPattern &- shifter.bitPattern)
        return p * Float(bitPattern: UInt32(bitPattern: (nBits &+ 127) << 23))
    }

    /// `tanh(x)` in Float: an odd minimax polynomial (Cephes `tanhf`) for |x| < 0.625, where
    /// `1 − 2/(e^{2x} + 1)` would lose relative precision, and the exp form elsewhere.
    @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let z = x * x
        var p: Float = -5.704_988_7e-3
        p = Float(2.063_908_9e-2).addingProduct(p, z)
        p = Float(-5.373_971_6e-2).addingProduct(p, z)
        p = Float(1.333_144_2e-1).addingProduct(p, z)
        p = Float(-3.333_328_2e-1).addingProduct(p, z)
        let small = x.addingProduct(p * z, x)
        let e = exp(2 * x)
        let large = 1 - 2 / (e + 1)
        return z < 0.390_625 ? small : large // 0.390625 = 0.625²
    }

    /// `1 / (1 + exp(−x))` in Float, absolute error below 1e-7; saturates to exactly 1 and to
    /// ≈ 2.4e-38 (normal, not 0); NaN propagates.
    ///
    /// Cheaper than going through ``exp(_:)-(Float)``: e⁻ˣ = 2ʸ with y = −x·log₂e rounded to
    /// Float (see ``exp2Clamped(_:)-(Float)``). Rounding y costs up to 6e-8·|x| relative in 2ʸ,
    /// but the sigmoid damps it by σ(1 − σ), so the absolute error stays small for every x.
    @inline(__always)
    public static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp2Clamped(x * -1.442_695_040_9))
    }

    /// `tanh(x)` in Float as (1 − e)/(1 + e), e = e⁻²ˣ: absolute error below 2e-7, but no
    /// relative accuracy near 0 (unlike ``tanh(_:)-(Float)``) — for values that enter sums and
    /// products with O(1) terms, like the LSTM gates and cell output. Saturates to exactly ±1;
    /// NaN propagates.
    @inline(__always)
    public static func tanhFast(_ x: Float) -> Float {
        let e = exp2Clamped(x * -2.885_390_081_8)
        return (1 - e) / (1 + e)
    }

    /// 2ʸ for y clamped to [−125, 125] (results stay normal), relative error below 3e-7; NaN
    /// propagates. 2ʸ = 2ⁿ·2ᶠ with n = round(y), |f| ≤ ½: adding 1.5·2²³ + 127 to y leaves n + 127
    /// in the low mantissa bits (no float→int conversion), which shifted up by 23 are the exponent
    /// field of 2ⁿ; 2ᶠ = 1 + f·q(f) with a degree-4 q, near-minimax for relative error (9e-8).
    @inline(__always)
    static func exp2Clamped(_ y: Float) -> Float {
        var v = y > 125 ? 125 : y
        v = v < -125 ? -125 : v
        let shifter: Float = 12_583_039 // 1.5 · 2²³ + 127
        let t = v + shifter
        let f = v - (t - shifter)
        var q: Float = 1.326_472_7e-3
        q = Float(9.671_513e-3).addingProduct(q, f)
        q = Float(5.550_733_6e-2).addingProduct(q, f)
        q = Float(2.402_224_2e-1).addingProduct(q, f)
        q = Float(6.931_470_04e-1).addingProduct(q, f)
        return Float(1).addingProduct(q, f) * Float(bitPattern: t.bitPattern << 23)
    }
}
