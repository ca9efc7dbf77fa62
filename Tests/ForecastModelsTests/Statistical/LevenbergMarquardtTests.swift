import Foundation
import Testing
@testable import ForecastModels

/// The bounded Levenberg–Marquardt solver ETS uses, on sums of squares with known minima.
@Suite("Levenberg–Marquardt")
struct LevenbergMarquardtTests {
    let solver = LevenbergMarquardt(initialDamping: 1e-3, relativeTolerance: 1e-15)

    /// Rosenbrock as residuals (10·(x₂ − x₁²), 1 − x₁) from (−1.2, 1): minimum (1, 1), value 0.
    /// With x₁ ≤ 0.5 the minimum moves to (0.5, 0.25), value (1 − 0.5)² = 0.25.
    @Test func rosenbrock() throws {
        let residuals = { (x: [Double], r: UnsafeMutablePointer<Double>) -> Bool in
            r[0] = 10 * (x[1] - x[0] * x[0])
            r[1] = 1 - x[0]
            return true
        }
        let free = try #require(solver.minimize(from: [-1.2, 1], lower: [-2, -2], upper: [2, 2], residualCount: 2,
                                                steps: [1e-8, 1e-8], residuals))
        #expect(abs(free.x[0] - 1) < 1e-6 && abs(free.x[1] - 1) < 1e-6)
        #expect(free.sumOfSquares < 1e-12)
        #expect(free.evaluations < 500)
        let bounded = try #require(solver.minimize(from: [-1.2, 1], lower: [-2, -2], upper: [0.5, 2], residualCount: 2,
                                                   steps: [1e-8, 1e-8], residuals))
        #expect(bounded.x[0] == 0.5)
        #expect(abs(bounded.x[1] - 0.25) < 1e-6)
        #expect(abs(bounded.sumOfSquares - 0.25) < 1e-10)
    }

    /// Noise-free exponential decay yₜ = 5·exp(−0.3·t), t = 0…19, fitted by c·exp(−k·t) from
    /// (1, 1): c = 5, k = 0.3.
    @Test func exponentialDecay() throws {
        let y = (0..<20).map { 5 * exp(-0.3 * Double($0)) }
        let fit = try #require(solver.minimize(from: [1, 1], lower: [-.infinity, 0], upper: [.infinity, 10],
                                               residualCount: y.count, steps: [1e-8, 1e-8]) { x, r in
            for t in 0..<y.count { r[t] = x[0] * exp(-x[1] * Double(t)) - y[t] }
            return true
        })
        #expect(abs(fit.x[0] - 5) < 1e-6 && abs(fit.x[1] - 0.3) < 1e-7)
    }

    /// A refused region (x > 2 for the residual x − 3) acts like a wall the search approaches
    /// from inside; a refused start gives nil.
    @Test func refusedPoints() throws {
        let residual = { (x: [Double], r: UnsafeMutablePointer<Double>) -> Bool in
            r[0] = x[0] - 3
            return x[0] <= 2
        }
        let fit = try #require(solver.minimize(from: [0], lower: [-10], upper: [10], residualCount: 1,
                                               steps: [1e-8], residual))
        #expect(fit.x[0] <= 2 && fit.x[0] > 1.99)
        #expect(solver.minimize(from: [2.5], lower: [-10], upper: [10], residualCount: 1, steps: [1e-8], residual) == nil)
    }

    /// Cholesky on [[4, 2], [2, 3]]·x = (2, 1): x = (0.5, 0) by hand; a matrix that is not
    /// positive definite is refused.
    @Test func choleskySolve() {
        var matrix = [4.0, 2, 2, 3]
        var x = [0.0, 0]
        #expect(LevenbergMarquardt.choleskySolve(&matrix, [2, 1], size: 2, into: &x))
        #expect(abs(x[0] - 0.5) < 1e-15 && abs(x[1]) < 1e-15)
        var indefinite = [1.0, 2, 2, 1]
        #expect(!LevenbergMarquardt.choleskySolve(&indefinite, [1, 1], size: 2, into: &x))
    }

    /// Columns of the Jacobian asked for two at a time (`residualPair`) give the same point, value
    /// and evaluation count bit for bit as one at a time, also when some difference points are
    /// refused (x₀ + x₁ > 3.45, which cuts off the unconstrained fit near (2, 1.5, −0.4)) and one
    /// coordinate is left over (three unknowns).
    @Test func pairedJacobianColumnsChangeNothing() throws {
        let t = (0..<30).map { Double($0) / 10 }
        let y = t.map { 2 + 1.5 * $0 - 0.4 * $0 * $0 + 0.05 * sin(7 * $0) }
        var refused = 0
        let residuals = { (x: [Double], r: UnsafeMutablePointer<Double>) -> Bool in
            guard x[0] + x[1] <= 3.45 else { refused += 1; return false }
            for i in 0..<t.count { r[i] = x[0] + x[1] * t[i] + x[2] * t[i] * t[i] - y[i] }
            return true
        }
        var pairCalls = 0
        let pair = { (a: [Double], ra: UnsafeMutablePointer<Double>, b: [Double], rb: UnsafeMutablePointer<Double>) -> (Bool, Bool) in
            pairCalls += 1
            return (residuals(a, ra), residuals(b, rb))
        }
        for start in [[0.0, 0, 0], [2.0, 1.4499999, 0]] {
            let single = try #require(solver.minimize(from: start, lower: [-10, -10, -10], upper: [10, 10, 10],
                                                      residualCount: t.count, steps: [1e-7, 1e-7, 1e-7], residuals))
            let paired = try #require(solver.minimize(from: start, lower: [-10, -10, -10], upper: [10, 10, 10],
                                                      residualCount: t.count, steps: [1e-7, 1e-7, 1e-7],
                                                      residualPair: pair, residuals))
            #expect(single.x == paired.x && single.sumOfSquares == paired.sumOfSquares)
            #expect(single.evaluations == paired.evaluations)
            #expect(single.x[0] + single.x[1] <= 3.45 && single.sumOfSquares < 1)
        }
        #expect(pairCalls > 0 && refused > 0)
    }
}
