import ForecastCore
import Foundation

/// What a cell looks like, for header and date-column detection.
enum CellKind: Equatable { case missing, number, date, text }

/// A cell of the first rows, kept as text while the column layout is decided.
struct SampleCell {
    var text: String?
    var line: Int
}

/// How the reader treats one column.
enum ColumnKind: UInt8 {
    /// Not needed: cells are not looked at.
    case skip
    /// Needed, but the first rows had no value: stored, and typed by its first value in the file.
    case undetermined
    /// Needed, and its first value is a number.
    case number
    /// Needed, but its first value is text: not stored (selecting it is an error).
    case text
    /// The date column.
    case date
}

/// Normalises a column name for matching: trimmed, lower case, `_` as a space.
func normalizedColumnName(_ s: String) -> String {
    s.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: " ")
}

/// The column layout, decided from the first records (`SampleCollector`) and shared read-only
/// by every block of the file.
struct ReaderPlan {
    static let dateColumnNames: Set<String> = ["date", "time", "timestamp", "datetime", "ds"]
    static let targetCandidates = ["adj close", "close", "price", "value"]

    var file: String
    var options: IngestOptions
    var decimalComma: Bool
    var dates: DateParser
    var hasHeader: Bool
    var names: [String]
    var dateColumn: Int?
    /// Other columns that look like dates when the date column was chosen automatically (said
    /// in the summary, so the choice is never silent).
    var otherDateLikeColumns: [Int] = []
    /// Resolved from names (nil: choose the only numeric column after reading).
    var targetColumn: Int?
    var featureColumns: [Int]?
    var kinds: [ColumnKind]
    /// First cell of the columns typed `.text` from the first rows.
    var textCells: [Int: CellRef]
    /// Every column other than the date whose first value is text, with that value, whether
    /// kept or not: when dates repeat, such a column (a state, a ticker) usually names the
    /// series of a long-format file.
    var textColumns: [(column: Int, firstValue: String)] = []
    var columnCount: Int { names.count }

    /// Decides header, names, date column, target/features and column kinds from the first
    /// records. Returns nil for no records; throws `.columnSelection` for unknown names.
    static func make(sample: [[SampleCell]], file: String, options: IngestOptions, decimalComma: Bool,
                     dates: DateParser) throws -> ReaderPlan? {
        guard !sample.isEmpty else { return nil }
        let cells = CellClassifier(numbers: DecimalParser(decimalComma: decimalComma), dates: dates)
        let hasHeader = detectHeader(sample, cells)
        let names = columnNames(sample[0], hasHeader: hasHeader)
        let data = Array(sample.dropFirst(hasHeader ? 1 : 0))
        func firstValue(_ j: Int) -> SampleCell? {
            data.lazy.compactMap { $0.count > j ? $0[j] : nil }.first { cells.kind($0.text) != .missing }
        }
        let columns = ColumnResolver(names: names, file: file, line: hasHeader ? 1 : nil)

        // Date column: option, else by name, else by content (ISO-like text, not epoch numbers).
        let dateColumn: Int?
        if let requested = options.dateColumn {
            dateColumn = try columns.resolve(requested, role: "date", option: "--date-column")
        } else if let j = names.indices.first(where: { dateColumnNames.contains(normalizedColumnName(names[$0])) }) {
            dateColumn = j
        } else {
            dateColumn = names.indices.first { j in firstValue(j).map { cells.kind($0.text) == .date } ?? false }
        }
        let otherDateLike = options.dateColumn != nil ? [] : names.indices.filter { j in
            j != dateColumn && (firstValue(j).map { cells.kind($0.text) == .date } ?? false)
        }

        // Target and features by name; with no recognised target name every column is kept and
        // the only numeric one is chosen after reading.
        let targetColumn: Int?
        if let t = options.target {
            targetColumn = try columns.resolve(t, role: "target", option: "--target")
        } else {
            targetColumn = targetCandidates.lazy.compactMap { candidate -> Int? in
                let found = names.indices.filter { normalizedColumnName(names[$0]) == candidate && $0 != dateColumn }
                return found.count == 1 ? found[0] : nil
            }.first
        }
        let featureColumns = try options.features.map { features in
            try features.map { try columns.resolve($0, role: "feature", option: "--features") }
        }
        for j in [targetColumn].compactMap({ $0 }) + (featureColumns ?? []) where j == dateColumn {
            throw columns.selectionError("column \(quoted(names[j])) is the date column and cannot be a target or feature",
                                         "choose a numeric column with --target / --features, or another date column with --date-column",
                                         names[j])
        }

        // Kinds of the kept columns, from their first value.
        let keep = targetColumn.map { Set([$0] + (featureColumns ?? [])) }
            ?? Set(names.indices.filter { $0 != dateColumn })
        var kinds: [ColumnKind] = []
        var textCells: [Int: CellRef] = [:]
        for j in 0..<names.count {
            if j == dateColumn { kinds.append(.date); continue }
            guard keep.contains(j) else { kinds.append(.skip); continue }
            if let cell = firstValue(j) {
                if cells.kind(cell.text) == .number {
                    kinds.append(.number)
                } else {
                    kinds.append(.text)
                    textCells[j] = CellRef(line: cell.line, text: cell.text ?? "")
                }
            } else {
                kinds.append(.undetermined)
            }
        }
        var plan = ReaderPlan(file: file, options: options, decimalComma: decimalComma, dates: dates, hasHeader: hasHeader,
                              names: names, dateColumn: dateColumn, otherDateLikeColumns: otherDateLike, targetColumn: targetColumn,
                              featureColumns: featureColumns, kinds: kinds, textCells: textCells)
        plan.textColumns = names.indices.compactMap { j in
            guard j != dateColumn, let cell = firstValue(j), let text = cell.text, cells.kind(text) == .text else { return nil }
            return (j, text)
        }
        return plan
    }

    /// A header iff every cell of the first row is text, or a column holds text in the first row
    /// and a number or date in the second.
    private static func detectHeader(_ sample: [[SampleCell]], _ cells: CellClassifier) -> Bool {
        let firstKinds = sample[0].map { cells.kind($0.text) }
        if firstKinds.allSatisfy({ $0 == .text }) { return true }
        guard sample.count > 1 else { return false }
        let secondKinds = sample[1].map { cells.kind($0.text) }
        return (0..<min(firstKinds.count, secondKinds.count)).contains { j in
            firstKinds[j] == .text && (secondKinds[j] == .number || secondKinds[j] == .date)
        }
    }

    /// The header's names (blank ones as `columnN`), or `value` / `column1`… without a header.
    private static func columnNames(_ firstRow: [SampleCell], hasHeader: Bool) -> [String] {
        guard hasHeader else {
            return firstRow.count == 1 ? ["value"] : (1...firstRow.count).map { "column\($0)" }
        }
        return firstRow.enumerated().map { j, cell in
            let t = (cell.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? "column\(j + 1)" : t
        }
    }
}

/// Classifies a cell's text as missing, number, date or text.
private struct CellClassifier {
    let numbers: DecimalParser
    let dates: DateParser

    func kind(_ text: String?) -> CellKind {
        guard var t = text else { return .missing }
        return t.withUTF8 { b -> CellKind in
            guard let base = b.baseAddress, b.count > 0 else { return .missing }
            if MissingMarker.matches(base, b.count) { return .missing }
            if numbers.parse(base, b.count) != nil { return .number }
            if dates.seconds(base, b.count, allowEpoch: false) != nil { return .date }
            return .text
        }
    }
}

/// Finds the columns named by options (`--target`, `--features`, `--date-column`).
private struct ColumnResolver {
    let names: [String]
    let file: String
    /// The header line, when there is one.
    let line: Int?

    func selectionError(_ message: String, _ hint: String, _ text: String) -> IngestError {
        IngestError(.columnSelection, file: file, line: line, offendingText: text, message: message, hint: hint)
    }

    /// The one column whose normalised name is `name`'s.
    func resolve(_ name: String, role: String, option: String) throws -> Int {
        let wanted = normalizedColumnName(name)
        let found = names.indices.filter { normalizedColumnName(names[$0]) == wanted }
        if found.count == 1 { return found[0] }
        if found.isEmpty {
            let columnList = names.map { quoted($0) }.listed()
            let suggestion = ClosestMatch.among(names, to: name).map { "did you mean \(quoted($0))? " } ?? ""
            throw selectionError("unknown \(role) column \(quoted(name)); the columns are \(columnList)",
                                 "\(suggestion)pass \(option) with one of the column names (case does not matter)", name)
        }
        throw selectionError("\(role) column \(quoted(name)) is ambiguous: \(found.count) columns have that name",
                             "rename the duplicate columns in the header", name)
    }
}
