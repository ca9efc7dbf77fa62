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

    static func clean(_ raw: inout RawTable, options: IngestOptions) throws -> Series {
        let file = raw.file
        let headerLine: Int? = raw.hasHeader ? 1 : nil
        func name(_ j: Int) -> String { raw.names[j] }

        // Target: by name (resolved while reading) or the only numeric column.
        let target: Int
        if let t = raw.targetColumn {
            target = t
        } else {
            let numeric = raw.names.indices.filter { $0 != raw.dateColumn && raw.kinds[$0] == .number }
            if numeric.count == 1 {
                target = numeric[0]
            } else if numeric.isEmpty {
                throw IngestError(.columnSelection, file: file, line: headerLine,
                                  message: "no numeric column to forecast; the columns are "
                                      + raw.names.map { quoted($0) }.joined(separator: ", "),
                                  hint: "the target column must hold numbers; name it with --target")
            } else {
                throw IngestError(.columnSelection, file: file, line: headerLine,
                                  message: "cannot tell which column to forecast; the numeric columns are "
                                      + numeric.map { quoted(name($0)) }.joined(separator: ", "),
                                  hint: "choose one with --target NAME (adj close, close, price or value are picked automatically)")
            }
        }
        let features = raw.featureColumns ?? [target]
        var selected: [Int] = [target]
        for j in features where !selected.contains(j) { selected.append(j) }

        // Every selected column must be numeric: report the earliest bad cell.
        var firstBad: (column: Int, cell: CellRef)? = nil
        for j in selected {
            if let cell = raw.firstBad[j], firstBad == nil || cell.line < firstBad!.cell.line { firstBad = (j, cell) }
        }
        if let (j, cell) = firstBad {
            let count = raw.bad[j] ?? 1
            let textColumn = raw.kinds[j] == .text
            throw IngestError(.nonNumeric, file: file, line: cell.line, column: j + 1, columnName: name(j),
                              offendingText: cell.text,
                              message: "non-numeric value \(quoted(cell.text)) in column \(quoted(name(j)))"
                                  + (textColumn ? " (the column holds text)" : count > 1 ? " (\(count) such cells)" : ""),
                              hint: textColumn
                                  ? "choose a numeric column with --target / --features"
                                  : "fix the value, or leave the cell empty (or NA) to mark it missing; use a . decimal point (or ; as the delimiter with decimal commas)")
        }
        if options.missing == .error {
            var first: (column: Int, cell: CellRef)? = nil
            for j in selected {
                if let cell = raw.firstMissing[j], first == nil || cell.line < first!.cell.line { first = (j, cell) }
            }
            if let (j, cell) = first {
                throw IngestError(.missingValue, file: file, line: cell.line, column: j + 1, columnName: name(j),
                                  offendingText: cell.text,
                                  message: "missing value \(quoted(cell.text)) in column \(quoted(name(j))) (--missing error)",
                                  hint: "fill the value, or choose --missing ffill, interpolate or drop")
            }
        }

        var columns: [[Double]] = selected.map { raw.columns[$0] ?? [] }
        raw.columns = [:]  // release the unselected columns
        var lines = raw.lines
        var times = raw.dates
        let rowsRead = raw.rowsRead
        var summaryMissing: [String: Int] = [:]

        // Order by time; a stable sort keeps file order among equal timestamps.
        var wasSorted = false
        var outOfOrder = 0
        if let t = times {
            for k in 1..<max(1, t.count) where t[k] < t[k - 1] { outOfOrder += 1 }
            if outOfOrder > 0 {
                wasSorted = true
                let order = t.indices.sorted { t[$0] < t[$1] || (t[$0] == t[$1] && $0 < $1) }
                times = order.map { t[$0] }
                lines = order.map { lines[$0] }
                for c in columns.indices { columns[c] = order.map { columns[c][$0] } }
            }
        }

        // Duplicate timestamps.
        var duplicatesRemoved = 0
        if let t = times, t.count > 1 {
            var keep = [Bool](repeating: true, count: t.count)
            var k = 1
            while k < t.count {
                guard t[k] == t[k - 1] else { k += 1; continue }
                var end = k
                while end + 1 < t.count && t[end + 1] == t[k] { end += 1 }
                let group = (k - 1)...end
                switch options.duplicates {
                case .error:
                    let a = min(lines[k - 1], lines[k]), b = max(lines[k - 1], lines[k])
                    let stamp = IngestSummary.isoDay(Date(timeIntervalSince1970: t[k]))
                    throw IngestError(.duplicateTimestamp, file: file, line: Int(b), column: raw.dateColumn.map { $0 + 1 },
                                      columnName: raw.dateColumn.map(name), offendingText: stamp,
                                      message: "duplicate timestamp \(stamp) on lines \(a) and \(b)",
                                      hint: "remove one of the rows, or pass --duplicates first (keep the earlier line) or --duplicates last")
                case .first, .last:
                    let chosen = options.duplicates == .first
                        ? group.min { lines[$0] < lines[$1] }!
                        : group.max { lines[$0] < lines[$1] }!
                    for g in group where g != chosen { keep[g] = false; duplicatesRemoved += 1 }
                }
                k = end + 1
            }
            if duplicatesRemoved > 0 {
                times = t.indices.filter { keep[$0] }.map { t[$0] }
                lines = lines.indices.filter { keep[$0] }.map { lines[$0] }
                for c in columns.indices { columns[c] = columns[c].indices.filter { keep[$0] }.map { columns[c][$0] } }
            }
        }

        // Missing values over the selected columns.
        let n = lines.count
        var present: [Bool] = []
        var rowsWithMissing = 0
        if selected.contains(where: { (raw.missing[$0] ?? 0) > 0 }) {
            present = [Bool](repeating: true, count: n)
            for (c, j) in selected.enumerated() {
                var count = 0
                columns[c].withUnsafeBufferPointer { col in
                    for r in 0..<n where col[r].isNaN { count += 1; present[r] = false }
                }
                summaryMissing[name(j)] = count
            }
            rowsWithMissing = present.lazy.filter { !$0 }.count
        } else {
            for j in selected { summaryMissing[name(j)] = 0 }  // counted while reading: none
        }
        var rowsDropped = 0
        var filled = 0
        if rowsWithMissing > 0 {
            let firstComplete = present.firstIndex(of: true) ?? n
            var keep = [Bool](repeating: true, count: n)
            for r in 0..<firstComplete { keep[r] = false }
            if options.missing == .drop {
                for r in 0..<n where !present[r] { keep[r] = false }
            }
            rowsDropped = keep.lazy.filter { !$0 }.count
            if rowsDropped > 0 {
                let kept = (0..<n).filter { keep[$0] }
                lines = kept.map { lines[$0] }
                times = times.map { t in kept.map { t[$0] } }
                for c in columns.indices { columns[c] = kept.map { columns[c][$0] } }
            }
            if options.missing == .ffill || options.missing == .interpolate {
                for c in columns.indices {
                    filled += fill(&columns[c], interpolate: options.missing == .interpolate)
                }
            }
        }
        if lines.isEmpty {
            throw IngestError(.tooFewRows, file: file, line: Int(raw.lines.last ?? 1),
                              message: "no rows left: every row has a missing value in "
                                  + selected.map { quoted(name($0)) }.joined(separator: " or "),
                              hint: "check that the right column is selected (--target, --features)")
        }

        // Frequency and gaps.
        var frequency = Frequency.unknown
        var gaps: [Gap] = []
        var gapCount = 0
        var missingPeriods = 0
        if let t = times {
            frequency = Frequency.infer(t)
            if case .irregular = frequency {} else if t.count > 1 {
                for k in 1..<t.count {
                    let a = Date(timeIntervalSince1970: t[k - 1]), b = Date(timeIntervalSince1970: t[k])
                    guard let steps = frequency.steps(from: a, to: b), steps > 1 else { continue }
                    gapCount += 1
                    missingPeriods += steps - 1
                    if gaps.count < gapsListed {
                        gaps.append(Gap(after: a, before: b, missingPeriods: steps - 1, line: Int(lines[k])))
                    }
                }
            }
        }

        let dates = times.map { $0.map { Date(timeIntervalSince1970: $0) } }
        let summary = IngestSummary(
            file: file, delimiter: Character(Unicode.Scalar(raw.delimiter)), delimiterDetected: raw.delimiterDetected,
            decimalComma: raw.decimalComma, hasHeader: raw.hasHeader, columns: raw.names,
            dateColumn: raw.dateColumn.map(name), rowsRead: rowsRead, rowsUsed: lines.count,
            lastLine: Int(raw.lines.last ?? 0),
            firstDate: dates?.first, lastDate: dates?.last, frequency: frequency,
            missingByColumn: summaryMissing, rowsWithMissing: rowsWithMissing, missingPolicy: options.missing,
            rowsDroppedMissing: rowsDropped, valuesFilled: filled, wasSorted: wasSorted, outOfOrderRows: outOfOrder,
            duplicatePolicy: options.duplicates, duplicatesRemoved: duplicatesRemoved,
            gapCount: gapCount, missingPeriods: missingPeriods, gaps: gaps)
        let valueOf = { (j: Int) in columns[selected.firstIndex(of: j)!] }
        return Series(dates: dates, targetName: name(target), featureNames: features.map(name),
                      values: features.map(valueOf), target: valueOf(target),
                      frequency: frequency, summary: summary)
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
