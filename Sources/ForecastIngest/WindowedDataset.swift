import Foundation

/// Windows for training, validation and testing, with what is needed to map outputs back to
/// the original scale and to forecast past the last row.
///
/// Splits are by time: points `0 ..< validationStart` are training, `validationStart ..< testStart`
/// validation, `testStart ..< n` test. The networks learn from `train` and stop early on
/// `validation`: there a window belongs to the split holding all its target points (windows whose
/// targets straddle a boundary are left out, and windows start `stride` apart). `test` is made to
/// be scored like every other model: one window per test origin (see
/// ``windows(forecastingFrom:)``). Inputs may reach back into earlier parts.
public struct WindowedDataset: Sendable {
    public let train: WindowSet
    public let validation: WindowSet
    /// One window per origin of the test part (`testStart ..< n`, every index whatever the
    /// stride), so the networks forecast from the same origins as the baselines and statistical
    /// models; targets past the last row are NaN (a forecast from a late origin is scored only on
    /// the steps that have an actual value).
    public let test: WindowSet
    public let scaler: Scaler
    public let transform: TargetTransform
    public let options: WindowingOptions
    public var timeSteps: Int { options.timeSteps }
    public var horizon: Int { options.horizon }
    public var dimInput: Int { featureNames.count }
    public let featureNames: [String]
    public let targetName: String
    /// First series index of the validation and of the test part.
    public let validationStart: Int
    public let testStart: Int
    /// The cleaned target in its original scale (index = series index).
    public let targetLevels: [Double]
    public let dates: [Date]?
    public let frequency: Frequency
    /// Scaled, transformed model inputs (D × n; entries before `transform.lostPoints` unused).
    private let inputs: [[Double]]
    /// Scaled, transformed target (n; entries before `transform.lostPoints` unused).
    private let targets: [Double]

    /// Windows to forecast from each origin `o` of `origins` (the index of the step-1 target;
    /// inputs are the T points before it), as `RollingForecasts` numbers origins: every index,
    /// whatever the stride, that has a full window of inputs (o ≥ T plus the transform's lost
    /// points) and lies inside the series (o < n). A network needs only the inputs to forecast;
    /// `y` holds the targets where they exist and NaN past the last row. Used for the forecasts
    /// of the validation part that are scored beside the other models'. O(N·(T·D + h)).
    public func windows(forecastingFrom origins: Range<Int>) -> WindowSet {
        let kept = SlidingWindows.forecastOrigins(origins, rows: targetLevels.count, options)
        return SlidingWindows.windowSet(inputs: inputs, targets: targets, starts: kept.map { $0 - timeSteps }, options)
    }

    /// Why the networks cannot use these windows, or nil: a scaling statistic or a scaled value
    /// that is not finite, or too large for the networks' 32-bit floats. Baselines work on the
    /// original values and are not affected. O(D · n), computed once.
    public var scalingProblem: String? {
        let names = featureNames
        for (d, (offset, scale)) in zip(scaler.offsets, scaler.scales).enumerated() where !(offset.isFinite && scale.isFinite) {
            return "the training values of \"\(names[d])\" span more than a 64-bit float can hold (offset \(offset), scale \(scale))"
        }
        if !(scaler.targetOffset.isFinite && scaler.targetScale.isFinite) {
            return "the training values of the target \"\(targetName)\" span more than a 64-bit float can hold"
                + " (offset \(scaler.targetOffset), scale \(scaler.targetScale))"
        }
        let limit = Double(Float.greatestFiniteMagnitude)
        for d in inputs.indices {
            for t in transform.lostPoints..<inputs[d].count where !(abs(inputs[d][t]) <= limit) {
                return "the scaled value of \"\(names[d])\" at row \(t + 1) is \(inputs[d][t]), beyond what the networks' 32-bit floats hold"
            }
        }
        return nil
    }

    /// Original-scale forecasts from model outputs `predictions` of shape (N, h) for `set`:
    /// result[i][k] forecasts the target at series index `set.targetIndex[i] + k`. Transforms are
    /// undone from the actual value before the window's first target (rolling origin): for `diff`,
    /// y[t+k] = y[t−1] + Σ_{j≤k} Δ̂_j; for `log-return`, y[t+k] = y[t−1]·exp(Σ_{j≤k} r̂_j).
    public func inverse(predictions: [Double], for set: WindowSet) -> [[Double]] {
        precondition(predictions.count == set.count * horizon, "predictions must have shape (N, horizon)")
        return (0..<set.count).map { i in
            invert(Array(predictions[(i * horizon)..<((i + 1) * horizon)]), base: set.targetIndex[i] - 1)
        }
    }

    /// `inverse(predictions:for:)` for Float32 model outputs.
    public func inverse(predictions: [Float], for set: WindowSet) -> [[Double]] {
        inverse(predictions: predictions.map(Double.init), for: set)
    }

    /// The actual original-scale targets of `set`, shape N × h (same layout as `inverse`); NaN
    /// past the last row.
    public func actuals(for set: WindowSet) -> [[Double]] {
        set.targetIndex.map { t in (0..<horizon).map { t + $0 < targetLevels.count ? targetLevels[t + $0] : .nan } }
    }

    /// Input for forecasting past the last row: the last T points, shape (T, 1, D).
    public func nextInput() -> [Float] {
        let n = targetLevels.count, T = timeSteps, D = dimInput
        var out = [Float](repeating: 0, count: T * D)
        for s in 0..<T {
            for d in 0..<D { out[s * D + d] = Float(inputs[d][n - T + s]) }
        }
        return out
    }

    /// Original-scale forecasts of the next h points from a model output of shape (1, h), using
    /// the last actual value as the base.
    public func inverseNext(_ prediction: [Double]) -> [Double] {
        precondition(prediction.count == horizon, "prediction must have shape (1, horizon)")
        return invert(prediction, base: targetLevels.count - 1)
    }

    public func inverseNext(_ prediction: [Float]) -> [Double] {
        inverseNext(prediction.map(Double.init))
    }

    /// Dates of the next h points (nil without dates).
    public func nextDates() -> [Date]? {
        guard let last = dates?.last else { return nil }
        return (1...horizon).map { frequency.advance(last, by: $0) }
    }

    /// Undoes scaling and transform of one window's h outputs; `base` is the series index of the
    /// last actual before the first target.
    private func invert(_ outputs: [Double], base: Int) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(outputs.count)
        var cumulative = 0.0
        for v in outputs {
            let z = scaler.unscaleTarget(v)
            switch transform {
            case .none: out.append(z)
            case .diff: cumulative += z; out.append(targetLevels[base] + cumulative)
            case .logReturn: cumulative += z; out.append(targetLevels[base] * Foundation.exp(cumulative))
            }
        }
        return out
    }

    init(train: WindowSet, validation: WindowSet, test: WindowSet, scaler: Scaler, options: WindowingOptions,
         series: Series, validationStart: Int, testStart: Int, inputs: [[Double]], targets: [Double]) {
        self.train = train
        self.validation = validation
        self.test = test
        self.scaler = scaler
        self.transform = options.transform
        self.options = options
        self.featureNames = series.featureNames
        self.targetName = series.targetName
        self.validationStart = validationStart
        self.testStart = testStart
        self.targetLevels = series.target
        self.dates = series.dates
        self.frequency = series.frequency
        self.inputs = inputs
        self.targets = targets
    }
}
