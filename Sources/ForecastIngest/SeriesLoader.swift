import ForecastCore
import Foundation

/// Reads the CSV file at `options.path` into a cleaned `Series`.
///
/// Steps: read (libcsv, strict), choose target and features, sort by date, resolve duplicate
/// timestamps, handle missing values, infer the frequency and list gaps. Throws `IngestError`
/// for every input problem (see `IngestError.Kind` for the exit codes); never traps on input.
/// Time O(bytes + n log n) (the sort only when rows are out of order); memory about one `Double`
/// per kept cell plus the cleaned copies.
public func loadSeries(_ options: IngestOptions) throws -> Series {
    let source = try ByteSource(path: options.path)
    return try SeriesLoader.load(source, options: options)
}

/// Reads CSV bytes held in memory (for tests and the fuzzer); `name` is used in messages in
/// place of a path, and `options.path` is ignored.
public func loadSeries(bytes: [UInt8], name: String, options: IngestOptions) throws -> Series {
    try SeriesLoader.load(ByteSource(bytes: bytes, name: name), options: options)
}

/// `loadSeries(bytes:name:options:)` with a given block size (bytes), so tests and the fuzzer
/// can cut small inputs into many blocks.
@_spi(Fuzzing)
public func loadSeries(bytes: [UInt8], name: String, options: IngestOptions, blockSize: Int) throws -> Series {
    try SeriesLoader.load(ByteSource(bytes: bytes, name: name), options: options, blockSize: blockSize)
}

/// Reads the CSV table and builds the series.
enum SeriesLoader {
    static let gapsListed = 10

    static func load(_ source: ByteSource, options: IngestOptions, blockSize: Int = CSVReader.defaultBlockSize) throws -> Series {
        var raw = try CSVReader.read(source, options: options, blockSize: blockSize)
        return try clean(&raw, options: options)
    }

    /// Selects target and features, orders the rows by time, resolves duplicate timestamps,
    /// applies the missing-value policy, and infers the frequency and gaps.
    static func clean(_ raw: inout RawTable, options: IngestOptions) throws -> Series {
        let target = try chooseTarget(raw)
        let features = raw.featureColumns ?? [target]
        var selected: [Int] = [target]
        for j in features where !selected.contains(j) { selected.append(j) }
        try rejectNonNumericCells(raw, selected)
        if options.missing == .error { try rejectMissingCells(raw, selected) }

        var rows = Rows(lines: raw.lines, times: raw.dates, columns: selected.map { raw.columns[$0] ?? [] })
        raw.columns = [:]  // release the unselected columns
        let outOfOrder = sortByTime(&rows)
        let duplicatesRemoved = try resolveDuplicates(&rows, raw, policy: options.duplicates)
        let missing = countMissing(rows, raw, selected)
        var rowsDropped = 0
        var filled = 0
        var filledTargetRows: [Int] = []
        if missing.rowsWithMissing > 0 {
            rowsDropped = dropRowsWithMissing(&rows, present: missing.present, policy: options.missing)
            // Column 0 is the target (`selected` starts with it): remember which of its values
            // the policy invents, so they are never scored as if observed.
            filledTargetRows = rows.columns[0].indices.filter { rows.columns[0][$0].isNaN }
            filled = fillMissing(&rows, policy: options.missing)
        }
        if rows.lines.isEmpty {
            throw IngestError(.tooFewRows, file: raw.file, line: Int(raw.lines.last ?? 1),
                              message: "no rows left: every row has a missing value in "
                                  + selected.map { quoted(raw.names[$0]) }.listed(separator: " or "),
                              hint: "check that the right column is selected (--target, --features)")
        }
        let timing = frequencyAndGaps(rows)

        let dates = rows.times.map { $0.map { Date(timeIntervalSince1970: $0) } }
        var summary = IngestSummary(
            file: raw.file, delimiter: Character(Unicode.Scalar(raw.delimiter)), delimiterDetected: raw.delimiterDetected,
            decimalComma: raw.decimalComma, hasHeader: raw.hasHeader, columns: raw.names,
            dateColumn: raw.dateColumn.map { raw.names[$0] }, rowsRead: raw.rowsRead, rowsUsed: rows.lines.count,
            lastLine: Int(raw.lines.last ?? 0),
            firstDate: dates?.first, lastDate: dates?.last, frequency: timing.frequency,
            missingByColumn: missing.byColumn, rowsWithMissing: missing.rowsWithMissing, missingPolicy: options.missing,
            rowsDroppedMissing: rowsDropped, valuesFilled: filled, wasSorted: outOfOrder > 0, outOfOrderRows: outOfOrder,
            duplicatePolicy: options.duplicates, duplicatesRemoved: duplicatesRemoved,
            gapCount: timing.gapCount, missingPeriods: timing.missingPeriods, gaps: timing.gaps)
        summary.otherDateColumns = raw.otherDateLikeColumns.map { raw.names[$0] }
        if duplicatesRemoved > 0 { summary.seriesKeyColumn = longFormatKey(raw)?.name }
        if raw.dateColumn == nil { summary.unreadDateColumn = unreadDateColumn(raw) }
        let valueOf = { (j: Int) in rows.columns[selected.firstIndex(of: j)!] }
        var series = Series(dates: dates, targetName: raw.names[target], featureNames: features.map { raw.names[$0] },
                            values: features.map(valueOf), target: valueOf(target),
                            frequency: timing.frequency, summary: summary)
        series.filledTargetRows = filledTargetRows.filter { !series.target[$0].isNaN }
        return series
    }

    /// The selected columns of the data rows, kept aligned while rows are reordered and removed.
    private struct Rows {
        /// File line of each row.
        var lines: [UInt32]
        /// Seconds since 1970 per row, when there is a date column.
        var times: [Double]?
        /// One column per selected column (target first); NaN marks a missing cell.
        var columns: [[Double]]

        /// Keeps the rows at `indices`, in that order.
        mutating func select(_ indices: [Int]) {
            let lines = self.lines
            self.lines = indices.map { lines[$0] }
            times = times.map { t in indices.map { t[$0] } }
            for c in columns.indices {
                let column = columns[c]
                columns[c] = indices.map { column[$0] }
            }
        }
    }

    /// The target: by name (resolved while reading), else the only numeric column.
    private static func chooseTarget(_ raw: RawTable) throws -> Int {
        if let t = raw.targetColumn { return t }
        let headerLine: Int? = raw.hasHeader ? 1 : nil
        let numeric = raw.names.indices.filter { $0 != raw.dateColumn && raw.kinds[$0] == .number }
        if numeric.count == 1 { return numeric[0] }
        if numeric.isEmpty {
            throw IngestError(.columnSelection, file: raw.file, line: headerLine,
                              message: "no numeric column to forecast; the columns are "
                                  + raw.names.map { quoted($0) }.listed(),
                              hint: "the target column must hold numbers; name it with --target")
        }
        throw IngestError(.columnSelection, file: raw.file, line: headerLine,
                          message: "cannot tell which column to forecast; the numeric columns are "
                              + numeric.map { quoted(raw.names[$0]) }.listed(),
                          hint: "choose one with --target NAME (adj close, close, price or value are picked automatically)")
    }

    /// The earliest (by line) of the cells `cells` holds for the selected columns.
    private static func earliest(_ cells: [Int: CellRef], in selected: [Int]) -> (column: Int, cell: CellRef)? {
        var first: (column: Int, cell: CellRef)? = nil
        for j in selected {
            if let cell = cells[j], first == nil || cell.line < first!.cell.line { first = (j, cell) }
        }
        return first
    }

    /// Every selected column must be numeric: reports the earliest bad cell.
    private static func rejectNonNumericCells(_ raw: RawTable, _ selected: [Int]) throws {
        guard let (j, cell) = earliest(raw.firstBad, in: selected) else { return }
        let name = raw.names[j]
        let count = raw.bad[j] ?? 1
        let textColumn = raw.kinds[j] == .text
        throw IngestError(.nonNumeric, file: raw.file, line: cell.line, column: j + 1, columnName: name,
                          offendingText: cell.text,
                          message: "non-numeric value \(quoted(cell.text)) in column \(quoted(name))"
                              + (textColumn ? " (the column holds text)" : count > 1 ? " (\(count) such cells)" : ""),
                          hint: textColumn
                              ? "choose a numeric column with --target / --features"
                              : "fix the value, or leave the cell empty (or NA) to mark it missing; use a . decimal point (or ; as the delimiter with decimal commas)")
    }

    /// Under `--missing error`: reports the earliest missing cell of the selected columns.
    private static func rejectMissingCells(_ raw: RawTable, _ selected: [Int]) throws {
        guard let (j, cell) = earliest(raw.firstMissing, in: selected) else { return }
        let name = raw.names[j]
        throw IngestError(.missingValue, file: raw.file, line: cell.line, column: j + 1, columnName: name,
                          offendingText: cell.text,
                          message: "missing value \(quoted(cell.text)) in column \(quoted(name)) (--missing error)",
                          hint: "fill the value, or choose --missing ffill, interpolate or drop")
    }

    /// Orders the rows by time; a stable sort keeps file order among equal timestamps. Returns
    /// the number of rows earlier than their predecessor in the file (0: nothing was sorted).
    private static func sortByTime(_ rows: inout Rows) -> Int {
        guard let t = rows.times else { return 0 }
        var outOfOrder = 0
        for k in 1..<max(1, t.count) where t[k] < t[k - 1] { outOfOrder += 1 }
        if outOfOrder > 0 {
            rows.select(t.indices.sorted { t[$0] < t[$1] || (t[$0] == t[$1] && $0 < $1) })
        }
        return outOfOrder
    }

    /// Rows sharing a timestamp (rows are sorted): an error naming both lines, or all but the
    /// first or last in the file removed. Returns the number of rows removed.
    private static func resolveDuplicates(_ rows: inout Rows, _ raw: RawTable, policy: DuplicatePolicy) throws -> Int {
        guard let t = rows.times, t.count > 1 else { return 0 }
        let lines = rows.lines
        var keep = [Bool](repeating: true, count: t.count)
        var removed = 0
        var k = 1
        while k < t.count {
            guard t[k] == t[k - 1] else { k += 1; continue }
            var end = k
            while end + 1 < t.count && t[end + 1] == t[k] { end += 1 }
            let group = (k - 1)...end
            switch policy {
            case .error:
                let a = min(lines[k - 1], lines[k]), b = max(lines[k - 1], lines[k])
                let stamp = IngestSummary.isoDay(Date(timeIntervalSince1970: t[k]))
                var message = "duplicate timestamp \(stamp) on lines \(a) and \(b)"
                var hint = "remove one of the rows, or pass --duplicates first (keep the earlier line) or --duplicates last"
                if let key = longFormatKey(raw) {
                    // --duplicates would keep one row per date and silently mix the series.
                    message += "; column \(quoted(key.name)) holds text (\(quoted(key.value)), …): this looks like several series in long format, one row per date and \(key.name)"
                    hint = "forecast every series in one run with --id-column \(key.name) (one report per series and a summary),"
                        + " or one at a time: keep its rows first, e.g. awk -F, 'NR==1 || $\(key.column + 1)==\"\(key.value)\"' \(raw.file) > one.csv"
                        + " (--duplicates first would keep one row per date and mix the series)"
                }
                throw IngestError(.duplicateTimestamp, file: raw.file, line: Int(b), column: raw.dateColumn.map { $0 + 1 },
                                  columnName: raw.dateColumn.map { raw.names[$0] }, offendingText: stamp, relatedLine: Int(a),
                                  message: message, hint: hint)
            case .first, .last:
                let chosen = policy == .first
                    ? group.min { lines[$0] < lines[$1] }!
                    : group.max { lines[$0] < lines[$1] }!
                for g in group where g != chosen { keep[g] = false; removed += 1 }
            }
            k = end + 1
        }
        if removed > 0 { rows.select(t.indices.filter { keep[$0] }) }
        return removed
    }

    /// The first text column (not the date, not a selected numeric column) when dates repeat:
    /// the likely series key of a long-format file, with its first value.
    static func longFormatKey(_ raw: RawTable) -> (column: Int, name: String, value: String)? {
        let selected = Set([raw.targetColumn].compactMap { $0 } + (raw.featureColumns ?? []))
        guard let key = raw.textColumns.first(where: { !selected.contains($0.column) }) else { return nil }
        return (key.column, raw.names[key.column], key.firstValue)
    }

    /// Without a date column: the first text column whose first value looks like a date in a
    /// form not read automatically ("31.12.2020", "12/31/2020"), with a `--date-format` to try.
    static func unreadDateColumn(_ raw: RawTable) -> UnreadDateColumn? {
        for (column, value) in raw.textColumns {
            let parts = value.split(whereSeparator: { $0 == "." || $0 == "/" || $0 == "-" })
            guard parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let separator = value.first(where: { !$0.isNumber }) else { continue }
            let lengths = parts.map(\.count)
            let s = String(separator)
            let format: String
            if lengths[2] == 4 || lengths[2] == 2, lengths[0] <= 2, lengths[1] <= 2 {
                let year = lengths[2] == 4 ? "%Y" : "%y"
                let first = Int(parts[0]) ?? 0, second = Int(parts[1]) ?? 0
                // Day first unless the first field cannot be a day but the second can be.
                format = (first <= 12 && second > 12) ? "%m\(s)%d\(s)\(year)" : "%d\(s)%m\(s)\(year)"
            } else {
                continue
            }
            return UnreadDateColumn(name: raw.names[column], value: value, format: format)
        }
        return nil
    }

    /// Missing cells per selected column (by name), which rows have all selected values
    /// (`present`; empty when the reader counted no missing cell), and how many do not.
    private static func countMissing(_ rows: Rows, _ raw: RawTable, _ selected: [Int])
        -> (byColumn: [String: Int], present: [Bool], rowsWithMissing: Int) {
        var byColumn: [String: Int] = [:]
        guard selected.contains(where: { (raw.missing[$0] ?? 0) > 0 }) else {
            for j in selected { byColumn[raw.names[j]] = 0 }  // counted while reading: none
            return (byColumn, [], 0)
        }
        let n = rows.lines.count
        var present = [Bool](repeating: true, count: n)
        for (c, j) in selected.enumerated() {
            var count = 0
            rows.columns[c].withUnsafeBufferPointer { col in
                for r in 0..<n where col[r].isNaN { count += 1; present[r] = false }
            }
            byColumn[raw.names[j]] = count
        }
        return (byColumn, present, present.lazy.filter { !$0 }.count)
    }

    /// Drops the rows before the first complete one (a series cannot start with a fill) and,
    /// under `.drop`, every incomplete row. Returns the number of rows dropped.
    private static func dropRowsWithMissing(_ rows: inout Rows, present: [Bool], policy: MissingPolicy) -> Int {
        let n = rows.lines.count
        let firstComplete = present.firstIndex(of: true) ?? n
        var keep = [Bool](repeating: true, count: n)
        for r in 0..<firstComplete { keep[r] = false }
        if policy == .drop {
            for r in 0..<n where !present[r] { keep[r] = false }
        }
        let dropped = keep.lazy.filter { !$0 }.count
        if dropped > 0 { rows.select((0..<n).filter { keep[$0] }) }
        return dropped
    }

    /// Fills the remaining missing values under `.ffill` and `.interpolate`. Returns the number filled.
    private static func fillMissing(_ rows: inout Rows, policy: MissingPolicy) -> Int {
        guard policy == .ffill || policy == .interpolate else { return 0 }
        var filled = 0
        for c in rows.columns.indices {
            filled += fill(&rows.columns[c], interpolate: policy == .interpolate)
        }
        return filled
    }

    /// The inferred frequency and the gaps beyond it (the first `gapsListed` of them listed).
    private static func frequencyAndGaps(_ rows: Rows)
        -> (frequency: Frequency, gaps: [Gap], gapCount: Int, missingPeriods: Int) {
        guard let t = rows.times else { return (.unknown, [], 0, 0) }
        let frequency = Frequency.infer(t)
        var gaps: [Gap] = []
        var gapCount = 0
        var missingPeriods = 0
        if case .irregular = frequency {} else if t.count > 1 {
            for k in 1..<t.count {
                let a = Date(timeIntervalSince1970: t[k - 1]), b = Date(timeIntervalSince1970: t[k])
                guard let steps = frequency.steps(from: a, to: b), steps > 1 else { continue }
                gapCount += 1
                missingPeriods += steps - 1
                if gaps.count < gapsListed {
                    gaps.append(Gap(after: a, before: b, missingPeriods: steps - 1, line: Int(rows.lines[k])))
                }
            }
        }
        return (frequency, gaps, gapCount, missingPeriods)
    }

    /// Fills NaNs after the first value: carried forward, or linearly interpolated by position
    /// between the neighbouring values (trailing NaNs carried forward). Returns the number filled.
    static func fill(_ x: inout [Double], interpolate: Bool) -> Int {
        var filled = 0
        var last = -1  // index of the last observed value
        var r = 0
        while r < x.count {
            if !x[r].isNaN { last = r; r += 1; continue }
            var end = r
            while end < x.count && x[end].isNaN { end += 1 }
            // x[r..<end] missing; x[last] observed (leading rows were dropped), x[end] observed if end < count.
            guard last >= 0 else { r = end; continue }
            for k in r..<end {
                if interpolate && end < x.count {
                    let w = Double(k - last) / Double(end - last)
                    x[k] = x[last] + (x[end] - x[last]) * w
                } else {
                    x[k] = x[last]
                }
                filled += 1
            }
            r = end
        }
        return filled
    }
}
