import Foundation

/// The autocorrelation test for seasonality used by the theta method's reference implementations
/// (Assimakopoulos & Nikolopoulos 2000; Hyndman & Billah 2003; statsforecast's `auto_theta`): the
/// series is called seasonal when the sample autocorrelation at lag m is significantly different
/// from zero at the 90 % level, two-sided, using Bartlett's standard error
/// `sqrt((1 + 2 Σ_{k=1}^{m-1} r_k²) / n)`.
///
/// Applied only when m ≥ 4 and n ≥ 2m, as statsforecast does; shorter series or shorter seasons are
/// never decomposed. Complexity O(n·m).
public struct SeasonalityTest: Sendable, Equatable {
    /// The season length m tested.
    public let seasonLength: Int
    /// Sample autocorrelation r_m of the series at lag m (biased estimator: lag sums over n).
    /// Zero for a constant series.
    public let autocorrelation: Double
    /// Bartlett's standard error of r_m under the hypothesis that lags ≥ m are uncorrelated.
    public let standardError: Double

    /// Upper 5 % point of the standard normal distribution.
    public static let criticalValue = 1.6448536269514722

    /// |r_m| / standard error.
    public var statistic: Double { abs(autocorrelation) / standardError }

    /// Whether the series should be deseasonalised before fitting.
    public var isSeasonal: Bool { statistic > Self.criticalValue }

    /// Runs the test, or returns nil when it does not apply (m < 4, or fewer than 2m values).
    /// The values must be finite.
    public static func apply(to y: [Double], seasonLength m: Int) -> SeasonalityTest? {
        let n = y.count
        guard m >= 4, n >= 2 * m else { return nil }
        let mean = y.reduce(0, +) / Double(n)
        var sumOfSquares = 0.0
        for value in y { sumOfSquares += (value - mean) * (value - mean) }
        guard sumOfSquares > 0 else {
            return SeasonalityTest(seasonLength: m, autocorrelation: 0, standardError: (1 / Double(n)).squareRoot())
        }
        func autocorrelation(lag: Int) -> Double {
            var sum = 0.0
            for t in 0..<(n - lag) { sum += (y[t] - mean) * (y[t + lag] - mean) }
            return sum / sumOfSquares
        }
        var shorterLags = 0.0
        for lag in 1..<m {
            let r = autocorrelation(lag: lag)
            shorterLags += r * r
        }
        return SeasonalityTest(seasonLength: m, autocorrelation: autocorrelation(lag: m),
                               standardError: ((1 + 2 * shorterLags) / Double(n)).squareRoot())
    }
}

/// Classical seasonal decomposition by moving averages (Kendall & Stuart; Makridakis, Wheelwright &
/// Hyndman 1998, §4/2; statsmodels' `seasonal_decompose`, which statsforecast's Theta uses).
///
/// The trend is the centred moving average of order m (a 2×m average when m is even), undefined for
/// the first and last ⌊m/2⌋ values. The detrended values (y/trend, or y − trend) are averaged per
/// phase t mod m over the values where the trend is defined, and the m averages are normalised to
/// mean 1 (multiplicative) or mean 0 (additive). Index k applies to every value t with t mod m == k,
/// t counted from the first value of the series the decomposition was estimated on, also beyond its
/// end. Complexity O(n).
public struct SeasonalDecomposition: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// y = trend · season · remainder; requires positive data.
        case multiplicative
        /// y = trend + season + remainder.
        case additive
    }

    public let kind: Kind
    /// The m seasonal indices in phase order.
    public let indices: [Double]

    public var seasonLength: Int { indices.count }

    public init(kind: Kind, indices: [Double]) {
        self.kind = kind
        self.indices = indices
    }

    /// Estimates the indices, or nil when m < 2 or a phase has no value with a defined trend (fewer
    /// than about 2m values). The values must be finite; for `.multiplicative` also nonzero trend.
    public static func estimate(_ y: [Double], seasonLength m: Int, kind: Kind) -> SeasonalDecomposition? {
        let n = y.count
        let half = m / 2
        guard m >= 2, n > 2 * half else { return nil }
        var sums = [Double](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: m)
        for t in half..<(n - half) {
            var window = 0.0
            if m % 2 == 0 {
                // 2×m average: the two end points of the (m+1)-window carry half weight.
                window = 0.5 * (y[t - half] + y[t + half])
                for s in (t - half + 1)..<(t + half) { window += y[s] }
            } else {
                for s in (t - half)...(t + half) { window += y[s] }
            }
            let trend = window / Double(m)
            sums[t % m] += kind == .multiplicative ? y[t] / trend : y[t] - trend
            counts[t % m] += 1
        }
        guard counts.allSatisfy({ $0 > 0 }) else { return nil }
        var indices = (0..<m).map { sums[$0] / Double(counts[$0]) }
        let center = indices.reduce(0, +) / Double(m)
        for k in 0..<m {
            indices[k] = kind == .multiplicative ? indices[k] / center : indices[k] - center
        }
        guard indices.allSatisfy(\.isFinite) else { return nil }
        return SeasonalDecomposition(kind: kind, indices: indices)
    }

    /// statsforecast's choice for the theta method: multiplicative, unless a value is ≤ 0 or a
    /// multiplicative index falls below 0.01, then additive.
    public static func forTheta(_ y: [Double], seasonLength m: Int) -> SeasonalDecomposition? {
        if y.allSatisfy({ $0 > 0 }),
           let multiplicative = estimate(y, seasonLength: m, kind: .multiplicative),
           multiplicative.indices.allSatisfy({ $0 >= 0.01 }) {
            return multiplicative
        }
        return estimate(y, seasonLength: m, kind: .additive)
    }

    /// The index of value t (t ≥ 0).
    @inline(__always)
    public func index(at t: Int) -> Double { indices[t % indices.count] }

    /// Value t with the season removed.
    @inline(__always)
    public func removing(from value: Double, at t: Int) -> Double {
        kind == .multiplicative ? value / index(at: t) : value - index(at: t)
    }

    /// A deseasonalised value t with the season put back.
    @inline(__always)
    public func applying(to value: Double, at t: Int) -> Double {
        kind == .multiplicative ? value * index(at: t) : value + index(at: t)
    }
}
