import Foundation
import Testing
@testable import ForecastModels

/// The theta family against statsforecast 2.1.1 (`Fixtures/statsforecast/theta.json`).
@Suite("Theta against statsforecast")
struct ThetaReferenceTests {
    let fixture: ThetaFixture

    init() throws {
        fixture = try ThetaFixture.shared.get()
    }

    func variant(_ name: String) throws -> ThetaVariant {
        try #require(ThetaVariant(rawValue: name))
    }

    @Test func fixtureCoversEveryKindOfSeries() {
        #expect(fixture.statsforecast == "2.1.1")
        #expect(fixture.cases.filter(\.shared).count == 7)
        let kinds = Set(fixture.cases.map(\.decomposition))
        #expect(kinds == ["multiplicative", "additive", "none"])
        #expect(fixture.cases.contains { $0.seasonLength > 1 && $0.seasonalityTestApplied && !$0.seasonal })
        #expect(fixture.cases.contains { $0.seasonLength > 1 && !$0.seasonalityTestApplied })
        for c in fixture.cases {
            #expect(Set(c.variants.keys) == Set(ThetaVariant.allCases.map(\.rawValue)), "\(c.name)")
        }
    }

    /// statsforecast's parameters fixed: fitted values, criterion and h = 12 forecasts agree to 1e-6.
    @Test func fixedParametersReproduceStatsforecast() throws {
        var worst = 0.0
        for c in fixture.cases {
            for (name, reference) in c.variants {
                let model = try Theta.model(
                    variant: try variant(name),
                    parameters: ThetaParameters(initialLevel: reference.initialSmoothed, alpha: reference.alpha,
                                                theta: reference.theta),
                    y: c.training, seasonLength: c.seasonLength)
                var fitted = model.fitted
                if let d = model.decomposition, d.kind == .additive {
                    // statsforecast leaves the season out of its additive in-sample fit.
                    fitted = fitted.enumerated().map { $1 - d.index(at: $0) }
                }
                let errors = [thetaMaxRelativeError(fitted, reference.fitted),
                              thetaMaxRelativeError(model.forecast(horizon: fixture.horizon), reference.forecast),
                              thetaRelativeError(model.criterion, reference.mse)]
                #expect(errors.allSatisfy { $0 < 1e-6 }, "\(c.name) \(name): \(errors)")
                worst = max(worst, errors.max()!)
            }
        }
        print("theta fixed-parameter max relative error: \(worst)")
    }

    /// One-step forecasts of the test part with parameters and seasonal indices fixed equal
    /// statsforecast's core filter run on each prefix (without a decomposition that is exactly
    /// statsforecast's `forward_theta`, checked by the generator).
    @Test func oneStepForecastsAlongTheTestPart() throws {
        var worst = 0.0
        for c in fixture.cases {
            for (name, reference) in c.variants {
                let model = try Theta.model(
                    variant: try variant(name),
                    parameters: ThetaParameters(initialLevel: reference.initialSmoothed, alpha: reference.alpha,
                                                theta: reference.theta),
                    y: c.training, seasonLength: c.seasonLength)
                let rows = model.forecasts(along: c.series, origins: c.trainingCount..<c.series.count, horizon: 1)
                let ours = rows.map { $0[0] }
                let error = thetaMaxRelativeError(ours, reference.oneStep)
                #expect(error < 1e-6, "\(c.name) \(name): \(error)")
                #expect((reference.oneStepForward == nil) == (c.decomposition == "none"), "\(c.name)")
                worst = max(worst, error)
            }
        }
        print("theta one-step max relative error: \(worst)")
    }

    /// Our optimiser may find a better optimum than statsforecast's, never a worse one.
    @Test func optimiserIsNeverWorseThanStatsforecast() throws {
        var ratios: [Double] = []
        for c in fixture.cases {
            for (name, reference) in c.variants {
                let model = try Theta.fit(c.training, seasonLength: c.seasonLength, variant: try variant(name))
                #expect(model.criterion <= reference.mse * (1 + 1e-6) + 1e-10,
                        "\(c.name) \(name): \(model.criterion) vs \(reference.mse)")
                ratios.append(model.criterion / reference.mse)
            }
        }
        print("theta criterion ratio ours/statsforecast: min \(ratios.min() ?? .nan), max \(ratios.max() ?? .nan)")
    }

    @Test func seasonalityDecisionAndIndicesMatch() throws {
        for c in fixture.cases {
            let model = try Theta.fit(c.training, seasonLength: c.seasonLength, variant: .stm)
            #expect((model.seasonalityTest != nil) == c.seasonalityTestApplied, "\(c.name)")
            if let test = model.seasonalityTest, let r = c.acfAtSeason, let se = c.acfStandardError {
                #expect(abs(test.autocorrelation - r) < 1e-9, "\(c.name)")
                #expect(abs(test.standardError - se) < 1e-9, "\(c.name)")
            }
            #expect((model.seasonalityTest?.isSeasonal ?? false) == c.seasonal, "\(c.name)")
            #expect((model.decomposition?.kind.rawValue ?? "none") == c.decomposition, "\(c.name)")
            if let indices = c.seasonalIndices {
                let ours = try #require(model.decomposition?.indices, "\(c.name)")
                #expect(thetaMaxRelativeError(ours, indices) < 1e-9, "\(c.name)")
            } else {
                #expect(model.decomposition == nil, "\(c.name)")
            }
        }
    }

    /// AutoTheta picks statsforecast's variant on at least 5 of the 7 shared series; where it does
    /// not, its one-step test MAE is within 2 % of statsforecast's choice (same fixed-season filter).
    @Test func autoThetaChoosesAsStatsforecast() throws {
        var matches = 0
        for c in fixture.cases where c.shared {
            let model = try Theta.fitAuto(c.training, seasonLength: c.seasonLength)
            if model.specName == c.autoVariant {
                matches += 1
                continue
            }
            let ours = model.forecasts(along: c.series, origins: c.trainingCount..<c.series.count, horizon: 1)
            let theirs = try #require(c.variants[c.autoVariant]).oneStep
            let actual = Array(c.testValues)
            let ourMAE = zip(ours, actual).map { abs($0[0] - $1) }.reduce(0, +) / Double(actual.count)
            let theirMAE = zip(theirs, actual).map { abs($0 - $1) }.reduce(0, +) / Double(actual.count)
            print("theta auto \(c.name): ours \(model.specName) MAE \(ourMAE), statsforecast \(c.autoVariant) MAE \(theirMAE)")
            #expect(ourMAE <= theirMAE * 1.02, "\(c.name)")
        }
        print("theta auto choice matches: \(matches)/7")
        #expect(matches >= 5)
    }
}

/// Hand-computed cases.
@Suite("Theta by hand")
struct ThetaHandTests {
    /// y = 3…8 is the line 2 + t (t = 1…6), so A = 2, B = 1; with ℓ₀ = 0, α = ½, θ = 2 every step is
    /// a dyadic fraction: μ_t = ℓ_{t−1} + ½(2·2^{−t} + 2(1 − 2^{−t−1})), ℓ_t = ½(y_t + ℓ_{t−1}).
    @Test func standardRecursionOnSixPoints() throws {
        let y: [Double] = [3, 4, 5, 6, 7, 8]
        let model = try Theta.model(variant: .stm, parameters: ThetaParameters(initialLevel: 0, alpha: 0.5, theta: 2),
                                    y: y, seasonLength: 1)
        #expect(model.fitted == [1.5, 2.75, 3.875, 4.9375, 5.96875, 6.984375])
        // ℓ₅ = 6.984375; μ₆ = ℓ₅ + ½(2/64 + 2(1 − 1/128)); then ℓ₆ = ½(μ₆ + ℓ₅).
        let forecast = model.forecast(horizon: 2)
        #expect(forecast[0] == 7.9921875)
        #expect(forecast[1] == 7.48828125 + 0.5 * (2.0 / 128 + 2 * (1 - 1.0 / 256)))
        let sse = 1.0625 * 1.0625 + 1.03125 * 1.03125 + 1.015625 * 1.015625
        #expect(abs(model.mse - sse / 3) < 1e-15)
        #expect(abs(model.criterion - sse / 5.5) < 1e-15)
        #expect(model.parameterCount == 2)
    }

    /// DSTM on the same points: A₀ = y₀, B₀ = 0, then B_t = ((t−1)B + 6(y_t − ȳ_{t−1})/(t+1))/(t+2),
    /// A_t = ȳ_t − B_t(t+2)/2.
    @Test func dynamicRecursionFirstSteps() throws {
        let y: [Double] = [3, 4, 5, 6, 7, 8]
        let model = try Theta.model(variant: .dstm, parameters: ThetaParameters(initialLevel: 0, alpha: 0.5, theta: 2),
                                    y: y, seasonLength: 1)
        // t = 0: fitted is y₀; ℓ₀ = 1.5, A = 3, B = 0.
        // t = 1: μ = 1.5 + ½(3·½) = 2.25; ℓ₁ = 2.75, ȳ₁ = 3.5, B₁ = (0 + 6·1/2)/3 = 1, A₁ = 3.5 − 1.5 = 2.
        // t = 2: μ = 2.75 + ½(2·¼ + 1·(1 − ⅛)/½) = 2.75 + ½(0.5 + 1.75) = 3.875.
        #expect(model.fitted[0] == 3)
        #expect(model.fitted[1] == 2.25)
        #expect(model.fitted[2] == 3.875)
    }

    /// y = 1 2 3 4 1 2 3 4: mean 2.5, Σd² = 10; lag sums 0.25, −4.5, −3.25, 5 give r₁ = 0.025,
    /// r₂ = −0.45, r₃ = −0.325, r₄ = 0.5; se = √((1 + 2(0.000625 + 0.2025 + 0.105625))/8).
    @Test func seasonalityStatisticOnEightPoints() throws {
        let test = try #require(SeasonalityTest.apply(to: [1, 2, 3, 4, 1, 2, 3, 4], seasonLength: 4))
        #expect(abs(test.autocorrelation - 0.5) < 1e-15)
        let se = (1.6175 / 8).squareRoot()
        #expect(abs(test.standardError - se) < 1e-15)
        #expect(abs(test.statistic - 0.5 / se) < 1e-12)
        #expect(!test.isSeasonal)  // 1.112 < 1.645
        #expect(SeasonalityTest.apply(to: [1, 2, 3, 4, 1, 2, 3], seasonLength: 4) == nil)
        #expect(SeasonalityTest.apply(to: Array(repeating: 1, count: 12), seasonLength: 3) == nil)
        let constant = try #require(SeasonalityTest.apply(to: Array(repeating: 5, count: 12), seasonLength: 4))
        #expect(!constant.isSeasonal)
    }

    /// For an exactly periodic series every centred moving average equals the period mean, so the
    /// indices are the pattern divided by (or minus) its mean.
    @Test func decompositionOfExactlyPeriodicSeries() throws {
        let even: [Double] = [2, 4, 6, 8, 2, 4, 6, 8, 2, 4, 6, 8]
        let multiplicative = try #require(SeasonalDecomposition.estimate(even, seasonLength: 4, kind: .multiplicative))
        #expect(thetaMaxRelativeError(multiplicative.indices, [0.4, 0.8, 1.2, 1.6]) < 1e-14)
        let additive = try #require(SeasonalDecomposition.estimate(even, seasonLength: 4, kind: .additive))
        #expect(thetaMaxRelativeError(additive.indices, [-3, -1, 1, 3]) < 1e-15)
        // Odd season, started mid-cycle: phase 0 is the first value's phase.
        let odd: [Double] = [2, 6, 1, 2, 6, 1, 2, 6, 1]
        let oddIndices = try #require(SeasonalDecomposition.estimate(odd, seasonLength: 3, kind: .multiplicative))
        #expect(thetaMaxRelativeError(oddIndices.indices, [2.0 / 3, 2, 1.0 / 3]) < 1e-14)
        #expect(oddIndices.applying(to: 3, at: 7) == 6)
        // Non-positive data goes additive.
        let shifted = even.map { $0 - 5 }
        #expect(SeasonalDecomposition.forTheta(shifted, seasonLength: 4)?.kind == .additive)
        #expect(SeasonalDecomposition.forTheta(even, seasonLength: 4)?.kind == .multiplicative)
    }

    @Test func invalidInputThrows() {
        #expect(throws: ThetaError.tooShort(count: 3, minimum: 4)) { try Theta.fitAuto([1, 2, 3], seasonLength: 1) }
        #expect(throws: ThetaError.nonFiniteValue(index: 2)) { try Theta.fitAuto([1, 2, .nan, 4, 5], seasonLength: 1) }
        #expect(throws: ThetaError.invalidSeasonLength(0)) { try Theta.fitAuto([1, 2, 3, 4, 5], seasonLength: 0) }
        let bad = ThetaParameters(initialLevel: 0, alpha: 0, theta: 2)
        #expect(throws: ThetaError.invalidParameters(bad)) {
            try Theta.model(variant: .stm, parameters: bad, y: [1, 2, 3, 4, 5], seasonLength: 1)
        }
    }

    /// A row depends only on values before its origin; the training-end origin equals `forecast`.
    @Test func forecastsAlongAreCausal() throws {
        let y: [Double] = (0..<48).map { (t: Int) -> Double in
            let season = 4 * sin(Double(t) * Double.pi / 6)
            return 20 + 0.3 * Double(t) + season + Double(t % 5)
        }
        for variant in ThetaVariant.allCases {
            let model = try Theta.fit(Array(y.prefix(36)), seasonLength: 12, variant: variant)
            let rows = model.forecasts(along: y, origins: 30..<49, horizon: 3)
            #expect(rows[6] == model.forecast(horizon: 3), "\(variant)")
            var changed = y
            for t in 40..<48 { changed[t] *= 3 }
            let changedRows = model.forecasts(along: changed, origins: 30..<49, horizon: 3)
            #expect(Array(changedRows[0...10]) == Array(rows[0...10]), "\(variant)")
            #expect(changedRows[11] != rows[11], "\(variant)")
            let outside = model.forecasts(along: y, origins: 0..<2, horizon: 2)
            #expect(outside[0].allSatisfy { $0.isNaN } && outside[1].allSatisfy { $0.isFinite }, "\(variant)")
        }
    }
}
