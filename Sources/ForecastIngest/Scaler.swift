/// How features and targets are scaled; statistics come from the training part only.
public enum Scaling: String, CaseIterable, Sendable, Codable {
    /// (x − mean) / std, population std (ddof 0); a constant column uses std 1.
    case zscore
    /// (x − min) / (max − min); a constant column uses a range of 1.
    case minmax
    /// Values unchanged.
    case none
}

/// Per-feature and target scaling parameters, fitted on the training part; `Codable` so a
/// checkpoint can save them and `forecast predict` can window new data the same way.
///
/// Scaled value = (value − offset) / scale. Feature statistics are taken over the feature as fed
/// to the model: the target's feature column is transformed (diff / log-return) first, other
/// features stay levels.
public struct Scaler: Sendable, Equatable, Codable {
    public var kind: Scaling
    public var featureNames: [String]
    /// Mean (z-score), minimum (min-max) or 0 (none), per feature.
    public var offsets: [Double]
    /// Standard deviation (z-score), range (min-max) or 1 (none), per feature; never 0, but
    /// infinite when the training values span more than a Double can hold (see
    /// `WindowedDataset.scalingProblem`).
    public var scales: [Double]
    public var targetName: String
    public var targetOffset: Double
    public var targetScale: Double

    public init(kind: Scaling, featureNames: [String], offsets: [Double], scales: [Double],
                targetName: String, targetOffset: Double, targetScale: Double) {
        self.kind = kind
        self.featureNames = featureNames
        self.offsets = offsets
        self.scales = scales
        self.targetName = targetName
        self.targetOffset = targetOffset
        self.targetScale = targetScale
    }

    @inline(__always) public func scale(_ value: Double, feature d: Int) -> Double { (value - offsets[d]) / scales[d] }
    @inline(__always) public func scaleTarget(_ value: Double) -> Double { (value - targetOffset) / targetScale }
    @inline(__always) public func unscaleTarget(_ value: Double) -> Double { value * targetScale + targetOffset }

    /// (offset, scale) of `values[range]` for `kind`. O(range.count).
    static func statistics(_ kind: Scaling, _ values: [Double], _ range: Range<Int>) -> (offset: Double, scale: Double) {
        guard kind != .none, !range.isEmpty else { return (0, 1) }
        switch kind {
        case .zscore:
            var sum = 0.0
            for t in range { sum += values[t] }
            var mean = sum / Double(range.count)
            if !mean.isFinite {
                // The plain sum overflowed (values near 1e308): a running mean cannot.
                mean = 0
                for (k, t) in range.enumerated() { mean += (values[t] - mean) / Double(k + 1) }
            }
            var squares = 0.0
            for t in range { let e = values[t] - mean; squares += e * e }
            var std = (squares / Double(range.count)).squareRoot()
            if !std.isFinite && mean.isFinite {
                // Σe² overflows once deviations pass about 1e154: sum (e / largest)² instead.
                var largest = 0.0
                for t in range { largest = max(largest, abs(values[t] - mean)) }
                var scaled = 0.0
                for t in range { let e = (values[t] - mean) / largest; scaled += e * e }
                std = largest * (scaled / Double(range.count)).squareRoot()
            }
            // Non-finite statistics are returned as they are: `WindowedDataset.scalingProblem`
            // names them, and the networks fail with that reason instead of training on garbage.
            return (mean, std == 0 ? 1 : std)
        case .minmax:
            var lo = Double.infinity, hi = -Double.infinity
            for t in range { lo = min(lo, values[t]); hi = max(hi, values[t]) }
            let width = hi - lo
            return (lo, width == 0 ? 1 : width)
        case .none:
            return (0, 1)
        }
    }
}
