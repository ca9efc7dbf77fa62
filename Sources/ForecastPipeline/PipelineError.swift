import Foundation

/// An error that `forecast run` and `forecast schedule` print as "error: <description>" before
/// exiting with `exitCode` (a pipeline file's own errors carry their location and print as is).
protocol PipelineCommandError: Error, CustomStringConvertible {
    var exitCode: Int32 { get }
}

extension UnknownJobError: PipelineCommandError {}
extension LockHeldError: PipelineCommandError {}
extension LockFileError: PipelineCommandError {}
extension LogFileError: PipelineCommandError {}
extension CrontabError: PipelineCommandError {}

/// One problem in a pipeline file, located by YAML line and column (both 1-based; nil when the
/// problem concerns the whole file, e.g. it cannot be read).
public struct PipelineError: Error, Hashable, CustomStringConvertible, Sendable {
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

    /// `file:line:column: error: message` followed by the hint on its own line, the format
    /// compilers use, so editors can jump to the spot.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let line, line > 0, let column { location += ":\(column)" }
        var text = "\(location): error: \(message)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    /// Exit code of `forecast run` / `forecast schedule` for an invalid pipeline file.
    public var exitCode: Int32 { 40 }
}

/// Every problem found in one pipeline file. Validation does not stop at the first problem, so
/// one `forecast run --check` lists them all; nothing runs while this list is non-empty.
public struct PipelineFileErrors: Error, CustomStringConvertible, Sendable {
    public let problems: [PipelineError]

    public init(_ problems: [PipelineError]) { self.problems = problems }

    public var description: String {
        let n = problems.count
        let head = n == 1 ? "" : "\(n) problems in the pipeline file; nothing was run:\n"
        return head + problems.map(\.description).joined(separator: "\n")
    }

    public var exitCode: Int32 { 40 }
}

/// `--job NAME` named a job that the pipeline file does not define (a usage error, exit 64).
public struct UnknownJobError: Error, CustomStringConvertible, Sendable {
    public let name: String
    public let available: [String]
    public let file: String

    public var description: String {
        "no job named '\(name)' in \(file)\n  hint: the jobs are: \(available.joined(separator: ", "))"
    }

    public var exitCode: Int32 { 64 }
}
