import ArgumentParser
import ForecastModels
import ForecastWorkflow
import Foundation

/// `forecast predict --model PATH FILE.csv [--steps K] [--json]`: forecast from a saved model
/// without retraining, with the intervals calibrated at fit time.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast the next points of a CSV with a model saved by `forecast fit`.",
        discussion: """
        Loads a model file from a report folder (for example \
        reports/prices/latest/model-gru.ckpt), reads FILE.csv with the columns and \
        settings the model was fitted with, and forecasts the points after its last \
        row, with the 80% and 95% intervals calibrated at fit time. Nothing is \
        retrained. Every model of a run has a file: networks model-<name>.ckpt; \
        ets, theta, the baselines (naive, snaive, drift) and combo model-<name>.json. \
        ETS and Theta refilter the series from its first row with their fixed \
        parameters: FILE.csv must start with the training rows, unchanged.
        """
    )

    @Option(help: ArgumentHelp("Model file written by `forecast fit` (model-<name>.ckpt or .json).", valueName: "path"))
    var model: String

    @Argument(help: ArgumentHelp("CSV file with the same columns as the training data.", valueName: "file.csv"))
    var file: String

    @Option(help: ArgumentHelp("Forecast the first k steps, 1 ≤ k ≤ the trained horizon (default: all of them).", valueName: "k"))
    var steps: Int?

    @Flag(help: "Print the forecast as JSON (model, target, last_date, data_note, steps with date, forecast, lower_80, upper_80, lower_95, upper_95).")
    var json = false

    func validate() throws {
        try validateMatrixBackendEnvironment()
        // The upper bound, the trained horizon, is known once the model file is read (exit 64 too).
        if let steps, steps < 1 {
            throw ValidationError("--steps: must be at least 1 (got \(steps)); the largest is the model's trained horizon")
        }
    }

    func run() throws {
        let terminal = Terminal(quiet: false, verbose: false)
        MatrixBackend.useOneThreadPerCaller()
        do {
            let p = try Prediction.run(checkpointPath: model, csvPath: file, steps: steps)
            if json {
                try StandardOutput.write(String(decoding: try p.jsonData(), as: UTF8.self) + "\n")
            } else {
                try StandardOutput.write(p.text)
            }
        } catch {
            throw failure(reporting: error, on: terminal)
        }
    }
}
