import Foundation

/// The Student-t distribution's CDF, through the regularised incomplete beta function
/// (Numerical Recipes §6.4, modified Lentz continued fraction). Accurate to about 1e-12 relative
/// for the degrees of freedom and statistics a forecast comparison produces.
public enum StudentT {
    /// P(T ≤ t) for T ~ t(ν), ν > 0.
    ///
    /// Uses P(|T| > |t|) = I_x(ν/2, 1/2) with x = ν/(ν + t²).
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive")
        if t.isNaN { return .nan }
        if t == .infinity { return 1 }
        if t == -.infinity { return 0 }
        let x = nu / (nu + t * t)
        let tail = 0.5 * regularizedIncompleteBeta(x, a: nu / 2, b: 0.5)  // P(T > |t|)
        return t > 0 ? 1 - tail : tail
    }

    /// Two-sided p-value P(|T| ≥ |t|) for T ~ t(ν).
    public static func twoSidedPValue(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive")
        if t.isNaN { return .nan }
        if t.isInfinite { return 0 }
        return min(1, regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5))
    }
}

/// I_x(a, b) = B(x; a, b) / B(a, b), the regularised incomplete beta function, for 0 ≤ x ≤ 1,
/// a, b > 0.
public func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    precondition(a > 0 && b > 0, "regularizedIncompleteBeta needs a, b > 0")
    precondition(x >= 0 && x <= 1, "regularizedIncompleteBeta needs 0 ≤ x ≤ 1")
    if x == 0 { return 0 }
    if x == 1 { return 1 }
    // x^a (1−x)^b / (a B(a, b)), in logs to avoid overflow.
    let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
    // The continued fraction converges fast for x < (a+1)/(a+b+2); otherwise use the symmetry
    // I_x(a, b) = 1 − I_{1−x}(b, a).
    if x < (a + 1) / (a + b + 2) {
        return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
    } else {
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }
}

/// Continued fraction for the incomplete beta function, evaluated by the modified Lentz method.
private func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300, epsilon = 1e-15
    let qab = a + b, qap = a + 1, qam = a - 1
    var c = 1.0
    var d = 1 - qab * x / qap
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...10_000 {
        let m = Double(m), m2 = 2 * m
        // Even step.
        var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        if abs(d) < tiny { d = tiny }
        c = 1 + aa / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        h *= d * c
        // Odd step.
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        if abs(d) < tiny { d = tiny }
        c = 1 + aa / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < epsilon { break }
    }
    return h
}
