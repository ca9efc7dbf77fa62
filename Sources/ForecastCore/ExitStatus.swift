/// The process exit statuses of `forecast`, one per kind of outcome a script or a cron wrapper
/// may want to act on. The README's "Exit codes" table is checked against ``allCases`` and
/// ``meaning`` by a test, so the two cannot drift apart.
///
/// Codes 10–21 are input data, 30–33 models and checkpoints, 40–44 pipelines, 46 portfolios; 64 and 73 are the
/// BSD `sysexits.h` values `EX_USAGE` and `EX_CANTCREAT`.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case internalError = 1
    case inputUnreadable = 10
    case inputNotText = 11
    case inputEmpty = 12
    case malformedCSV = 13
    case nonNumericValue = 14
    case unparsableDate = 15
    case columnSelection = 16
    case duplicateTimestamps = 17
    case tooFewRows = 18
    case missingValues = 19
    case inputChanged = 20
    case inputTooLarge = 21
    case everyModelFailed = 30
    case checkpointUnreadable = 31
    case checkpointColumnsMismatch = 32
    case everyNetworkFailed = 33
    case invalidPipeline = 40
    case pipelineLocked = 41
    case someJobsFailed = 42
    case everyJobFailed = 43
    case crontabFailed = 44
    case symlinkRefused = 45
    case someSeriesSkipped = 46
    case usage = 64
    case cannotWrite = 73

    /// One line for the README table and `--help`.
    public var meaning: String {
        switch self {
        case .success: "success"
        case .internalError: "unexpected internal error (please report it)"
        case .inputUnreadable: "input path missing, unreadable, a directory or a device"
        case .inputNotText: "input is not UTF-8 text (binary or another encoding)"
        case .inputEmpty: "input is empty or has a header only"
        case .malformedCSV: "malformed CSV: bad quoting or ragged rows"
        case .nonNumericValue: "a non-numeric value in a numeric column"
        case .unparsableDate: "a date that does not parse"
        case .columnSelection: "column selection: unknown or ambiguous target, feature or date column"
        case .duplicateTimestamps: "duplicate timestamps"
        case .tooFewRows: "too few rows for the window, horizon and splits"
        case .missingValues: "missing values with `--missing error`"
        case .inputChanged: "the input file changed (grew, shrank or was replaced) while it was read"
        case .inputTooLarge: "the input is over a limit: 2 GiB (or `FORECAST_MAX_INPUT_BYTES`), 65,536 columns, 1 MiB per field"
        case .everyModelFailed: "no forecast: every model, baselines included, failed"
        case .checkpointUnreadable: "checkpoint unreadable, corrupted, or of another format version"
        case .checkpointColumnsMismatch: "CSV columns do not match the checkpoint (or, for a statistical model, the CSV does not start with its training rows)"
        case .everyNetworkFailed: "every network and statistical model failed; the report and the forecast come from a baseline"
        case .invalidPipeline: "invalid pipeline file"
        case .pipelineLocked: "another run holds the pipeline lock"
        case .someJobsFailed: "pipeline: some jobs failed"
        case .everyJobFailed: "pipeline: every job failed"
        case .crontabFailed: "crontab could not be read or written"
        case .symlinkRefused: "a file or folder `forecast` writes (lock, log, history, a job's folder…) is a symbolic link; refused, nothing written through it"
        case .someSeriesSkipped: "portfolio: some series were skipped (too few points, all missing, constant, other data problems) or had no forecast; the others were fitted and the summary lists the reasons. `forecast run`: the same for a portfolio job when no job failed (42, 43 and 73 take precedence; series carried over unchanged do not count)"
        case .usage: "invalid command-line usage (bad option value or combination, or `FORECAST_GEMM` set to something other than `openblas` or `onednn`)"
        case .cannotWrite: "an output file could not be written"
        }
    }

    /// The README's "Exit codes" table, generated from the cases.
    public static var markdownTable: String {
        (["| code | meaning |", "|---|---|"] + allCases.map { "| \($0.rawValue) | \($0.meaning) |" })
            .joined(separator: "\n")
    }
}
