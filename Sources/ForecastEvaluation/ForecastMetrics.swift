import Foundation

/// Accuracy of one set of point forecasts against the actual values, all on the original scale of
/// the target.
///
/// For `n` pairs (yᵢ, fᵢ) with the last value observed before the forecast, pᵢ:
/// - `mae`   = (1/n) Σ |yᵢ − fᵢ|
/// - `rmse`  = √((1/n) Σ (yᵢ − fᵢ)²)
/// - `smape` = (1/n) Σ 200·|yᵢ − fᵢ| / (|yᵢ| + |fᵢ|), in percent (0…200); a 0/0 term counts 0
/// - `mase`  = mae / scale, where scale is the in-sample MAE of the seasonal naive (or naive)
///   forecast on the training part (see `maseScale(training:season:)`); `nil` when the scale is
///   zero or unknown
/// - `directionalAccuracy` = share (0…1) of i with sign(fᵢ − pᵢ) = sign(yᵢ − pᵢ), where sign ∈ {−1, 0, 1}
/// - `skill` = 1 − mae / mae_naive on the same points; `nil` without a naive reference or when
///   mae_naive = 0. Positive means better than the naive forecast.
///
/// Complexity O(n).
public struct ForecastMetrics: Codable, Equatable, Sendable {
    /// Number of (actual, forecast) pairs the metrics average over.
    public var count: Int
    public var mae: Double
    public var rmse: Double
    /// Symmetric MAPE in percent, 0…200.
    public var smape: Double
    public var mase: Double?
    /// Fraction 0…1 (not percent).
    public var directionalAccuracy: Double
    public var skill: Double?

    public init(count: Int, mae: Double, rmse: Double, smape: Double, mase: Double?,
                directionalAccuracy: Double, skill: Double?) {
        self.count = count
        self.mae = mae
        self.rmse = rmse
        self.smape = smape
        self.mase = mase
        self.directionalAccuracy = directionalAccuracy
        self.skill = skill
    }

    /// Computes every metric from aligned arrays of equal length.
    ///
    /// - Parameters:
    ///   - actuals: yᵢ.
    ///   - forecasts: fᵢ, the forecast of yᵢ.
    ///   - previousActuals: pᵢ, the last actual value known when fᵢ was made (y[t−1] for a
    ///     one-step-ahead forecast of y[t]); used for directional accuracy.
    ///   - maseScale: in-sample MAE of the seasonal naive / naive forecast on the training part.
    ///   - naiveMAE: MAE of the naive forecast on the same points, for `skill`.
    /// - Returns: `nil` when the arrays are empty.
    /// - Precondition: the three arrays have the same length (a programming error otherwise).
    public init?(actuals: [Double], forecasts: [Double], previousActuals: [Double],
                 maseScale: Double?, naiveMAE: Double?) {
        precondition(actuals.count == forecasts.count && actuals.count == previousActuals.count,
                     "ForecastMetrics: actuals, forecasts and previousActuals must have the same length")
        guard !actuals.isEmpty else { return nil }
        let mae = ForecastMetrics.meanAbsoluteError(actuals: actuals, forecasts: forecasts)
        self.init(
            count: actuals.count,
            mae: mae,
            rmse: ForecastMetrics.rootMeanSquaredError(actuals: actuals, forecasts: forecasts),
            smape: ForecastMetrics.symmetricMAPE(actuals: actuals, forecasts: forecasts),
            mase: maseScale.flatMap { $0 > 0 && $0.isFinite ? mae / $0 : nil },
            directionalAccuracy: ForecastMetrics.directionalAccuracy(
                actuals: actuals, forecasts: forecasts, previousActuals: previousActuals),
            skill: naiveMAE.flatMap { $0 > 0 && $0.isFinite ? 1 - mae / $0 : nil })
    }

    /// (1/n) Σ |yᵢ − fᵢ|.
    public static func meanAbsoluteError(actuals: [Double], forecasts: [Double]) -> Double {
        precondition(actuals.count == forecasts.count && !actuals.isEmpty)
        var sum = 0.0
        for i in actuals.indices { sum += abs(actuals[i] - forecasts[i]) }
        return sum / Double(actuals.count)
    }

    /// √((1/n) Σ (yᵢ − fᵢ)²).
    public static func rootMeanSquaredError(actuals: [Double], forecasts: [Double]) -> Double {
        precondition(actuals.count == forecasts.count && !actuals.isEmpty)
        var sum = 0.0
        for i in actuals.indices {
            let e = actuals[i] - forecasts[i]
            sum += e * e
        }
        return (sum / Double(actuals.count)).squareRoot()
    }

    /// (1/n) Σ 200·|yᵢ − fᵢ| / (|yᵢ| + |fᵢ|) in percent; a term with yᵢ = fᵢ = 0 counts 0.
    public static func symmetricMAPE(actuals: [Double], forecasts: [Double]) -> Double {
        precondition(actuals.count == forecasts.count && !actuals.isEmpty)
        var sum = 0.0
        for i in actuals.indices {
            let denominator = abs(actuals[i]) + abs(forecasts[i])
            // |y − f| ≤ |y| + |f|, so a zero denominator means a zero numerator: 0/0 counts 0.
            if denominator > 0 { sum += 200 * abs(actuals[i] - forecasts[i]) / denominator }
        }
        return sum / Double(actuals.count)
    }

    /// Share (0…1) of i with sign(fᵢ − pᵢ) = sign(yᵢ − pᵢ); an unchanged forecast matches only an
    /// unchanged actual.
    public static func directionalAccuracy(actuals: [Double], forecasts: [Double],
                                           previousActuals: [Double]) -> Double {
        precondition(actuals.count == forecasts.count && actuals.count == previousActuals.count
                     && !actuals.isEmpty)
        var hits = 0
        for i in actuals.indices
        where sign(forecasts[i] - previousActuals[i]) == sign(actuals[i] - previousActuals[i]) {
            hits += 1
        }
        return Double(hits) / Double(actuals.count)
    }

    private static func sign(_ x: Double) -> Int { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}

/// The MASE denominator: in-sample MAE of the seasonal naive forecast with season `m` on the
/// training part, (1/(n−m)) Σ_{t=m}^{n−1} |y[t] − y[t−m]|; with `season` nil (or ≤ 1) the naive
/// forecast (m = 1).
///
/// - Returns: `nil` when the training part has no more than `m` points. The value can be 0 for a
///   constant (or exactly periodic) training part; `ForecastMetrics` then reports MASE as `nil`.
/// - Complexity: O(n).
public func maseScale(training: [Double], season: Int?) -> Double? {
    let m = max(season ?? 1, 1)
    guard training.count > m else { return nil }
    var sum = 0.0
    for t in m..<training.count { sum += abs(training[t] - training[t - m]) }
    return sum / Double(training.count - m)
}
