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
/// forecasts the next `horizon` points; for a statistical model, refilters the target from the
/// first row with the stored parameters (``StatisticalCheckpoint``). No training; the numbers
/// equal those `fit` computed in memory from the same rows, bit for bit.
public struct Prediction {
    public var model: String
    public var target: String
    public var lastDate: String?
    public var points: [PredictedPoint]

    /// Forecasts with a network checkpoint (`model-<name>.ckpt`) or a statistical model file
    /// (`model-ets.json`, `model-theta.json`; see ``StatisticalCheckpoint``), told apart by content.
    public static func run(checkpointPath: String, csvPath: String) throws -> Prediction {
        if StatisticalCheckpoint.isStatisticalFile(checkpointPath) {
            return try runStatistical(checkpointPath: checkpointPath, csvPath: csvPath)
        }
        let checkpoint = try Checkpoint.read(from: checkpointPath)
        let meta = try CheckpointMetadata(reading: checkpoint, path: checkpointPath)
        let c = meta.configuration
        // The same rules as `fit` and a pipeline job: a hand-edited header cannot smuggle in a setting.
        if let problem = c.problems().first(where: { $0.key != .input }) {
            throw PredictError(file: checkpointPath, message: "the checkpoint's configuration is not valid: \(problem.key.pipelineKey) \(problem.message)",
                               hint: "re-run `forecast fit` to make a new one", exitStatus: .checkpointUnreadable)
        }
        let series = try readSeries(csvPath, as: c, target: meta.target, features: meta.features,
                                    model: "the model \(checkpointPath) was trained on target '\(meta.target)' with input columns")
        return try forecast(checkpoint: checkpoint, metadata: meta, series: series, checkpointPath: checkpointPath, csvPath: csvPath)
    }

    /// The CSV read as the fit read its data (delimiter, dates, missing values, duplicates) with
    /// the model's target and features; a CSV without those columns is exit 32, its hint
    /// starting with `model` ("the model … was trained on target 'price' with input columns").
    static func readSeries(_ csvPath: String, as c: FitConfiguration, target: String, features: [String],
                           model: String) throws -> Series {
        let options = IngestOptions(path: csvPath, delimiter: c.delimiter.flatMap(\.first),
                                    dateColumn: c.dateColumn, dateFormat: c.dateFormat,
                                    target: target, features: features, missing: c.missing, duplicates: c.duplicates)
        do {
            return try loadSeries(options)
        } catch let e as IngestError where e.kind == .columnSelection {
            throw PredictError(file: csvPath, message: e.message, hint: "\(model) \(features.listed()); the CSV must have them",
                               exitStatus: .checkpointColumnsMismatch)
        }
    }

    /// `run` for a statistical model: the CSV read with the columns of the fit (so rows are dropped
    /// or filled alike), the state refiltered from its first row with the stored parameters.
    static func runStatistical(checkpointPath: String, csvPath: String) throws -> Prediction {
        let stored = try StatisticalCheckpoint.read(from: checkpointPath)
        let series = try readSeries(csvPath, as: stored.configuration, target: stored.target, features: stored.features,
                                    model: "the model \(checkpointPath) was fitted on target '\(stored.target)' read with the columns")
        return try stored.forecast(series: series, checkpointPath: checkpointPath, csvPath: csvPath)
    }

    /// The forecast of a read and validated checkpoint (``CheckpointMetadata/init(reading:path:)``)
    /// from a series with its columns; the part of ``run(checkpointPath:csvPath:)`` after the
    /// reading, for the fuzz target. Paths only label errors.
    @_spi(Fuzzing) public static func forecast(checkpoint: Checkpoint, metadata meta: CheckpointMetadata, series: Series,
                                               checkpointPath: String, csvPath: String) throws -> Prediction {
        let target = meta.target
        var windowing = meta.windowing
        // Every window goes to the "test" part: nothing is fitted, the saved scaler is used.
        windowing.testFraction = 1
        windowing.validationFraction = 0
        let dataset = try makeWindows(series, windowing, scaler: meta.scaler)
        let net = try checkpoint.makeNetwork()
        // A value the model cannot use is never turned into a NaN forecast with exit 0.
        let input = dataset.nextInput()
        if let k = input.firstIndex(where: { !$0.isFinite }) {
            throw unusableValue(series, csvPath: csvPath, windowIndex: k, timeSteps: windowing.timeSteps, scaled: input[k],
                                what: "overflows the scale the model was trained on")
        }
        let output = net.predict(x: input, count: 1)
        let values = dataset.inverseNext(output)
        if !output.allSatisfy(\.isFinite) || !values.allSatisfy(\.isFinite) {
            // Finite inputs and weights, yet no finite forecast: the largest input is too large for the model.
            let k = input.indices.max { abs(input[$0]) < abs(input[$1]) } ?? 0
            throw unusableValue(series, csvPath: csvPath, windowIndex: k, timeSteps: windowing.timeSteps, scaled: input[k],
                                what: "is too large for the model: its forecast is not a finite number")
        }
        let frequency = series.frequency
        let dates = dataset.nextDates()
        let points = values.enumerated().map { k, v in
            PredictedPoint(step: k + 1, date: dates.map { frequency.format($0[k]) }, value: v)
        }
        return Prediction(model: meta.model, target: target,
                          lastDate: series.dates?.last.map { frequency.format($0) }, points: points)
    }

    /// The error for the input at `windowIndex` of the last window ((T, 1, D) layout): exit 14,
    /// a value the model cannot use, naming the value, its column and its row (date, or position).
    private static func unusableValue(_ series: Series, csvPath: String, windowIndex k: Int, timeSteps: Int,
                                      scaled: Float, what: String) -> IngestError {
        let d = k % series.dimInput, n = series.count
        let row = n - timeSteps + k / series.dimInput
        let value = series.values[d][row]
        let name = series.featureNames[d]
        let place = series.dates.map { "on \(series.frequency.format($0[row]))" } ?? "in row \(row + 1) of \(n)"
        return IngestError(.nonNumeric, file: csvPath, line: row == n - 1 && series.summary.lastLine > 0 ? series.summary.lastLine : nil,
                           columnName: name, offendingText: "\(value)",
                           message: "value \(value) in column '\(name)' \(place) \(what) (scaled: \(scaled))",
                           hint: "check the value (a unit or typing error?), or retrain the model on data that covers this range")
    }
}
