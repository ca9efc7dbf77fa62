import Testing
@testable import ForecastModels

/// The bounded Nelder–Mead optimiser ETS uses, on functions with known minima.
@Suite("Nelder–Mead")
struct ETSNelderMeadTests {
    let precise = NelderMead(tolerance: 1e-14, maxIterations: 5000)

    /// Σ (xᵢ − cᵢ)² with c = (1, −2, 3) inside a wide box: minimum at c, value 0.
    @Test func shiftedQuadratic() {
        let centre = [1.0, -2, 3]
        let result = precise.minimize(from: [0.5, 0.5, 0.5], lower: [-10, -10, -10], upper: [10, 10, 10]) { x in
            zip(x, centre).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
        for (x, c) in zip(result.x, centre) { #expect(abs(x - c) < 1e-5) }
        #expect(result.value < 1e-10)
        #expect(result.iterations < 5000)
    }

    /// (x − 3)² over [0, 2]: the minimum sits on the bound, x = 2, value 1.
    @Test func minimumOnTheBound() {
        let result = precise.minimize(from: [0.5], lower: [0], upper: [2]) { ($0[0] - 3) * ($0[0] - 3) }
        #expect(abs(result.x[0] - 2) < 1e-7)
        #expect(abs(result.value - 1) < 1e-7)
    }

    /// Rosenbrock from (−1.2, 1) in [−2, 2]²: minimum (1, 1), value 0. With x ≤ 0.5 the minimum
    /// moves to (0.5, 0.25), value (1 − 0.5)² = 0.25.
    @Test func rosenbrock() {
        func rosenbrock(_ x: [Double]) -> Double {
            (1 - x[0]) * (1 - x[0]) + 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0])
        }
        let free = precise.minimize(from: [-1.2, 1], lower: [-2, -2], upper: [2, 2], rosenbrock)
        #expect(abs(free.x[0] - 1) < 1e-4 && abs(free.x[1] - 1) < 1e-4)
        #expect(free.value < 1e-8)
        let bounded = precise.minimize(from: [-1.2, 1], lower: [-2, -2], upper: [0.5, 2], rosenbrock)
        #expect(abs(bounded.x[0] - 0.5) < 1e-4 && abs(bounded.x[1] - 0.25) < 1e-4)
        #expect(abs(bounded.value - 0.25) < 1e-6)
    }

    /// The iteration cap is honoured, and NaN counts as +∞ (the search moves away from it).
    @Test func iterationCapAndNaN() {
        let capped = NelderMead(tolerance: 0, maxIterations: 10)
            .minimize(from: [-1.2, 1], lower: [-2, -2], upper: [2, 2]) { $0[0] * $0[0] + $0[1] * $0[1] }
        #expect(capped.iterations == 10)
        let result = precise.minimize(from: [1], lower: [-5], upper: [5]) { x in
            x[0] > 2 ? .nan : (x[0] - 1.5) * (x[0] - 1.5)
        }
        #expect(abs(result.x[0] - 1.5) < 1e-6)
    }
}
