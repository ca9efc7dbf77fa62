import ArgumentParser

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

        Exit codes: 0 success, 10-19 input data, 30-32 models, 40-44 pipelines, \
        64 usage, 73 output; the README lists each one.
        """,
        version: version,
        subcommands: [Fit.self, Predict.self, Run.self, Schedule.self]
    )
}
