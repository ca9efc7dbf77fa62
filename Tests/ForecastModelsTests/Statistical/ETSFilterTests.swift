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

    /// Calls `body` for each of the 18 (error, trend, season) shapes with α = 0.3, β = 0.05,
    /// γ = 0.1, φ = 0.9 as the shape has them and a start state of level 50, slope 0.1 and the
    /// seasonal states (−8, 0, 8, 0) or (0.85, 1, 1.15, 1); returns how many shapes it visited.
    func forEveryShape(seasonLength m: Int, _ body: (ETSSpec, ETSRecursion, ExponentialSmoothingState) -> Void) -> Int {
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
                    body(spec, ETSRecursion(spec: spec, seasonLength: m, parameters: parameters), initial)
                    shapes += 1
                }
            }
        }
        return shapes
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
        let shapes = forEveryShape(seasonLength: m) { spec, recursion, initial in
            let plain = plainCriterion(recursion, y, initial, multiplicativeError: spec.error == .multiplicative)
            var fast = recursion.startState(initial)
            let criterion = recursion.negativeTwiceLogLikelihood(y, state: &fast)
            #expect(etsRelativeError(criterion, plain.criterion) < 1e-10, "\(spec): \(criterion) vs \(plain.criterion)")
            #expect(etsRelativeError(fast.level, plain.state.level) < 1e-9, "\(spec)")
            #expect(etsRelativeError(fast.slope, plain.state.slope) < 1e-9, "\(spec)")
            #expect(fast.slot == plain.state.slot, "\(spec)")
            for (a, b) in zip(fast.ring, plain.state.ring) { #expect(etsRelativeError(a, b) < 1e-9, "\(spec)") }
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
        let shapes = forEveryShape(seasonLength: m) { spec, recursion, initial in
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

    /// The exact Jacobian of the least-squares residuals (forward sensitivities, with the
    /// geometric-mean factor of multiplicative error) against central differences of the residuals
    /// themselves, on every allowed shape, at a point away from the start values; also n·log Σrₜ²
    /// equals the criterion there.
    @Test func sensitivityJacobianMatchesCentralDifferences() throws {
        let m = 4
        let y = (0..<120).map { t -> Double in
            let x = Double(t)
            return 50 + 0.1 * x + 8 * sin(2 * Double.pi * x / Double(m)) + 3 * sin(0.37 * x * x)
        }
        var shapes = 0
        for spec in ETSSpec.searchOrder where spec.isAllowed {
            let problem = ETSLeastSquares(y, seasonLength: m, spec: spec)
            let layout = ETS.Layout(spec: spec, seasonLength: m)
            var x: [Double] = [0.31]
            if spec.hasTrend { x.append(0.042) }
            if spec.isSeasonal { x.append(0.1) }
            if spec.isDamped { x.append(0.93) }
            x.append(49.5)
            if spec.hasTrend { x.append(0.12) }
            if spec.isSeasonal { x += spec.season == .additive ? [-7.5, 0.3, 8.2] : [0.86, 1.01, 1.14] }
            #expect(x.count == problem.coordinates && layout.seasonOffset <= x.count, "\(spec)")
            let n = y.count
            var r = [Double](repeating: .nan, count: n)
            let feasible = r.withUnsafeMutableBufferPointer { problem.residuals(x, into: $0.baseAddress!) }
            try #require(feasible, "\(spec)")
            let sumSquares = r.reduce(0) { $0 + $1 * $1 }
            #expect(abs(Double(n) * log(sumSquares) - problem.criterion(x)) < 1e-9 * abs(problem.criterion(x)), "\(spec)")
            var exact = [Double](repeating: .nan, count: n * x.count)
            let computed = r.withUnsafeMutableBufferPointer { rp in
                exact.withUnsafeMutableBufferPointer { problem.jacobian(x, residuals: rp.baseAddress!, into: $0.baseAddress!) }
            }
            try #require(computed, "\(spec)")
            for j in 0..<x.count {
                let h = 1e-5 * max(abs(x[j]), 1)
                var (up, down) = (x, x)
                up[j] += h
                down[j] -= h
                var (rUp, rDown) = ([Double](repeating: 0, count: n), [Double](repeating: 0, count: n))
                let ok = rUp.withUnsafeMutableBufferPointer { problem.residuals(up, into: $0.baseAddress!) }
                    && rDown.withUnsafeMutableBufferPointer { problem.residuals(down, into: $0.baseAddress!) }
                try #require(ok, "\(spec) coordinate \(j)")
                var worst = 0.0, scale = 0.0
                for t in 0..<n {
                    let difference = (rUp[t] - rDown[t]) / (2 * h)
                    worst = max(worst, abs(exact[j * n + t] - difference))
                    scale = max(scale, abs(difference))
                }
                #expect(worst <= 1e-6 * max(scale, 1e-3), "\(spec) coordinate \(j): \(worst) of \(scale)")
            }
            shapes += 1
        }
        #expect(shapes == 15)
    }
}
