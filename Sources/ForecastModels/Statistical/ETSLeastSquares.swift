import Foundation

/// ETS maximum likelihood as a least-squares problem over the optimiser's vector x (`ETS.Layout`:
/// α, β?, γ?, φ?, initial level, slope?, seasonal states s₋₁ … s₋₍ₘ₋₁₎).
///
/// The criterion n·log Σeₜ² + 2·Σ log|ŷₜ| (`ETSModel`) equals n·log Σ(g·eₜ)², with g the
/// geometric mean of |ŷₜ| (g = 1 for additive error), so minimising it is minimising Σrₜ² for the
/// residuals rₜ = g·eₜ. This type gives the criterion, the residuals and their exact Jacobian
/// (`ETSSensitivity`); with multiplicative error ∂rₜ/∂xⱼ = g·∂eₜ/∂xⱼ + rₜ·(1/n)·Σₛ ∂log|ŷₛ|/∂xⱼ.
///
/// A point is infeasible (no value) when its parameters are not admissible
/// (`ETSParameterRegion.isAdmissible`) or a multiplicative seasonal state is negative. Holds its
/// scratch, so no evaluation allocates; not for use from two threads. Each evaluation is O(n)
/// (plus the admissibility test, remembered for the last parameters), the Jacobian O(n·k).
final class ETSLeastSquares {
    let y: [Double]
    let spec: ETSSpec
    let seasonLength: Int
    let layout: ETS.Layout
    /// Coordinates of x.
    let coordinates: Int
    private let scratch: UnsafeMutableBufferPointer<Double>
    private let ring: UnsafeMutableBufferPointer<Double>
    private let innovations: UnsafeMutablePointer<Double>
    private let logForecastGradient: UnsafeMutablePointer<Double>
    private let workspace: UnsafeMutablePointer<Double>
    // The Jacobian is asked for at the point whose residuals were just computed, and trial steps
    // along a state leave the parameters as they were: the seasonal admissibility test (a root
    // test of degree m + 1) would be repeated.
    private var lastChecked: (parameters: ETSParameters, admissible: Bool)?

    init(_ y: [Double], seasonLength m: Int, spec: ETSSpec) {
        self.y = y
        self.spec = spec
        seasonLength = m
        layout = ETS.Layout(spec: spec, seasonLength: m)
        coordinates = layout.count
        let ringSize = spec.isSeasonal ? m : 1
        scratch = .allocate(capacity: ringSize + y.count + coordinates
                            + ETSSensitivity.workspaceSize(coordinates: coordinates, seasonLength: ringSize, count: y.count))
        scratch.initialize(repeating: 0)
        ring = UnsafeMutableBufferPointer(rebasing: scratch[0..<ringSize])
        innovations = scratch.baseAddress.unsafelyUnwrapped + ringSize
        logForecastGradient = innovations + y.count
        workspace = logForecastGradient + coordinates
    }

    deinit { scratch.deallocate() }

    /// The recursion and start level and slope of x, with `ring` filled (slot 0 the closing
    /// seasonal state); nil when x is infeasible.
    private func prepare(_ x: [Double]) -> (recursion: ETSRecursion, level: Double, slope: Double)? {
        let p = layout.parameters(x)
        let admissible: Bool
        if let last = lastChecked, last.parameters == p {
            admissible = last.admissible
        } else {
            admissible = ETSParameterRegion.isAdmissible(p, seasonLength: seasonLength)
            lastChecked = (p, admissible)
        }
        if !admissible { return nil }
        if spec.isSeasonal {
            let m = seasonLength
            ring[0] = layout.closingSeason(x)
            for j in 1..<m { ring[j] = x[layout.seasonOffset + m - 1 - j] }
            if spec.season == .multiplicative && ring.contains(where: { $0 < 0 }) { return nil }
        }
        return (ETSRecursion(spec: spec, seasonLength: seasonLength, parameters: p),
                x[layout.stateOffset], layout.slopeIndex.map { x[$0] } ?? 0)
    }

    /// The criterion (−2·log-likelihood up to a constant) at x; +∞ when x is infeasible or the
    /// value is NaN, floored at −1e10 as statsforecast does.
    func criterion(_ x: [Double]) -> Double {
        guard let (recursion, start, startSlope) = prepare(x) else { return .infinity }
        var level = start, slope = startSlope, slot = 0
        let value = y.withUnsafeBufferPointer { series in
            recursion.negativeTwiceLogLikelihood(series, level: &level, slope: &slope, ring: ring, slot: &slot)
        }
        return value.isNaN ? .infinity : max(value, -1e10)
    }

    /// Writes the n residuals g·eₜ at x into r; false when x is infeasible or the criterion is
    /// not finite.
    func residuals(_ x: [Double], into r: UnsafeMutablePointer<Double>) -> Bool {
        guard let (recursion, start, startSlope) = prepare(x) else { return false }
        var level = start, slope = startSlope, slot = 0
        let criterion = y.withUnsafeBufferPointer { series in
            recursion.negativeTwiceLogLikelihood(series, level: &level, slope: &slope, ring: ring, slot: &slot,
                                                 innovations: r)
        }
        guard criterion.isFinite else { return false }
        if spec.error == .multiplicative {
            let count = Double(y.count)
            var sum = 0.0
            for t in 0..<y.count { sum += r[t] * r[t] }
            guard sum > 0 else { return false }
            let g = exp((criterion - count * log(sum)) / (2 * count))
            for t in 0..<y.count { r[t] *= g }
        }
        return true
    }

    /// Writes ∂rₜ/∂xⱼ at x into `columns[j·n + t]`, given the residuals r at x (from
    /// `residuals`); false when x is infeasible. A derivative may come out not finite (the solver
    /// sets such a column aside).
    func jacobian(_ x: [Double], residuals r: UnsafeMutablePointer<Double>,
                  into columns: UnsafeMutablePointer<Double>) -> Bool {
        guard let (recursion, start, startSlope) = prepare(x) else { return false }
        let sensitivity = ETSSensitivity(recursion: recursion, layout: layout)
        let multiplicative = spec.error == .multiplicative
        let n = y.count
        y.withUnsafeBufferPointer { series in
            sensitivity.innovationJacobian(series, level: start, slope: startSlope, ring: ring, columns: columns,
                                           innovations: innovations,
                                           logForecastGradient: multiplicative ? logForecastGradient : nil,
                                           workspace: workspace)
        }
        if multiplicative {
            // g = rₜ/eₜ, read where |eₜ| is largest.
            var largest = 0
            for t in 1..<n where abs(innovations[t]) > abs(innovations[largest]) { largest = t }
            guard innovations[largest] != 0 else { return false }
            let g = r[largest] / innovations[largest]
            for j in 0..<coordinates {
                let column = columns + j * n
                let shift = logForecastGradient[j] / Double(n)
                for t in 0..<n { column[t] = g * column[t] + shift * r[t] }
            }
        }
        return true
    }
}
