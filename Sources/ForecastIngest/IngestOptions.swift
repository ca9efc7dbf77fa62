/// How missing cells (empty, `NA`, `NaN`, `null`, `-`, `#N/A`) in the target and feature columns are handled.
///
/// In every policy, rows before the first row where all selected columns are present are dropped
/// (a series cannot start with a fill).
public enum MissingPolicy: String, CaseIterable, Sendable, Codable {
    /// Carry the last observed value forward.
    case ffill
    /// Linear interpolation between the neighbouring observed values, by row position
    /// (equal to interpolation in time for a regular series). Trailing missing values are
    /// carried forward, as there is no later value to interpolate to.
    case interpolate
    /// Drop every row with a missing value in a selected column.
    case drop
    /// Fail on the first missing value (exit 19).
    case error
}

/// What to do with rows that share a timestamp.
public enum DuplicatePolicy: String, CaseIterable, Sendable, Codable {
    /// Fail, naming both line numbers (exit 17).
    case error
    /// Keep the row that comes first in the file.
    case first
    /// Keep the row that comes last in the file.
    case last
}

/// Options for reading a CSV series. Column names match case-insensitively (and `_` matches a space).
public struct IngestOptions: Sendable, Equatable {
    /// Path of the CSV file (used as the display name in messages).
    public var path: String
    /// Field delimiter; `nil` detects `,` `;` tab or `|` from the first lines.
    public var delimiter: Character?
    /// Name of the date column; `nil` finds it by name (`date`, `time`, `timestamp`, `datetime`, `ds`)
    /// or by content (the first column whose values are ISO-like dates).
    public var dateColumn: String?
    /// A strftime-like format for the date column (`%Y %m %d %H %M %S %y %b %B %j %z %%`),
    /// e.g. `%d.%m.%Y`; `nil` accepts the ISO forms and epoch seconds.
    public var dateFormat: String?
    /// Target column; `nil` picks `adj close`, `close`, `price`, `value`, else the only numeric column.
    public var target: String?
    /// Input feature columns, in this order; `nil` means the target alone.
    public var features: [String]?
    public var missing: MissingPolicy
    public var duplicates: DuplicatePolicy
    /// Threads for parsing large files (blocks of 4 MiB are parsed in parallel and merged in file
    /// order, so the result does not depend on it); `nil` uses the available cores, at most 4.
    public var threads: Int?

    public init(path: String, delimiter: Character? = nil, dateColumn: String? = nil,
                dateFormat: String? = nil, target: String? = nil, features: [String]? = nil,
                missing: MissingPolicy = .ffill, duplicates: DuplicatePolicy = .error, threads: Int? = nil) {
        self.path = path
        self.delimiter = delimiter
        self.dateColumn = dateColumn
        self.dateFormat = dateFormat
        self.target = target
        self.features = features
        self.missing = missing
        self.duplicates = duplicates
        self.threads = threads
    }
}
