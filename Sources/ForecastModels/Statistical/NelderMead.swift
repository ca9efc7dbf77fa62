/// Derivative-free minimisation over a box by the downhill simplex method of Nelder & Mead
/// ("A simplex method for function minimization", Computer Journal 7, 1965), with the
/// dimension-dependent expansion, contraction and shrink coefficients of Gao & Han
/// ("Implementing the Nelder-Mead simplex algorithm with adaptive parameters", Computational
/// Optimization and Applications 51, 2012).
///
/// The box is kept by clamping every trial point onto it, the variant statsforecast uses to fit
/// ETS models: the simplex may flatten against a face but never leaves the box. The start simplex
/// is `x0` plus one vertex per coordinate with that coordinate scaled by `1 + initialStep` (or set
/// to 1e-4 when it is zero). The search stops when the population standard deviation of the
/// n + 1 vertex values falls below `tolerance`, or after `maxIterations` iterations.
/// The defaults are statsforecast's for ETS (step 0.05, tolerance 1e-4, 1000 iterations).
///
/// Cost: each iteration evaluates `f` once or twice (n times on a shrink) and does O(n²) work
/// besides. Deterministic: ties between vertex values are broken by vertex index.
public struct NelderMead: Sendable {
    /// Relative size of the start simplex along each coordinate.
    public var initialStep: Double
    /// Threshold on the standard deviation of the function values over the simplex.
    public var tolerance: Double
    /// Upper limit on the number of iterations (reflections, expansions, contractions, shrinks).
    public var maxIterations: Int

    /// The start-simplex offset for a coordinate whose start value is exactly zero.
    static let offsetFromZero = 1e-4

    public init(initialStep: Double = 0.05, tolerance: Double = 1e-4, maxIterations: Int = 1000) {
        self.initialStep = initialStep
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    /// Minimises f over the box [lower, upper]; returns the best point, its value and the iterations used.
    ///
    /// `x0`, `lower` and `upper` have the same length n (use ±infinity for an unbounded
    /// coordinate). A NaN value of `f` counts as +infinity. With n = 0, or bounds of mismatched
    /// length, returns `x0` unchanged with `f(x0)` and 0 iterations.
    public func minimize(from x0: [Double], lower: [Double], upper: [Double],
                         _ f: ([Double]) -> Double) -> (x: [Double], value: Double, iterations: Int) {
        let n = x0.count
        guard n > 0, lower.count == n, upper.count == n else {
            return (x0, Self.sanitised(f(x0)), 0)
        }
        // One block for the n + 1 vertices and the two trial points, row `rows[v]` holding
        // vertex v: accepting a trial point swaps two row numbers, nothing is copied.
        let storage = UnsafeMutableBufferPointer<Double>.allocate(capacity: (n + 3) * n + n)
        defer { storage.deallocate() }
        let points = storage.baseAddress.unsafelyUnwrapped
        let centroid = points + (n + 3) * n
        var rows = [Int](0...(n + 2))
        var argument = x0
        return rows.withUnsafeMutableBufferPointer { rows in
            lower.withUnsafeBufferPointer { lower in
                upper.withUnsafeBufferPointer { upper in
                    search(n: n, x0: x0, lower: lower, upper: upper, points: points, centroid: centroid,
                           rows: rows, argument: &argument, f)
                }
            }
        }
    }

    /// The method on caller-owned storage: `points` holds n + 3 rows of n values, `rows` their order
    /// (vertices 0...n, then the reflected and the trial point), `centroid` n values.
    private func search(n: Int, x0: [Double], lower: UnsafeBufferPointer<Double>, upper: UnsafeBufferPointer<Double>,
                        points: UnsafeMutablePointer<Double>, centroid: UnsafeMutablePointer<Double>,
                        rows: UnsafeMutableBufferPointer<Int>, argument: inout [Double],
                        _ f: ([Double]) -> Double) -> (x: [Double], value: Double, iterations: Int) {
        let dimension = Double(n)
        // Gao & Han's coefficients; reflection stays 1.
        let expansion = 1 + 2 / dimension
        let contraction = 0.75 - 1 / (2 * dimension)
        let shrink = 1 - 1 / dimension

        @inline(__always) func point(_ v: Int) -> UnsafeMutablePointer<Double> { points + rows[v] * n }
        @inline(__always) func clamp(_ x: UnsafeMutablePointer<Double>) {
            for i in 0..<n { x[i] = min(max(x[i], lower[i]), upper[i]) }
        }
        @inline(__always) func evaluate(_ x: UnsafeMutablePointer<Double>) -> Double {
            argument.withUnsafeMutableBufferPointer { a in
                for i in 0..<n { a[i] = x[i] }
            }
            return Self.sanitised(f(argument))
        }

        let start = point(0)
        for i in 0..<n { start[i] = x0[i] }
        clamp(start)
        for v in 1...n {
            let vertex = point(v)
            for i in 0..<n { vertex[i] = start[i] }
        }
        for i in 0..<n {
            let vertex = point(i)
            let value = vertex[i]
            let moved = value == 0 ? Self.offsetFromZero : value * (1 + initialStep)
            vertex[i] = min(max(moved, lower[i]), upper[i])
        }
        var values = [Double](repeating: 0, count: n + 1)
        for v in 0...n { values[v] = evaluate(point(v)) }
        let reflectedRow = n + 1, trialRow = n + 2

        var iteration = 0
        var best = 0
        while iteration < maxIterations {
            // Best, worst and second worst in the order (value, index): one pass, no sort.
            best = 0
            var worst = 0
            var secondWorst = -1
            for v in 1...n {
                if values[v] < values[best] { best = v }
                if values[v] >= values[worst] {
                    secondWorst = worst
                    worst = v
                } else if secondWorst < 0 || values[v] >= values[secondWorst] {
                    secondWorst = v
                }
            }
            if Self.standardDeviation(values) < tolerance { break }
            iteration += 1

            for j in 0..<n { centroid[j] = 0 }
            for v in 0...n where v != worst {
                let vertex = point(v)
                for j in 0..<n { centroid[j] += vertex[j] }
            }
            for j in 0..<n { centroid[j] /= dimension }

            // Reflect the worst vertex through the centroid of the others.
            let worstPoint = point(worst)
            let reflected = point(reflectedRow)
            for j in 0..<n { reflected[j] = 2 * centroid[j] - worstPoint[j] }
            clamp(reflected)
            let reflectedValue = evaluate(reflected)

            if values[best] <= reflectedValue && reflectedValue < values[secondWorst] {
                rows.swapAt(worst, reflectedRow)
                values[worst] = reflectedValue
                continue
            }
            let trial = point(trialRow)
            if reflectedValue < values[best] {
                for j in 0..<n { trial[j] = centroid[j] + expansion * (reflected[j] - centroid[j]) }
                clamp(trial)
                let expandedValue = evaluate(trial)
                if expandedValue < reflectedValue {
                    rows.swapAt(worst, trialRow)
                    values[worst] = expandedValue
                } else {
                    rows.swapAt(worst, reflectedRow)
                    values[worst] = reflectedValue
                }
                continue
            }
            if reflectedValue < values[worst] {
                // Between the second worst and the worst: contract towards the reflected point.
                for j in 0..<n { trial[j] = centroid[j] + contraction * (reflected[j] - centroid[j]) }
                clamp(trial)
                let contractedValue = evaluate(trial)
                if contractedValue <= reflectedValue {
                    rows.swapAt(worst, trialRow)
                    values[worst] = contractedValue
                    continue
                }
            } else {
                // No better than the worst: contract towards the worst vertex instead.
                for j in 0..<n { trial[j] = centroid[j] - contraction * (reflected[j] - centroid[j]) }
                clamp(trial)
                let contractedValue = evaluate(trial)
                if contractedValue < values[worst] {
                    rows.swapAt(worst, trialRow)
                    values[worst] = contractedValue
                    continue
                }
            }
            // Nothing helped: shrink every vertex towards the best one, in place.
            let bestPoint = point(best)
            for v in 0...n where v != best {
                let vertex = point(v)
                for j in 0..<n { vertex[j] = bestPoint[j] + shrink * (vertex[j] - bestPoint[j]) }
                clamp(vertex)
                values[v] = evaluate(vertex)
            }
        }
        if iteration == maxIterations {
            // The loop ran out without a final ordering: pick the best vertex now.
            best = (0...n).min { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) } ?? 0
        }
        let answer = point(best)
        return ((0..<n).map { answer[$0] }, values[best], iteration)
    }

    private static func sanitised(_ value: Double) -> Double {
        value.isNaN ? .infinity : value
    }

    /// Population standard deviation; infinite when any value is infinite.
    private static func standardDeviation(_ values: [Double]) -> Double {
        var mean = 0.0
        for value in values { mean += value }
        mean /= Double(values.count)
        var sum = 0.0
        for value in values { sum += (value - mean) * (value - mean) }
        return (sum / Double(values.count)).squareRoot()
    }
}
