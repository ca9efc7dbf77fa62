import ForecastCore
import ForecastEvaluation
import ForecastIngest
import ForecastModels
import Foundation

/// A baseline (`naive`, `snaive`, `drift`) as `forecast fit` saves it beside the report:
/// `model-<id>.json`, a data-only JSON document (format `forecast-baseline-model`, version 1), so
/// that a baseline pick can be predicted like any other model.
///
/// A baseline has no parameters: the file holds the rule, its season, how to read the CSV, and
/// the intervals calibrated at fit time. `predict` applies the rule to the whole target of the
/// CSV it is given (``NaiveForecaster``: the last value; ``SeasonalNaiveForecaster``: the value
/// one season earlier; ``DriftForecaster``: the line through the first and last values), which is
/// what `fit` computed for its next forecast when the CSV is the file it was fitted on.
///
/// Fields (snake_case): `format`, `version`; `model` (`naive` | `snaive` | `drift`);
/// `season_length` (m ≥ 2 for `snaive`, 1 otherwise); `target`, `features` (the columns read,
/// so rows are dropped or filled alike); `tool_version`; `configuration` (the run's
/// `FitConfiguration`: reading settings and the horizon); `intervals` (``StoredIntervals``).
public struct BaselineCheckpoint: JSONModelFile, Equatable, Sendable {
    public static let formatName = "forecast-baseline-model"
    public static let formatVersion = 1

    /// The baselines, by their stable id.
    public enum Rule: String, Codable, Sendable, CaseIterable { case naive, snaive, drift }

    public var format: String
    public var version: Int
    public var model: Rule
    public var seasonLength: Int
    public var target: String
    public var features: [String]
    public var toolVersion: String
    public var configuration: FitConfiguration
    public var intervals: StoredIntervals?

    enum CodingKeys: String, CodingKey {
        case format, version, model, seasonLength = "season_length", target, features
        case toolVersion = "tool_version", configuration, intervals
    }

    /// The file of the baseline `result` of `run` (its id and season from the result), or nil
    /// when it is not a working baseline.
    init?(_ result: ModelResult, in run: RunResult, features: [String], toolVersion: String,
          configuration: FitConfiguration) {
        guard result.kind == .baseline, result.status.isOK, let rule = Rule(rawValue: result.id) else { return nil }
        format = Self.formatName
        version = Self.formatVersion
        model = rule
        if rule == .snaive {
            guard let m = run.dataset.season.season, m >= 2 else { return nil }
            seasonLength = m
        } else {
            seasonLength = 1
        }
        target = run.dataset.target
        self.features = features
        self.toolVersion = toolVersion
        self.configuration = configuration
        intervals = StoredIntervals(result, in: run)
    }

    /// As the report names it: `naive`, `seasonal naive (m=12)`, `drift`.
    public var name: String { forecaster.name }

    var forecaster: any BaselineForecaster {
        switch model {
        case .naive: return NaiveForecaster()
        case .snaive: return SeasonalNaiveForecaster(season: max(seasonLength, 2))
        case .drift: return DriftForecaster()
        }
    }

    public static var readableVersions: ClosedRange<Int> { formatVersion...formatVersion }

    /// Checks every field: the season against the rule, the columns, the configuration against
    /// `fit`'s own rules, the intervals against the horizon. O(levels · horizon).
    public func validate(path: String) throws {
        func bad(_ name: String, _ reason: String) -> PredictError { StatisticalCheckpoint.field(path, name, reason) }
        switch model {
        case .snaive:
            guard (2...StatisticalCheckpoint.maximumSeasonLength).contains(seasonLength) else {
                throw bad("season_length", "is \(seasonLength); the seasonal naive needs a season in 2...\(StatisticalCheckpoint.maximumSeasonLength)")
            }
        case .naive, .drift:
            guard seasonLength == 1 else { throw bad("season_length", "is \(seasonLength); \(model.rawValue) has no season, so it is 1") }
        }
        try Self.validateColumnsAndConfiguration(target: target, features: features, configuration: configuration, path: path)
        try intervals?.validate(horizon: configuration.horizon, prefix: "intervals", bad)
    }

    /// The next `configuration.horizon` forecasts after the last row of `series`.
    /// - Throws: ``PredictError``: exit 18 when the CSV has fewer rows than the rule needs (one,
    ///   or one season), exit 14 when the forecast is not finite (values near the largest Double).
    func forecast(series: Series, checkpointPath: String, csvPath: String) throws -> Prediction {
        let rule = forecaster
        let h = configuration.horizon
        guard series.count >= rule.minimumHistory else {
            throw PredictError(file: csvPath,
                               message: "the CSV has \(series.count) rows; the \(rule.name) forecast needs at least \(rule.minimumHistory)",
                               hint: "give the file \(checkpointPath) was made from, or one with at least \(rule.minimumHistory) rows",
                               exitStatus: .tooFewRows)
        }
        let values = rule.nextForecasts(series: series.target, steps: h)
        guard values.allSatisfy(\.isFinite) else {
            throw PredictError(file: csvPath, message: "the \(rule.name) forecast from this CSV is not a finite number (its values are too large)",
                               hint: "check the values of '\(target)' (a unit or typing error?)", exitStatus: .nonNumericValue)
        }
        let frequency = series.frequency
        let last = series.dates?.last
        let dates = last.map { last in (1...h).map { frequency.format(frequency.advance(last, by: $0)) } }
        return Prediction(model: rule.name, modelID: model.rawValue, target: target, lastDate: last.map { frequency.format($0) },
                          horizon: h, intervalLevels: intervals?.levels.map(\.level),
                          points: Prediction.points(values, dates: dates, intervals: intervals))
    }
}
