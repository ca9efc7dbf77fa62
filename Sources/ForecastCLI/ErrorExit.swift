import ArgumentParser
import ForecastCore

/// Turns any error of a run into its one rendering on stderr and its exit status. Every stage's
/// errors adopt ``ForecastError``; anything else is a bug in forecast (exit 1).
func failure(reporting error: any Error, on terminal: Terminal) -> ExitCode {
    if let e = error as? any ForecastError {
        terminal.report(e)
        return ExitCode(e.exitCode)
    }
    terminal.error("\(error)\n  hint: this is a bug in forecast; please report it with the command line")
    return ExitCode(ExitStatus.internalError.rawValue)
}
