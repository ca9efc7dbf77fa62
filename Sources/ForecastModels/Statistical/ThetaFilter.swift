import Foundation

/// State of the theta filter after absorbing values 0...t of a (deseasonalised) series.
struct ThetaState: Sendable, Equatable {
    /// Index of the last absorbed value.
    var t: Int
    /// Simple exponential smoothing level ℓ_t.
    var level: Double
    /// Mean of the absorbed values.
    var mean: Double
    /// Intercept A and slope B of the linear trend, time counted 1, 2, … from the first value.
    var intercept: Double
    var slope: Double
}

/// Intercept and slope of the least-squares line through (1, y₀), …, (n, y_{n−1}), from the running
/// sums Σy and Σ(t+1)·y; a single value gives the flat line through it.
func thetaTrendLine(count n: Int, sum: Double, weightedSum: Double) -> (intercept: Double, slope: Double) {
    let count = Double(n)
    guard n >= 2 else { return (sum, 0) }
    // Σ(t − t̄)² = n(n² − 1)/12 and Σ(t − t̄)(y − ȳ) = Σ t·y − (n + 1)/2 · Σy.
    let slope = 12 * (weightedSum - (count + 1) / 2 * sum) / (count * (count * count - 1))
    return (sum / count - slope * (count + 1) / 2, slope)
}

/// The theta method written as a state-space recursion (Hyndman & Billah 2003; Fiorucci,
/// Pellegrini, Louzada, Petropoulos & Koehler 2016, eqs. for the OTM and DOTM).
///
/// The one-step forecast of value t from the state after t − 1 is
///
///     μ_t = ℓ_{t−1} + (1 − 1/θ) · (A_{t−1}·(1 − α)^t + B_{t−1}·(1 − (1 − α)^{t+1}) / α),
///
/// i.e. simple exponential smoothing plus (1 − 1/θ) times the smoothed drift of the linear trend
/// A + B·t. Absorbing a value x (an actual, or μ_t itself when forecasting further ahead) gives
/// ℓ_t = α·x + (1 − α)·ℓ_{t−1} and updates the running mean. The static models (STM, OTM) keep
/// A, B fixed at the least-squares line of the whole sample at hand; the dynamic models (DSTM, DOTM)
/// refit the line recursively after every value, starting from A₀ = y₀, B₀ = 0.
/// The first value's forecast is ℓ₀ + (1 − 1/θ)(A + B) for the static models and y₀ itself for the
/// dynamic ones, where ℓ₀ is the estimated initial level. Every step is O(1).
struct ThetaRecursion: Sendable {
    let dynamic: Bool
    let initialLevel: Double
    let alpha: Double
    let theta: Double

    /// Forecast of value 0 and the state after absorbing it. `trend` is the static models'
    /// line (ignored by the dynamic models).
    @inline(__always)
    func start(first y0: Double, trend: (intercept: Double, slope: Double)) -> (forecast: Double, state: ThetaState) {
        let level = alpha * y0 + (1 - alpha) * initialLevel
        if dynamic {
            return (y0, ThetaState(t: 0, level: level, mean: y0, intercept: y0, slope: 0))
        }
        let forecast = initialLevel + (1 - 1 / theta) * (trend.intercept + trend.slope)
        return (forecast, ThetaState(t: 0, level: level, mean: y0, intercept: trend.intercept, slope: trend.slope))
    }

    /// One-step forecast of value state.t + 1.
    @inline(__always)
    func forecast(after state: ThetaState) -> Double {
        let t = Double(state.t + 1)
        let decay = pow(1 - alpha, t)
        let drift = state.intercept * decay + state.slope * (1 - pow(1 - alpha, t + 1)) / alpha
        return state.level + (1 - 1 / theta) * drift
    }

    /// Absorbs value state.t + 1.
    @inline(__always)
    func absorb(_ x: Double, into state: inout ThetaState) {
        let t = Double(state.t + 1)
        let previousMean = state.mean
        state.level = alpha * x + (1 - alpha) * state.level
        state.mean = (t * previousMean + x) / (t + 1)
        if dynamic {
            // Recursive least-squares update of the slope of the line through values 0...t.
            state.slope = ((t - 1) * state.slope + 6 * (x - previousMean) / (t + 1)) / (t + 2)
            state.intercept = state.mean - state.slope * (t + 2) / 2
        }
        state.t += 1
    }

    /// Forecasts of the `horizon` values after `state`, each absorbed as if observed.
    func forecasts(after state: ThetaState, horizon: Int) -> [Double] {
        var state = state
        var out = [Double]()
        out.reserveCapacity(max(horizon, 0))
        for _ in 0..<max(horizon, 0) {
            let next = forecast(after: state)
            out.append(next)
            absorb(next, into: &state)
        }
        return out
    }

    /// Sum of squared one-step errors of values 3..<n (the first three are burn-in, as in
    /// statsforecast). One pass, no allocation.
    ///
    /// The same arithmetic as `forecast(after:)` and `absorb(_:into:)` except that the powers
    /// (1 − α)^t are carried as a running product instead of a `pow` per step (which dominated the
    /// optimiser's cost on short series), and the static models skip the running mean they never
    /// read. The two differ in the last bits only.
    func sumOfSquaredErrors(_ y: UnsafeBufferPointer<Double>, trend: (intercept: Double, slope: Double)) -> Double {
        guard let first = y.first else { return 0 }
        var state = start(first: first, trend: trend).state
        let keep = 1 - alpha
        let weight = 1 - 1 / theta
        // (1 − α)^t for the value t about to be forecast, starting at t = 1.
        var decay = keep
        var sum = 0.0
        if !dynamic {
            let (intercept, slope) = (state.intercept, state.slope)
            var level = state.level
            for t in 1..<y.count {
                let nextDecay = decay * keep
                if t >= 3 {
                    let drift = intercept * decay + slope * (1 - nextDecay) / alpha
                    let error = y[t] - (level + weight * drift)
                    sum += error * error
                }
                level = alpha * y[t] + keep * level
                decay = nextDecay
            }
            return sum
        }
        for t in 1..<y.count {
            let nextDecay = decay * keep
            if t >= 3 {
                let drift = state.intercept * decay + state.slope * (1 - nextDecay) / alpha
                let error = y[t] - (state.level + weight * drift)
                sum += error * error
            }
            absorb(y[t], into: &state)
            decay = nextDecay
        }
        return sum
    }
}
