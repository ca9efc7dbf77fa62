import ForecastCore

/// An input problem found while reading a CSV series or building windows from it.
///
/// Every error names the file and, where the problem sits at a place in the file, the 1-based
/// line and column. `column` is the 1-based field number within the record (the header row is
/// line 1 when present); `columnName` is that field's header name when known. Rendered the way
/// every ``ForecastError`` is:
///
///     prices.csv:12:3: error: non-numeric value "abc" in column "price"
///       hint: ...
///
/// `exitStatus` is the process exit status the CLI uses for this kind (see the README table).
/// Position, hint and exit status are separate values (`file`, `line`, `column`, `byteInLine`,
/// `relatedLine`, `hint`, `exitStatus`); `message` and `description` repeat some of them as text.
public struct IngestError: ForecastError, Equatable {
    /// What went wrong. Several kinds share an exit code (for example `.emptyFile` and `.headerOnly`).
    public enum Kind: String, Sendable, CaseIterable {
        /// Path missing, unreadable, or a directory (exit 10).
        case unreadablePath
        /// Bytes that are not UTF-8 text (exit 11).
        case notUTF8
        /// NUL or other control bytes: a binary file (exit 11).
        case binaryFile
        /// No data at all (exit 12).
        case emptyFile
        /// A header line and no data rows (exit 12).
        case headerOnly
        /// Bad quoting, reported by libcsv in strict mode (exit 13).
        case malformedQuoting
        /// A record with a different number of fields than the header (exit 13).
        case raggedRow
        /// A cell of a numeric column that is neither a number nor a missing-value marker (exit 14).
        case nonNumeric
        /// A date cell that does not parse (exit 15).
        case badDate
        /// An unknown or ambiguous target, feature or date column (exit 16).
        case columnSelection
        /// Two rows with the same timestamp under `--duplicates error` (exit 17).
        case duplicateTimestamp
        /// Too few rows for the window, horizon and splits (exit 18).
        case tooFewRows
        /// A missing value under `--missing error` (exit 19).
        case missingValue
        /// Columns of the series do not match a saved scaler / checkpoint (exit 32).
        case columnMismatch
        /// The file changed (grew, shrank or was replaced) while it was read (exit 20).
        case inputChanged
        /// More bytes than the input limit (exit 21).
        case inputTooLarge
        /// An unexpected failure that is not the input's fault (exit 1).
        case internalError
        /// An option value that cannot be used (bad delimiter, bad date format, window 0, ...) (exit 64).
        case invalidOption
    }

    public var kind: Kind
    /// The path (or display name) of the input, as given.
    public var file: String
    /// 1-based line number, when the problem is at a place in the file.
    public var line: Int?
    /// 1-based field number within the record, when known.
    public var column: Int?
    /// Header name of `column`, when known.
    public var columnName: String?
    /// The offending text (a cell, a line excerpt, or escaped bytes), when there is one.
    public var offendingText: String?
    /// 1-based byte position within `line`, for problems at a byte rather than a whole field
    /// (bad encoding, binary data, malformed quoting).
    public var byteInLine: Int?
    /// Another line the problem involves, when there is one (the earlier row of a duplicate timestamp).
    public var relatedLine: Int?
    /// One sentence saying what is wrong (without position or hint).
    public var message: String
    /// What the user can do about it.
    public var hint: String?

    public init(_ kind: Kind, file: String, line: Int? = nil, column: Int? = nil,
                columnName: String? = nil, offendingText: String? = nil,
                byteInLine: Int? = nil, relatedLine: Int? = nil,
                message: String, hint: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.offendingText = offendingText
        self.byteInLine = byteInLine
        self.relatedLine = relatedLine
        self.message = message
        self.hint = hint
    }

    /// Process exit status for this error (README "Exit codes").
    public var exitStatus: ExitStatus {
        switch kind {
        case .unreadablePath: .inputUnreadable
        case .notUTF8, .binaryFile: .inputNotText
        case .emptyFile, .headerOnly: .inputEmpty
        case .malformedQuoting, .raggedRow: .malformedCSV
        case .nonNumeric: .nonNumericValue
        case .badDate: .unparsableDate
        case .columnSelection: .columnSelection
        case .duplicateTimestamp: .duplicateTimestamps
        case .tooFewRows: .tooFewRows
        case .missingValue: .missingValues
        case .columnMismatch: .checkpointColumnsMismatch
        case .invalidOption: .usage
        case .inputChanged: .inputChanged
        case .inputTooLarge: .inputTooLarge
        case .internalError: .internalError
        }
    }

    /// The file, and the 1-based line and field number when the problem sits at a place in it.
    public var location: ErrorLocation? { ErrorLocation(file: file, line: line, column: line == nil ? nil : column) }
}

/// Quotes a cell for an error message: at most `limit` characters, control characters escaped.
func quoted(_ text: String, limit: Int = 60) -> String {
    var out = ""
    var n = 0
    for ch in text.unicodeScalars {
        if n == limit { out += "…"; break }
        switch ch {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\"": out += "\\\""
        default:
            if ch.value < 0x20 || ch.value == 0x7F {
                out += "\\u{" + String(ch.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(ch)
            }
        }
        n += 1
    }
    return "\"" + out + "\""
}
