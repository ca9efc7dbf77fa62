import ArgumentParser
import ForecastCore
import ForecastEvaluation
import ForecastModels
import ForecastPipeline
import ForecastReport
import ForecastWorkflow
import Foundation

/// `forecast fit FILE.csv`: train the contrast set, evaluate it and write the report.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit baselines, ETS, Theta, a windowed MLP and recurrent models on a CSV series and write a report.",
        discussion: """
        Reads FILE.csv, windows the target into (time_steps, n_samples, dim_input) \
        tensors, fits naive, seasonal naive, drift, ETS and Theta and trains a windowed \
        feed-forward network, RNN, GRU and LSTM on the training part, picks the model \
        with the lowest validation error, scores every model on the test part with \
        rolling-origin one-step-ahead forecasts, and writes \
        <reports>/<dataset>/<run stamp>/report.md with charts, metrics.json and one \
        checkpoint per trained or fitted model.
        """
    )

    @Argument(help: ArgumentHelp("CSV file with a date column and numeric columns; several files (or --id-column, --targets) make a portfolio of series.", valueName: "file.csv"))
    var files: [String]

    /// The input of a single-series run.
    var file: String { files.first ?? "" }

    @OptionGroup(title: "Input") var ingest: IngestOptions
    @OptionGroup(title: "Models and training") var model: ModelOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Many series") var portfolio: PortfolioOptions

    /// The options as one typed configuration.
    var configuration: FitConfiguration {
        var c = FitConfiguration(input: file)
        ingest.apply(to: &c)
        model.apply(to: &c)
        portfolio.apply(to: &c)
        c.reportsDirectory = output.reportsDirectory
        return c
    }

    /// The configuration's own rules (the same a pipeline job and a checkpoint are held to).
    func validate() throws {
        try validateMatrixBackendEnvironment()
        if portfolio.isPortfolio(fileCount: files.count) {
            try validatePortfolio()
        } else if portfolio.global {
            throw ValidationError("--global trains one network on the windows of many series, but this run has one series: "
                                  + "give several files, --id-column or --targets, or drop --global")
        }
        do { try configuration.validate() } catch {
            throw ValidationError(error.placedMessage + (error.hint.map { "\n  hint: \($0)" } ?? ""))
        }
    }

    func run() throws {
        let terminal = Terminal(quiet: output.quiet, verbose: output.verbose)
        MatrixBackend.useOneThreadPerCaller()  // reproducible, and models train side by side
        if portfolio.isPortfolio(fileCount: files.count) { return try runPortfolio(terminal: terminal) }
        let workers = 2
        let progress = terminal.fitProgress(workers: workers)
        var report: (@Sendable (FitProgress) -> Void)? = nil
        if let progress { report = { event in progress.handle(event) } }
        do {
            var workflow = FitWorkflow(configuration: configuration,
                                       commandLine: CommandLine.arguments.joined(separator: " "),
                                       version: Forecast.version, workers: workers,
                                       progress: report)
            // The data summary as soon as the data is read, before training starts.
            let showSummary = !output.json && !output.quiet
            if showSummary {
                workflow.onData = { lines in
                    _ = try? StandardOutput.write(FitSummary.dataLines(lines).joined(separator: "\n") + "\n")
                }
            }
            let outcome = try workflow.run()
            progress?.end()
            if output.json {
                try StandardOutput.write(MetricsJSON.string(for: outcome.run))
            } else if showSummary {
                try StandardOutput.write(FitSummary.text(outcome, includingData: false) + "\n")
            }
            switch outcome.exitStatus {
            case .success: break
            case .everyNetworkFailed:
                terminal.error("every network and statistical model failed; the forecast comes from the baseline \(outcome.run.pick ?? "-"). The report lists the reasons: \(outcome.paths.report.path)")
                throw ExitCode(outcome.exitStatus.rawValue)
            default:
                terminal.error("no model gave a forecast; the report lists the reasons: \(outcome.paths.report.path)")
                throw ExitCode(outcome.exitStatus.rawValue)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            progress?.end()
            throw failure(reporting: error, on: terminal)
        }
    }
}

/// The few lines `fit` prints when it is done: where the report is, the pick and the forecast.
enum FitSummary {
    /// The data summary as printed: each line after the `data` label.
    static func dataLines(_ lines: [String]) -> [String] { lines.map { "data     " + $0 } }

    /// `includingData: false` when the data lines were already printed before training.
    static func text(_ outcome: FitOutcome, includingData: Bool = true) -> String {
        let run = outcome.run
        var lines: [String] = includingData ? dataLines(outcome.dataLines) : []
        // A working model can lack a MASE (its in-sample scale is 0 on a constant training part,
        // or undefined on one no longer than the season): that is "n/a", not a failure.
        let withoutMASE = run.models.contains { $0.status.isOK && $0.testMetrics.first?.mase == nil }
        lines.append("models   " + run.models.map { m in
            guard m.status.isOK else { return "\(m.name) failed" }
            guard let mase = m.testMetrics.first?.mase else { return "\(m.displayName) n/a" }
            return "\(m.displayName) \(String(format: "%.3f", mase))"
        }.joined(separator: ", ") + "  (test MASE, \(MASEScale.label(season: run.dataset.season.season))"
            + (withoutMASE ? "; n/a: the in-sample scale is 0 or undefined" : "") + ")")
        if let pick = run.pickedModel {
            lines.append("pick     \(pick.displayName) (\(run.pickReason))")
            for f in pick.nextForecasts {
                let bands = f.intervals.map { b in
                    b.lower.isFinite && b.upper.isFinite
                        ? String(format: "%g%% [%.6g, %.6g]", b.level * 100, b.lower, b.upper)
                        : String(format: "%g%% unbounded (too few validation points)", b.level * 100)
                }
                lines.append("next     \(run.dataset.frequency.format(f.date)): \(String(format: "%.6g", f.value))"
                             + (bands.isEmpty ? "" : "  " + bands.joined(separator: ", ")))
            }
        } else {
            lines.append("pick     none: every model failed")
        }
        lines += outcome.trainingWarnings.map { "warning  " + $0 }
        lines.append("report   \(outcome.paths.report.path)")
        // The pick's own file, whatever its kind (naive and ETS picks included), and the input the
        // fit read: what a nightly `forecast predict` line needs.
        if let pick = run.pickedModel, let file = outcome.modelFiles[pick.id] {
            let model = outcome.paths.folder.appendingPathComponent(file).path
            let input = run.dataset.filePath == "-" ? "FILE.csv" : run.dataset.filePath
            lines.append("predict  forecast predict --model \(shellWord(model)) \(shellWord(input))")
        }
        return lines.joined(separator: "\n")
    }
}

/// `text` as one word for a POSIX shell: unchanged when it holds only characters a shell leaves
/// alone, else single-quoted (``CrontabLines/shellQuote(_:)``).
func shellWord(_ text: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%")
    return !text.isEmpty && text.allSatisfy({ safe.contains($0) }) ? text : CrontabLines.shellQuote(text)
}
