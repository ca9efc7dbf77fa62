import Foundation

/// The innovations state-space recursions of the ETS models without multiplicative trend
/// (Hyndman, Koehler, Ord & Snyder 2008, table 2.1; Hyndman et al. 2002), in error-correction
/// form:
///
///     base   = ℓ + φ·b                                   (ℓ without a trend)
///     ŷ      = base + s   or   base · s                  (additive / multiplicative season)
///     p      = y − s      or   y / s                     (deseasonalised observation)
///     ℓ'     = base + α·(p − base)
///     b'     = φ·b + β·(p − base)
///     s'     = s + γ·((y − base) − s)   or   s + γ·(y / base − s)
///
/// where s is the seasonal state from m steps back. Absent components use β = γ = 0, φ = 1.
/// The seasonal states live in a ring of m slots: slot `t mod m` holds the state applied to
/// observation t and receives the updated state afterwards, so one step is O(1).
struct ETSRecursion {
    let additiveError: Bool
    let hasTrend: Bool
    let seasonKind: ETSSpec.SeasonKind
    let seasonLength: Int
    let alpha: Double
    let beta: Double
    let gamma: Double
    let phi: Double

    /// Guards against division by (near) zero, as statsforecast's and R's C code do.
    static let tiny = 1e-10
    static let huge = 1e10
    static let ln2 = 0.693147180559945309417232121458176568

    init(spec: ETSSpec, seasonLength: Int, alpha: Double, beta: Double, gamma: Double, phi: Double) {
        additiveError = spec.error == .additive
        hasTrend = spec.hasTrend
        seasonKind = spec.season
        self.seasonLength = spec.isSeasonal ? seasonLength : 1
        self.alpha = alpha
        self.beta = spec.hasTrend ? beta : 0
        self.gamma = spec.isSeasonal ? gamma : 0
        self.phi = spec.isDamped ? phi : 1
    }

    init(spec: ETSSpec, seasonLength: Int, parameters: ETSParameters) {
        self.init(spec: spec, seasonLength: seasonLength, alpha: parameters.alpha,
                  beta: parameters.beta ?? 0, gamma: parameters.gamma ?? 0, phi: parameters.phi ?? 1)
    }

    /// Filter state: level, slope, the seasonal ring and the ring slot of the next observation.
    struct State {
        var level: Double
        var slope: Double
        var ring: [Double]
        var slot: Int
    }

    /// The ring for an initial state in `ExponentialSmoothingState` order (`seasonal[m-1]` first).
    func startState(_ initial: ExponentialSmoothingState) -> State {
        var ring = [Double](repeating: seasonKind == .multiplicative ? 1 : 0, count: seasonLength)
        if seasonKind != .none {
            for j in 0..<seasonLength { ring[j] = initial.seasonal[seasonLength - 1 - j] }
        }
        return State(level: initial.level, slope: hasTrend ? (initial.trend ?? 0) : 0, ring: ring, slot: 0)
    }

    /// One-step forecast from `state`.
    @inline(__always)
    func oneStep(_ state: State) -> Double {
        let base = hasTrend ? state.level + phi * state.slope : state.level
        switch seasonKind {
        case .none: return base
        case .additive: return base + state.ring[state.slot]
        case .multiplicative: return base * state.ring[state.slot]
        }
    }

    /// Moves `state` past the observation `y`.
    @inline(__always)
    func update(_ state: inout State, with y: Double) {
        let base = hasTrend ? state.level + phi * state.slope : state.level
        let season = state.ring[state.slot]
        let deseasonalised: Double
        switch seasonKind {
        case .none: deseasonalised = y
        case .additive: deseasonalised = y - season
        case .multiplicative: deseasonalised = abs(season) < Self.tiny ? Self.huge : y / season
        }
        let correction = deseasonalised - base
        state.level = base + alpha * correction
        if hasTrend { state.slope = phi * state.slope + beta * correction }
        switch seasonKind {
        case .none: break
        case .additive: state.ring[state.slot] = season + gamma * ((y - base) - season)
        case .multiplicative:
            let ratio = abs(base) < Self.tiny ? Self.huge : y / base
            state.ring[state.slot] = season + gamma * (ratio - season)
        }
        state.slot += 1
        if state.slot == seasonLength { state.slot = 0 }
    }

    /// Writes the forecasts of steps 1...out.count from `state` into `out`.
    func forecast(from state: State, into out: inout ArraySlice<Double>) {
        var dampedSum = 0.0
        var power = 1.0
        var slot = state.slot
        for index in out.indices {
            power *= phi
            dampedSum += power
            let base = hasTrend ? state.level + dampedSum * state.slope : state.level
            switch seasonKind {
            case .none: out[index] = base
            case .additive: out[index] = base + state.ring[slot]
            case .multiplicative: out[index] = base * state.ring[slot]
            }
            slot += 1
            if slot == seasonLength { slot = 0 }
        }
    }

    /// The innovation of `y` against the forecast `f`: y − f, or (y − f)/f for multiplicative error.
    @inline(__always)
    func innovation(_ y: Double, forecast f: Double) -> Double {
        if additiveError { return y - f }
        let denominator = abs(f) < Self.tiny ? f + Self.tiny : f
        return (y - f) / denominator
    }

    /// −2 log-likelihood up to a constant, the criterion statsforecast and R minimise
    /// (Hyndman et al. 2008, §5.1): n·log(Σ eₜ²) for additive error, plus 2·Σ log|ŷₜ| for
    /// multiplicative error (eₜ relative). One pass, no allocation: `state` is consumed.
    func negativeTwiceLogLikelihood(_ y: [Double], state: inout State) -> Double {
        let seasonal = seasonKind != .none
        guard !seasonal || state.ring.count == seasonLength else { return .nan }
        return y.withUnsafeBufferPointer { series in
            state.ring.withUnsafeMutableBufferPointer { ring in
                negativeTwiceLogLikelihood(series, level: &state.level, slope: &state.slope,
                                           ring: ring, slot: &state.slot)
            }
        }
    }

    /// The criterion above on raw storage: `ring` holds m seasonal slots (unused without a
    /// season); when `innovations` is given, the innovations eₜ (relative for multiplicative
    /// error) are written there (y.count values). The model's shape is resolved once here, so each
    /// of the twelve loops the compiler generates carries no per-step branching on it. O(n).
    func negativeTwiceLogLikelihood(_ y: UnsafeBufferPointer<Double>, level: inout Double, slope: inout Double,
                                    ring: UnsafeMutableBufferPointer<Double>, slot: inout Int,
                                    innovations: UnsafeMutablePointer<Double>? = nil) -> Double {
        switch (additiveError, hasTrend, seasonKind) {
        case (true, false, .none): filter(y, &level, &slope, ring, &slot, additiveError: true, trend: false, season: .none, innovations: innovations)
        case (true, true, .none): filter(y, &level, &slope, ring, &slot, additiveError: true, trend: true, season: .none, innovations: innovations)
        case (true, false, .additive): filter(y, &level, &slope, ring, &slot, additiveError: true, trend: false, season: .additive, innovations: innovations)
        case (true, true, .additive): filter(y, &level, &slope, ring, &slot, additiveError: true, trend: true, season: .additive, innovations: innovations)
        case (true, false, .multiplicative): filter(y, &level, &slope, ring, &slot, additiveError: true, trend: false, season: .multiplicative, innovations: innovations)
        case (true, true, .multiplicative): filter(y, &level, &slope, ring, &slot, additiveError: true, trend: true, season: .multiplicative, innovations: innovations)
        case (false, false, .none): filter(y, &level, &slope, ring, &slot, additiveError: false, trend: false, season: .none, innovations: innovations)
        case (false, true, .none): filter(y, &level, &slope, ring, &slot, additiveError: false, trend: true, season: .none, innovations: innovations)
        case (false, false, .additive): filter(y, &level, &slope, ring, &slot, additiveError: false, trend: false, season: .additive, innovations: innovations)
        case (false, true, .additive): filter(y, &level, &slope, ring, &slot, additiveError: false, trend: true, season: .additive, innovations: innovations)
        case (false, false, .multiplicative): filter(y, &level, &slope, ring, &slot, additiveError: false, trend: false, season: .multiplicative, innovations: innovations)
        case (false, true, .multiplicative): filter(y, &level, &slope, ring, &slot, additiveError: false, trend: true, season: .multiplicative, innovations: innovations)
        }
    }

    /// One shape's filter; inlined into each call above with constant flags. The recursion of
    /// `oneStep`, `innovation` and `update`, regrouped so that the loop-carried dependency
    /// (which bounds the speed: one step cannot start before the last ends) is short: it
    /// carries base = ℓ + φb instead of ℓ, with
    ///
    ///     base' = (1 − α − φβ)·base + (α + φβ)·p + φ²·b,    b' = φ·b + β·(p − base)
    ///
    /// (no trend: ℓ' = (1 − α)·ℓ + α·p), the same values up to rounding; ℓ itself is kept off
    /// that chain for the caller.
    /// Σ log|ŷₜ| is accumulated as a product of |ŷₜ| kept in [1e-200, 1e200] by moving its
    /// binary exponent into an integer (one `log` per pass instead of one per step); a factor
    /// outside [1e-100, 1e100], zero or not finite takes its own `log`.
    @inline(__always)
    private func filter(_ y: UnsafeBufferPointer<Double>, _ levelOut: inout Double, _ slopeOut: inout Double,
                        _ ring: UnsafeMutableBufferPointer<Double>, _ slotOut: inout Int,
                        additiveError: Bool, trend: Bool, season: ETSSpec.SeasonKind,
                        innovations: UnsafeMutablePointer<Double>?) -> Double {
        var level = levelOut
        var slope = slopeOut
        var slot = slotOut
        let seasons = ring.baseAddress
        let m = seasonLength
        let keepLevel = 1 - alpha
        let levelGain = alpha + phi * beta
        let keepBase = 1 - levelGain
        let phiSquared = phi * phi
        var base = trend ? level + phi * slope : level
        var sumSquares = 0.0
        var product = 1.0
        var exponents = 0
        var looseLogs = 0.0
        var t = 0
        for value in y {
            var s = 0.0
            let f: Double
            switch season {
            case .none: f = base
            case .additive: s = seasons.unsafelyUnwrapped[slot]; f = base + s
            case .multiplicative: s = seasons.unsafelyUnwrapped[slot]; f = base * s
            }
            let e = additiveError ? value - f : (value - f) / (abs(f) < Self.tiny ? f + Self.tiny : f)
            let deseasonalised: Double
            var ratio = 0.0
            switch season {
            case .none: deseasonalised = value
            case .additive: deseasonalised = value - s
            case .multiplicative:
                deseasonalised = abs(s) < Self.tiny ? Self.huge : value / s
                ratio = abs(base) < Self.tiny ? Self.huge : value / base
            }
            sumSquares += e * e
            if let innovations {
                innovations[t] = e
                t += 1
            }
            if !additiveError {
                let size = abs(f)
                if size >= 1e-100 && size <= 1e100 {
                    product *= size
                    if !(product >= 1e-200 && product <= 1e200) {
                        exponents += Int(product.exponent)
                        product = product.significand
                    }
                } else {
                    looseLogs += log(size > 0 ? size : size + 1e-8)
                }
            }
            switch season {
            case .none: break
            case .additive: seasons.unsafelyUnwrapped[slot] = s + gamma * ((value - base) - s)
            case .multiplicative: seasons.unsafelyUnwrapped[slot] = s + gamma * (ratio - s)
            }
            if trend {
                level = base + alpha * (deseasonalised - base)
                let nextSlope = phi * slope + beta * (deseasonalised - base)
                base = keepBase * base + (levelGain * deseasonalised + phiSquared * slope)
                slope = nextSlope
            } else {
                base = keepLevel * base + alpha * deseasonalised
            }
            if season != .none {
                slot += 1
                if slot == m { slot = 0 }
            }
        }
        if !trend { level = base }
        levelOut = level
        slopeOut = slope
        slotOut = slot
        let n = Double(y.count)
        var result = n * log(sumSquares > 0 ? sumSquares : sumSquares + 1e-8)
        if !additiveError {
            let sumLogForecast = looseLogs + (Double(exponents) * Self.ln2 + log(product))
            result += 2 * sumLogForecast
        }
        return result
    }
}
