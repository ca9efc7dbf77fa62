import Foundation
import Testing
@testable import ForecastModels

/// Our ETS against statsforecast 2.1.1 (`Fixtures/statsforecast/ets.json`): the recursions with
/// statsforecast's own parameters, our optimiser's likelihood, and AutoETS's selection.
@Suite("ETS against statsforecast")
struct ETSFixtureTests {
    let reference: ETSReference

    init() throws {
        reference = try ETSReference.shared.get()
    }

    /// Every fit whose fitted values the fixture carries: the auto-selected ones and every spec
    /// on the synthetic series.
    var detailedFits: [(ETSReferenceSeries, ETSReferenceFit)] {
        reference.series.flatMap { series in
            ([series.auto] + series.fits).filter { $0.fitted != nil }.map { (series, $0) }
        }
    }

    @Test func fixtureIsFromStatsforecast211AndCoversEveryAllowedSpec() {
        #expect(reference.statsforecastVersion == "2.1.1")
        #expect(reference.series.filter(\.isShared).count == 7)
        let covered = Set(detailedFits.compactMap { $0.1.etsSpec })
        #expect(covered == Set(ETSSpec.searchOrder), "missing: \(Set(ETSSpec.searchOrder).subtracting(covered))")
        #expect(ETSSpec.searchOrder.count == 15)
    }

    /// With statsforecast's parameters and initial states, our filter gives its fitted values,
    /// its one-step forecasts along the test part (`forward`), its 12-step forecast (step 1 for
    /// damped trends, see below) and its likelihood, AICc, σ² and MSE, each within 1e-6 relative.
    @Test func fixedParametersReproduceStatsforecast() throws {
        var worst = 0.0
        for (series, fit) in detailedFits {
            let label = "\(series.name) \(fit.spec)"
            let model = try #require(try rebuildETS(fit, series: series), "\(label)")
            let fitted = try #require(fit.fitted)
            #expect(model.fitted.count == fitted.count, "\(label)")
            for (ours, theirs) in zip(model.fitted, fitted) { worst = max(worst, etsRelativeError(ours, theirs)) }

            let full = series.train + series.test
            let oneStep = model.forecasts(along: full, origins: series.train.count..<full.count, horizon: 1)
            let theirOneStep = try #require(fit.oneStep)
            #expect(oneStep.count == theirOneStep.count, "\(label)")
            for (row, theirs) in zip(oneStep, theirOneStep) { worst = max(worst, etsRelativeError(row[0], theirs)) }

            // statsforecast 2.1.1 (and R's C forecast routine) step the damped multiplier as
            // φ, 2φ, 2φ + φ², … instead of φ, φ + φ², …: damped specs agree at step 1 only.
            let ahead = model.forecast(horizon: reference.horizon)
            let theirAhead = try #require(fit.forecast)
            #expect(ahead.count == theirAhead.count, "\(label)")
            let comparable = model.spec.isDamped ? 1 : theirAhead.count
            for (ours, theirs) in zip(ahead, theirAhead).prefix(comparable) { worst = max(worst, etsRelativeError(ours, theirs)) }

            #expect(etsRelativeError(model.logLikelihood, try #require(fit.logLikelihood)) < 1e-6, "\(label)")
            #expect(etsRelativeError(model.aicc, try #require(fit.aicc)) < 1e-6, "\(label)")
            #expect(model.parameterCount == fit.parameterCount, "\(label)")
            #expect(etsRelativeError(model.sigma2, try #require(fit.sigma2)) < 1e-6, "\(label)")
            #expect(etsRelativeError(model.mse, try #require(fit.mse)) < 1e-6, "\(label)")
        }
        #expect(worst < 1e-6, "worst relative error \(worst)")
    }

    /// The optimiser's start states (classical decomposition, or the Fourier fit below three
    /// seasons, then a line through the first seasonally adjusted values) equal statsforecast's.
    @Test func initialStateHeuristicMatchesStatsforecast() throws {
        var compared = 0
        for series in reference.series {
            for (key, theirs) in series.initialStateHeuristic {
                let parts = key.split(separator: ",").map(String.init)
                let trend: ETSSpec.TrendKind = parts[0] == "A" ? .additive : .none
                let season = try #require(ETSSpec.SeasonKind(rawValue: parts[1]))
                let spec = ETSSpec(error: .multiplicative, trend: trend, season: season)
                let state = try #require(ETSInitialization.initialState(series.train, seasonLength: series.seasonLength, spec: spec))
                let ours = [state.level] + (state.trend.map { [$0] } ?? []) + state.seasonal
                #expect(ours.count == theirs.count, "\(series.name) \(key)")
                for (a, b) in zip(ours, theirs) {
                    #expect(etsRelativeError(a, b) < 1e-9, "\(series.name) \(key): \(a) vs \(b)")
                }
                compared += 1
            }
        }
        #expect(compared >= 40)
    }

    /// Our optimiser never ends more than 1e-4 below statsforecast's log-likelihood for the same
    /// spec, on every series and every spec statsforecast fitted (and its auto-selected fit).
    @Test func optimiserLikelihoodIsNeverWorse() throws {
        var worstShortfall = -Double.infinity
        for series in reference.series {
            for fit in [series.auto] + series.fits where fit.failure == nil {
                let spec = try #require(fit.etsSpec)
                let theirs = try #require(fit.logLikelihood)
                let ours = try ETS.fit(series.train, seasonLength: series.seasonLength, spec: spec)
                worstShortfall = max(worstShortfall, theirs - ours.logLikelihood)
                #expect(ours.logLikelihood >= theirs - 1e-4,
                        "\(series.name) \(spec): ours \(ours.logLikelihood), statsforecast \(theirs)")
            }
        }
        #expect(worstShortfall.isFinite)
    }

    /// AutoETS's choice on at least 5 of the 7 shared series; elsewhere our one-step test MAE
    /// (parameters fixed, state filtered through the actual values) within 2 % of statsforecast's.
    @Test func autoSelectionMatchesStatsforecast() throws {
        var matches = 0
        for series in reference.series where series.isShared {
            let model = try ETS.fitAuto(series.train, seasonLength: series.seasonLength)
            if model.specName == series.autoSpec {
                matches += 1
                continue
            }
            let full = series.train + series.test
            let oneStep = model.forecasts(along: full, origins: series.train.count..<full.count, horizon: 1)
            let errors = zip(oneStep, series.test).map { abs($0.0[0] - $0.1) }
            let mae = errors.reduce(0, +) / Double(errors.count)
            let theirs = try #require(series.auto.oneStepMAE)
            #expect(mae <= 1.02 * theirs, "\(series.name): ours \(model.specName) MAE \(mae), statsforecast \(series.autoSpec) MAE \(theirs)")
        }
        #expect(matches >= 5, "\(matches) of 7 specs match")
    }
}
