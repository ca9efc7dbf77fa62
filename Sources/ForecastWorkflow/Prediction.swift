import ForecastCore
import ForecastIngest
import ForecastModels
import Foundation

/// A checkpoint whose metadata cannot be used to rebuild the model's input (exit 31), a CSV
/// whose columns do not match what the model was trained on (exit 32), or `--steps` beyond the
/// trained horizon (exit 64, with ``option`` set).
public struct PredictError: ForecastError {
    public var file: String
    public var message: String
    public var hint: String?
    public var exitStatus: ExitStatus
    /// The option the error is about (`--steps`), nil for a problem of a file.
    public var option: String? = nil
    public var location: ErrorLocation? {
        option.map { ErrorLocation(option: $0) } ?? ErrorLocation(file: file)
    }
}

/// A prediction interval of one step at nominal coverage `level`; both bounds nil when the
/// level was unbounded at fit time (too few validation points), never an invented width.
public struct PredictedInterval: Equatable, Sendable {
    public var level: Double
    public var lower: Double?
    public var upper: Double?
    public var isBounded: Bool { lower != nil && upper != nil }
}

/// One forecast step of `forecast predict`.
public struct PredictedPoint: Equatable, Sendable {
    public var step: Int
    /// Formatted for the series' frequency (yyyy-MM-dd, or with time for sub-daily data); nil without dates.
    public var date: String?
    public var value: Double
    /// One per level the checkpoint stores (``StoredIntervals``), in its order; empty when it stores none.
    public var intervals: [PredictedInterval] = []
}

/// `forecast predict`: loads a model file written by `fit` and forecasts past the last row of a
/// CSV read with the same columns and settings. No training; the numbers equal those `fit`
/// computed in memory from the same rows, bit for bit, intervals included.
///
/// - network (`model-<name>.ckpt`): rebuilds the last window with the scaler fitted at training
///   time (never refitted);
/// - statistical model (`model-ets.json`, `model-theta.json`): refilters the target from the first
///   row with the stored parameters (``StatisticalCheckpoint``);
/// - baseline (`model-naive.json`, `model-snaive.json`, `model-drift.json`): applies the rule to
///   the CSV's target (``BaselineCheckpoint``);
/// - combination (`model-combo.json`): the mean of its members' predictions, each from its own
///   file in the same folder (``CombinationCheckpoint``).
///
/// Intervals are the fit's split-conformal half-widths stored in the file, around the new
/// forecast; a file written before they were stored predicts without them (``note`` says so).
public struct Prediction: Sendable {
    /// As tables show it: `gru`, `ets ETS(M,Ad,M)`, `seasonal naive (m=12)`, `combo (mean of ets, theta, gru)`.
    public var model: String
    /// The stable id (`--models` spelling): `gru`, `ets`, `snaive`, `combo`.
    public var modelID: String
    public var target: String
    public var lastDate: String?
    /// Steps the model was trained for (the fit's `--horizon`); `points` holds the first `--steps` of them.
    public var horizon: Int
    /// The levels the file stores intervals for (e.g. [0.8, 0.95]); nil when it stores none.
    public var intervalLevels: [Double]?
    public var points: [PredictedPoint]
    /// Set when the target's last values were missing in the CSV and the model's stored
    /// missing-value policy filled them: the forecast then starts from filled values, not from
    /// observed ones, and the output says so (text: a `note:` line; JSON: `data_note`).
    public var dataNote: String? = nil
    /// Why there are no intervals, when there are none.
    public var note: String? {
        intervalLevels == nil
            ? "no intervals: this model file stores no interval half-widths (it was written before fit stored them, or the fit could not calibrate them for this model); re-run `forecast fit` to get them"
            : nil
    }

    /// Forecasts with a model file written by `fit` (network `.ckpt`, or a statistical,
    /// baseline or combination `.json`, told apart by content), the first `steps` points
    /// (all the trained horizon when nil).
    /// - Throws: ``PredictError`` (exit 31 for the file, 32 for the CSV's columns or rows, 64 with
    ///   option `--steps` when `steps` is outside 1...horizon: checked right after the file is
    ///   read, before the CSV), `IngestError` for the CSV (its hint in predict's terms).
    public static func run(checkpointPath: String, csvPath: String, steps: Int? = nil) throws -> Prediction {
        if let steps, steps < 1 { throw stepsError(steps, horizon: nil, checkpointPath: checkpointPath) }
        switch try ModelFile.kind(of: checkpointPath) {
        case .network:
            return try runNetwork(checkpointPath: checkpointPath, csvPath: csvPath, steps: steps)
        case .statistical(let data):
            let stored = try StatisticalCheckpoint.decode(data, path: checkpointPath)
            return try readingCSV(csvPath, as: stored.configuration, target: stored.target, features: stored.features,
                                  model: "the model \(checkpointPath) was fitted on target '\(stored.target)' read with the columns",
                                  checkpointPath: checkpointPath, steps: steps) { series in
                try stored.forecast(series: series, checkpointPath: checkpointPath, csvPath: csvPath)
            }
        case .baseline(let data):
            let stored = try BaselineCheckpoint.decode(data, path: checkpointPath)
            return try readingCSV(csvPath, as: stored.configuration, target: stored.target, features: stored.features,
                                  model: "the \(stored.name) model \(checkpointPath) was made for target '\(stored.target)' read with the columns",
                                  checkpointPath: checkpointPath, steps: steps) { series in
                try stored.forecast(series: series, checkpointPath: checkpointPath, csvPath: csvPath)
            }
        case .combination(let data):
            let stored = try CombinationCheckpoint.decode(data, path: checkpointPath)
            try checkSteps(steps, horizon: stored.configuration.horizon, checkpointPath: checkpointPath)
            return try stored.forecast(checkpointPath: checkpointPath, csvPath: csvPath).prefix(steps)
        }
    }

    /// `run` for a network checkpoint.
    static func runNetwork(checkpointPath: String, csvPath: String, steps: Int?) throws -> Prediction {
        let checkpoint = try Checkpoint.read(from: checkpointPath)
        let meta = try CheckpointMetadata(reading: checkpoint, path: checkpointPath)
        let c = meta.configuration
        // The same rules as `fit` and a pipeline job: a hand-edited header cannot smuggle in a setting.
        if let problem = c.problems().first(where: { $0.key != .input }) {
            throw PredictError(file: checkpointPath, message: "the checkpoint's configuration is not valid: \(problem.key.pipelineKey) \(problem.message)",
                               hint: "re-run `forecast fit` to make a new one", exitStatus: .checkpointUnreadable)
        }
        try checkSteps(steps, horizon: meta.windowing.horizon, checkpointPath: checkpointPath)
        let p = try rewordingHints(csvPath: csvPath, checkpointPath: checkpointPath, configuration: c) {
            let series = try readSeries(csvPath, as: c, target: meta.target, features: meta.features,
                                        model: "the model \(checkpointPath) was trained on target '\(meta.target)' with input columns")
            var p = try forecast(checkpoint: checkpoint, metadata: meta, series: series, checkpointPath: checkpointPath, csvPath: csvPath)
            p.dataNote = filledEndNote(series, policy: c.missing)
            return p
        }
        return p.prefix(steps)
    }

    /// For a data-only model file: checks `steps` against the stored horizon, reads the CSV with
    /// the stored settings and columns (hints in predict's terms), and forecasts with `body`.
    static func readingCSV(_ csvPath: String, as c: FitConfiguration, target: String, features: [String], model: String,
                           checkpointPath: String, steps: Int?, _ body: (Series) throws -> Prediction) throws -> Prediction {
        try checkSteps(steps, horizon: c.horizon, checkpointPath: checkpointPath)
        return try rewordingHints(csvPath: csvPath, checkpointPath: checkpointPath, configuration: c) {
            let series = try readSeries(csvPath, as: c, target: target, features: features, model: model)
            var p = try body(series)
            p.dataNote = filledEndNote(series, policy: c.missing)
            return p
        }.prefix(steps)
    }

    /// The note for a series whose last target values were filled by `policy` (a trailing run of
    /// ``Series/filledTargetRows``), nil when its last value was observed. O(filled rows).
    static func filledEndNote(_ series: Series, policy: MissingPolicy) -> String? {
        let filled = Set(series.filledTargetRows)
        var k = 0
        while k < series.count, filled.contains(series.count - 1 - k) { k += 1 }
        guard k > 0 else { return nil }
        let from = series.dates.map { " from \(series.frequency.format($0[series.count - k]))" } ?? ""
        let what = k == 1 ? "the last value of \(series.targetName)\(from) is" : "the last \(k) values of \(series.targetName)\(from) are"
        return "\(what) missing in the CSV and filled by the model's stored setting missing: \(policy.rawValue); "
            + "the forecast starts from \(k == 1 ? "that filled value" : "those filled values"), not from an observed one"
    }

    /// The first `steps` points (all when nil).
    func prefix(_ steps: Int?) -> Prediction {
        guard let steps else { return self }
        var p = self
        p.points = Array(points.prefix(steps))
        return p
    }

    /// The points of `values` (one per step from 1) with their `dates` (nil without dates) and
    /// the stored intervals around each.
    static func points(_ values: [Double], dates: [String]?, intervals: StoredIntervals?) -> [PredictedPoint] {
        values.enumerated().map { k, v in
            PredictedPoint(step: k + 1, date: dates.flatMap { k < $0.count ? $0[k] : nil }, value: v,
                           intervals: intervals?.bounds(around: v, step: k + 1) ?? [])
        }
    }

    /// Exit 64 naming `--steps` when `steps` is outside 1...horizon.
    static func checkSteps(_ steps: Int?, horizon: Int, checkpointPath: String) throws {
        guard let steps, !(1...max(horizon, 1)).contains(steps) else { return }
        throw stepsError(steps, horizon: horizon, checkpointPath: checkpointPath)
    }

    static func stepsError(_ steps: Int, horizon: Int?, checkpointPath: String) -> PredictError {
        guard let horizon else {
            return PredictError(file: checkpointPath, message: "must be at least 1 (got \(steps))",
                                hint: "give --steps between 1 and the model's trained horizon, or leave it out for every trained step",
                                exitStatus: .usage, option: "--steps")
        }
        return PredictError(file: checkpointPath,
                            message: "is \(steps), but the model in \(checkpointPath) was trained for a horizon of \(horizon) step\(horizon == 1 ? "" : "s")",
                            hint: (horizon == 1 ? "give --steps 1, or leave it out" : "give --steps between 1 and \(horizon), or leave it out for all \(horizon)")
                                + "; more steps need a model fitted (`forecast fit`) with that horizon",
                            exitStatus: .usage, option: "--steps")
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
        let nets = try checkpoint.makeNetworks()
        // A value the model cannot use is never turned into a NaN forecast with exit 0.
        let input = dataset.nextInput()
        if let k = input.firstIndex(where: { !$0.isFinite }) {
            throw unusableValue(series, csvPath: csvPath, windowIndex: k, timeSteps: windowing.timeSteps, scaled: input[k],
                                what: "overflows the scale the model was trained on")
        }
        // A global network with a series embedding sees its series' columns after the features, as in fit.
        let networkInput = meta.oneHotSeries.map { e in
            WindowSet.appendingOneHot(to: input, rows: windowing.timeSteps, dimInput: dataset.dimInput, index: e.index, of: e.count)
        } ?? input
        // An ensemble forecasts the mean of its members, in stored order, as fit averaged them.
        var members: [[Double]] = []
        for net in nets {
            let output = net.predict(x: networkInput, count: 1)
            let member = dataset.inverseNext(output)
            if !output.allSatisfy(\.isFinite) || !member.allSatisfy(\.isFinite) {
                // Finite inputs and weights, yet no finite forecast: the largest input is too large for the model.
                let k = input.indices.max { abs(input[$0]) < abs(input[$1]) } ?? 0
                throw unusableValue(series, csvPath: csvPath, windowIndex: k, timeSteps: windowing.timeSteps, scaled: input[k],
                                    what: "is too large for the model: its forecast is not a finite number")
            }
            members.append(member)
        }
        let values = FitWorkflow.memberMean(members)
        let frequency = series.frequency
        let dates = dataset.nextDates()?.map { frequency.format($0) }
        return Prediction(model: meta.model, modelID: meta.model, target: target,
                          lastDate: series.dates?.last.map { frequency.format($0) }, horizon: values.count,
                          intervalLevels: meta.intervals?.levels.map(\.level),
                          points: points(values, dates: dates, intervals: meta.intervals))
    }

    /// Runs `body` (reading the CSV and forecasting) with every ingest error's hint in predict's
    /// terms: ingest words its hints for `fit` (`--missing`, `--target`, `--date-format`…), options
    /// predict does not have, since it reads the CSV with the settings stored in the model file.
    static func rewordingHints<T>(csvPath: String, checkpointPath: String, configuration c: FitConfiguration,
                                  _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var e as IngestError where e.hint?.contains("--") ?? false {
            e.hint = predictHint(for: e, csvPath: csvPath, checkpointPath: checkpointPath, configuration: c)
            throw e
        }
    }

    /// What to do about an ingest error when the settings are the model's, not the user's.
    static func predictHint(for e: IngestError, csvPath: String, checkpointPath: String, configuration c: FitConfiguration) -> String {
        let model = "the model in \(checkpointPath)"
        let refit = "re-run `forecast fit` to make a model that reads it differently"
        switch e.kind {
        case .invalidOption where c.transform == .logReturn && e.message.contains("log-return"):
            return "\(model) was fitted with the log-return transform (its stored setting transform: log-return), which needs values above 0; fix the value, or \(refit)"
        case .badDate, .invalidOption:
            let format = c.dateFormat.map { "with the date format '\($0)'" } ?? "with the automatic date formats"
            return "\(model) reads dates \(format)\(c.dateColumn.map { " from column '\($0)'" } ?? ""), as it was fitted; fix the cell, or \(refit)"
        case .malformedQuoting, .raggedRow, .notUTF8, .binaryFile:
            let delimiter = c.delimiter.map { $0 == "\t" ? "tab" : "'\($0)'" } ?? "the detected delimiter"
            return "\(model) reads the CSV with \(delimiter) as the delimiter; check that \(csvPath) is the kind of file it was fitted on"
        case .missingValue:
            return "\(model) was fitted with missing values as errors (its stored setting missing: \(c.missing.rawValue)); fill the value, or \(refit)"
        case .duplicateTimestamp:
            return "remove one of the rows: \(model) was fitted with duplicate dates as errors (its stored setting duplicates: \(c.duplicates.rawValue)), or \(refit)"
        case .tooFewRows:
            return "give more rows\(c.window.map { " (the model's window is \($0) steps)" } ?? ""), e.g. the file it was fitted on, grown"
        case .nonNumeric:
            return "the model's columns must hold numbers, as they did when it was fitted; fix the cell"
        case .columnSelection, .columnMismatch:
            return "\(csvPath) must have the target and input columns \(model) was trained with (use the file it was fitted on, or one with the same header)"
        default:
            return "\(csvPath) is read with the settings stored in \(model); check the file, or \(refit)"
        }
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
