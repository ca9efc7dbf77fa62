import Foundation

/// How features and targets are scaled; statistics come from the training part only.
public enum Scaling: String, CaseIterable, Sendable, Codable {
    /// (x − mean) / std, population std (ddof 0); a constant column uses std 1.
    case zscore
    /// (x − min) / (max − min); a constant column uses a range of 1.
    case minmax
    /// Values unchanged.
    case none
}

/// A transform of the target applied before windowing and inverted after prediction.
public enum TargetTransform: String, CaseIterable, Sendable, Codable {
    /// Levels y[t].
    case none
    /// y[t] − y[t−1].
    case diff
    /// log(y[t] / y[t−1]); every target value must be positive.
    case logReturn = "log-return"

    /// Points lost at the start of the series (the first value has no predecessor).
    public var lostPoints: Int { self == .none ? 0 : 1 }
}

/// Options for building sliding windows and splits from a series.
public struct WindowingOptions: Sendable, Equatable, Codable {
    /// Past steps in each window (`time_steps`, `--window`).
    public var timeSteps: Int
    /// Distance between the starts of consecutive windows (`--stride`).
    public var stride: Int
    /// Steps ahead predicted by each window: targets y[t+1 ... t+h] (`--horizon`).
    public var horizon: Int
    /// Fraction of the series' points, at the end, forming the test part.
    public var testFraction: Double
    /// Fraction of the points before the test part, at their end, forming the validation part.
    public var validationFraction: Double
    public var scaling: Scaling
    public var transform: TargetTransform

    public init(timeSteps: Int = 32, stride: Int = 1, horizon: Int = 1, testFraction: Double = 0.2,
                validationFraction: Double = 0.1, scaling: Scaling = .zscore, transform: TargetTransform = .none) {
        self.timeSteps = timeSteps
        self.stride = stride
        self.horizon = horizon
        self.testFraction = testFraction
        self.validationFraction = validationFraction
        self.scaling = scaling
        self.transform = transform
    }
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
    /// Standard deviation (z-score), range (min-max) or 1 (none), per feature; never 0.
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
    @inline(__always) public func unscale(_ value: Double, feature d: Int) -> Double { value * scales[d] + offsets[d] }
    @inline(__always) public func scaleTarget(_ value: Double) -> Double { (value - targetOffset) / targetScale }
    @inline(__always) public func unscaleTarget(_ value: Double) -> Double { value * targetScale + targetOffset }

    /// (offset, scale) of `values[range]` for `kind`. O(range.count).
    static func statistics(_ kind: Scaling, _ values: [Double], _ range: Range<Int>) -> (offset: Double, scale: Double) {
        guard kind != .none, !range.isEmpty else { return (0, 1) }
        switch kind {
        case .zscore:
            var sum = 0.0
            for t in range { sum += values[t] }
            let mean = sum / Double(range.count)
            var squares = 0.0
            for t in range { let e = values[t] - mean; squares += e * e }
            let std = (squares / Double(range.count)).squareRoot()
            return (mean, std > 0 && std.isFinite ? std : 1)
        case .minmax:
            var lo = Double.infinity, hi = -Double.infinity
            for t in range { lo = min(lo, values[t]); hi = max(hi, values[t]) }
            let width = hi - lo
            return (lo, width > 0 && width.isFinite ? width : 1)
        case .none:
            return (0, 1)
        }
    }
}

/// One split's windows, ready for a model. N = `count`, T = `timeSteps`, D = `dimInput`, h = `horizon`.
public struct WindowSet: Sendable {
    public let count: Int
    public let timeSteps: Int
    public let dimInput: Int
    public let horizon: Int
    /// Recurrent input, shape (T, N, D), time-major, contiguous:
    /// `x[(s * N + i) * D + d]` is window i, step s, feature d (scaled, target transformed).
    public let x: [Float]
    /// Targets, shape (N, h): `y[i * h + k]` is the scaled (transformed) target at series index
    /// `targetIndex[i] + k`.
    public let y: [Float]
    /// Series index of the first target point of each window; the window's inputs are the
    /// points `targetIndex[i] − T ..< targetIndex[i]`.
    public let targetIndex: [Int]

    /// Windows built elsewhere (tests, synthetic data). Shapes: x (T, N, D), y (N, h), targetIndex N.
    public init(count: Int, timeSteps: Int, dimInput: Int, horizon: Int, x: [Float], y: [Float], targetIndex: [Int]) {
        precondition(x.count == timeSteps * count * dimInput && y.count == count * horizon && targetIndex.count == count,
                     "WindowSet shapes: x (T, N, D), y (N, h), targetIndex (N)")
        self.count = count
        self.timeSteps = timeSteps
        self.dimInput = dimInput
        self.horizon = horizon
        self.x = x
        self.y = y
        self.targetIndex = targetIndex
    }

    /// Feed-forward input, shape (N, T·D): `flat()[i * T * D + s * D + d] == x[(s * N + i) * D + d]`.
    /// Computed on each call: O(N·T·D).
    public func flat() -> [Float] {
        let T = timeSteps, N = count, D = dimInput
        var out = [Float](repeating: 0, count: N * T * D)
        out.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer { src in
                for s in 0..<T {
                    for i in 0..<N {
                        for d in 0..<D { o[i * T * D + s * D + d] = src[(s * N + i) * D + d] }
                    }
                }
            }
        }
        return out
    }
}

/// Windows for training, validation and testing, with what is needed to map outputs back to
/// the original scale and to forecast past the last row.
///
/// Splits are by time: points `0 ..< validationStart` are training, `validationStart ..< testStart`
/// validation, `testStart ..< n` test. A window belongs to the split holding all its target points
/// (windows whose targets straddle a boundary are left out); its inputs may reach back into
/// earlier parts.
public struct WindowedDataset: Sendable {
    public let train: WindowSet
    public let validation: WindowSet
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

    /// The actual original-scale targets of `set`, shape N × h (same layout as `inverse`).
    public func actuals(for set: WindowSet) -> [[Double]] {
        set.targetIndex.map { t in (0..<horizon).map { targetLevels[t + $0] } }
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
         series: Series, validationStart: Int, testStart: Int, inputs: [[Double]]) {
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
    }
}

/// Builds windows, splits and scaling from a series, fitting the scaler on the training part.
/// Throws `.tooFewRows` (exit 18) when a split would get no window, `.invalidOption` (exit 64)
/// for impossible options or a log-return of non-positive values. O(n·D + N·T·D).
public func makeWindows(_ series: Series, _ options: WindowingOptions) throws -> WindowedDataset {
    try SlidingWindows.make(series, options, fitted: nil)
}

/// Builds windows with an already fitted scaler (from a checkpoint): no fitting, and splits may
/// be empty (use `testFraction` 1 to put every window in `test`); only the last `timeSteps` points
/// are required, for `nextInput()`. Throws `.columnMismatch` (exit 32) when the series' features
/// or target differ from the scaler's.
public func makeWindows(_ series: Series, _ options: WindowingOptions, scaler: Scaler) throws -> WindowedDataset {
    try SlidingWindows.make(series, options, fitted: scaler)
}

/// The windowing computation behind `makeWindows`.
enum SlidingWindows {
    /// Split boundaries (validationStart, testStart) for n points.
    static func boundaries(_ n: Int, _ o: WindowingOptions) -> (validation: Int, test: Int) {
        let testStart = n - Int((Double(n) * o.testFraction).rounded())
        let validationStart = testStart - Int((Double(testStart) * o.validationFraction).rounded())
        return (validationStart, testStart)
    }

    /// Window starts whose targets lie in [lo, hi): s ≡ lost (mod stride), s ≥ lost,
    /// lo ≤ s + T and s + T + h ≤ hi.
    static func starts(lo: Int, hi: Int, _ o: WindowingOptions) -> StrideTo<Int> {
        let first = max(o.transform.lostPoints, lo - o.timeSteps)
        let aligned = first + ((o.stride - (first - o.transform.lostPoints) % o.stride) % o.stride)
        let last = hi - o.horizon - o.timeSteps  // inclusive
        return Swift.stride(from: aligned, to: max(aligned, last + 1), by: o.stride)
    }

    static func counts(_ n: Int, _ o: WindowingOptions) -> (train: Int, validation: Int, test: Int) {
        let b = boundaries(n, o)
        func count(_ lo: Int, _ hi: Int) -> Int {
            let s = starts(lo: lo, hi: hi, o)  // StrideTo: count without iterating
            let first = s.first { _ in true }
            guard let first else { return 0 }
            return (hi - o.horizon - o.timeSteps - first) / o.stride + 1
        }
        return (count(0, b.validation), count(b.validation, b.test), count(b.test, n))
    }

    static func enough(_ n: Int, _ o: WindowingOptions) -> Bool {
        let c = counts(n, o)
        return c.train >= 1 && (o.validationFraction == 0 || c.validation >= 1) && (o.testFraction == 0 || c.test >= 1)
    }

    static func make(_ series: Series, _ o: WindowingOptions, fitted: Scaler?) throws -> WindowedDataset {
        let file = series.summary.file
        func invalid(_ what: String, _ hint: String) -> IngestError {
            IngestError(.invalidOption, file: file, message: what, hint: hint)
        }
        guard o.timeSteps >= 1 else { throw invalid("window length must be at least 1 (got \(o.timeSteps))", "pass --window N with N ≥ 1") }
        guard o.stride >= 1 else { throw invalid("stride must be at least 1 (got \(o.stride))", "pass --stride N with N ≥ 1") }
        guard o.horizon >= 1 else { throw invalid("horizon must be at least 1 (got \(o.horizon))", "pass --horizon N with N ≥ 1") }
        guard o.testFraction >= 0, o.testFraction <= 1, o.validationFraction >= 0, o.validationFraction < 1,
              o.testFraction.isFinite, o.validationFraction.isFinite else {
            throw invalid("split fractions must be in [0, 1) (test \(o.testFraction), validation \(o.validationFraction))",
                          "use fractions such as 0.2 and 0.1")
        }
        guard fitted != nil || o.testFraction < 1 else {
            throw invalid("the test fraction must be below 1 when fitting", "use a fraction such as 0.2")
        }
        let n = series.count
        let D = series.dimInput
        // The error for too few rows points at the last data line (nil for a series built in code).
        let lastLine: Int? = series.summary.lastLine > 0 ? series.summary.lastLine : nil
        let lost = o.transform.lostPoints

        if let fitted {
            let same = fitted.featureNames.map(normalizedColumnName) == series.featureNames.map(normalizedColumnName)
                && normalizedColumnName(fitted.targetName) == normalizedColumnName(series.targetName)
            guard same else {
                throw IngestError(.columnMismatch, file: file,
                                  message: "the series has target \(quoted(series.targetName)) and features "
                                      + series.featureNames.map { quoted($0) }.joined(separator: ", ")
                                      + ", but the model was trained on target \(quoted(fitted.targetName)) and features "
                                      + fitted.featureNames.map { quoted($0) }.joined(separator: ", "),
                                  hint: "pass the same --target and --features as when fitting")
            }
            guard n - lost >= o.timeSteps else {
                throw IngestError(.tooFewRows, file: file, line: lastLine,
                                  message: "too few rows: \(n) after cleaning, but a window of \(o.timeSteps) steps"
                                      + (lost > 0 ? " plus 1 for --transform \(o.transform.rawValue)" : "") + " is needed",
                                  hint: "give at least \(o.timeSteps + lost) rows")
            }
        } else if !enough(n, o) {
            var needed = max(n + 1, o.timeSteps + o.horizon + lost)
            while needed < 100_000_000 && !enough(needed, o) { needed += max(1, needed / 64) }
            // Refine downwards to the smallest sufficient count (enough() is monotone in practice).
            var lo = max(n + 1, o.timeSteps + o.horizon + lost), hi = needed
            while lo < hi { let mid = (lo + hi) / 2; if enough(mid, o) { hi = mid } else { lo = mid + 1 } }
            throw IngestError(.tooFewRows, file: file, line: lastLine,
                              message: "too few rows: \(n) after cleaning; a window of \(o.timeSteps), horizon \(o.horizon)"
                                  + (lost > 0 ? ", --transform \(o.transform.rawValue)" : "")
                                  + " and splits (test \(o.testFraction), validation \(o.validationFraction)) need at least \(hi)",
                              hint: "use a shorter --window, or a longer series")
        }

        // Transformed target, indexed by series index (entries before `lost` unused).
        var z = series.target
        switch o.transform {
        case .none: break
        case .diff:
            for t in stride(from: n - 1, through: 1, by: -1) { z[t] = series.target[t] - series.target[t - 1] }
            if n > 0 { z[0] = .nan }
        case .logReturn:
            if let bad = series.target.firstIndex(where: { !($0 > 0) }) {
                let when = series.dates.map { " on " + IngestSummary.isoDay($0[bad]) } ?? " at row \(bad + 1)"
                throw IngestError(.invalidOption, file: file, offendingText: String(series.target[bad]),
                                  message: "--transform log-return needs positive values, but \(quoted(series.targetName)) is \(series.target[bad])\(when)",
                                  hint: "use --transform diff or none")
            }
            for t in stride(from: n - 1, through: 1, by: -1) { z[t] = Foundation.log(series.target[t] / series.target[t - 1]) }
            if n > 0 { z[0] = .nan }
        }
        let targetFeature = series.featureNames.indices.filter { series.featureNames[$0] == series.targetName }
        var raw = series.values
        for d in targetFeature { raw[d] = z }

        let (validationStart, testStart) = boundaries(n, o)
        let scaler: Scaler
        if let fitted {
            scaler = fitted
        } else {
            let trainRange = lost..<max(lost, validationStart)
            var offsets: [Double] = [], scales: [Double] = []
            for d in 0..<D {
                let s = Scaler.statistics(o.scaling, raw[d], trainRange)
                offsets.append(s.offset)
                scales.append(s.scale)
            }
            let t = Scaler.statistics(o.scaling, z, trainRange)
            scaler = Scaler(kind: o.scaling, featureNames: series.featureNames, offsets: offsets, scales: scales,
                            targetName: series.targetName, targetOffset: t.offset, targetScale: t.scale)
        }
        let inputs: [[Double]] = (0..<D).map { d in raw[d].map { scaler.scale($0, feature: d) } }
        let targets = z.map { scaler.scaleTarget($0) }

        func build(_ lo: Int, _ hi: Int) -> WindowSet {
            let s = Array(starts(lo: lo, hi: hi, o))
            let N = s.count, T = o.timeSteps, h = o.horizon
            var x = [Float](repeating: 0, count: T * N * D)
            var y = [Float](repeating: 0, count: N * h)
            x.withUnsafeMutableBufferPointer { xp in
                for d in 0..<D {
                    inputs[d].withUnsafeBufferPointer { col in
                        for step in 0..<T {
                            for i in 0..<N { xp[(step * N + i) * D + d] = Float(col[s[i] + step]) }
                        }
                    }
                }
            }
            for i in 0..<N {
                for k in 0..<h { y[i * h + k] = Float(targets[s[i] + T + k]) }
            }
            return WindowSet(count: N, timeSteps: T, dimInput: D, horizon: h, x: x, y: y, targetIndex: s.map { $0 + T })
        }
        return WindowedDataset(train: build(0, validationStart), validation: build(validationStart, testStart),
                               test: build(testStart, n), scaler: scaler, options: o, series: series,
                               validationStart: validationStart, testStart: testStart, inputs: inputs)
    }
}
