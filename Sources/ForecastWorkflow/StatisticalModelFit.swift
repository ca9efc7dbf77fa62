import Dispatch
import ForecastEvaluation
import ForecastModels
import Foundation

/// One statistical model of the contrast set (`ets`, `theta`) fitted for a run: what the evaluator
/// scores and, when the fit worked, what `forecast predict` reloads.
///
/// The model is estimated twice on the original scale, with the run's season (1 when there is
/// none): ETS by AICc over the admissible specs (`ETS.fitAuto`; Hyndman, Koehler, Ord & Snyder
/// 2008), Theta by in-sample error over STM, OTM, DSTM, DOTM (`Theta.fitAuto`; Fiorucci et al. 2016).
/// - Once per validation fold (`ModelSelection.folds(of:)`), on every point before the fold's
///   first origin (the first fold: the training part): each fit forecasts its fold, and these
///   forecasts are what selection and the conformal intervals see, out of sample like every
///   model's.
/// - Again on every point before the test part (training and validation), as a forecaster refits
///   before forecasting; the test part, the next forecast and the checkpoint use this fit. The
///   test part is still never seen. (Refitting is cheap here; networks are not retrained.)
/// Each fit's parameters then stay fixed and its state is filtered through the actual values
/// (`FittedStatisticalModel.forecasts(along:…)`, statsforecast's `forward`).
/// Cost: folds + 1 fits (see `ETS`, `Theta`) plus O(folds) O(n + origins·horizon) filtering passes.
struct StatisticalModelFit: Sendable {
    var output: ModelOutput
    var checkpoint: StatisticalCheckpoint?

    /// What a fit needs from the run besides the series: for the checkpoint.
    struct RunContext {
        var target: String
        var features: [String]
        var dates: [Date]?
        var toolVersion: String
        var configuration: FitConfiguration
    }

    /// Fits `model` (`.ets` or `.theta`) and forecasts along `y`. A fit that throws becomes a
    /// failed output with the reason; nothing here traps on data.
    static func fit(_ model: ContrastModel, y: [Double], split: SeriesSplit, seasonLength: Int, horizon: Int,
                    context: RunContext) -> StatisticalModelFit {
        let name = model.rawValue
        guard model.isStatistical else {
            return StatisticalModelFit(output: .failed(name: name, kind: .statistical, reason: "not a statistical model"),
                                       checkpoint: nil)
        }
        let clock = DispatchTime.now()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9 }
        func fit(_ part: Range<Int>, _ what: String) -> Result<FittedStatistical, FitFailure> {
            let values = Array(y[part])
            do {
                return .success(model == .ets ? .ets(try ETS.fitAuto(values, seasonLength: seasonLength))
                                              : .theta(try Theta.fitAuto(values, seasonLength: seasonLength)))
            } catch {
                return .failure(FitFailure(reason: "cannot fit on the \(values.count) \(what) points: \(failureText(error, model: model))"))
            }
        }
        let beforeTest = split.train.lowerBound..<split.validation.upperBound
        // One fit per fold on everything before it, then the refit before the test part.
        var validationRows: [[Double]] = []
        for (j, fold) in ModelSelection.folds(of: split.validation).enumerated() {
            switch fit(0..<fold.lowerBound, j == 0 ? "training" : "points before validation fold \(j + 1)") {
            case .failure(let f):
                return StatisticalModelFit(output: .failed(name: name, kind: .statistical, reason: f.reason, trainSeconds: elapsed()),
                                           checkpoint: nil)
            case .success(let f):
                validationRows += f.model.forecasts(along: y, origins: fold, horizon: horizon)
            }
        }
        let refitted: FittedStatistical
        switch fit(beforeTest, split.validation.isEmpty ? "training" : "training and validation") {
        case .failure(let f):
            return StatisticalModelFit(output: .failed(name: name, kind: .statistical, reason: f.reason, trainSeconds: elapsed()),
                                       checkpoint: nil)
        case .success(let f): refitted = f
        }
        let seconds = elapsed()
        let m = refitted.model
        let output = ModelOutput(
            name: name, kind: .statistical, parameters: m.parameterCount, configuration: m.specName,
            trainSeconds: seconds,
            validationForecasts: RollingForecasts(origins: Array(split.validation), values: validationRows),
            testForecasts: RollingForecasts(origins: Array(split.test),
                                            values: m.forecasts(along: y, origins: split.test, horizon: horizon)),
            nextForecast: nextForecast(m, along: y, horizon: horizon))
        let checkpoint = StatisticalCheckpoint(model: name, fitted: refitted, training: y[beforeTest],
                                               trainingDates: context.dates.map { Array($0[beforeTest]) },
                                               target: context.target, features: context.features,
                                               toolVersion: context.toolVersion, configuration: context.configuration)
        return StatisticalModelFit(output: output, checkpoint: checkpoint)
    }

    struct FitFailure: Error { var reason: String }

    /// The `horizon` forecasts after the last value of `y`, the state filtered through all of it.
    /// `forecast predict` computes exactly this from a reloaded model.
    static func nextForecast(_ model: any FittedStatisticalModel, along y: [Double], horizon: Int) -> [Double] {
        model.forecasts(along: y, origins: y.count..<(y.count + 1), horizon: horizon).first ?? []
    }

    /// A fit error in words for the report's list of failed models.
    static func failureText(_ error: any Error, model: ContrastModel) -> String {
        switch error {
        case let e as ETSError:
            switch e {
            case .nonFiniteValue(let index): return "training value \(index + 1) is not a finite number"
            case .tooShort(let count, let required): return "too few values (\(count)); ETS needs more than \(required)"
            case .invalidSeasonLength(let m): return "season length \(m) is not valid"
            case .seasonNotPossible(let m, let count): return "a season of \(m) needs more than \(m) values (has \(count))"
            case .multiplicativeNeedsPositiveData: return "a multiplicative model needs values above 0"
            case .forbiddenCombination(let spec): return "\(spec) is not an allowed model"
            case .invalidParameters(let text): return text
            case .noModelFitted: return "no ETS model could be estimated (every candidate failed or was not allowed for this series)"
            }
        case let e as ThetaError:
            switch e {
            case .tooShort(let count, let minimum): return "too few values (\(count)); Theta needs at least \(minimum)"
            case .nonFiniteValue(let index): return "training value \(index + 1) is not a finite number (after removing the season)"
            case .invalidSeasonLength(let m): return "season length \(m) is not valid"
            case .invalidParameters(let p): return "parameters outside the model's domain (ℓ₀ \(p.initialLevel), α \(p.alpha), θ \(p.theta))"
            case .noFiniteFit: return "no Theta variant had a finite in-sample error"
            }
        default:
            return "\(error)"
        }
    }
}

/// A fitted model of either family: the shared protocol for forecasting, the concrete type for
/// what the checkpoint stores.
enum FittedStatistical: Sendable {
    case ets(ETSModel)
    case theta(ThetaModel)

    var model: any FittedStatisticalModel {
        switch self {
        case .ets(let m): return m
        case .theta(let m): return m
        }
    }
}
