import ArgumentParser
import ForecastModels
import ForecastWorkflow
import Foundation

/// `forecast predict --model PATH FILE.csv`: forecast from a saved model without retraining.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast the next points of a CSV with a model saved by `forecast fit`.",
        discussion: """
        Loads a checkpoint (for example reports/prices/latest/model-gru.ckpt), reads \
        FILE.csv with the columns the model was trained on, and forecasts the points \
        after its last row. The scaler and transform fitted at training time are \
        reused; nothing is retrained. A statistical model (model-ets.json, \
        model-theta.json) refilters the series from its first row with its fixed \
        parameters: FILE.csv must start with the training rows, unchanged.
        """
    )

    @Option(help: ArgumentHelp("Checkpoint file written by `forecast fit` (model-<name>.ckpt or .json).", valueName: "path"))
    var model: String

    @Argument(help: ArgumentHelp("CSV file with the same columns as the training data.", valueName: "file.csv"))
    var file: String

    @Flag(help: "Print the forecast as JSON.")
    var json = false

    func validate() throws {
        try validateMatrixBackendEnvironment()
    }

    func run() throws {
        let terminal = Terminal(quiet: false, verbose: false)
        MatrixBackend.useOneThreadPerCaller()
        do {
            let p = try Prediction.run(checkpointPath: model, csvPath: file)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try StandardOutput.write(String(decoding: try encoder.encode(p.points), as: UTF8.self) + "\n")
            } else {
                var text = "model \(p.model), target \(p.target), last row \(p.lastDate ?? "n/a")\n"
                for point in p.points {
                    text += "\(point.date ?? "t+\(point.step)")\t\(String(format: "%.6g", point.value))\n"
                }
                try StandardOutput.write(text)
            }
        } catch {
            throw failure(reporting: error, on: terminal)
        }
    }
}
