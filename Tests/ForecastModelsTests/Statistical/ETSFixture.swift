import Foundation
@testable import ForecastModels

/// One statsforecast ETS fit from `Fixtures/statsforecast/ets.json`
/// (written by `scripts/fixtures/statsforecast_ets.py`). `initialStates` is statsforecast's
/// state vector [level, slope?, s₋₀ … s₋₍ₘ₋₁₎] (m seasonal states, the last applied first).
struct ETSReferenceFit: Decodable, Sendable {
    let spec: String
    let failure: String?
    let alpha: Double?
    let beta: Double?
    let gamma: Double?
    let phi: Double?
    let initialStates: [Double]?
    let parameterCount: Int?
    let logLikelihood: Double?
    let aicc: Double?
    let aic: Double?
    let bic: Double?
    let mse: Double?
    let sigma2: Double?
    /// Only for the auto-selected spec and for the synthetic series.
    let fitted: [Double]?
    /// One-step forecasts of the test part, parameters fixed (statsforecast `forward`).
    let oneStep: [Double]?
    let oneStepMAE: Double?
    /// Steps 1…horizon after the training part.
    let forecast: [Double]?

    var etsSpec: ETSSpec? { ETSSpec(spec) }

    var parameters: ETSParameters? {
        guard let alpha else { return nil }
        return ETSParameters(alpha: alpha, beta: beta, gamma: gamma, phi: phi)
    }

    func state(seasonal: Bool, trend: Bool) -> ExponentialSmoothingState? {
        guard let states = initialStates, !states.isEmpty else { return nil }
        let first = trend ? 2 : 1
        return ExponentialSmoothingState(level: states[0], trend: trend ? states[1] : nil,
                                         seasonal: seasonal ? Array(states[first...]) : [])
    }
}

struct ETSReferenceSeries: Decodable, Sendable {
    let name: String
    let seasonLength: Int
    /// statsforecast's `initstate` per "trend,season" pair (e.g. "A,M"): level, slope?, the
    /// first m − 1 seasonal states.
    let initialStateHeuristic: [String: [Double]]
    let train: [Double]
    let test: [Double]
    let autoSpec: String
    let auto: ETSReferenceFit
    let fits: [ETSReferenceFit]

    var isShared: Bool { !name.hasPrefix("synthetic") }
}

struct ETSReference: Decodable, Sendable {
    let statsforecastVersion: String
    let horizon: Int
    let series: [ETSReferenceSeries]

    static let shared: Result<ETSReference, Error> = Result { try load() }

    enum LoadError: Error { case missingResource }

    static func load() throws -> ETSReference {
        guard let url = Bundle.module.url(forResource: "ets", withExtension: "json",
                                          subdirectory: "Fixtures/statsforecast")
        else { throw LoadError.missingResource }
        return try JSONDecoder().decode(ETSReference.self, from: Data(contentsOf: url))
    }
}

/// |a − b| / max(|b|, 1): relative error, absolute near zero.
func etsRelativeError(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(b), 1)
}

/// The model statsforecast fitted, rebuilt with our filter from its parameters and states.
func rebuildETS(_ fit: ETSReferenceFit, series: ETSReferenceSeries) throws -> ETSModel? {
    guard let spec = fit.etsSpec, let parameters = fit.parameters,
          let state = fit.state(seasonal: spec.isSeasonal, trend: spec.hasTrend) else { return nil }
    return try ETS.model(spec: spec, seasonLength: series.seasonLength, parameters: parameters,
                         initialStates: state, y: series.train)
}
