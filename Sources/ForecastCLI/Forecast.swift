import ArgumentParser
import ForecastCore
import ForecastReport
import Foundation

/// The `forecast` command: fit forecasting models to a CSV series, predict from saved models,
/// and run or schedule nightly pipelines.
@main
struct Forecast: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Fit, compare and schedule time-series forecasting models on CSV data.",
        discussion: """
        Typical use:
          forecast fit prices.csv
          forecast predict --model reports/prices/latest/model-gru.ckpt prices.csv
          forecast run pipelines/nightly.yaml
          forecast schedule pipelines/nightly.yaml --install

        Exit codes: 0 success, 10-21 input data, 30-33 models, 40-45 pipelines, 46 portfolio, \
        64 usage, 73 output; the README lists each one.
        """,
        version: version,
        subcommands: [Fit.self, Predict.self, Run.self, Schedule.self, Merge.self]
    )

    /// A misspelt subcommand (`forecast fti`) gets "did you mean 'fit'?" and exit 64, where the
    /// argument parser would only say "unexpected arguments".
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        if let first = arguments.first, !first.hasPrefix("-"), !names.contains(first),
           let guess = ClosestMatch.among(names, to: first) {
            _ = writeAll(Data("error: unknown command '\(String(first.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) }))'; did you mean '\(guess)'?\n  hint: forecast \(guess) --help\n".utf8),
                     to: STDERR_FILENO)
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        main(nil)
    }
}
