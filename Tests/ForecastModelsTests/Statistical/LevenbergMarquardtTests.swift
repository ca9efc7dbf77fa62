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

    /// A caller's exact Jacobian reaches the minimum forward differences reach, with fewer
    /// residual passes; where it refuses a point the solver falls back to differences. Quadratic
    /// fit with a refused region (x₀ + x₁ > 3.45, which cuts off the unconstrained fit near
    /// (2, 1.5, −0.4)).
    @Test func exactJacobianReachesTheSameMinimum() throws {
        let t = (0..<30).map { Double($0) / 10 }
        let y = t.map { 2 + 1.5 * $0 - 0.4 * $0 * $0 + 0.05 * sin(7 * $0) }
        let residuals = { (x: [Double], r: UnsafeMutablePointer<Double>) -> Bool in
            guard x[0] + x[1] <= 3.45 else { return false }
            for i in 0..<t.count { r[i] = x[0] + x[1] * t[i] + x[2] * t[i] * t[i] - y[i] }
            return true
        }
        var jacobianCalls = 0, refusedJacobians = 0
        let jacobian = { (x: [Double], _: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>) -> Bool in
            jacobianCalls += 1
            // Refused on every other call: the solver must then difference.
            if jacobianCalls % 2 == 0 { refusedJacobians += 1; return false }
            for i in 0..<t.count {
                columns[i] = 1
                columns[t.count + i] = t[i]
                columns[2 * t.count + i] = t[i] * t[i]
            }
            return true
        }
        let bounds = (lower: [-10.0, -10, -10], upper: [10.0, 10, 10])
        for start in [[0.0, 0, 0], [2.0, 1.4499999, 0]] {
            let differenced = try #require(solver.minimize(from: start, lower: bounds.lower, upper: bounds.upper,
                                                           residualCount: t.count, steps: [1e-7, 1e-7, 1e-7], residuals))
            let exact = try #require(solver.minimize(from: start, lower: bounds.lower, upper: bounds.upper,
                                                     residualCount: t.count, steps: [1e-7, 1e-7, 1e-7],
                                                     jacobian: jacobian, residuals))
            for j in 0..<3 { #expect(abs(exact.x[j] - differenced.x[j]) < 1e-6) }
            #expect(abs(exact.sumOfSquares - differenced.sumOfSquares) <= 1e-9 * differenced.sumOfSquares)
            #expect(exact.evaluations < differenced.evaluations)
            #expect(exact.x[0] + exact.x[1] <= 3.45 && exact.sumOfSquares < 1)
        }
        #expect(jacobianCalls > 2 && refusedJacobians > 0)
    }
}
