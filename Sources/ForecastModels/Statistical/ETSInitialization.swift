import Foundation

/// Start values for the ETS optimiser: the initial-state heuristic of Hyndman et al. (2002,
/// §2.6; R `forecast::ets` `initstate`, statsforecast `initstate`) and the start parameters
/// and box of statsforecast's `initparam`.
enum ETSInitialization {
    /// Statsforecast's default box for (α, β, γ) and for φ.
    static let smoothingLower = 1e-4
    static let smoothingUpper = 0.9999
    static let phiLower = 0.8
    static let phiUpper = 0.98

    /// Initial level, slope and the first m − 1 seasonal states (the m-th follows from the
    /// normalisation), or nil when the series is too short (< 4 values with a season).
    ///
    /// With a season: fewer than 3 seasons of data → a least-squares fit of intercept, linear
    /// trend and one Fourier pair, the seasonal part being the data minus (or over) the linear
    /// part; otherwise a classical decomposition (centred moving average, seasonal means of the
    /// detrended data, normalised). Multiplicative seasonal states are floored at 0.01. The
    /// level (and slope) come from the first max(10, 2m) seasonally adjusted values: their mean
    /// without a trend, a least-squares line otherwise. O(n).
    static func initialState(_ y: [Double], seasonLength m: Int, spec: ETSSpec) -> ExponentialSmoothingState? {
        let n = y.count
        var adjusted = y
        var seasonal: [Double] = []
        var span = 1
        if spec.isSeasonal {
            guard n >= 4, m > 1 else { return nil }
            span = m
            let multiplicative = spec.season == .multiplicative
            let seasonalComponent: [Double]
            if n < 3 * m {
                guard let component = fourierSeasonal(y, seasonLength: m, multiplicative: multiplicative) else {
                    return nil
                }
                seasonalComponent = component
            } else {
                seasonalComponent = classicalSeasonal(y, seasonLength: m, multiplicative: multiplicative)
            }
            // States s₋₁ … s₋₍ₘ₋₁₎: the component at times m−1, …, 1.
            seasonal = (1..<m).reversed().map { seasonalComponent[$0] }
            if multiplicative {
                seasonal = seasonal.map { max($0, 1e-2) }
                let total = seasonal.reduce(0, +)
                if total > Double(m) {
                    let scale = seasonal.reduce(0) { $0 + $1 + 1e-2 }
                    seasonal = seasonal.map { $0 / scale }
                }
                for t in 0..<n { adjusted[t] = y[t] / max(seasonalComponent[t], 1e-2) }
            } else {
                for t in 0..<n { adjusted[t] = y[t] - seasonalComponent[t] }
            }
        }
        let head = min(max(10, 2 * span), n)
        guard head > 0 else { return nil }
        if !spec.hasTrend {
            let level = adjusted[0..<head].reduce(0, +) / Double(head)
            return ExponentialSmoothingState(level: level, seasonal: seasonal)
        }
        guard head >= 2 else { return nil }
        let (intercept, slope) = straightLine(adjusted[0..<head])
        var level = intercept
        var trend = slope
        if abs(level + trend) < 1e-8 {
            // Keeps the first fitted value off zero for multiplicative error.
            level *= 1 + 1e-3
            trend *= 1 - 1e-3
        }
        return ExponentialSmoothingState(level: level, trend: trend, seasonal: seasonal)
    }

    /// Least-squares line through (1, v₀), (2, v₁), …: (intercept at time 0, slope).
    static func straightLine(_ values: ArraySlice<Double>) -> (Double, Double) {
        let count = Double(values.count)
        let meanTime = (count + 1) / 2
        let meanValue = values.reduce(0, +) / count
        var sxy = 0.0
        var sxx = 0.0
        for (offset, value) in values.enumerated() {
            let dt = Double(offset + 1) - meanTime
            sxy += dt * (value - meanValue)
            sxx += dt * dt
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        return (meanValue - slope * meanTime, slope)
    }

    /// Seasonal component of a classical decomposition (centred moving average of order m,
    /// 2×m for even m; phase means of the detrended values; normalised to mean 0 or 1),
    /// repeated over the series. Needs n ≥ 2m.
    static func classicalSeasonal(_ y: [Double], seasonLength m: Int, multiplicative: Bool) -> [Double] {
        let n = y.count
        let half = m / 2
        let even = m % 2 == 0
        var sums = [Double](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: m)
        if n > 2 * half {
            for t in half..<(n - half) {
                var trend = 0.0
                for k in -half...half {
                    let weight = even && abs(k) == half ? 0.5 : 1.0
                    trend += weight * y[t + k]
                }
                trend /= Double(m)
                let detrended = multiplicative ? y[t] / trend : y[t] - trend
                sums[t % m] += detrended
                counts[t % m] += 1
            }
        }
        var phase = (0..<m).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : (multiplicative ? 1 : 0) }
        let mean = phase.reduce(0, +) / Double(m)
        phase = phase.map { multiplicative ? $0 / mean : $0 - mean }
        return (0..<n).map { phase[$0 % m] }
    }

    /// Seasonal component y − (c₀ + c₁t) or y / (c₀ + c₁t), where c₀ + c₁t is the linear part
    /// of a least-squares fit of y on (1, t, cos 2πt/m, sin 2πt/m), t = 1…n (no sine for m = 2,
    /// where it vanishes). Nil when the system is singular.
    static func fourierSeasonal(_ y: [Double], seasonLength m: Int, multiplicative: Bool) -> [Double]? {
        let n = y.count
        let useSine = m > 2
        let columns = useSine ? 4 : 3
        var normal = [Double](repeating: 0, count: columns * columns)
        var rhs = [Double](repeating: 0, count: columns)
        var row = [Double](repeating: 0, count: columns)
        for t in 0..<n {
            let time = Double(t + 1)
            let angle = 2 * Double.pi * time / Double(m)
            row[0] = 1
            row[1] = time
            row[2] = cos(angle)
            if useSine { row[3] = sin(angle) }
            for i in 0..<columns {
                rhs[i] += row[i] * y[t]
                for j in 0..<columns { normal[i * columns + j] += row[i] * row[j] }
            }
        }
        guard let coefficients = solve(normal, rhs, size: columns) else { return nil }
        return (0..<n).map { t in
            let line = coefficients[0] + coefficients[1] * Double(t + 1)
            return multiplicative ? y[t] / line : y[t] - line
        }
    }

    /// Gaussian elimination with partial pivoting on a small dense system (row-major).
    static func solve(_ matrix: [Double], _ rhs: [Double], size: Int) -> [Double]? {
        var a = matrix
        var b = rhs
        for column in 0..<size {
            var pivot = column
            for r in column..<size where abs(a[r * size + column]) > abs(a[pivot * size + column]) { pivot = r }
            guard abs(a[pivot * size + column]) > 1e-300 else { return nil }
            if pivot != column {
                for c in 0..<size { a.swapAt(pivot * size + c, column * size + c) }
                b.swapAt(pivot, column)
            }
            for r in (column + 1)..<size {
                let factor = a[r * size + column] / a[column * size + column]
                for c in column..<size { a[r * size + c] -= factor * a[column * size + c] }
                b[r] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: size)
        for r in stride(from: size - 1, through: 0, by: -1) {
            var sum = b[r]
            for c in (r + 1)..<size { sum -= a[r * size + c] * x[c] }
            x[r] = sum / a[r * size + r]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }

    /// Start values and box of the smoothing parameters (statsforecast `initparam`, bounds
    /// "both"): α starts at 20 % of its range divided by m, β at 10 % of [lower, α₀], γ at 5 % of
    /// [lower, 1 − α₀], φ at 99 % of [0.8, 0.98]. β's box is capped at α₀ and γ's at 1 − α₀.
    /// Returns parallel arrays (start, lower, upper) over the free parameters in the order
    /// α, β, γ, φ.
    static func startParameters(spec: ETSSpec, seasonLength m: Int) -> (start: [Double], lower: [Double], upper: [Double]) {
        let period = Double(spec.isSeasonal ? m : 1)
        var start: [Double] = []
        var lower: [Double] = []
        var upper: [Double] = []
        var alpha = smoothingLower + 0.2 * (smoothingUpper - smoothingLower) / period
        if alpha > 1 || alpha < 0 { alpha = smoothingLower + 2e-3 }
        start.append(alpha); lower.append(smoothingLower); upper.append(smoothingUpper)
        if spec.hasTrend {
            let top = min(smoothingUpper, alpha)
            var beta = smoothingLower + 0.1 * (top - smoothingLower)
            if beta < 0 || beta > alpha { beta = alpha - 1e-3 }
            start.append(beta); lower.append(smoothingLower); upper.append(top)
        }
        if spec.isSeasonal {
            let top = min(smoothingUpper, 1 - alpha)
            var gamma = smoothingLower + 0.05 * (top - smoothingLower)
            if gamma < 0 || gamma > 1 - alpha { gamma = 1 - alpha - 1e-3 }
            start.append(gamma); lower.append(smoothingLower); upper.append(top)
        }
        if spec.isDamped {
            var phi = phiLower + 0.99 * (phiUpper - phiLower)
            if phi < 0 || phi > 1 { phi = phiUpper - 1e-3 }
            start.append(phi); lower.append(phiLower); upper.append(phiUpper)
        }
        return (start, lower, upper)
    }
}
