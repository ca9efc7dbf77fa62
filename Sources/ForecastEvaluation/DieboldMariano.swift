import ForecastCore
/// Result of a Diebold–Mariano test of equal predictive accuracy between forecasts 1 and 2.
public struct DieboldMarianoResult: Codable, Equatable, Sendable {
    /// Number of paired forecast errors.
    public var count: Int
    /// d̄ = mean(e1² − e2²); negative ⇒ forecast 1 has the smaller squared error.
    public var meanLossDifference: Double
    /// The Harvey–Leybourne–Newbold corrected statistic; same sign as `meanLossDifference`.
    public var statistic: Double
    /// Two-sided p-value from Student-t with n − 1 degrees of freedom.
    public var pValue: Double

    public init(count: Int, meanLossDifference: Double, statistic: Double, pValue: Double) {
        self.count = count
        self.meanLossDifference = meanLossDifference
        self.statistic = statistic
        self.pValue = pValue
    }

    /// One-sided p-value of "forecast 1 has the smaller squared error": half the two-sided p
    /// when d̄ < 0, one minus that half otherwise.
    public var oneSidedPValue: Double { meanLossDifference < 0 ? pValue / 2 : 1 - pValue / 2 }

    /// True when forecast 1 is better (d̄ < 0) and the difference is significant at `level`.
    public func firstIsSignificantlyBetter(level: Double = 0.05) -> Bool {
        meanLossDifference < 0 && pValue < level
    }
}

/// Why a Diebold–Mariano test has no result.
public enum DieboldMarianoError: ForecastError, Equatable {
    case lengthMismatch(Int, Int)
    case tooFewPairs(Int)
    case nonFiniteError
    /// Every loss difference is the same (e.g. identical forecasts): the variance is zero.
    case zeroVariance

    /// Never reaches the command line: a run records it as the comparison's note.
    public var exitStatus: ExitStatus { .internalError }
    public var location: ErrorLocation? { nil }
    public var hint: String? { nil }

    public var message: String {
        switch self {
        case .lengthMismatch(let a, let b): return "error series differ in length (\(a) vs \(b))"
        case .tooFewPairs(let n): return "too few paired errors (\(n); need at least 3)"
        case .nonFiniteError: return "a forecast error is not finite"
        case .zeroVariance: return "the loss differences have zero variance (identical forecasts?)"
        }
    }
}

/// The Diebold–Mariano test with squared-error loss at horizon h = 1, in the variant of R's
/// `forecast::dm.test(e1, e2, h = 1, power = 2)`:
///
///     dᵢ  = e1ᵢ² − e2ᵢ²,  d̄ = (1/n) Σ dᵢ
///     γ₀  = (1/n) Σ (dᵢ − d̄)²                 (autocovariances beyond lag h − 1 = 0 are not used)
///     DM  = d̄ / √(γ₀ / n)
///     DM* = DM · √((n + 1 − 2h + h(h − 1)/n) / n) = DM · √((n − 1)/n)   (Harvey, Leybourne &
///           Newbold 1997 small-sample correction)
///     p   = 2 · P(T > |DM*|),  T ~ Student-t(n − 1)
///
/// Errors are actual − forecast on the same targets, in the same order. Complexity O(n).
public enum DieboldMariano {
    public static func test(errors1: [Double], errors2: [Double]) throws(DieboldMarianoError) -> DieboldMarianoResult {
        guard errors1.count == errors2.count else { throw .lengthMismatch(errors1.count, errors2.count) }
        let n = errors1.count
        guard n >= 3 else { throw .tooFewPairs(n) }
        var d = [Double](repeating: 0, count: n)
        for i in 0..<n {
            guard errors1[i].isFinite, errors2[i].isFinite else { throw .nonFiniteError }
            d[i] = errors1[i] * errors1[i] - errors2[i] * errors2[i]
        }
        let nd = Double(n)
        let mean = d.reduce(0, +) / nd
        let gamma0 = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / nd
        // Relative threshold: the differences are equal up to rounding.
        let scale = d.reduce(0) { max($0, abs($1)) }
        guard gamma0 > 0, gamma0.squareRoot() > 1e-12 * scale else { throw .zeroVariance }
        let dm = mean / (gamma0 / nd).squareRoot()
        let corrected = dm * ((nd - 1) / nd).squareRoot()
        return DieboldMarianoResult(
            count: n, meanLossDifference: mean, statistic: corrected,
            pValue: StudentT.twoSidedPValue(corrected, degreesOfFreedom: nd - 1))
    }
}
