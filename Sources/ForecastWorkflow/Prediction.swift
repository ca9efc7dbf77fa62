import ForecastCore
import ForecastIngest
import ForecastModels
import Foundation

/// A checkpoint whose metadata cannot be used to rebuild the model's input (exit 31), or a CSV
/// whose columns do not match what the model was trained on (exit 32).
public struct PredictError: ForecastError {
    public var file: String
    public var message: String
    public var hint: String?
    public var exitStatus: ExitStatus
    public var location: ErrorLocation? { ErrorLocation(file: file) }
}

/// One forecast step of `forecast predict`.
public struct PredictedPoint: Codable, Equatable, Sendable {
    public var step: Int
    /// Formatted for the series' frequency (yyyy-MM-dd, or with time for sub-daily data); nil without dates.
    public var date: String?
    public var value: Double
}

/// `forecast predict`: loads a checkpoint written by `fit`, reads a CSV with the same columns,
/// rebuilds the last window with the scaler fitted at training time (never refitted), and
/// forecasts the next `horizon` points. No training; the numbers equal those `fit` computed
/// in memory from the same rows, bit for bit.
public struct Prediction {
    public var model: String
    public var target: String
    public var lastDate: String?
    public var points: [PredictedPoint]

    public static func run(checkpointPath: String, csvPath: String) throws -> Prediction {
        let checkpoint = try Checkpoint.read(from: checkpointPath)
        let meta = try CheckpointMetadata(reading: checkpoint, path: checkpointPath)
        let c = meta.configuration
        // The same rules as `fit` and a pipeline job: a hand-edited header cannot smuggle in a setting.
        if let problem = c.problems().first(where: { $0.key != .input }) {
            throw PredictError(file: checkpointPath, message: "the checkpoint's configuration is not valid: \(problem.key.pipelineKey) \(problem.message)",
                               hint: "re-run `forecast fit` to make a new one", exitStatus: .checkpointUnreadable)
        }
        let target = meta.target, features = meta.features
        var windowing = meta.windowing
        let options = IngestOptions(path: csvPath, delimiter: c.delimiter.flatMap(\.first),
                                    dateColumn: c.dateColumn, dateFormat: c.dateFormat,
                                    target: target, features: features, missing: c.missing, duplicates: c.duplicates)
        let series: Series
        do {
            series = try loadSeries(options)
        } catch let e as IngestError where e.kind == .columnSelection {
            throw PredictError(file: csvPath, message: e.message,
                               hint: "the model \(checkpointPath) was trained on target '\(target)' with input columns \(features.joined(separator: ", ")); the CSV must have them",
                               exitStatus: .checkpointColumnsMismatch)
        }
        // Every window goes to the "test" part: nothing is fitted, the saved scaler is used.
        windowing.testFraction = 1
        windowing.validationFraction = 0
        let dataset = try makeWindows(series, windowing, scaler: meta.scaler)
        let net = try checkpoint.makeNetwork()
        let output = net.predict(x: dataset.nextInput(), count: 1)
        let values = dataset.inverseNext(output)
        let frequency = series.frequency
        let dates = dataset.nextDates()
        let points = values.enumerated().map { k, v in
            PredictedPoint(step: k + 1, date: dates.map { frequency.format($0[k]) }, value: v)
        }
        return Prediction(model: meta.model, target: target,
                          lastDate: series.dates?.last.map { frequency.format($0) }, points: points)
    }
}
