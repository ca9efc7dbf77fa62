import Foundation

/// One variant fitted alone by statsforecast 2.1.1 (`AutoTheta(model=…)`) on a training series.
struct ThetaFixtureVariant: Decodable, Sendable {
    let initialSmoothed: Double
    let alpha: Double
    let theta: Double
    /// statsforecast's criterion: Σ_{t≥3} e_t² / mean |y| on the deseasonalised training series.
    let mse: Double
    /// In-sample fitted values as statsforecast returns them (for the additive decomposition these
    /// are deseasonalised; see the generator's docstring).
    let fitted: [Double]
    /// Forecasts of the `horizon` values after the training part.
    let forecast: [Double]
    /// One-step forecasts of each test value, parameters and training seasonal indices fixed.
    let oneStep: [Double]
    /// The same from statsforecast's `forward_theta` on the values before each origin (which
    /// re-estimates the decomposition); nil when the training part was not decomposed, where the
    /// generator checked it equals `oneStep`.
    let oneStepForward: [Double]?
}

/// One series of `Fixtures/statsforecast/theta.json`, written by
/// `scripts/fixtures/statsforecast_theta.py`.
struct ThetaFixtureCase: Decodable, Sendable {
    let name: String
    /// One of the seven shared series (the others are seeded synthetic ones).
    let shared: Bool
    let seasonLength: Int
    /// Training part followed by the test part.
    let series: [Double]
    let trainingCount: Int
    let seasonalityTestApplied: Bool
    let acfAtSeason: Double?
    let acfStandardError: Double?
    let seasonal: Bool
    /// "multiplicative", "additive" or "none".
    let decomposition: String
    /// Phase order: index k applies to values t with t mod m == k.
    let seasonalIndices: [Double]?
    let autoVariant: String
    let variants: [String: ThetaFixtureVariant]

    var training: [Double] { Array(series.prefix(trainingCount)) }
    var testValues: ArraySlice<Double> { series[trainingCount...] }
}

struct ThetaFixture: Decodable, Sendable {
    let statsforecast: String
    let horizon: Int
    let cases: [ThetaFixtureCase]

    enum LoadError: Error { case missingResource }

    static let shared: Result<ThetaFixture, Error> = Result {
        guard let url = Bundle.module.url(forResource: "theta", withExtension: "json",
                                          subdirectory: "Fixtures/statsforecast")
        else { throw LoadError.missingResource }
        return try JSONDecoder().decode(ThetaFixture.self, from: Data(contentsOf: url))
    }
}

/// |a − b| relative to |b|, with values below 1 in magnitude compared absolutely.
func thetaRelativeError(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(b), 1)
}

func thetaMaxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { thetaRelativeError($0, $1) }.max() ?? 0
}
