import ArgumentParser

/// The `forecast` command: fit forecasting models to a CSV series, predict, and run nightly pipelines.
@main
struct Forecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Fit, compare and schedule time-series forecasting models on CSV data.",
        version: "0.1.0",
        subcommands: []
    )
}
