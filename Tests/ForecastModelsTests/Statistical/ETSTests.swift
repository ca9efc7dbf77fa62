import Foundation
import Testing
@testable import ForecastModels

/// ETS recursions, likelihood, information criteria and parameter regions on cases small
/// enough to compute by hand.
@Suite("ETS by hand")
struct ETSTests {
    let simple = ETSSpec(error: .additive, trend: .none, season: .none)

    /// ETS(A,N,N), α = 0.5, ℓ₀ = 10 on y = 10, 12, 11, 13, 12:
    /// ŷ = 10, 10, 11, 11, 12; e = 0, 2, 0, 2, 0; Σe² = 8, so −2 log L = 5·log 8;
    /// k = 3 (α, ℓ₀, σ²): AIC = 5 log 8 + 6, AICc = AIC + 2·3·4/(5 − 3 − 1), BIC = 5 log 8 + 3 log 5;
    /// σ² = 8/(5 − 3 − 1); MSE = 8/5; forecasts stay at ℓ₅ = 12.
    @Test func additiveSimpleSmoothingLikelihood() throws {
        let y = [10.0, 12, 11, 13, 12]
        let model = try ETS.model(spec: simple, seasonLength: 1, parameters: ETSParameters(alpha: 0.5),
                                  initialStates: ExponentialSmoothingState(level: 10), y: y)
        #expect(model.fitted == [10, 10, 11, 11, 12])
        #expect(model.residuals == [0, 2, 0, 2, 0])
        let criterion = 5 * log(8.0)
        #expect(abs(model.logLikelihood - -0.5 * criterion) < 1e-12)
        #expect(model.parameterCount == 3)
        #expect(abs(model.aic - (criterion + 6)) < 1e-12)
        #expect(abs(model.aicc - (criterion + 6 + 24)) < 1e-12)
        #expect(abs(model.bic - (criterion + 3 * log(5.0))) < 1e-12)
        #expect(abs(model.sigma2 - 8) < 1e-12)
        #expect(abs(model.mse - 1.6) < 1e-12)
        #expect(model.forecast(horizon: 3) == [12, 12, 12])
        #expect(model.specName == "ETS(A,N,N)")
    }

    /// ETS(M,N,N), α = 0.5, ℓ₀ = 10 on y = 10, 12, 11: ŷ = 10, 10, 11 and relative errors
    /// e = 0, 0.2, 0, so −2 log L = 3·log 0.04 + 2·(log 10 + log 10 + log 11).
    @Test func multiplicativeErrorLikelihood() throws {
        let spec = ETSSpec(error: .multiplicative, trend: .none, season: .none)
        let model = try ETS.model(spec: spec, seasonLength: 1, parameters: ETSParameters(alpha: 0.5),
                                  initialStates: ExponentialSmoothingState(level: 10), y: [10, 12, 11])
        #expect(model.fitted == [10, 10, 11])
        let criterion = 3 * log(0.04) + 2 * (log(10.0) + log(10.0) + log(11.0))
        #expect(abs(model.logLikelihood - -0.5 * criterion) < 1e-12)
    }

    /// ETS(A,N,A), m = 2, α = 0.5, γ = 0.2, ℓ₀ = 3, seasonal states (s₀, s₋₁) = (−2, 2), so s₋₁ = 2
    /// applies to the first value. On y = 6, 1, 7:
    /// ŷ₁ = 5, ℓ₁ = 3 + 0.5·(4 − 3) = 3.5, s₁ = 2 + 0.2·(3 − 2) = 2.2;
    /// ŷ₂ = 1.5, ℓ₂ = 3.5 + 0.5·(3 − 3.5) = 3.25, s₂ = −2 + 0.2·(−2.5 + 2) = −2.1;
    /// ŷ₃ = 5.45, ℓ₃ = 3.25 + 0.5·(4.8 − 3.25) = 4.025, s₃ = 2.2 + 0.2·(3.75 − 2.2) = 2.51;
    /// forecasts 4.025 − 2.1 = 1.925, 4.025 + 2.51 = 6.535, then 1.925 again.
    @Test func additiveSeasonRecursion() throws {
        let spec = ETSSpec(error: .additive, trend: .none, season: .additive)
        let model = try ETS.model(spec: spec, seasonLength: 2, parameters: ETSParameters(alpha: 0.5, gamma: 0.2),
                                  initialStates: ExponentialSmoothingState(level: 3, seasonal: [-2, 2]), y: [6, 1, 7])
        for (ours, hand) in zip(model.fitted, [5, 1.5, 5.45]) { #expect(abs(ours - hand) < 1e-12) }
        for (ours, hand) in zip(model.forecast(horizon: 3), [1.925, 6.535, 1.925]) { #expect(abs(ours - hand) < 1e-12) }
        // From origin 1: forecasts of y₂, y₃ are 1.5 and ℓ₁ + s₁ = 3.5 + 2.2.
        let rows = model.forecasts(along: [6, 1, 7], origins: 1..<4, horizon: 2)
        #expect(rows.count == 3)
        #expect(abs(rows[0][0] - 1.5) < 1e-12 && abs(rows[0][1] - 5.7) < 1e-12)
        #expect(abs(rows[1][0] - 5.45) < 1e-12)
        #expect(zip(rows[2], model.forecast(horizon: 2)).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    /// ETS(A,Ad,N), α = 0.5, β = 0.1, φ = 0.5, ℓ₀ = 10, b₀ = 1 on y = 11.5: ŷ₁ = 10.5, e = 1,
    /// ℓ₁ = 11, b₁ = 0.5 + 0.1 = 0.6; forecasts ℓ + (φ + … + φʰ)·b = 11.3, 11.45, 11.525.
    @Test func dampedTrendForecast() throws {
        let spec = ETSSpec(error: .additive, trend: .additiveDamped, season: .none)
        let model = try ETS.model(spec: spec, seasonLength: 1, parameters: ETSParameters(alpha: 0.5, beta: 0.1, phi: 0.5),
                                  initialStates: ExponentialSmoothingState(level: 10, trend: 1), y: [11.5])
        #expect(abs(model.fitted[0] - 10.5) < 1e-12)
        for (ours, hand) in zip(model.forecast(horizon: 3), [11.3, 11.45, 11.525]) { #expect(abs(ours - hand) < 1e-12) }
        #expect(model.specName == "ETS(A,Ad,N)")
        #expect(model.parameterCount == 6)
    }

    @Test func usualRegion() {
        #expect(ETSParameterRegion.isUsual(ETSParameters(alpha: 0.5, beta: 0.1, phi: 0.9)))
        #expect(!ETSParameterRegion.isUsual(ETSParameters(alpha: 0.3, beta: 0.4)))          // β > α
        #expect(!ETSParameterRegion.isUsual(ETSParameters(alpha: 0.6, gamma: 0.5)))         // γ > 1 − α
        #expect(!ETSParameterRegion.isUsual(ETSParameters(alpha: 0.5, beta: 0.1, phi: 0.99)))  // φ > 0.98
        #expect(!ETSParameterRegion.isUsual(ETSParameters(alpha: 0.00005)))
    }

    /// Non-seasonal bounds: α ∈ [1 − 1/φ, 1 + 1/φ], β ∈ [α(φ − 1), (1 + φ)(2 − α)].
    /// Seasonal points were checked against statsforecast 2.1.1's `admissible`.
    @Test func admissibleRegion() {
        #expect(ETSParameterRegion.isAdmissible(ETSParameters(alpha: 0.5, beta: 0.1, phi: 0.9), seasonLength: 1))
        #expect(!ETSParameterRegion.isAdmissible(ETSParameters(alpha: 0.5, beta: -0.1, phi: 0.9), seasonLength: 1))  // β < −0.05
        #expect(!ETSParameterRegion.isAdmissible(ETSParameters(alpha: 0.5, beta: 2.9, phi: 0.9), seasonLength: 1))   // β > 2.85
        #expect(ETSParameterRegion.isAdmissible(ETSParameters(alpha: 1.9), seasonLength: 1))
        #expect(!ETSParameterRegion.isAdmissible(ETSParameters(alpha: 2.1), seasonLength: 1))                       // α > 2
        // Every non-trended seasonal model has a unit root; it must still count as admissible.
        #expect(ETSParameterRegion.isAdmissible(ETSParameters(alpha: 0.5, gamma: 0.2), seasonLength: 4))
        #expect(ETSParameterRegion.isAdmissible(ETSParameters(alpha: 0.9, gamma: 0.9), seasonLength: 4))
        #expect(ETSParameterRegion.isAdmissible(ETSParameters(alpha: 0.3, beta: 0.2, gamma: 0.5, phi: 0.9), seasonLength: 4))
        #expect(ETSParameterRegion.isAdmissible(ETSParameters(alpha: 0.2, beta: 0.05, gamma: 0.1, phi: 0.95), seasonLength: 12))
        // Passes the easy necessary conditions; only the characteristic roots reject it.
        #expect(!ETSParameterRegion.isAdmissible(ETSParameters(alpha: 0.5, beta: 0.4, gamma: 0.45), seasonLength: 12))
    }

    /// (z − 0.5)(z + 2)(z − 1) = z³ + 0.5z² − 2.5z + 1: largest |root| 2.
    /// z² + 1: roots ±i, modulus 1.
    @Test func largestRootModulus() throws {
        let cubic = try #require(ETSParameterRegion.largestRootModulus(monic: [1, -2.5, 0.5, 1]))
        #expect(abs(cubic - 2) < 1e-10)
        let circle = try #require(ETSParameterRegion.largestRootModulus(monic: [1, 0, 1]))
        #expect(abs(circle - 1) < 1e-10)
    }

    @Test func untrustedInputThrowsTypedErrors() {
        #expect(throws: ETSError.nonFiniteValue(index: 2)) {
            try ETS.fitAuto([1, 2, .nan, 4, 5, 6, 7, 8], seasonLength: 1)
        }
        #expect(throws: ETSError.tooShort(count: 0, required: 0)) { try ETS.fitAuto([], seasonLength: 1) }
        #expect(throws: ETSError.tooShort(count: 5, required: 6)) { try ETS.fitAuto([1, 3, 2, 4, 3], seasonLength: 1) }
        #expect(throws: ETSError.invalidSeasonLength(0)) { try ETS.fitAuto([1, 2, 3], seasonLength: 0) }
        let y = (0..<30).map { 10 + sin(Double($0)) }
        let multiplicativeSeason = ETSSpec(error: .additive, trend: .none, season: .multiplicative)
        #expect(throws: ETSError.forbiddenCombination(multiplicativeSeason)) {
            try ETS.fit(y, seasonLength: 4, spec: multiplicativeSeason)
        }
        #expect(throws: ETSError.seasonNotPossible(seasonLength: 1, count: 30)) {
            try ETS.fit(y, seasonLength: 1, spec: ETSSpec(error: .additive, trend: .none, season: .additive))
        }
        #expect(throws: ETSError.multiplicativeNeedsPositiveData) {
            try ETS.fit(y.map { $0 - 10 }, seasonLength: 1, spec: ETSSpec(error: .multiplicative, trend: .none, season: .none))
        }
        // 14 seasonal states and parameters on 15 values: too many to estimate.
        #expect(throws: ETSError.tooShort(count: 15, required: 15)) {
            try ETS.fit(Array(y.prefix(15)), seasonLength: 12, spec: ETSSpec(error: .additive, trend: .none, season: .additive))
        }
        #expect(throws: ETSError.invalidParameters("parameters or initial states do not match ETS(A,A,N)")) {
            try ETS.model(spec: ETSSpec(error: .additive, trend: .additive, season: .none), seasonLength: 1,
                          parameters: ETSParameters(alpha: 0.5), initialStates: ExponentialSmoothingState(level: 1), y: [1])
        }
    }

    /// A constant series gets statsforecast's ETS(A,N,N) with α = 0.9999: a perfect fit.
    @Test func constantSeries() throws {
        let model = try ETS.fitAuto([Double](repeating: 7, count: 20), seasonLength: 4)
        #expect(model.specName == "ETS(A,N,N)")
        #expect(model.parameters.alpha == 0.9999)
        #expect(model.fitted.allSatisfy { $0 == 7 })
        #expect(model.forecast(horizon: 2) == [7, 7])
    }

    @Test func specNamesRoundTrip() {
        for spec in ETSSpec.searchOrder { #expect(ETSSpec(spec.description) == spec) }
        #expect(ETSSpec("ETS(M,Ad,M)") == ETSSpec(error: .multiplicative, trend: .additiveDamped, season: .multiplicative))
        #expect(ETSSpec("ETS(M,M,N)") == nil)
        #expect(!ETSSpec(error: .additive, trend: .additive, season: .multiplicative).isAllowed)
        #expect(ETSSpec.searchOrder.first?.description == "ETS(A,N,N)")
        #expect(ETSSpec.searchOrder.last?.description == "ETS(M,A,M)")
    }

    /// Fitting recovers the level of a noiseless straight line: ETS(A,A,N) fits it exactly.
    @Test func fitsAStraightLine() throws {
        let y = (0..<40).map { 5 + 0.5 * Double($0) + 0.01 * sin(Double($0)) }
        let model = try ETS.fit(y, seasonLength: 1, spec: ETSSpec(error: .additive, trend: .additive, season: .none))
        let ahead = model.forecast(horizon: 2)
        #expect(abs(ahead[0] - (5 + 0.5 * 40)) < 0.05)
        #expect(abs(ahead[1] - (5 + 0.5 * 41)) < 0.05)
    }
}

extension ETSTests {
    /// Schur–Cohn against known roots: (z − 0.5)(z + 0.9) inside; (z − 0.5)(z + 1.1) and
    /// z² + 1 (on the circle) not; (z − 0.3)(z² + 0.25) = z³ − 0.3z² + 0.25z − 0.075 inside.
    @Test func schurCohnTest() {
        #expect(ETSParameterRegion.rootsStrictlyInsideUnitCircle([-0.45, 0.4, 1]))
        #expect(!ETSParameterRegion.rootsStrictlyInsideUnitCircle([-0.55, 0.6, 1]))
        #expect(!ETSParameterRegion.rootsStrictlyInsideUnitCircle([1, 0, 1]))
        #expect(ETSParameterRegion.rootsStrictlyInsideUnitCircle([-0.075, 0.25, -0.3, 1]))
    }
}

extension ETSTests {
    /// On a grid of seasonal parameters, the exact Schur–Cohn paths agree with the largest root
    /// found by Durand–Kerner: admissible ⇔ easy conditions hold and max |root| ≤ 1 + 1e-10
    /// (grid points within 1e-6 of the boundary are skipped, where the iteration's own error
    /// decides).
    @Test func schurCohnAgreesWithRootFinder() throws {
        var checked = 0, admissible = 0
        let values = stride(from: 0.05, through: 0.95, by: 0.15).map { $0 }
        for m in [2, 4, 12] {
            for alpha in values { for beta in [0.0, 0.05, 0.3] { for gamma in values { for phi in [0.85, 0.98, 1.0] {
                let p = ETSParameters(alpha: alpha, beta: beta == 0 ? nil : beta, gamma: gamma, phi: phi == 1 ? nil : phi)
                let coefficients = ETSParameterRegion.characteristicCoefficients(
                    alpha: alpha, beta: beta, gamma: gamma, phi: phi, seasonLength: m)
                let radius = try #require(ETSParameterRegion.largestRootModulus(monic: coefficients))
                if abs(radius - 1) < 1e-6 && !(beta == 0 && phi == 1) { continue }
                let md = Double(m)
                let easy = gamma >= max(1 - 1 / phi - alpha, 0) && gamma <= 1 + 1 / phi - alpha
                    && alpha >= 1 - 1 / phi - gamma * (1 - md + phi + phi * md) / (2 * phi * md)
                    && beta >= -(1 - phi) * (gamma / md + alpha)
                let expected = easy && radius <= 1 + 1e-10
                #expect(ETSParameterRegion.isAdmissible(p, seasonLength: m) == expected, "\(m) \(p) radius \(radius)")
                checked += 1
                if expected { admissible += 1 }
            } } } }
        }
        // Both outcomes occur on the grid.
        #expect(admissible > 0 && admissible < checked)
    }
}
