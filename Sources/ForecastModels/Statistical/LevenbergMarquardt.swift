import Foundation

/// Minimisation of a sum of squares Σₜ rₜ(x)² over a box by the Levenberg–Marquardt method
/// (Levenberg 1944; Marquardt, "An algorithm for least-squares estimation of nonlinear
/// parameters", SIAM J. Appl. Math. 11, 1963): each step solves (JᵀJ + λ·diag JᵀJ)·δ = −Jᵀr for
/// the Jacobian J of r at x, given by the caller or taken by forward differences; λ shrinks (÷3)
/// after a step that lowers the sum and grows (×4) after one that does not.
///
/// Bounds: a trial point is projected onto the box, and a coordinate on a bound whose descent
/// direction points out of the box is held fixed for that step. The residual function may refuse
/// a point (return false: outside a feasible region, or not finite); a refused trial point is a
/// failed step and a refused difference point makes the difference step turn round (or the
/// coordinate sit out that step).
///
/// Cost per iteration: the caller's Jacobian or n residual passes for a difference Jacobian of n
/// coordinates, one pass per trial step, and O(N·n² + n³) arithmetic for N residuals. Deterministic (fixed summation order).
struct LevenbergMarquardt {
    /// λ at the start, relative to the diagonal of JᵀJ.
    var initialDamping = 1e-3
    /// Stop when an accepted step lowers the sum of squares by less than this fraction of it.
    var relativeTolerance = 1e-10
    /// Upper limit on the number of iterations (Jacobians).
    var maxIterations = 200

    /// Minimises Σ rₜ(x)² from x0 over [lower, upper] (±infinity for a free coordinate).
    /// `residuals(x, r)` writes the `residualCount` residuals at x into r and says whether x is
    /// feasible; `steps` are the forward-difference steps per coordinate. Returns the best point,
    /// its sum of squares and the residual passes used; nil when the arguments do not match or
    /// x0 (projected onto the box) is infeasible.
    ///
    /// `jacobian(x, r, J)`, when given, writes the exact Jacobian at x (`residualCount` rows,
    /// column-major: ∂rₜ/∂xⱼ at `J[j·residualCount + t]`) given the residuals r at x, and says
    /// whether it could; when it cannot (or for a caller without one) the Jacobian is taken by
    /// forward differences with `steps`.
    func minimize(from x0: [Double], lower: [Double], upper: [Double], residualCount: Int, steps: [Double],
                  jacobian: (([Double], UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Bool)? = nil,
                  _ residuals: ([Double], UnsafeMutablePointer<Double>) -> Bool)
        -> (x: [Double], sumOfSquares: Double, evaluations: Int)? {
        let n = x0.count
        let count = residualCount
        guard n > 0, count > 0, lower.count == n, upper.count == n, steps.count == n else { return nil }
        // One block: the residuals at x, at the trial point, then J column by column.
        let storage = UnsafeMutableBufferPointer<Double>.allocate(capacity: (n + 2) * count)
        defer { storage.deallocate() }
        var r = storage.baseAddress.unsafelyUnwrapped
        var trialResiduals = r + count
        let columns = r + 2 * count
        var evaluations = 0
        func sumOfSquares(at point: [Double], into out: UnsafeMutablePointer<Double>) -> Double? {
            evaluations += 1
            guard residuals(point, out) else { return nil }
            let sum = Self.dot(out, out, count)
            return sum.isFinite ? sum : nil
        }
        var x = (0..<n).map { min(max(x0[$0], lower[$0]), upper[$0]) }
        guard var cost = sumOfSquares(at: x, into: r) else { return nil }
        var normal = [Double](repeating: 0, count: n * n)
        var system = [Double](repeating: 0, count: n * n)
        var gradient = [Double](repeating: 0, count: n)
        var usable = [Bool](repeating: true, count: n)
        var free: [Int] = []
        free.reserveCapacity(n)
        var rhs = [Double](repeating: 0, count: n)
        var delta = [Double](repeating: 0, count: n)
        var probe = x
        var damping = initialDamping
        for _ in 0..<maxIterations {
            if let jacobian, jacobian(x, r, columns) {
                for j in 0..<n { usable[j] = true }
            } else {
                // Forward differences, turned round at an upper bound or when the point is refused.
                for j in 0..<n {
                    let column = columns + j * count
                    var h = steps[j]
                    if x[j] + h > upper[j] { h = -h }
                    probe[j] = x[j] + h
                    var ok = sumOfSquares(at: probe, into: column) != nil
                    if !ok && x[j] - h >= lower[j] && x[j] - h <= upper[j] {
                        h = -h
                        probe[j] = x[j] + h
                        ok = sumOfSquares(at: probe, into: column) != nil
                    }
                    probe[j] = x[j]
                    usable[j] = ok
                    if ok {
                        let inverse = 1 / h
                        for t in 0..<count { column[t] = (column[t] - r[t]) * inverse }
                    }
                }
            }
            free.removeAll(keepingCapacity: true)
            for j in 0..<n where usable[j] {
                // A column with a non-finite entry has a non-finite product with the finite r.
                let g = Self.dot(columns + j * count, r, count)
                guard g.isFinite else { usable[j] = false; continue }
                gradient[j] = g
                if x[j] <= lower[j] && g > 0 { continue }
                if x[j] >= upper[j] && g < 0 { continue }
                free.append(j)
            }
            let k = free.count
            if k == 0 { break }
            for a in 0..<k { rhs[a] = -gradient[free[a]] }
            // JᵀJ over the free columns in 2 × 2 blocks (an odd last column paired with itself).
            for a in stride(from: 0, to: k, by: 2) {
                let a1 = min(a + 1, k - 1)
                for b in stride(from: a, to: k, by: 2) {
                    let b1 = min(b + 1, k - 1)
                    let block = Self.products(columns + free[a] * count, columns + free[a1] * count,
                                              columns + free[b] * count, columns + free[b1] * count, count)
                    normal[a * k + b] = block.0
                    normal[b * k + a] = block.0
                    normal[a * k + b1] = block.1
                    normal[b1 * k + a] = block.1
                    normal[a1 * k + b] = block.2
                    normal[b * k + a1] = block.2
                    normal[a1 * k + b1] = block.3
                    normal[b1 * k + a1] = block.3
                }
            }
            var improved = false
            var converged = false
            while damping < 1e16 {
                for a in 0..<(k * k) { system[a] = normal[a] }
                for a in 0..<k { system[a * k + a] += damping * max(normal[a * k + a], 1e-12) }
                guard Self.choleskySolve(&system, rhs, size: k, into: &delta) else {
                    damping *= 10
                    continue
                }
                var moved = false
                for a in 0..<k {
                    let j = free[a]
                    let value = min(max(x[j] + delta[a], lower[j]), upper[j])
                    if value != x[j] { moved = true }
                    probe[j] = value
                }
                if !moved { converged = true; break }
                if let trialCost = sumOfSquares(at: probe, into: trialResiduals), trialCost < cost {
                    let gain = cost - trialCost
                    x = probe
                    swap(&r, &trialResiduals)
                    cost = trialCost
                    damping = max(damping / 3, 1e-12)
                    improved = true
                    converged = gain <= relativeTolerance * cost
                    break
                }
                for a in 0..<k { probe[free[a]] = x[free[a]] }
                damping *= 4
            }
            if !improved || converged { break }
        }
        return (x, cost, evaluations)
    }

    /// Σ aₜbₜ over `count` values in four interleaved partial sums, so the additions need not wait
    /// on each other; the order is fixed, so equal inputs give equal bits.
    @inline(__always)
    static func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var t = 0
        while t + 4 <= count {
            s0 += a[t] * b[t]
            s1 += a[t + 1] * b[t + 1]
            s2 += a[t + 2] * b[t + 2]
            s3 += a[t + 3] * b[t + 3]
            t += 4
        }
        while t < count {
            s0 += a[t] * b[t]
            t += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// The four products a₀·b₀, a₀·b₁, a₁·b₀, a₁·b₁ of `count`-vectors, two rows at a time in
    /// SIMD lanes: each pair of columns is read once for four sums. Fixed order, so equal inputs
    /// give equal bits; a product with a₀ = a₁ or b₀ = b₁ comes out equal to its twin.
    @inline(__always)
    static func products(_ a0: UnsafeMutablePointer<Double>, _ a1: UnsafeMutablePointer<Double>,
                         _ b0: UnsafeMutablePointer<Double>, _ b1: UnsafeMutablePointer<Double>, _ count: Int)
        -> (Double, Double, Double, Double) {
        typealias Pair = SIMD2<Double>
        func load(_ p: UnsafeMutablePointer<Double>, _ t: Int) -> Pair {
            UnsafeRawPointer(p + t).loadUnaligned(as: Pair.self)
        }
        var s00 = Pair(), s01 = Pair(), s10 = Pair(), s11 = Pair()
        var t = 0
        while t + 2 <= count {
            let (x0, x1, y0, y1) = (load(a0, t), load(a1, t), load(b0, t), load(b1, t))
            s00 += x0 * y0
            s01 += x0 * y1
            s10 += x1 * y0
            s11 += x1 * y1
            t += 2
        }
        var tail = (0.0, 0.0, 0.0, 0.0)
        if t < count { tail = (a0[t] * b0[t], a0[t] * b1[t], a1[t] * b0[t], a1[t] * b1[t]) }
        return ((s00[0] + s00[1]) + tail.0, (s01[0] + s01[1]) + tail.1,
                (s10[0] + s10[1]) + tail.2, (s11[0] + s11[1]) + tail.3)
    }

    /// Solves the symmetric positive definite system A·x = b (row-major, size × size, factorised
    /// in place by Cholesky), writing x into `solution[0..<size]`; false when A is not
    /// numerically positive definite. O(size³).
    static func choleskySolve(_ l: inout [Double], _ rhs: [Double], size: Int, into solution: inout [Double]) -> Bool {
        for j in 0..<size {
            var d = l[j * size + j]
            for p in 0..<j { d -= l[j * size + p] * l[j * size + p] }
            guard d > 0, d.isFinite else { return false }
            let root = d.squareRoot()
            l[j * size + j] = root
            for i in (j + 1)..<size {
                var s = l[i * size + j]
                for p in 0..<j { s -= l[i * size + p] * l[j * size + p] }
                l[i * size + j] = s / root
            }
        }
        for i in 0..<size {
            var s = rhs[i]
            for p in 0..<i { s -= l[i * size + p] * solution[p] }
            solution[i] = s / l[i * size + i]
        }
        for i in stride(from: size - 1, through: 0, by: -1) {
            var s = solution[i]
            for p in (i + 1)..<size { s -= l[p * size + i] * solution[p] }
            solution[i] = s / l[i * size + i]
        }
        for i in 0..<size where !solution[i].isFinite { return false }
        return true
    }
}
