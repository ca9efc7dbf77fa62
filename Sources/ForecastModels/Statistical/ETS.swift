import Foundation

/// An ETS model with fixed parameters and initial state, filtered through its training series.
///
/// Likelihood figures follow statsforecast and R `forecast::ets`: `logLikelihood` is
/// −½·(n·log Σeₜ² + 2·Σ log|ŷₜ|) (the second sum for multiplicative error only, eₜ relative),
/// i.e. the Gaussian log-likelihood with σ² concentrated out and constants dropped;
/// AIC = −2·logL + 2k, AICc = AIC + 2k(k + 1)/(n − k − 1), BIC = −2·logL + k·log n, with
/// k = `parameterCount` (free smoothing parameters + free initial states + 1 for σ²).
public struct ETSModel: FittedStatisticalModel {
    public let spec: ETSSpec
    /// Season length m (1 for non-seasonal specs).
    public let seasonLength: Int
    public let parameters: ETSParameters
    public let initialState: ExponentialSmoothingState
    public let parameterCount: Int
    public let logLikelihood: Double
    public let aic: Double
    public let aicc: Double
    public let bic: Double
    /// Mean squared one-step error y − ŷ over the training series, in data units.
    public let mse: Double
    /// Σeₜ² / (n − k − 1), eₜ the innovations (relative for multiplicative error).
    public let sigma2: Double
    public let fitted: [Double]
    /// Innovations eₜ: y − ŷ, or (y − ŷ)/ŷ for multiplicative error.
    public let residuals: [Double]
    /// The training series the state was filtered through.
    public let trainingSeries: [Double]
    private let finalState: ETSRecursion.State

    public var specName: String { spec.description }

    private var recursion: ETSRecursion {
        ETSRecursion(spec: spec, seasonLength: seasonLength, parameters: parameters)
    }

    /// Filters `y` from `initialState`; O(n).
    init(spec: ETSSpec, seasonLength: Int, parameters: ETSParameters,
         initialState: ExponentialSmoothingState, y: [Double], parameterCount: Int) {
        self.spec = spec
        self.seasonLength = spec.isSeasonal ? seasonLength : 1
        self.parameters = parameters
        self.initialState = initialState
        self.parameterCount = parameterCount
        self.trainingSeries = y
        let recursion = ETSRecursion(spec: spec, seasonLength: seasonLength, parameters: parameters)
        var state = recursion.startState(initialState)
        var fitted = [Double](repeating: 0, count: y.count)
        var residuals = [Double](repeating: 0, count: y.count)
        var sumSquaredInnovations = 0.0
        var sumSquaredErrors = 0.0
        for (t, value) in y.enumerated() {
            let f = recursion.oneStep(state)
            fitted[t] = f
            residuals[t] = recursion.innovation(value, forecast: f)
            sumSquaredInnovations += residuals[t] * residuals[t]
            sumSquaredErrors += (value - f) * (value - f)
            recursion.update(&state, with: value)
        }
        var replay = recursion.startState(initialState)
        let criterion = recursion.negativeTwiceLogLikelihood(y, state: &replay)
        let n = Double(y.count)
        let k = Double(parameterCount)
        self.fitted = fitted
        self.residuals = residuals
        self.finalState = state
        self.logLikelihood = -0.5 * criterion
        self.aic = criterion + 2 * k
        self.bic = criterion + log(n) * k
        self.aicc = n - k - 1 != 0 ? aic + 2 * k * (k + 1) / (n - k - 1) : .infinity
        self.mse = y.isEmpty ? .nan : sumSquaredErrors / n
        self.sigma2 = sumSquaredInnovations / (n - k - 1)
    }

    /// Point forecasts ℓ + (φ + φ² + … + φʰ)·b (+ or × the seasonal state of that phase),
    /// (Hyndman et al. 2008, ch. 2). statsforecast 2.1.1's damped forecasts beyond step 1
    /// differ: its C++ loop accumulates φ, 2φ, 2φ + φ², … (as does the forecast loop of R's
    /// etscalc.c). O(horizon).
    public func forecast(horizon: Int) -> [Double] {
        guard horizon > 0 else { return [] }
        var out = [Double](repeating: 0, count: horizon)[...]
        recursion.forecast(from: finalState, into: &out)
        return Array(out)
    }

    public func forecasts(along series: [Double], origins: Range<Int>, horizon: Int) -> [[Double]] {
        let width = max(horizon, 0)
        var result = [[Double]](repeating: [Double](repeating: .nan, count: width), count: origins.count)
        guard width > 0, !origins.isEmpty else { return result }
        let recursion = self.recursion
        var state = recursion.startState(initialState)
        var row = [Double](repeating: 0, count: width)[...]
        let last = min(origins.upperBound - 1, series.count)
        var seen = 0
        while true {
            if origins.contains(seen) {
                recursion.forecast(from: state, into: &row)
                result[seen - origins.lowerBound] = Array(row)
            }
            if seen >= last { break }
            recursion.update(&state, with: series[seen])
            seen += 1
        }
        return result
    }
}

/// Fitting of innovations state-space exponential smoothing models (Hyndman, Koehler, Snyder &
/// Grose 2002, "A state space framework for automatic forecasting using exponential smoothing
/// methods"; Hyndman, Koehler, Ord & Snyder 2008) as statsforecast's `AutoETS` and R's
/// `forecast::ets` do it, with their defaults.
///
/// - Estimation: maximum likelihood (the criterion of `ETSModel`) over α, β, γ, φ and the
///   initial level, slope and m − 1 seasonal states (the m-th makes them sum to 0, or m when
///   multiplicative), started from statsforecast's `initstate`/`initparam` heuristics. The
///   criterion n·log Σeₜ² + 2·Σ log|ŷₜ| equals n·log Σ(g·eₜ)² with g the geometric mean of |ŷₜ|,
///   so it is minimised as a sum of squares by bounded Levenberg–Marquardt
///   (`LevenbergMarquardt`, exact Jacobian by forward sensitivities, `ETSLeastSquares`) where
///   statsforecast runs Nelder–Mead: the same or better optima at a fraction of the cost
///   (Benchmarks/README.md, "Statistical models: fit time", third and fifth passes). Damped specs
///   also start from φ = 0.89, as the likelihood is often bimodal in φ; the better optimum is
///   kept.
/// - Bounds: each parameter in statsforecast's box — α, β, γ in [1e-4, 0.9999], φ in
///   [0.8, 0.98], with β ≤ α₀ and γ ≤ 1 − α₀ for the start value α₀ (how statsforecast 2.1.1
///   caps them) — and the point admissible (`ETSParameterRegion.isAdmissible`); multiplicative
///   seasonal states must stay ≥ 0. The start point must be in the usual and admissible
///   regions. (R also enforces β ≤ α and γ ≤ 1 − α during the search; statsforecast 2.1.1
///   does not, and neither do we, so our optimum is never worse than statsforecast's.)
/// - Data rules (statsforecast's): all values finite; multiplicative error or season only for
///   data > 0; a season only with m > 1 and more than m observations (below 3 seasons the
///   initial seasonal states come from a Fourier fit); a spec is not fitted when its number of
///   estimated values (parameters + states) reaches n − 1; `fit` also needs n > 4 + 2 per
///   component (level, trend, season) + 1 for damping, `fitAuto` n > 6. There is no upper
///   limit on m (statsforecast 2.1.1 has none; R's m ≤ 24 rule is not applied). A constant
///   series gets ETS(A,N,N) with α = 0.9999.
/// - Selection (`fitAuto`): every allowed spec (`ETSSpec.searchOrder`), smallest AICc; a spec
///   whose fit fails is skipped.
///
/// Cost: one likelihood evaluation is one O(n) pass without allocation (plus O(m²) for the
/// admissibility of seasonal specs, O(m²) per root-finding iteration near the boundary); one
/// Levenberg–Marquardt iteration is one sensitivity pass (O(n·k) for k estimated values), one or
/// more trial evaluations and O(n·k² + k³) for the normal equations, and a fit
/// takes at most 200 iterations (typically 10–50).
public enum ETS {
    /// Fits one spec by maximum likelihood.
    public static func fit(_ y: [Double], seasonLength: Int, spec: ETSSpec) throws(ETSError) -> ETSModel {
        try validate(y, seasonLength: seasonLength)
        if isConstant(y) { return constantModel(y) }
        try check(spec, y: y, seasonLength: seasonLength, smallSampleRule: true)
        return try estimate(y, seasonLength: seasonLength, spec: spec)
    }

    /// Fits every allowed spec and returns the one with the smallest AICc.
    public static func fitAuto(_ y: [Double], seasonLength: Int) throws(ETSError) -> ETSModel {
        try validate(y, seasonLength: seasonLength)
        if isConstant(y) { return constantModel(y) }
        if y.count <= 6 { throw .tooShort(count: y.count, required: 6) }
        var best: ETSModel?
        for spec in ETSSpec.searchOrder {
            guard (try? check(spec, y: y, seasonLength: seasonLength, smallSampleRule: false)) != nil,
                  let model = try? estimate(y, seasonLength: seasonLength, spec: spec),
                  !model.aicc.isNaN else { continue }
            if model.aicc < (best?.aicc ?? .infinity) { best = model }
        }
        guard let best else { throw .noModelFitted }
        return best
    }

    /// A model with the given parameters and initial state (nothing estimated), filtered
    /// through `y`; `parameterCount` is counted as if everything had been estimated.
    /// `initialStates.seasonal` needs m entries for a seasonal spec.
    public static func model(spec: ETSSpec, seasonLength: Int, parameters: ETSParameters,
                             initialStates: ExponentialSmoothingState, y: [Double]) throws(ETSError) -> ETSModel {
        try validate(y, seasonLength: seasonLength)
        if spec.isSeasonal && seasonLength < 2 { throw .seasonNotPossible(seasonLength: seasonLength, count: y.count) }
        guard spec.hasTrend == (parameters.beta != nil), spec.isSeasonal == (parameters.gamma != nil),
              spec.isDamped == (parameters.phi != nil), spec.hasTrend == (initialStates.trend != nil),
              initialStates.seasonal.count == (spec.isSeasonal ? seasonLength : 0) else {
            throw .invalidParameters("parameters or initial states do not match \(spec)")
        }
        return ETSModel(spec: spec, seasonLength: seasonLength, parameters: parameters,
                        initialState: initialStates, y: y,
                        parameterCount: freeValueCount(spec, seasonLength: seasonLength) + 1)
    }

    // MARK: - Rules

    static func validate(_ y: [Double], seasonLength: Int) throws(ETSError) {
        if seasonLength < 1 { throw .invalidSeasonLength(seasonLength) }
        if y.isEmpty { throw .tooShort(count: 0, required: 0) }
        if let index = y.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteValue(index: index) }
    }

    static func isConstant(_ y: [Double]) -> Bool { y.allSatisfy { $0 == y[0] } }

    /// statsforecast's rules for fitting `spec` (see `ETS`). The small-sample rule (n greater
    /// than 4 + 2 per component + 1 for damping) applies to a single spec; the automatic search
    /// checks n > 6 once instead, as statsforecast does.
    static func check(_ spec: ETSSpec, y: [Double], seasonLength m: Int, smallSampleRule: Bool) throws(ETSError) {
        let n = y.count
        if !spec.isAllowed { throw .forbiddenCombination(spec) }
        if spec.isSeasonal && (m <= 1 || n <= m) { throw .seasonNotPossible(seasonLength: m, count: n) }
        if spec.needsPositiveData && !y.allSatisfy({ $0 > 0 }) { throw .multiplicativeNeedsPositiveData }
        let components = 2 + (spec.hasTrend ? 2 : 0) + (spec.isSeasonal ? 2 : 0) + (spec.isDamped ? 1 : 0)
        if smallSampleRule && n <= components + 4 { throw .tooShort(count: n, required: components + 4) }
        let free = freeValueCount(spec, seasonLength: m)
        if free >= n - 1 { throw .tooShort(count: n, required: free + 1) }
    }

    /// Smoothing parameters plus initial states estimated for `spec` (σ² not included).
    static func freeValueCount(_ spec: ETSSpec, seasonLength m: Int) -> Int {
        Layout(spec: spec, seasonLength: m).count
    }

    /// statsforecast's answer to a constant series: ETS(A,N,N) with α = 0.9999 and the level at
    /// the constant (a perfect fit). α is not estimated, so k = 2 (statsforecast counts 3).
    static func constantModel(_ y: [Double]) -> ETSModel {
        ETSModel(spec: ETSSpec(error: .additive, trend: .none, season: .none), seasonLength: 1,
                 parameters: ETSParameters(alpha: 0.9999), initialState: ExponentialSmoothingState(level: y[0]),
                 y: y, parameterCount: 2)
    }

    // MARK: - Estimation

    /// The layout of the optimiser's vector: free smoothing parameters (α, β?, γ?, φ?), level,
    /// slope?, seasonal states s₋₁ … s₋₍ₘ₋₁₎.
    struct Layout {
        let spec: ETSSpec
        let seasonLength: Int
        var parameterCount: Int { 1 + (spec.hasTrend ? 1 : 0) + (spec.isSeasonal ? 1 : 0) + (spec.isDamped ? 1 : 0) }
        /// Where β, γ and φ sit in x (α is at 0); nil when the spec has no such parameter.
        var betaIndex: Int? { spec.hasTrend ? 1 : nil }
        var gammaIndex: Int? { spec.isSeasonal ? (spec.hasTrend ? 2 : 1) : nil }
        var phiIndex: Int? { spec.isDamped ? parameterCount - 1 : nil }
        var stateOffset: Int { parameterCount }
        var slopeIndex: Int? { spec.hasTrend ? stateOffset + 1 : nil }
        var seasonOffset: Int { stateOffset + 1 + (spec.hasTrend ? 1 : 0) }
        /// Coordinates of x: smoothing parameters, level, slope and m − 1 seasonal states.
        var count: Int { seasonOffset + (spec.isSeasonal ? seasonLength - 1 : 0) }

        func parameters(_ x: [Double]) -> ETSParameters {
            var p = ETSParameters(alpha: x[0])
            if let betaIndex { p.beta = x[betaIndex] }
            if let gammaIndex { p.gamma = x[gammaIndex] }
            if let phiIndex { p.phi = x[phiIndex] }
            return p
        }

        /// The last seasonal state, fixed by the normalisation.
        func closingSeason(_ x: [Double]) -> Double {
            var sum = 0.0
            for j in seasonOffset..<x.count { sum += x[j] }
            return (spec.season == .multiplicative ? Double(seasonLength) : 0) - sum
        }

        func state(_ x: [Double]) -> ExponentialSmoothingState {
            var state = ExponentialSmoothingState(level: x[stateOffset])
            if let slopeIndex { state.trend = x[slopeIndex] }
            if spec.isSeasonal { state.seasonal = Array(x[seasonOffset...]) + [closingSeason(x)] }
            return state
        }
    }

    /// Levenberg–Marquardt stops when a step lowers Σ(g·eₜ)² by less than this fraction.
    static let relativeTolerance = 1e-9
    /// The second start of φ for damped specs (the first is statsforecast's, 0.9782).
    static let secondDampingStart = 0.89

    static func estimate(_ y: [Double], seasonLength m: Int, spec: ETSSpec) throws(ETSError) -> ETSModel {
        guard let initial = ETSInitialization.initialState(y, seasonLength: m, spec: spec) else {
            throw .tooShort(count: y.count, required: 3)
        }
        let layout = Layout(spec: spec, seasonLength: m)
        let box = ETSInitialization.startParameters(spec: spec, seasonLength: m)
        let start = layout.parameters(box.start)
        guard ETSParameterRegion.isUsual(start), ETSParameterRegion.isAdmissible(start, seasonLength: m) else {
            throw .invalidParameters("start parameters outside the usual or admissible region")
        }
        var x0 = box.start + [initial.level]
        if let trend = initial.trend { x0.append(trend) }
        x0 += initial.seasonal
        let lower = box.lower + [Double](repeating: -.infinity, count: x0.count - box.lower.count)
        let upper = box.upper + [Double](repeating: .infinity, count: x0.count - box.upper.count)

        let problem = ETSLeastSquares(y, seasonLength: m, spec: spec)
        let count = Double(y.count)
        // Difference steps, for a point where the exact Jacobian is refused: 1e-7 of the
        // coordinate's size, at least of the data's size for states in data units (of 1 for
        // smoothing parameters and multiplicative seasons).
        let dataSize = y.reduce(0) { $0 + abs($1) } / count
        let steps = (0..<x0.count).map { j -> Double in
            let unit = j < layout.stateOffset || (spec.season == .multiplicative && j >= layout.seasonOffset) ? 1 : dataSize
            return 1e-7 * max(abs(x0[j]), unit)
        }
        let solver = LevenbergMarquardt(initialDamping: 0.1, relativeTolerance: Self.relativeTolerance)
        func solve(from start: [Double]) -> (x: [Double], value: Double)? {
            guard let result = solver.minimize(from: start, lower: lower, upper: upper, residualCount: y.count,
                                               steps: steps, jacobian: problem.jacobian, problem.residuals)
            else { return nil }
            return (result.x, problem.criterion(result.x))
        }
        var best = solve(from: x0) ?? (x0, problem.criterion(x0))
        if let phiIndex = layout.phiIndex {
            // The likelihood is often bimodal in φ (optima on either bound or inside): a second
            // start in the middle of φ's range finds the other mode.
            var other = x0
            other[phiIndex] = Self.secondDampingStart
            if let second = solve(from: other), second.value < best.value { best = second }
        }
        guard best.value.isFinite else { throw .invalidParameters("no finite likelihood for \(spec)") }
        return ETSModel(spec: spec, seasonLength: m, parameters: layout.parameters(best.x),
                        initialState: layout.state(best.x), y: y,
                        parameterCount: freeValueCount(spec, seasonLength: m) + 1)
    }
}
