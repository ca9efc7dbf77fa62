import Foundation

/// The four members of the theta family (Fiorucci, Pellegrini, Louzada, Petropoulos & Koehler
/// 2016, "Models for optimising the theta method and their relationship to state space models",
/// IJF 32(4)).
public enum ThetaVariant: String, CaseIterable, Sendable {
    /// Standard theta model: θ = 2, trend line fitted once to the whole sample
    /// (Assimakopoulos & Nikolopoulos 2000, as Hyndman & Billah 2003 showed it to be SES with drift).
    case stm = "STM"
    /// Optimised theta model: θ ≥ 1 estimated, static trend line.
    case otm = "OTM"
    /// Dynamic standard theta model: θ = 2, trend line refitted after every value.
    case dstm = "DSTM"
    /// Dynamic optimised theta model: θ estimated, trend line refitted after every value.
    case dotm = "DOTM"

    /// Whether the trend line is updated recursively (DSTM, DOTM).
    public var isDynamic: Bool { self == .dstm || self == .dotm }
    /// Whether θ is estimated (OTM, DOTM); otherwise it is 2.
    public var estimatesTheta: Bool { self == .otm || self == .dotm }
}

/// Parameters of a theta model, named as in statsforecast (`initial_smoothed`, `alpha`, `theta`).
public struct ThetaParameters: Sendable, Equatable {
    /// ℓ₀, the smoothing level before the first value, in deseasonalised units.
    public var initialLevel: Double
    /// Smoothing weight α of the level, in (0, 1]; estimated within [0.1, 0.99].
    public var alpha: Double
    /// θ, the weight of the theta line; 2 for the standard models, estimated ≥ 1 otherwise.
    public var theta: Double

    public init(initialLevel: Double, alpha: Double, theta: Double) {
        self.initialLevel = initialLevel
        self.alpha = alpha
        self.theta = theta
    }
}

/// Why a theta model could not be built. The input is untrusted: every such case is reported here.
public enum ThetaError: Error, Equatable, Sendable {
    /// Fewer values than the method needs (statsforecast refuses n ≤ 3).
    case tooShort(count: Int, minimum: Int)
    /// A NaN or infinite value at this index.
    case nonFiniteValue(index: Int)
    /// A season length below 1.
    case invalidSeasonLength(Int)
    /// Fixed parameters outside the model's domain (α in (0, 1], θ finite and nonzero, ℓ₀ finite).
    case invalidParameters(ThetaParameters)
    /// No variant produced a finite in-sample error.
    case noFiniteFit
}

/// A theta model with fixed parameters and, when the series was found seasonal, fixed seasonal
/// indices, fitted on a training series of `trainingCount` values.
///
/// Seasonality: the training series is deseasonalised with `decomposition` (estimated on it) before
/// the recursion runs; fitted values and forecasts are reseasonalised with the same indices,
/// continued periodically past the training end.
///
/// `forecasts(along:origins:horizon:)` matches statsforecast's `forward` applied to the first o
/// values for each origin o, with one deliberate difference: statsforecast's `forward` re-runs the
/// seasonality test and re-estimates the decomposition on the values it is given, while this model
/// keeps the training decision and indices (re-estimating on the extended series would look past
/// the origin). As in `forward`, the parameters ℓ₀, α, θ stay fixed, the state is refiltered from the
/// first value, and the static models' trend line is the least-squares line of the values before the
/// origin (for the in-sample `fitted` values it is the line of the whole training series, as in
/// statsforecast's fit).
public struct ThetaModel: FittedStatisticalModel {
    public let variant: ThetaVariant
    public let parameters: ThetaParameters
    /// The season length m the model was fitted with (1 = non-seasonal).
    public let seasonLength: Int
    /// The seasonality test on the training series, nil when it does not apply (m < 4 or n < 2m).
    public let seasonalityTest: SeasonalityTest?
    /// The decomposition removed before fitting, nil when the series was not found seasonal.
    public let decomposition: SeasonalDecomposition?
    /// Mean squared one-step error of training values 3..<n on the deseasonalised scale (the first
    /// three values are burn-in).
    public let mse: Double
    /// statsforecast's selection criterion `mse`: the same sum of squared errors divided by the mean
    /// absolute deseasonalised value instead of by n − 3. AutoTheta minimises it; for one series it
    /// orders the variants exactly as `mse` does.
    public let criterion: Double
    /// One-step fitted values on the original scale, length `trainingCount`: the deseasonalised
    /// fit with the season put back, for both decompositions. (statsforecast 2.1.1 puts it back only
    /// for the multiplicative one; its additive in-sample fit stays deseasonalised.)
    public let fitted: [Double]
    /// Number of training values.
    public let trainingCount: Int
    /// State after the last training value.
    let finalState: ThetaState

    public var specName: String { variant.rawValue }

    /// ℓ₀ and α, θ when estimated, and m − 1 free seasonal indices when the series was decomposed.
    public var parameterCount: Int {
        (variant.estimatesTheta ? 3 : 2) + (decomposition.map { $0.seasonLength - 1 } ?? 0)
    }

    var recursion: ThetaRecursion {
        ThetaRecursion(dynamic: variant.isDynamic, initialLevel: parameters.initialLevel,
                       alpha: parameters.alpha, theta: parameters.theta)
    }

    public func forecast(horizon: Int) -> [Double] {
        let deseasonalised = recursion.forecasts(after: finalState, horizon: horizon)
        guard let decomposition else { return deseasonalised }
        return deseasonalised.enumerated().map { step, value in
            decomposition.applying(to: value, at: trainingCount + step)
        }
    }

    /// See the type's documentation for how this relates to statsforecast's `forward`. Rows for
    /// origins outside 1...series.count are NaN. Complexity O(series.count + origins.count·horizon).
    public func forecasts(along series: [Double], origins: Range<Int>, horizon: Int) -> [[Double]] {
        let steps = max(horizon, 0)
        var rows = [[Double]](repeating: [Double](repeating: .nan, count: steps), count: origins.count)
        guard !series.isEmpty, steps > 0 else { return rows }
        let recursion = self.recursion
        let deseasonalised = decomposition.map { d in series.enumerated().map { d.removing(from: $1, at: $0) } } ?? series
        let lastOrigin = min(origins.upperBound - 1, series.count)
        guard lastOrigin >= 1 else { return rows }

        // The static models' line is set per origin below; the filtered level and mean do not use it.
        var state = recursion.start(first: deseasonalised[0], trend: (0, 0)).state
        var sum = 0.0
        var weightedSum = 0.0
        for o in 1...lastOrigin {
            // `state` has absorbed values 0..<o.
            let value = deseasonalised[o - 1]
            sum += value
            weightedSum += Double(o) * value
            if o > 1 { recursion.absorb(value, into: &state) }
            guard origins.contains(o) else { continue }
            var origin = state
            if !variant.isDynamic {
                (origin.intercept, origin.slope) = thetaTrendLine(count: o, sum: sum, weightedSum: weightedSum)
            }
            let path = recursion.forecasts(after: origin, horizon: steps)
            rows[o - origins.lowerBound] = path.enumerated().map { step, value in
                decomposition?.applying(to: value, at: o + step) ?? value
            }
        }
        return rows
    }
}
