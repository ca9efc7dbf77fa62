import Foundation
import Testing
@testable import ForecastModels

/// The optimiser's likelihood filter (one loop per model shape, regrouped recursion, Σ log|ŷ|
/// as a renormalised product) against the plain step-by-step recursion, and the Schur–Cohn
/// fast paths against known roots.
@Suite("ETS fast filter")
struct ETSFilterTests {
    /// −2 log L by the textbook loop: `oneStep`, `innovation`, `update`, one `log` per step.
    func plainCriterion(_ recursion: ETSRecursion, _ y: [Double], _ initial: ExponentialSmoothingState,
                        multiplicativeError: Bool) -> (criterion: Double, state: ETSRecursion.State) {
        var state = recursion.startState(initial)
        var sumSquares = 0.0, sumLog = 0.0
        for value in y {
            let f = recursion.oneStep(state)
            let e = recursion.innovation(value, forecast: f)
            sumSquares += e * e
            sumLog += log(abs(f))
            recursion.update(&state, with: value)
        }
        let criterion = Double(y.count) * log(sumSquares) + (multiplicativeError ? 2 * sumLog : 0)
        return (criterion, state)
    }

    /// Every one of the 12 shapes (error × trend × season, damped), m = 4, on a positive seasonal
    /// series of 400 points: the fast filter's criterion within 1e-10 relative of the plain loop,
    /// and its final level, slope and seasonal ring within 1e-9 relative.
    @Test func everyShapeMatchesThePlainRecursion() {
        let m = 4
        let y = (0..<400).map { t -> Double in
            let x = Double(t)
            return 50 + 0.1 * x + 8 * sin(2 * Double.pi * x / Double(m)) + 3 * sin(0.37 * x * x)
        }
        var shapes = 0
        for error in ETSSpec.ErrorKind.allCases {
            for trend in ETSSpec.TrendKind.allCases {
                for season in ETSSpec.SeasonKind.allCases {
                    let spec = ETSSpec(error: error, trend: trend, season: season)
                    let parameters = ETSParameters(alpha: 0.3, beta: spec.hasTrend ? 0.05 : nil,
                                                   gamma: spec.isSeasonal ? 0.1 : nil, phi: spec.isDamped ? 0.9 : nil)
                    let seasonal: [Double] = !spec.isSeasonal ? []
                        : season == .additive ? [-8, 0, 8, 0] : [0.85, 1, 1.15, 1]
                    let initial = ExponentialSmoothingState(level: 50, trend: spec.hasTrend ? 0.1 : nil, seasonal: seasonal)
                    let recursion = ETSRecursion(spec: spec, seasonLength: m, parameters: parameters)
                    let plain = plainCriterion(recursion, y, initial, multiplicativeError: error == .multiplicative)
                    var fast = recursion.startState(initial)
                    let criterion = recursion.negativeTwiceLogLikelihood(y, state: &fast)
                    #expect(etsRelativeError(criterion, plain.criterion) < 1e-10, "\(spec): \(criterion) vs \(plain.criterion)")
                    #expect(etsRelativeError(fast.level, plain.state.level) < 1e-9, "\(spec)")
                    #expect(etsRelativeError(fast.slope, plain.state.slope) < 1e-9, "\(spec)")
                    #expect(fast.slot == plain.state.slot, "\(spec)")
                    for (a, b) in zip(fast.ring, plain.state.ring) { #expect(etsRelativeError(a, b) < 1e-9, "\(spec)") }
                    shapes += 1
                }
            }
        }
        #expect(shapes == 18)  // 12 distinct loops; damped and undamped share one
    }

    /// The pass that also writes the innovations (Levenberg–Marquardt's residuals): on all 18
    /// shapes it returns the criterion of the pass without them bit for bit, and its eₜ are the
    /// plain recursion's `innovation` within 1e-9 relative (absolute below 1e-9).
    @Test func innovationsPassMatchesThePlainRecursion() {
        let m = 4
        let y = (0..<200).map { t -> Double in
            let x = Double(t)
            return 50 + 0.1 * x + 8 * sin(2 * Double.pi * x / Double(m)) + 3 * sin(0.37 * x * x)
        }
        var shapes = 0
        for error in ETSSpec.ErrorKind.allCases {
            for trend in ETSSpec.TrendKind.allCases {
                for season in ETSSpec.SeasonKind.allCases {
                    let spec = ETSSpec(error: error, trend: trend, season: season)
                    let parameters = ETSParameters(alpha: 0.3, beta: spec.hasTrend ? 0.05 : nil,
                                                   gamma: spec.isSeasonal ? 0.1 : nil, phi: spec.isDamped ? 0.9 : nil)
                    let seasonal: [Double] = !spec.isSeasonal ? []
                        : season == .additive ? [-8, 0, 8, 0] : [0.85, 1, 1.15, 1]
                    let initial = ExponentialSmoothingState(level: 50, trend: spec.hasTrend ? 0.1 : nil, seasonal: seasonal)
                    let recursion = ETSRecursion(spec: spec, seasonLength: m, parameters: parameters)
                    var plainState = recursion.startState(initial)
                    var expected = [Double]()
                    for value in y {
                        expected.append(recursion.innovation(value, forecast: recursion.oneStep(plainState)))
                        recursion.update(&plainState, with: value)
                    }
                    var without = recursion.startState(initial)
                    let criterion = recursion.negativeTwiceLogLikelihood(y, state: &without)
                    var state = recursion.startState(initial)
                    var written = [Double](repeating: .nan, count: y.count)
                    let withInnovations = y.withUnsafeBufferPointer { series in
                        state.ring.withUnsafeMutableBufferPointer { ring in
                            written.withUnsafeMutableBufferPointer { out in
                                recursion.negativeTwiceLogLikelihood(series, level: &state.level, slope: &state.slope,
                                                                     ring: ring, slot: &state.slot,
                                                                     innovations: out.baseAddress!)
                            }
                        }
                    }
                    #expect(withInnovations == criterion, "\(spec)")
                    for (a, b) in zip(written, expected) {
                        #expect(abs(a - b) <= 1e-9 * max(abs(b), 1), "\(spec): \(a) vs \(b)")
                    }
                    shapes += 1
                }
            }
        }
        #expect(shapes == 18)
    }

    /// Multiplicative error on 3000 values near 1e90 (Π|ŷ| passes 1e200 within three steps, so
    /// the product must be renormalised over and over) and near 1e150 (each |ŷ| > 1e100 takes
    /// its own `log`); then a zero forecast (ℓ₀ = 0), counted as log 1e-8 as statsforecast does.
    /// Checked against Σ log|ŷ| summed directly.
    @Test func logProductSurvivesExtremeScales() {
        let spec = ETSSpec(error: .multiplicative, trend: .none, season: .none)
        let recursion = ETSRecursion(spec: spec, seasonLength: 1, parameters: ETSParameters(alpha: 0.5))
        for scale in [1e90, 1e-90, 1e150] {
            let y = (0..<3000).map { t in scale * (1 + 0.1 * sin(Double(t))) }
            let plain = plainCriterion(recursion, y, ExponentialSmoothingState(level: scale), multiplicativeError: true)
            var state = recursion.startState(ExponentialSmoothingState(level: scale))
            let fast = recursion.negativeTwiceLogLikelihood(y, state: &state)
            #expect(plain.criterion.isFinite)
            #expect(etsRelativeError(fast, plain.criterion) < 1e-11, "\(scale): \(fast) vs \(plain.criterion)")
        }

        // ℓ₀ = 0: ŷ₁ = 0 counts log(1e-8), as statsforecast; later forecasts are ordinary.
        let small = [1e-3, 2e-3, 1.5e-3, 1e-3]
        var zeroStart = recursion.startState(ExponentialSmoothingState(level: 0))
        let withZero = recursion.negativeTwiceLogLikelihood(small, state: &zeroStart)
        var reference = recursion.startState(ExponentialSmoothingState(level: 0))
        var sumSquares = 0.0, sumLog = 0.0
        for value in small {
            let f = recursion.oneStep(reference)
            let e = recursion.innovation(value, forecast: f)
            sumSquares += e * e
            sumLog += log(abs(f) > 0 ? abs(f) : 1e-8)
            recursion.update(&reference, with: value)
        }
        let expected = 4 * log(sumSquares) + 2 * sumLog
        #expect(etsRelativeError(withZero, expected) < 1e-12, "\(withZero) vs \(expected)")
    }

    /// Schur–Cohn beyond Rouché's shortcut: (z − 0.9)² = z² − 1.8z + 0.81 has Σ|cₖ| > 1 but
    /// both roots inside; (z − 0.9)(z − 1.05) one outside; (z − 0.5)(z² + 1.2z + 0.95) (|roots|
    /// 0.5 and √0.95) inside; its mirror with z² + 1.2z + 1.05 not.
    @Test func schurCohnBeyondRouche() {
        #expect(ETSParameterRegion.rootsStrictlyInsideUnitCircle([0.81, -1.8, 1]))
        #expect(!ETSParameterRegion.rootsStrictlyInsideUnitCircle([0.945, -1.95, 1]))
        // (z − 0.5)(z² + 1.2z + 0.95) = z³ + 0.7z² + 0.35z − 0.475
        #expect(ETSParameterRegion.rootsStrictlyInsideUnitCircle([-0.475, 0.35, 0.7, 1]))
        // (z − 0.5)(z² + 1.2z + 1.05) = z³ + 0.7z² + 0.45z − 0.525
        #expect(!ETSParameterRegion.rootsStrictlyInsideUnitCircle([-0.525, 0.45, 0.7, 1]))
    }

    /// The two-lane pass the Jacobian uses: on every shape, two different parameter sets and start
    /// states filtered together give each one's criterion, innovations and final ring bit for bit
    /// as the single pass does.
    @Test func pairPassMatchesTwoSinglePasses() {
        let m = 4
        let y = (0..<300).map { t -> Double in
            let x = Double(t)
            return 50 + 0.1 * x + 8 * sin(2 * Double.pi * x / Double(m)) + 3 * sin(0.37 * x * x)
        }
        var shapes = 0
        for error in ETSSpec.ErrorKind.allCases {
            for trend in ETSSpec.TrendKind.allCases {
                for season in ETSSpec.SeasonKind.allCases {
                    let spec = ETSSpec(error: error, trend: trend, season: season)
                    func lane(alpha: Double, beta: Double, gamma: Double, phi: Double, level: Double, slope: Double,
                              shift: Double) -> (recursion: ETSRecursion, level: Double, slope: Double, start: [Double],
                                                 criterion: Double, innovations: [Double], ring: [Double]) {
                        let parameters = ETSParameters(alpha: alpha, beta: spec.hasTrend ? beta : nil,
                                                       gamma: spec.isSeasonal ? gamma : nil, phi: spec.isDamped ? phi : nil)
                        let recursion = ETSRecursion(spec: spec, seasonLength: m, parameters: parameters)
                        let seasonal: [Double] = !spec.isSeasonal ? [0]
                            : season == .additive ? [-8 + shift, 0, 8, 0] : [0.85 + shift / 100, 1, 1.15, 1]
                        var (l, b, slot) = (level, spec.hasTrend ? slope : 0, 0)
                        var ring = seasonal
                        var out = [Double](repeating: .nan, count: y.count)
                        let criterion = y.withUnsafeBufferPointer { series in
                            ring.withUnsafeMutableBufferPointer { ring in
                                out.withUnsafeMutableBufferPointer { o in
                                    recursion.negativeTwiceLogLikelihood(series, level: &l, slope: &b, ring: ring, slot: &slot,
                                                                         innovations: o.baseAddress!)
                                }
                            }
                        }
                        return (recursion, level, spec.hasTrend ? slope : 0, seasonal, criterion, out, ring)
                    }
                    let a = lane(alpha: 0.31, beta: 0.042, gamma: 0.1, phi: 0.93, level: 49.5, slope: 0.12, shift: 0)
                    let b = lane(alpha: 0.3100001, beta: 0.05, gamma: 0.07, phi: 0.8, level: 50.5, slope: -0.3, shift: 0.5)
                    guard spec.isAllowed, a.criterion.isFinite else { continue }
                    var (outA, outB) = ([Double](repeating: .nan, count: y.count), [Double](repeating: .nan, count: y.count))
                    var (ringA, ringB) = (a.start, b.start)
                    let (criterionA, criterionB) = y.withUnsafeBufferPointer { series in
                        outA.withUnsafeMutableBufferPointer { oa in
                            outB.withUnsafeMutableBufferPointer { ob in
                                ringA.withUnsafeMutableBufferPointer { ra in
                                    ringB.withUnsafeMutableBufferPointer { rb in
                                        ETSRecursion.pairCriterion(series, a.recursion, level: a.level, slope: a.slope, ring: ra,
                                                                   innovations: oa.baseAddress!,
                                                                   b.recursion, level: b.level, slope: b.slope, ring: rb,
                                                                   innovations: ob.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                    #expect(criterionA == a.criterion && criterionB == b.criterion, "\(spec)")
                    #expect(outA == a.innovations && outB == b.innovations, "\(spec)")
                    #expect(criterionA != criterionB, "\(spec)")
                    if spec.isSeasonal { #expect(ringA == a.ring && ringB == b.ring, "\(spec)") }
                    shapes += 1
                }
            }
        }
        #expect(shapes >= 12)
    }
}
