import Foundation

/// Split-conformal prediction intervals (Vovk et al.; Lei et al. 2018) from a calibration set of
/// absolute residuals — here the validation part, which the model did not train on.
///
/// For n calibration residuals and nominal coverage 1 − α, the half-width q is the k-th smallest
/// |residual| with k = ⌈(n + 1)(1 − α)⌉, i.e. the empirical quantile at level k/n. The interval
/// for a new point is [f − q, f + q]; under exchangeability it covers with probability ≥ 1 − α.
/// When k > n (too few calibration points for the level, e.g. n < 19 for 95 %) the interval is
/// unbounded and `halfWidth` returns +∞.
public enum SplitConformal {
    /// The half-width q for nominal `coverage` (0 < coverage < 1); nil when there are no residuals.
    /// Complexity O(n log n).
    public static func halfWidth(absoluteResiduals: [Double], coverage: Double) -> Double? {
        precondition(coverage > 0 && coverage < 1, "coverage must be in (0, 1)")
        let residuals = absoluteResiduals.filter { !$0.isNaN }.map(abs).sorted()
        let n = residuals.count
        guard n > 0 else { return nil }
        // The epsilon keeps a product that should be an integer, e.g. 10 × 0.8, from rounding up.
        let k = Int((Double(n + 1) * coverage - 1e-9).rounded(.up))
        if k > n { return .infinity }
        return residuals[max(k, 1) - 1]
    }

    /// Share (0…1) of actuals inside their closed interval [lower, upper]; nil when empty.
    public static func empiricalCoverage(actuals: [Double], lower: [Double], upper: [Double]) -> Double? {
        precondition(actuals.count == lower.count && actuals.count == upper.count)
        guard !actuals.isEmpty else { return nil }
        var inside = 0
        for i in actuals.indices where actuals[i] >= lower[i] && actuals[i] <= upper[i] { inside += 1 }
        return Double(inside) / Double(actuals.count)
    }
}
