import ArgumentParser
import ForecastIngest
import ForecastModels
import ForecastPipeline
import ForecastReport
import Foundation

/// Turns any error of a run into a message on stderr and the documented exit code; errors
/// that carry no code of their own are internal (exit 1).
func failure(reporting error: Error, on terminal: Terminal) -> ExitCode {
    let code: Int32
    switch error {
    case let e as IngestError: code = e.exitCode
    case let e as FitConfigurationError: code = e.exitCode
    case let e as AtomicWriteError: code = e.exitCode
    case let e as CheckpointError: code = e.exitCode
    case let e as ModelSpecError: code = e.exitCode
    case let e as PredictError: code = e.exitCode
    default:
        terminal.error("\(error)\nThis is a bug in forecast; please report it with the command line.")
        return ExitCode(1)
    }
    terminal.error("\(error)")
    return ExitCode(code)
}
