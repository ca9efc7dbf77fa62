import ForecastCore
import ForecastReport
import ForecastWorkflow
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the command's human-readable output goes. Progress is drawn on stderr only when stderr
/// is a terminal; logs captured by cron get plain lines and no control characters.
struct Terminal {
    let quiet: Bool
    let verbose: Bool
    let stderrIsTTY = isatty(STDERR_FILENO) == 1

    func status(_ line: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func error(_ line: String) {
        let text = stderrIsTTY ? "\u{1B}[31merror:\u{1B}[0m \(line)\n" : "error: \(line)\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// An error in its one rendering (``ForecastError/rendered``), "error:" in red on a terminal.
    func report(_ e: any ForecastError) {
        var text = e.rendered + "\n"
        if stderrIsTTY, let r = text.range(of: "error:") {
            text.replaceSubrange(r, with: "\u{1B}[31merror:\u{1B}[0m")
        }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Shows the fit's progress: redrawn in place on a terminal, one line per finished model in
    /// a log, one line per epoch as well with `--verbose`; nil with `--quiet`.
    func fitProgress(workers: Int) -> FitProgressPrinter? {
        if quiet { return nil }
        return FitProgressPrinter(mode: verbose ? .verbose : stderrIsTTY ? .live : .lines, workers: workers)
    }

    /// Clears a progress line redrawn in place (a portfolio's "series k/n" line).
    func endProgress() {
        if !quiet && !verbose && stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Standard output written with write(2), so that a failed write (a full disk behind `> file`, a
/// closed pipe) is seen at once and becomes exit 73 — print's buffer would hide it until exit,
/// and the command would end with exit 0 and an empty file.
enum StandardOutput {
    struct WriteError: ForecastError {
        var exitStatus: ExitStatus { .cannotWrite }
        var location: ErrorLocation? { ErrorLocation(file: "standard output") }
        var message: String { "the output could not be written to standard output" }
        var hint: String? { "check the disk behind the redirection, or the program reading the pipe" }
    }

    static func write(_ text: String) throws {
        guard writeAll(Data(text.utf8), to: STDOUT_FILENO) else { throw WriteError() }
    }
}
