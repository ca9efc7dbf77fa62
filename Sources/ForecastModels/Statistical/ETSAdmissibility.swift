import Foundation

/// Parameter regions of the ETS models (Hyndman, Koehler, Ord & Snyder 2008, ch. 10;
/// Hyndman, Akram & Archibald 2008, "The admissible parameter space for exponential smoothing
/// models"), as R `forecast::ets` and statsforecast define them.
public enum ETSParameterRegion {
    /// The "usual" region: each parameter inside its box and β ≤ α, γ ≤ 1 − α.
    /// `lower`/`upper` bound (α, β, γ, φ) and default to statsforecast's
    /// [1e-4, 0.9999]³ × [0.8, 0.98].
    public static func isUsual(_ p: ETSParameters,
                               lower: [Double] = [1e-4, 1e-4, 1e-4, 0.8],
                               upper: [Double] = [0.9999, 0.9999, 0.9999, 0.98]) -> Bool {
        guard lower.count == 4, upper.count == 4 else { return false }
        if p.alpha < lower[0] || p.alpha > upper[0] { return false }
        if let beta = p.beta, beta < lower[1] || beta > p.alpha || beta > upper[1] { return false }
        if let phi = p.phi, phi < lower[3] || phi > upper[3] { return false }
        if let gamma = p.gamma, gamma < lower[2] || gamma > 1 - p.alpha || gamma > upper[2] { return false }
        return true
    }

    /// The "admissible" region: the model is forecastable, i.e. the discount matrix has all
    /// eigenvalues inside the unit circle (on it, within 1e-10, for the unit root every
    /// non-trended seasonal model has). Closed-form bounds without a season; with a season the
    /// easy necessary conditions first, then the roots of the characteristic polynomial
    ///
    ///     zᵐ⁺¹ + (α + β − φ) zᵐ + (α + β − αφ)(zᵐ⁻¹ + … + z²) + (α + β − αφ + γ − 1) z + φ(1 − α − γ)
    ///
    /// (β = 0 without a trend). O(m²) by the Schur–Cohn test inside the region, O(m²) per
    /// root-finding iteration near its boundary.
    public static func isAdmissible(_ p: ETSParameters, seasonLength m: Int) -> Bool {
        let phi = p.phi ?? 1
        let alpha = p.alpha
        guard phi >= 0, phi <= 1 + 1e-8, alpha.isFinite else { return false }
        guard let gamma = p.gamma else {
            if alpha < 1 - 1 / phi || alpha > 1 + 1 / phi { return false }
            if let beta = p.beta, beta < alpha * (phi - 1) || beta > (1 + phi) * (2 - alpha) { return false }
            return true
        }
        guard m > 1 else { return true }
        let beta = p.beta ?? 0
        if gamma < max(1 - 1 / phi - alpha, 0) || gamma > 1 + 1 / phi - alpha { return false }
        let md = Double(m)
        if alpha < 1 - 1 / phi - gamma * (1 - md + phi + phi * md) / (2 * phi * md) { return false }
        if beta < -(1 - phi) * (gamma / md + alpha) { return false }
        // Fast exact paths first, on scratch storage (no heap allocation for usual m): all roots
        // strictly inside, possibly after removing the unit root of the non-trended models;
        // the iterative root finder only near the boundary.
        let degree = m + 1
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * (degree + 1)) { scratch in
            let base = scratch.baseAddress.unsafelyUnwrapped
            let coefficients = UnsafeMutableBufferPointer(start: base, count: degree + 1)
            let quotient = UnsafeMutableBufferPointer(start: base + (degree + 1), count: degree)
            let work = UnsafeMutableBufferPointer(start: base + (2 * degree + 1), count: 2 * (degree + 1))
            fillCharacteristicCoefficients(coefficients, alpha: alpha, beta: beta, gamma: gamma, phi: phi, seasonLength: m)
            var sum = 0.0
            for c in coefficients { sum += c }
            if abs(sum) < 1e-12 {
                // z = 1 is a root: test p(z)/(z − 1), by synthetic division from the top.
                var carry = 0.0
                for k in stride(from: degree, through: 1, by: -1) {
                    carry += coefficients[k]
                    quotient[k - 1] = carry
                }
                if rootsStrictlyInsideUnitCircle(UnsafeBufferPointer(quotient), work: work) { return true }
            }
            if rootsStrictlyInsideUnitCircle(UnsafeBufferPointer(coefficients), work: work) { return true }
            guard let radius = largestRootModulus(monic: Array(coefficients)) else { return false }
            return radius <= 1 + 1e-10
        }
    }

    /// Coefficients of z⁰ … zᵐ⁺¹ of the seasonal characteristic polynomial above (m ≥ 2).
    static func characteristicCoefficients(alpha: Double, beta: Double, gamma: Double, phi: Double,
                                           seasonLength m: Int) -> [Double] {
        var coefficients = [Double](repeating: 0, count: m + 2)
        coefficients.withUnsafeMutableBufferPointer {
            fillCharacteristicCoefficients($0, alpha: alpha, beta: beta, gamma: gamma, phi: phi, seasonLength: m)
        }
        return coefficients
    }

    /// Writes the m + 2 coefficients above into `c`.
    static func fillCharacteristicCoefficients(_ c: UnsafeMutableBufferPointer<Double>, alpha: Double, beta: Double,
                                               gamma: Double, phi: Double, seasonLength m: Int) {
        for k in 0..<c.count { c[k] = alpha + beta - alpha * phi }
        c[0] = phi * (1 - alpha - gamma)
        c[1] = alpha + beta - alpha * phi + gamma - 1
        c[m] = alpha + beta - phi
        c[m + 1] = 1
    }

    /// Schur–Cohn test (Schur 1917, Cohn 1922): with |c₀| < |c_d|, p(z) = Σ cₖ zᵏ has every root
    /// in the open unit disc iff (c_d·p(z) − c₀·zᵈ·p(1/z))/z, of degree d − 1, has. Exact in
    /// exact arithmetic; O(d²).
    static func rootsStrictlyInsideUnitCircle(_ c: [Double]) -> Bool {
        guard !c.isEmpty else { return true }
        let work = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2 * c.count)
        defer { work.deallocate() }
        return c.withUnsafeBufferPointer { rootsStrictlyInsideUnitCircle($0, work: work) }
    }

    /// The test above with caller-owned scratch: `work` holds at least 2·c.count values.
    /// First Rouché's sufficient condition Σₖ<d |cₖ| < |c_d| (then |p(z)| > 0 for |z| ≥ 1), O(d).
    static func rootsStrictlyInsideUnitCircle(_ c: UnsafeBufferPointer<Double>,
                                              work: UnsafeMutableBufferPointer<Double>) -> Bool {
        var degree = c.count - 1
        guard degree >= 0, work.count >= 2 * c.count else { return false }
        if degree == 0 { return true }
        var lowerSum = 0.0
        for k in 0..<degree { lowerSum += abs(c[k]) }
        if lowerSum.isFinite && abs(c[degree]).isFinite && lowerSum < abs(c[degree]) { return true }

        let base = work.baseAddress.unsafelyUnwrapped
        var a = base
        var next = base + c.count
        for k in 0...degree { a[k] = c[k] }
        while degree > 0 {
            let low = a[0], high = a[degree]
            guard low.isFinite, high.isFinite, abs(low) < abs(high) else { return false }
            for k in 0..<degree { next[k] = high * a[k + 1] - low * a[degree - 1 - k] }
            swap(&a, &next)
            degree -= 1
            // Each step squares the magnitudes: rescale by a power of two (exact) once they
            // leave [2⁻²⁵⁶, 2²⁵⁶], so repeated products neither overflow nor underflow.
            let scale = abs(a[degree])
            guard scale > 0, scale.isFinite else { return false }
            if abs(scale.exponent) > 256 {
                let factor = Double(sign: .plus, exponent: -scale.exponent, significand: 1)
                for k in 0...degree { a[k] *= factor }
            }
        }
        return true
    }

    /// Largest |root| of the monic polynomial Σ cₖ zᵏ (c last = 1), by the simultaneous
    /// iteration of Durand (1960) and Kerner (1966). Nil when it has not converged.
    static func largestRootModulus(monic c: [Double]) -> Double? {
        let degree = c.count - 1
        guard degree >= 1, c.allSatisfy(\.isFinite) else { return nil }
        if degree == 1 { return abs(c[0]) }
        // Start on a circle of the Cauchy bound's radius, at angles away from the axes.
        var bound = 0.0
        for k in 0..<degree { bound = max(bound, abs(c[k])) }
        let radius = 1 + bound
        var re = [Double](repeating: 0, count: degree)
        var im = [Double](repeating: 0, count: degree)
        for k in 0..<degree {
            let angle = 2 * Double.pi * Double(k) / Double(degree) + 0.4
            re[k] = radius * cos(angle)
            im[k] = radius * sin(angle)
        }
        for _ in 0..<500 {
            var largestStep = 0.0
            for k in 0..<degree {
                // p(z_k) by Horner.
                var pr = 1.0, pi = 0.0
                for j in stride(from: degree - 1, through: 0, by: -1) {
                    let nr = pr * re[k] - pi * im[k] + c[j]
                    pi = pr * im[k] + pi * re[k]
                    pr = nr
                }
                // Π_{j≠k} (z_k − z_j).
                var qr = 1.0, qi = 0.0
                for j in 0..<degree where j != k {
                    let dr = re[k] - re[j], di = im[k] - im[j]
                    let nr = qr * dr - qi * di
                    qi = qr * di + qi * dr
                    qr = nr
                }
                let denominator = qr * qr + qi * qi
                guard denominator > 0 else { continue }
                let stepR = (pr * qr + pi * qi) / denominator
                let stepI = (pi * qr - pr * qi) / denominator
                re[k] -= stepR
                im[k] -= stepI
                largestStep = max(largestStep, (stepR * stepR + stepI * stepI).squareRoot())
            }
            if !largestStep.isFinite { return nil }
            if largestStep < 1e-14 { break }
        }
        var largest = 0.0
        for k in 0..<degree { largest = max(largest, (re[k] * re[k] + im[k] * im[k]).squareRoot()) }
        return largest.isFinite ? largest : nil
    }
}
