/// The table as read, before selection and cleaning. Numeric columns only.
struct RawTable {
    var file: String
    var delimiter: UInt8
    var delimiterDetected: Bool
    var decimalComma: Bool
    var hasHeader: Bool
    var names: [String]
    var dateColumn: Int?
    /// See ``ReaderPlan/otherDateLikeColumns``.
    var otherDateLikeColumns: [Int] = []
    /// See ``ReaderPlan/textColumns``.
    var textColumns: [(column: Int, firstValue: String)] = []
    /// Seconds since 1970 (UTC) per data row, when there is a date column.
    var dates: [Double]?
    /// Line of each data row in the file.
    var lines: [UInt32]
    /// Stored columns by index; NaN marks a missing or bad cell.
    var columns: [Int: [Double]]
    /// Final kind per column: `.number`, `.text`, `.undetermined` (no value at all), `.skip`, `.date`.
    var kinds: [ColumnKind]
    var missing: [Int: Int]
    var firstMissing: [Int: CellRef]
    var bad: [Int: Int]
    var firstBad: [Int: CellRef]
    var rowsRead: Int
    var targetColumn: Int?
    var featureColumns: [Int]?
}

/// A cell remembered for an error message (line is absolute once blocks are merged).
struct CellRef: Equatable {
    var line: Int
    var text: String
}
