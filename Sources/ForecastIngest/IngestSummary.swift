import ForecastCore
import Foundation

/// What ingest read and did, for the report and the CLI's console output.
public struct IngestSummary: Sendable, Equatable {
    /// The input path (display name).
    public var file: String
    /// The field delimiter used, and whether it was detected (rather than given).
    public var delimiter: Character
    public var delimiterDetected: Bool
    /// Whether `,` was accepted as the decimal separator (`;`-delimited files).
    public var decimalComma: Bool
    /// Whether the first line was a header.
    public var hasHeader: Bool
    /// Every column name in file order (`column1`... or `value` without a header).
    public var columns: [String]
    /// The date column used, if any.
    public var dateColumn: String?
    /// Other date-like columns when the date column was chosen automatically.
    public var otherDateColumns: [String] = []
    /// A text column found when duplicate timestamps were removed: the likely series key of a
    /// long-format file whose series were mixed.
    public var seriesKeyColumn: String? = nil
    /// A column that looks like dates in a form not read automatically, when no date column
    /// was found: its name, first value and a `--date-format` to try.
    public var unreadDateColumn: UnreadDateColumn? = nil
    /// Data rows in the file (excluding header and blank lines).
    public var rowsRead: Int
    /// Rows in the cleaned series.
    public var rowsUsed: Int
    /// File line of the last data row (0 for a series built in code).
    public var lastLine: Int
    /// First and last timestamp of the cleaned series.
    public var firstDate: Date?
    public var lastDate: Date?
    /// Inferred sampling frequency (same as `Series.frequency`).
    public var frequency: Frequency
    /// Missing cells per selected column (target and features), before filling.
    public var missingByColumn: [String: Int]
    /// Rows with a missing target or feature value, before filling.
    public var rowsWithMissing: Int
    public var missingPolicy: MissingPolicy
    /// Rows dropped because of missing values (leading ones, or all of them under `.drop`).
    public var rowsDroppedMissing: Int
    /// Values filled (forward-filled or interpolated).
    public var valuesFilled: Int
    /// Whether rows had to be sorted by date, and how many rows were earlier than their predecessor.
    public var wasSorted: Bool
    public var outOfOrderRows: Int
    public var duplicatePolicy: DuplicatePolicy
    /// Rows removed as duplicate timestamps (`--duplicates first|last`).
    public var duplicatesRemoved: Int
    /// Gaps beyond the frequency: total count, missing periods in all, and the first few.
    public var gapCount: Int
    public var missingPeriods: Int
    public var gaps: [Gap]

    /// A summary with every count zero and no dates; for series built in code.
    public init(file: String, delimiter: Character = ",", delimiterDetected: Bool = false, decimalComma: Bool = false,
                hasHeader: Bool = true, columns: [String] = [], dateColumn: String? = nil, rowsRead: Int = 0,
                rowsUsed: Int = 0, lastLine: Int = 0, firstDate: Date? = nil, lastDate: Date? = nil, frequency: Frequency = .unknown,
                missingByColumn: [String: Int] = [:], rowsWithMissing: Int = 0, missingPolicy: MissingPolicy = .ffill,
                rowsDroppedMissing: Int = 0, valuesFilled: Int = 0, wasSorted: Bool = false, outOfOrderRows: Int = 0,
                duplicatePolicy: DuplicatePolicy = .error, duplicatesRemoved: Int = 0, gapCount: Int = 0,
                missingPeriods: Int = 0, gaps: [Gap] = []) {
        self.file = file
        self.delimiter = delimiter
        self.delimiterDetected = delimiterDetected
        self.decimalComma = decimalComma
        self.hasHeader = hasHeader
        self.columns = columns
        self.dateColumn = dateColumn
        self.rowsRead = rowsRead
        self.rowsUsed = rowsUsed
        self.lastLine = lastLine
        self.firstDate = firstDate
        self.lastDate = lastDate
        self.frequency = frequency
        self.missingByColumn = missingByColumn
        self.rowsWithMissing = rowsWithMissing
        self.missingPolicy = missingPolicy
        self.rowsDroppedMissing = rowsDroppedMissing
        self.valuesFilled = valuesFilled
        self.wasSorted = wasSorted
        self.outOfOrderRows = outOfOrderRows
        self.duplicatePolicy = duplicatePolicy
        self.duplicatesRemoved = duplicatesRemoved
        self.gapCount = gapCount
        self.missingPeriods = missingPeriods
        self.gaps = gaps
    }

    /// Total missing cells over the selected columns.
    public var missingCount: Int { missingByColumn.values.reduce(0, +) }

    /// What the reader of a report must not miss about the data: today, that resolving
    /// duplicate timestamps dropped more than a tenth of the rows (a long-format file read as
    /// one series). Shown on the terminal and at the top of the report's data section.
    public var warnings: [String] {
        var out: [String] = []
        if let c = unreadDateColumn {
            out.append("column \"\(c.name)\" looks like dates (\"\(c.value)\") in a form not read automatically, so the rows are numbered instead of dated;"
                       + " pass --date-format '\(c.format)' (and --date-column \"\(c.name)\") to use them")
        }
        if duplicatesRemoved * 10 > rowsRead {
            let share = String(format: "%.0f%%", 100 * Double(duplicatesRemoved) / Double(max(rowsRead, 1)))
            out.append("--duplicates \(duplicatePolicy.rawValue) dropped \(duplicatesRemoved) of \(rowsRead) rows (\(share))"
                       + (seriesKeyColumn.map { "; column \"\($0)\" holds text, so this looks like several series in long format, now mixed into one: use --id-column \($0) for one forecast per series" }
                          ?? "; check that the file holds one series"))
        }
        return out
    }

    /// Human-readable lines for a console or markdown report.
    public var lines: [String] {
        var out: [String] = []
        let delim = delimiter == "\t" ? "tab" : "\"\(delimiter)\""
        out.append("file: \(file) (delimiter \(delim)\(delimiterDetected ? ", detected" : "")"
                   + (decimalComma ? ", decimal comma" : "") + (hasHeader ? "" : ", no header") + ")")
        out.append("columns: " + columns.listed(limit: 40) + (dateColumn.map { " (date column: \($0))" } ?? ""))
        if let dateColumn, !otherDateColumns.isEmpty {
            out.append("date column \(dateColumn) chosen; \(otherDateColumns.listed()) also look\(otherDateColumns.count == 1 ? "s" : "") like dates (--date-column picks another)")
        }
        out.append("rows: \(rowsRead) read, \(rowsUsed) used; frequency \(frequency.name)")
        if let firstDate, let lastDate {
            out.append("dates: \(IngestSummary.isoDay(firstDate)) to \(IngestSummary.isoDay(lastDate))")
        }
        let perColumn = missingByColumn.keys.sorted().map { "\($0) \(missingByColumn[$0]!)" }.listed(limit: 40)
        out.append("missing values: \(missingCount) (\(perColumn)); policy \(missingPolicy.rawValue): "
                   + "\(valuesFilled) filled, \(rowsDroppedMissing) rows dropped")
        if wasSorted { out.append("rows sorted by date (\(outOfOrderRows) out of order)") }
        if duplicatesRemoved > 0 {
            out.append("duplicate timestamps: \(duplicatesRemoved) rows removed (kept \(duplicatePolicy.rawValue))")
        }
        out += warnings.map { "WARNING: " + $0 }
        if gapCount > 0 {
            let shown = gaps.map { "\(IngestSummary.isoDay($0.after)) → \(IngestSummary.isoDay($0.before)) (\($0.missingPeriods) missing)" }
            out.append("gaps: \(gapCount) (\(missingPeriods) periods missing): " + shown.joined(separator: "; ")
                       + (gapCount > gaps.count ? "; …" : ""))
        }
        return out
    }

    static func isoDay(_ date: Date) -> String {
        let c = UTCDateTime(date)
        guard c.hour != 0 || c.minute != 0 || c.second != 0 else { return c.dayText }
        let pad = UTCDateTime.padded
        return c.dayText + " \(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
    }
}

/// A text column whose values look like dates the reader does not parse without a format.
public struct UnreadDateColumn: Sendable, Equatable {
    public var name: String
    /// Its first value, e.g. "31.12.2020".
    public var value: String
    /// A `--date-format` that reads it, e.g. "%d.%m.%Y".
    public var format: String
}
