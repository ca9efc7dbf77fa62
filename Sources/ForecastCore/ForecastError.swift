/// Where an error sits: a place in a file (1-based line and column, each optional), or the
/// command-line option or pipeline key whose value is wrong.
public struct ErrorLocation: Equatable, Hashable, Sendable {
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// An option (`--window`) or a key (`window`) when the problem is a setting, not a file place.
    public var option: String?

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, option: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.option = option
    }

    /// `file:line:column`, `file:line`, `file`, or the option name.
    public var text: String {
        var parts: [String] = []
        if let file {
            var s = file
            if let line, line > 0 {
                s += ":\(line)"
                if let column { s += ":\(column)" }
            }
            parts.append(s)
        }
        if let option { parts.append(option) }
        return parts.joined(separator: ": ")
    }
}

/// The one shape of every error `forecast` reports to a person: what went wrong, where, what to
/// do about it, and the process exit status. Every error type of every stage adopts it, so the
/// command line renders all of them the same way and an error that does not adopt it is, by
/// construction, an internal bug (exit 1).
///
/// Rendering (``rendered``), the format compilers use so editors can jump to the spot:
///
///     prices.csv:12:3: error: non-numeric value "abc" in column "price"
///       hint: fix the cell, or mark it missing (empty, NA)
public protocol ForecastError: Error, CustomStringConvertible, Sendable {
    var exitStatus: ExitStatus { get }
    /// Where the problem is; nil when it concerns no particular place.
    var location: ErrorLocation? { get }
    /// One sentence saying what is wrong, without position or hint.
    var message: String { get }
    /// What the user can do about it.
    var hint: String? { get }
}

extension ForecastError {
    public var exitCode: Int32 { exitStatus.rawValue }

    /// Where the problem is, as text, or nil when the error names no place.
    var place: String? { location.map(\.text).flatMap { $0.isEmpty ? nil : $0 } }

    /// `location: message` on one line, without the hint: for history files and logs.
    public var placedMessage: String { (place.map { "\($0): " } ?? "") + message }

    /// `location: error: message` (or `error: message`), then `  hint: …` on its own line.
    public var rendered: String {
        var text = (place.map { "\($0): " } ?? "") + "error: " + message
        if let hint, !hint.isEmpty { text += "\n  hint: " + hint }
        return text
    }

    public var description: String { rendered }
}
