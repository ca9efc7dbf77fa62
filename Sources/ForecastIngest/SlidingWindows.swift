import ForecastCore
import Foundation

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

extension WindowedDataset {
    /// Bytes `makeWindows` will allocate for `rows` points of `dimInput` features, computed
    /// without allocating: Float32 windows (T·D inputs and h targets each) of every split, plus
    /// the scaled inputs and target (one Double per cell). Lets a caller refuse an oversized window or
    /// feature set before it runs out of memory. O(1).
    public static func estimatedBytes(rows: Int, dimInput: Int, _ options: WindowingOptions) -> Int {
        guard rows > 0, options.stride >= 1, options.timeSteps >= 1, options.horizon >= 1 else { return 0 }
        let c = SlidingWindows.counts(rows, options)
        let windows = c.train + c.validation + c.test
        let perWindow = options.timeSteps.multipliedReportingOverflow(by: dimInput)
        guard !perWindow.overflow else { return .max }
        let floats = windows.multipliedReportingOverflow(by: perWindow.partialValue + options.horizon)
        guard !floats.overflow, floats.partialValue <= Int.max / 8 else { return .max }
        return 4 * floats.partialValue + 8 * rows * (dimInput + 1)
    }
}

/// The windowing computation behind `makeWindows`.
enum SlidingWindows {
    /// Split boundaries (validationStart, testStart) for n points: the test part is the last
    /// round(n · testFraction) points, the validation part the last round(d · validationFraction)
    /// of the d points before it, raised to `minimumValidationPoints` but never beyond ⌊0.4 d⌋.
    static func boundaries(_ n: Int, _ o: WindowingOptions) -> (validation: Int, test: Int) {
        let testStart = n - Int((Double(n) * o.testFraction).rounded())
        var validation = Int((Double(testStart) * o.validationFraction).rounded())
        if let least = o.minimumValidationPoints, o.validationFraction > 0 {
            validation = max(validation, min(least, testStart * 2 / 5))
        }
        return (testStart - validation, testStart)
    }

    /// Window starts whose targets lie in [lo, hi): s ≡ lost (mod stride), s ≥ lost,
    /// lo ≤ s + T and s + T + h ≤ hi.
    static func starts(lo: Int, hi: Int, _ o: WindowingOptions) -> StrideTo<Int> {
        let first = max(o.transform.lostPoints, lo - o.timeSteps)
        let aligned = first + ((o.stride - (first - o.transform.lostPoints) % o.stride) % o.stride)
        let last = hi - o.horizon - o.timeSteps  // inclusive
        return Swift.stride(from: aligned, to: max(aligned, last + 1), by: o.stride)
    }

    /// Windows of the training and validation parts (stride-aligned, every target inside the
    /// part) and of the test part (one per origin, ``originCount(_:_:)``), as `make` builds them.
    static func counts(_ n: Int, _ o: WindowingOptions) -> (train: Int, validation: Int, test: Int) {
        let b = boundaries(n, o)
        return (windowCount(lo: 0, hi: b.validation, o), windowCount(lo: b.validation, hi: b.test, o),
                originCount(b.test..<n, rows: n, o))
    }

    /// Stride-aligned windows whose targets all lie in [lo, hi), counted without iterating.
    static func windowCount(lo: Int, hi: Int, _ o: WindowingOptions) -> Int {
        let s = starts(lo: lo, hi: hi, o)
        guard let first = s.first(where: { _ in true }) else { return 0 }
        return (hi - o.horizon - o.timeSteps - first) / o.stride + 1
    }

    /// The origins of `origins` a network can forecast from in a series of `rows` points: those
    /// with a full window of inputs after the transform's lost points, and with at least their
    /// first target inside the series (o ≤ rows − 1). Every such index, whatever the stride.
    static func forecastOrigins(_ origins: Range<Int>, rows: Int, _ o: WindowingOptions) -> Range<Int> {
        let lo = max(origins.lowerBound, o.transform.lostPoints + o.timeSteps)
        let hi = min(origins.upperBound, rows)
        return lo < hi ? lo..<hi : lo..<lo
    }

    static func originCount(_ origins: Range<Int>, rows: Int, _ o: WindowingOptions) -> Int {
        forecastOrigins(origins, rows: rows, o).count
    }

    /// Fitting needs a training window, a validation window (when there is a validation part)
    /// and a test window with all h targets inside the test part, so every step is scored.
    static func enough(_ n: Int, _ o: WindowingOptions) -> Bool {
        let b = boundaries(n, o)
        return windowCount(lo: 0, hi: b.validation, o) >= 1
            && (o.validationFraction == 0 || windowCount(lo: b.validation, hi: b.test, o) >= 1)
            && (o.testFraction == 0 || windowCount(lo: b.test, hi: n, o) >= 1)
    }

    static func make(_ series: Series, _ o: WindowingOptions, fitted: Scaler?) throws -> WindowedDataset {
        try validate(o, fitting: fitted == nil, file: series.summary.file)
        if let fitted {
            try checkMatches(series, fitted)
            try checkRowsForInput(series, o)
        } else {
            try checkRowsForSplits(series, o)
        }

        // Transformed target, indexed by series index (entries before `lostPoints` unused); the
        // target's own feature column is fed transformed too.
        let z = try o.transform.apply(to: series)
        var raw = series.values
        for d in series.featureNames.indices where series.featureNames[d] == series.targetName { raw[d] = z }

        let n = series.count
        let (validationStart, testStart) = boundaries(n, o)
        let scaler = fitted ?? fitScaler(series, features: raw, target: z, o,
                                         training: o.transform.lostPoints..<max(o.transform.lostPoints, validationStart))
        let inputs: [[Double]] = (0..<series.dimInput).map { d in raw[d].map { scaler.scale($0, feature: d) } }
        let targets = z.map { scaler.scaleTarget($0) }
        func build(_ lo: Int, _ hi: Int) -> WindowSet {
            windowSet(inputs: inputs, targets: targets, starts: Array(starts(lo: lo, hi: hi, o)), o)
        }
        // Test windows are forecasts to score, not examples to learn from: one per test origin,
        // as every other model forecasts from, with the targets past the end unknown.
        let test = windowSet(inputs: inputs, targets: targets,
                             starts: forecastOrigins(testStart..<n, rows: n, o).map { $0 - o.timeSteps }, o)
        return WindowedDataset(train: build(0, validationStart), validation: build(validationStart, testStart),
                               test: test, scaler: scaler, options: o, series: series,
                               validationStart: validationStart, testStart: testStart, inputs: inputs, targets: targets)
    }

    /// Rejects window, stride, horizon and split fractions that cannot be used.
    private static func validate(_ o: WindowingOptions, fitting: Bool, file: String) throws {
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
        guard !fitting || o.testFraction < 1 else {
            throw invalid("the test fraction must be below 1 when fitting", "use a fraction such as 0.2")
        }
    }

    /// The line the too-few-rows error points at: the last data line (nil for a series built in code).
    private static func lastLine(_ series: Series) -> Int? {
        series.summary.lastLine > 0 ? series.summary.lastLine : nil
    }

    /// A fitted scaler applies only to the features and target it was fitted on.
    private static func checkMatches(_ series: Series, _ fitted: Scaler) throws {
        let same = fitted.featureNames.map(normalizedColumnName) == series.featureNames.map(normalizedColumnName)
            && normalizedColumnName(fitted.targetName) == normalizedColumnName(series.targetName)
        guard same else {
            throw IngestError(.columnMismatch, file: series.summary.file,
                              message: "the series has target \(quoted(series.targetName)) and features "
                                  + series.featureNames.map { quoted($0) }.listed()
                                  + ", but the model was trained on target \(quoted(fitted.targetName)) and features "
                                  + fitted.featureNames.map { quoted($0) }.listed(),
                              hint: "pass the same --target and --features as when fitting")
        }
    }

    /// With a fitted scaler only one window of input is needed (for `nextInput()`).
    private static func checkRowsForInput(_ series: Series, _ o: WindowingOptions) throws {
        let n = series.count
        let lost = o.transform.lostPoints
        guard n - lost >= o.timeSteps else {
            throw IngestError(.tooFewRows, file: series.summary.file, line: lastLine(series),
                              message: "too few rows: \(n) after cleaning, but a window of \(o.timeSteps) steps"
                                  + (lost > 0 ? " plus 1 for --transform \(o.transform.rawValue)" : "") + " is needed",
                              hint: "give at least \(o.timeSteps + lost) rows")
        }
    }

    /// When fitting, every split in use needs a window; the error says how many rows would do.
    private static func checkRowsForSplits(_ series: Series, _ o: WindowingOptions) throws {
        let n = series.count
        guard !enough(n, o) else { return }
        let lost = o.transform.lostPoints
        var needed = max(n + 1, o.timeSteps + o.horizon + lost)
        while needed < 100_000_000 && !enough(needed, o) { needed += max(1, needed / 64) }
        // Refine downwards to the smallest sufficient count (enough() is monotone in practice).
        var lo = max(n + 1, o.timeSteps + o.horizon + lost), hi = needed
        while lo < hi { let mid = (lo + hi) / 2; if enough(mid, o) { hi = mid } else { lo = mid + 1 } }
        throw IngestError(.tooFewRows, file: series.summary.file, line: lastLine(series),
                          message: "too few rows: \(n) after cleaning; a window of \(o.timeSteps), horizon \(o.horizon)"
                              + (lost > 0 ? ", --transform \(o.transform.rawValue)" : "")
                              + " and splits (test \(o.testFraction), validation \(o.validationFraction)) need at least \(hi)",
                          hint: "use a shorter --window, or a longer series")
    }

    /// Fits the scaler on the training points of the (transformed) features and target.
    private static func fitScaler(_ series: Series, features raw: [[Double]], target z: [Double], _ o: WindowingOptions,
                                  training: Range<Int>) -> Scaler {
        var offsets: [Double] = [], scales: [Double] = []
        for d in 0..<series.dimInput {
            let s = Scaler.statistics(o.scaling, raw[d], training)
            offsets.append(s.offset)
            scales.append(s.scale)
        }
        let t = Scaler.statistics(o.scaling, z, training)
        return Scaler(kind: o.scaling, featureNames: series.featureNames, offsets: offsets, scales: scales,
                      targetName: series.targetName, targetOffset: t.offset, targetScale: t.scale)
    }

    /// The windows starting at `starts` (the inputs of window i are the points
    /// starts[i] ..< starts[i] + T, its targets the h points after them), from scaled inputs
    /// (D × n) and targets (n); a target past the end of the series is NaN. Precondition: every
    /// start ≥ 0 and starts[i] + T < n. O(N·(T·D + h)).
    static func windowSet(inputs: [[Double]], targets: [Double], starts s: [Int], _ o: WindowingOptions) -> WindowSet {
        let N = s.count, T = o.timeSteps, h = o.horizon, D = inputs.count, n = targets.count
        var x = [Float](repeating: 0, count: T * N * D)
        var y = [Float](repeating: .nan, count: N * h)
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
            for k in 0..<h where s[i] + T + k < n { y[i * h + k] = Float(targets[s[i] + T + k]) }
        }
        return WindowSet(count: N, timeSteps: T, dimInput: D, horizon: h, x: x, y: y, targetIndex: s.map { $0 + T })
    }
}
