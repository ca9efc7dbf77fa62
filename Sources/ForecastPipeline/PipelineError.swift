import ForecastCore
import Foundation

/// One problem in a pipeline file, located by YAML line and column (both 1-based; nil when the
/// problem concerns the whole file, e.g. it cannot be read).
public struct PipelineError: ForecastError, Hashable {
    /// Path of the pipeline file as given by the user.
    public let file: String
    public let line: Int?
    public let column: Int?
    public let message: String
    public let hint: String?

    public init(file: String, line: Int?, column: Int? = nil, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    public var location: ErrorLocation? { ErrorLocation(file: file, line: line, column: line == nil ? nil : column) }
    public var exitStatus: ExitStatus { .invalidPipeline }
}

/// Every problem found in one pipeline file. Validation does not stop at the first problem, so
/// one `forecast run --check` lists them all; nothing runs while this list is non-empty.
public struct PipelineFileErrors: ForecastError {
    public let problems: [PipelineError]

    public init(_ problems: [PipelineError]) { self.problems = problems }

    public var message: String { "\(problems.count) problems in the pipeline file; nothing was run" }
    public var hint: String? { nil }
    public var location: ErrorLocation? { nil }
    public var exitStatus: ExitStatus { .invalidPipeline }

    /// Each problem rendered on its own, after a count line when there are several.
    public var description: String {
        let n = problems.count
        let head = n == 1 ? "" : message + ":\n"
        return head + problems.map(\.rendered).joined(separator: "\n")
    }
}

/// `--job NAME` named a job that the pipeline file does not define (a usage error, exit 64).
public struct UnknownJobError: ForecastError {
    public let name: String
    public let available: [String]
    public let file: String

    public var message: String { "no job named '\(name)'" }
    public var hint: String? { "the jobs are: \(available.listed(limit: 40))" }
    public var location: ErrorLocation? { ErrorLocation(file: file, option: "--job") }
    public var exitStatus: ExitStatus { .usage }
}
