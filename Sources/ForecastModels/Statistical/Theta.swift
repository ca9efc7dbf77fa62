import Foundation

/// Fitting the theta family as statsforecast's `AutoTheta` does (Assimakopoulos & Nikolopoulos
/// 2000; Hyndman & Billah 2003; Fiorucci, Pellegrini, Louzada, Petropoulos & Koehler 2016).
///
/// Steps: (1) when m ≥ 4 and n ≥ 2m, the lag-m autocorrelation test (`SeasonalityTest`); if
/// seasonal, the classical decomposition (`SeasonalDecomposition.forTheta`: multiplicative, or
/// additive for non-positive data or an index below 0.01) is divided out (subtracted); (2) ℓ₀, α and,
/// for OTM/DOTM, θ minimise the sum of squared one-step errors of values 3..<n divided by the mean
/// absolute value, by bounded Nelder–Mead (Nelder & Mead 1965) from ℓ₀ = y₀/2, α = 0.5, θ = 2 within
/// ℓ₀ ∈ [−1e10, 1e10], α ∈ [0.1, 0.99], θ ∈ [1, 1e10] (initial step 5 %, stop when the standard
/// deviation of the simplex values is below 1e-4 or after 1000 iterations).
/// Cost: O(n·m) for the test and decomposition, O(n) per objective evaluation.
public enum Theta {
    /// Shortest series accepted (statsforecast refuses n ≤ 3).
    public static let minimumCount = 4

    /// Fits one variant. Throws `ThetaError` for a short or non-finite series or season length < 1.
    public static func fit(_ y: [Double], seasonLength: Int, variant: ThetaVariant) throws -> ThetaModel {
        let prepared = try PreparedSeries(y, seasonLength: seasonLength)
        return try prepared.fit(variant)
    }

    /// Fits all four variants and returns the one with the smallest in-sample error (the first
    /// in STM, OTM, DSTM, DOTM order on ties).
    public static func fitAuto(_ y: [Double], seasonLength: Int) throws -> ThetaModel {
        let prepared = try PreparedSeries(y, seasonLength: seasonLength)
        var best: ThetaModel?
        for variant in ThetaVariant.allCases {
            guard let model = try? prepared.fit(variant), model.criterion.isFinite else { continue }
            if let current = best, current.criterion <= model.criterion { continue }
            best = model
        }
        guard let best else { throw ThetaError.noFiniteFit }
        return best
    }

    /// The model with the given parameters (nothing estimated except, as in fitting, the seasonal
    /// decision and indices and the static trend line). For reproducing reference values.
    public static func model(variant: ThetaVariant, parameters: ThetaParameters, y: [Double],
                             seasonLength: Int) throws -> ThetaModel {
        let prepared = try PreparedSeries(y, seasonLength: seasonLength)
        return try prepared.model(variant, parameters)
    }
}

/// A training series checked, tested for seasonality and deseasonalised: the part shared by the
/// four variants.
struct PreparedSeries {
    let seasonLength: Int
    let test: SeasonalityTest?
    let decomposition: SeasonalDecomposition?
    let values: [Double]
    /// Least-squares line of the deseasonalised values, used by the static variants.
    let trend: (intercept: Double, slope: Double)
    /// statsforecast divides the sum of squared errors by this (floored at 1e-10).
    let meanAbsolute: Double

    init(_ y: [Double], seasonLength: Int) throws {
        guard seasonLength >= 1 else { throw ThetaError.invalidSeasonLength(seasonLength) }
        if let bad = y.firstIndex(where: { !$0.isFinite }) { throw ThetaError.nonFiniteValue(index: bad) }
        guard y.count >= Theta.minimumCount else {
            throw ThetaError.tooShort(count: y.count, minimum: Theta.minimumCount)
        }
        self.seasonLength = seasonLength
        test = SeasonalityTest.apply(to: y, seasonLength: seasonLength)
        decomposition = test?.isSeasonal == true ? SeasonalDecomposition.forTheta(y, seasonLength: seasonLength) : nil
        let values = decomposition.map { d in y.enumerated().map { d.removing(from: $1, at: $0) } } ?? y
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw ThetaError.nonFiniteValue(index: bad) }
        self.values = values
        var sum = 0.0, weightedSum = 0.0, absoluteSum = 0.0
        for (t, value) in values.enumerated() {
            sum += value
            weightedSum += Double(t + 1) * value
            absoluteSum += abs(value)
        }
        trend = thetaTrendLine(count: values.count, sum: sum, weightedSum: weightedSum)
        meanAbsolute = max(absoluteSum / Double(values.count), 1e-10)
    }

    /// statsforecast's objective; +∞ where the recursion is not finite.
    func criterion(_ recursion: ThetaRecursion) -> Double {
        let sse = values.withUnsafeBufferPointer { recursion.sumOfSquaredErrors($0, trend: trend) }
        let value = sse / meanAbsolute
        return value.isFinite ? value : .infinity
    }

    func fit(_ variant: ThetaVariant) throws -> ThetaModel {
        // Start and box of Fiorucci et al.'s estimation as statsforecast sets them.
        var start = [values[0] / 2, 0.5]
        var lower = [-1e10, 0.1]
        var upper = [1e10, 0.99]
        if variant.estimatesTheta {
            start.append(2)
            lower.append(1)
            upper.append(1e10)
        }
        let optimiser = NelderMead(initialStep: 0.05, tolerance: 1e-4, maxIterations: 1000)
        let best = optimiser.minimize(from: start, lower: lower, upper: upper) { x in
            criterion(ThetaRecursion(dynamic: variant.isDynamic, initialLevel: x[0], alpha: x[1],
                                     theta: x.count > 2 ? x[2] : 2))
        }
        let parameters = ThetaParameters(initialLevel: best.x[0], alpha: best.x[1],
                                         theta: variant.estimatesTheta ? best.x[2] : 2)
        return try model(variant, parameters)
    }

    func model(_ variant: ThetaVariant, _ parameters: ThetaParameters) throws -> ThetaModel {
        guard parameters.initialLevel.isFinite, parameters.alpha > 0, parameters.alpha <= 1,
              parameters.theta.isFinite, parameters.theta != 0 else {
            throw ThetaError.invalidParameters(parameters)
        }
        let recursion = ThetaRecursion(dynamic: variant.isDynamic, initialLevel: parameters.initialLevel,
                                       alpha: parameters.alpha, theta: parameters.theta)
        var fitted = [Double](repeating: 0, count: values.count)
        var state: ThetaState
        (fitted[0], state) = recursion.start(first: values[0], trend: trend)
        var sse = 0.0
        for t in 1..<values.count {
            fitted[t] = recursion.forecast(after: state)
            if t >= 3 { sse += (values[t] - fitted[t]) * (values[t] - fitted[t]) }
            recursion.absorb(values[t], into: &state)
        }
        let criterion = sse / meanAbsolute
        if let decomposition {
            for t in fitted.indices { fitted[t] = decomposition.applying(to: fitted[t], at: t) }
        }
        return ThetaModel(variant: variant, parameters: parameters, seasonLength: seasonLength,
                          seasonalityTest: test, decomposition: decomposition,
                          mse: sse / Double(values.count - 3), criterion: criterion.isFinite ? criterion : .infinity,
                          fitted: fitted, trainingCount: values.count, finalState: state)
    }
}
