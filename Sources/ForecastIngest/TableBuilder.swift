import Foundation

/// What a cell looks like, for header and date-column detection.
enum CellKind: Equatable { case missing, number, date, text }

/// A cell of the first rows, kept as text until the column layout is decided.
struct SampleCell {
    var text: String?
    var line: Int
}

/// A cell remembered for an error message.
struct CellRef: Equatable {
    var line: Int
    var text: String
}

/// Per-column state of the reader. Numeric columns store one `Double` per data row (NaN for a
/// missing cell) so that all stored columns stay row-aligned.
struct ColumnSlot {
    enum Kind: UInt8 {
        /// Not needed: cells are not looked at.
        case skip
        /// Needed, but only missing cells seen so far.
        case undetermined
        /// The first non-missing cell was a number.
        case number
        /// The first non-missing cell was not a number: the column is text.
        case text
        /// The date column.
        case date
    }
    var kind: Kind
    var values = GrowableBuffer<Double>()
    var missing = 0
    var firstMissing: CellRef? = nil
    var bad = 0
    var firstBad: CellRef? = nil
}

/// The table as read, before selection and cleaning. Numeric columns only.
struct RawTable {
    var file: String
    var delimiter: UInt8
    var delimiterDetected = true
    var decimalComma: Bool
    var hasHeader: Bool
    var names: [String]
    var dateColumn: Int?
    /// Seconds since 1970 (UTC) per data row, when there is a date column.
    var dates: [Double]?
    /// Line of each data row in the file.
    var lines: [UInt32]
    /// Stored columns by index; NaN marks a missing cell.
    var columns: [Int: [Double]]
    var kinds: [ColumnSlot.Kind]
    var missing: [Int: Int]
    var firstMissing: [Int: CellRef]
    var bad: [Int: Int]
    var firstBad: [Int: CellRef]
    var rowsRead: Int
    /// Resolved from names at plan time (nil: decide from column kinds).
    var targetColumn: Int?
    var featureColumns: [Int]?
}

/// Normalises a column name for matching: trimmed, lower case, `_` as a space.
func normalizedColumnName(_ s: String) -> String {
    s.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: " ")
}

/// Receives libcsv's field and record callbacks and builds the columns.
///
/// It lives behind a pointer (the callbacks' context), so the per-cell path has no exclusivity or
/// uniqueness checks. The first `sampleRows` records are kept as text; from them the layout is
/// decided (header, names, date column, which columns to keep), then they are replayed and
/// every later cell goes straight to its column. libcsv cannot be stopped from a callback: after
/// the first error (`failure`) every callback returns at once and the driver stops feeding.
struct TableBuilder {
    static let sampleRows = 10
    static let dateColumnNames: Set<String> = ["date", "time", "timestamp", "datetime", "ds"]
    static let targetCandidates = ["adj close", "close", "price", "value"]

    let file: String
    let options: IngestOptions
    let numbers: DecimalParser
    let dates: DateParser
    let rowEstimate: Int

    // Position. `line` is the line the next byte libcsv reports is on.
    var line = 1
    var recordLine = 1
    var field = 0
    var lastWasCR = false
    /// Set once the input contains a quote: fields may then hold newlines, which must be counted.
    var quoteSeen = false

    // Layout.
    var planned = false
    var sample: [[SampleCell]] = []
    var sampleRow: [SampleCell] = []
    var columnCount = 0
    var names: [String] = []
    var hasHeader = false
    var dateColumn: Int? = nil
    var targetColumn: Int? = nil
    var featureColumns: [Int]? = nil
    var slots: UnsafeMutablePointer<ColumnSlot>? = nil

    // Data.
    var dateValues = GrowableBuffer<Double>()
    var lineNumbers = GrowableBuffer<UInt32>()
    var rows = 0

    /// The first error; `failed` mirrors `failure != nil` so the per-cell path tests a Bool
    /// instead of copying an optional struct.
    var failure: IngestError? = nil { didSet { failed = failure != nil } }
    private(set) var failed = false

    init(file: String, options: IngestOptions, decimalComma: Bool, dates: DateParser, rowEstimate: Int) {
        self.file = file
        self.options = options
        self.numbers = DecimalParser(decimalComma: decimalComma)
        self.dates = dates
        self.rowEstimate = rowEstimate
    }

    /// Frees the column buffers still held (after `finish`, or after an error).
    mutating func release() {
        if let slots {
            for j in 0..<columnCount { slots[j].values.free() }
            slots.deinitialize(count: columnCount)
            slots.deallocate()
            self.slots = nil
        }
        dateValues.free()
        lineNumbers.free()
    }

    // MARK: - libcsv callbacks

    @inline(__always)
    mutating func onField(_ raw: UnsafeMutableRawPointer?, _ count: Int) {
        if failed { return }
        lastWasCR = false
        if field == 0 { recordLine = line }
        let p = raw.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }
        let cellLine = line
        if quoteSeen, let p { line += Self.newlines(p, count) }
        if planned {
            process(column: field, p, count, line: cellLine)
        } else {
            let text = p.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) }
            sampleRow.append(SampleCell(text: text, line: cellLine))
        }
        field += 1
    }

    /// `terminator` is the CR or LF that ended the record (libcsv reports every unquoted CR and LF
    /// with CSV_REPALL_NL, blank lines included), or -1 at the end of the input.
    @inline(__always)
    mutating func onRecordEnd(_ terminator: Int32) {
        if failed { return }
        let hadFields = field > 0
        if terminator == 0x0D {
            line += 1
        } else if terminator == 0x0A && !(lastWasCR && !hadFields) {
            line += 1  // an LF right after a CR ends the same line
        }
        lastWasCR = terminator == 0x0D
        guard hadFields else { return }
        if planned {
            finishRecord(fieldCount: field, line: recordLine)
        } else {
            sample.append(sampleRow)
            sampleRow = []
            if sample.count >= Self.sampleRows { plan() }
        }
        field = 0
    }

    private static func newlines(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var n = 0
        for k in 0..<count where p[k] == 0x0A { n += 1 }
        return n
    }

    // MARK: - Cells

    @inline(__always)
    private mutating func process(column j: Int, _ p: UnsafePointer<UInt8>?, _ count: Int, line: Int) {
        guard j < columnCount, let slots else {
            let text = p.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? ""
            failure = IngestError(.raggedRow, file: file, line: line, column: j + 1, offendingText: text,
                                  message: "row has more fields than the \(hasHeader ? "header" : "first row") (\(columnCount)); extra field \(quoted(text))",
                                  hint: "every row needs \(columnCount) fields; quote fields that contain the delimiter")
            return
        }
        let slot = slots + j
        switch slot.pointee.kind {
        case .number:
            if let p, let v = numbers.parse(p, count) {
                slot.pointee.values.append(v)
            } else {
                numberFallback(slot, p, count, line: line)
            }
        case .skip, .text:
            break
        case .date:
            if let p, let t = dates.seconds(p, count, allowEpoch: true) {
                dateValues.append(t)
            } else {
                dateFailure(column: j, p, count, line: line)
            }
        case .undetermined:
            if let p, let v = numbers.parse(p, count) {
                slot.pointee.kind = .number
                slot.pointee.values.append(v)
            } else if MissingMarker.matches(p, count) {
                noteMissing(slot, p, count, line: line)
            } else {
                slot.pointee.kind = .text
                slot.pointee.values.free()
                slot.pointee.bad = 1
                slot.pointee.firstBad = CellRef(line: line, text: Self.text(p, count))
            }
        }
    }

    private mutating func numberFallback(_ slot: UnsafeMutablePointer<ColumnSlot>, _ p: UnsafePointer<UInt8>?,
                                         _ count: Int, line: Int) {
        if MissingMarker.matches(p, count) {
            noteMissing(slot, p, count, line: line)
        } else {
            slot.pointee.values.append(.nan)
            slot.pointee.bad += 1
            if slot.pointee.firstBad == nil { slot.pointee.firstBad = CellRef(line: line, text: Self.text(p, count)) }
        }
    }

    private func noteMissing(_ slot: UnsafeMutablePointer<ColumnSlot>, _ p: UnsafePointer<UInt8>?, _ count: Int, line: Int) {
        slot.pointee.values.append(.nan)
        slot.pointee.missing += 1
        if slot.pointee.firstMissing == nil { slot.pointee.firstMissing = CellRef(line: line, text: Self.text(p, count)) }
    }

    private mutating func dateFailure(column j: Int, _ p: UnsafePointer<UInt8>?, _ count: Int, line: Int) {
        let text = Self.text(p, count)
        let missing = MissingMarker.matches(p, count)
        let hint: String
        if let format = options.dateFormat {
            hint = "the value must match --date-format \(quoted(format)); fix the cell or the format"
        } else {
            hint = "dates must be YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], YYYY-MM-DD HH:MM:SS, YYYY/MM/DD or epoch seconds; for other forms pass --date-format (e.g. %d.%m.%Y)"
        }
        failure = IngestError(.badDate, file: file, line: line, column: j + 1, columnName: names[j], offendingText: text,
                              message: missing ? "missing date in column \(quoted(names[j]))"
                                               : "date \(quoted(text)) in column \(quoted(names[j])) does not parse",
                              hint: missing ? "every row needs a date; remove the row or fill in its date" : hint)
    }

    private mutating func finishRecord(fieldCount: Int, line: Int) {
        if fieldCount != columnCount {
            failure = IngestError(.raggedRow, file: file, line: line, column: fieldCount + 1,
                                  message: "row has \(fieldCount) field\(fieldCount == 1 ? "" : "s") but the \(hasHeader ? "header has" : "first row has") \(columnCount)",
                                  hint: "every row needs \(columnCount) fields; write an empty field (or NA) for a missing value")
            return
        }
        rows += 1
        lineNumbers.append(UInt32(clamping: line))
    }

    static func text(_ p: UnsafePointer<UInt8>?, _ count: Int) -> String {
        guard let p else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    }

    // MARK: - Layout

    func kind(of text: String?) -> CellKind {
        guard var t = text else { return .missing }
        return t.withUTF8 { b -> CellKind in
            guard let base = b.baseAddress, b.count > 0 else { return .missing }
            if MissingMarker.matches(base, b.count) { return .missing }
            if numbers.parse(base, b.count) != nil { return .number }
            if dates.seconds(base, b.count, allowEpoch: false) != nil { return .date }
            return .text
        }
    }

    /// Header iff every cell of the first row is text, or some column holds text in the first row
    /// and a number or date in the second.
    private func detectHeader() -> Bool {
        let first = sample[0].map { kind(of: $0.text) }
        if first.allSatisfy({ $0 == .text }) { return true }
        guard sample.count > 1 else { return false }
        let second = sample[1].map { kind(of: $0.text) }
        for j in 0..<min(first.count, second.count) where first[j] == .text && (second[j] == .number || second[j] == .date) {
            return true
        }
        return false
    }

    private func matches(_ name: String) -> [Int] {
        let wanted = normalizedColumnName(name)
        return names.indices.filter { normalizedColumnName(names[$0]) == wanted }
    }

    private var columnList: String { names.map { quoted($0) }.joined(separator: ", ") }

    private func selectionError(_ message: String, _ hint: String, text: String? = nil) -> IngestError {
        IngestError(.columnSelection, file: file, line: hasHeader ? 1 : nil, offendingText: text,
                    message: message, hint: hint)
    }

    /// Resolves one named column; sets `failure` and returns nil when it is unknown or ambiguous.
    private mutating func resolve(_ name: String, role: String, option: String) -> Int? {
        let found = matches(name)
        if found.count == 1 { return found[0] }
        if found.isEmpty {
            failure = selectionError("unknown \(role) column \(quoted(name)); the columns are \(columnList)",
                                     "pass \(option) with one of the column names (case does not matter)", text: name)
        } else {
            failure = selectionError("\(role) column \(quoted(name)) is ambiguous: \(found.count) columns have that name",
                                     "rename the duplicate columns in the header", text: name)
        }
        return nil
    }

    /// Decides header, names, date column and the columns to keep, then replays the sample.
    mutating func plan() {
        planned = true
        defer { sample = [] }
        guard !sample.isEmpty else { return }
        hasHeader = detectHeader()
        columnCount = sample[0].count
        if hasHeader {
            names = sample[0].enumerated().map { j, cell in
                let t = (cell.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                return t.isEmpty ? "column\(j + 1)" : t
            }
        } else {
            names = columnCount == 1 ? ["value"] : (1...columnCount).map { "column\($0)" }
        }
        let data = sample.dropFirst(hasHeader ? 1 : 0)

        // Date column: option, else by name, else by content.
        if let requested = options.dateColumn {
            guard let j = resolve(requested, role: "date", option: "--date-column") else { return }
            dateColumn = j
        } else if let j = names.indices.first(where: { Self.dateColumnNames.contains(normalizedColumnName(names[$0])) }) {
            dateColumn = j
        } else {
            dateColumn = names.indices.first { j in
                let firstValue = data.lazy.compactMap { $0.count > j ? $0[j].text : nil }
                    .first { !MissingMarker.matches($0) }
                return firstValue.map { kind(of: $0) == .date } ?? false
            }
        }

        // Target and features by name; if the target has no recognised name, keep every column
        // and choose after reading (the only numeric one).
        if let t = options.target {
            guard let j = resolve(t, role: "target", option: "--target") else { return }
            targetColumn = j
        } else {
            for candidate in Self.targetCandidates {
                let found = matches(candidate).filter { $0 != dateColumn }
                if found.count == 1 { targetColumn = found[0]; break }
            }
        }
        if let features = options.features {
            var indices: [Int] = []
            for name in features {
                guard let j = resolve(name, role: "feature", option: "--features") else { return }
                indices.append(j)
            }
            featureColumns = indices
        }
        for j in [targetColumn].compactMap({ $0 }) + (featureColumns ?? []) where j == dateColumn {
            failure = selectionError("column \(quoted(names[j])) is the date column and cannot be a target or feature",
                                     "choose a numeric column with --target / --features, or another date column with --date-column",
                                     text: names[j])
            return
        }

        let keep: Set<Int>
        if let targetColumn {
            keep = Set([targetColumn] + (featureColumns ?? []))
        } else {
            keep = Set(names.indices.filter { $0 != dateColumn })
        }
        let capacity = max(rowEstimate, 16)
        let slots = UnsafeMutablePointer<ColumnSlot>.allocate(capacity: columnCount)
        for j in 0..<columnCount {
            var slot = ColumnSlot(kind: j == dateColumn ? .date : keep.contains(j) ? .undetermined : .skip)
            if slot.kind == .undetermined { slot.values.reserve(capacity) }
            (slots + j).initialize(to: slot)
        }
        self.slots = slots
        if dateColumn != nil { dateValues.reserve(capacity) }
        lineNumbers.reserve(capacity)

        // Replay the sample's data rows through the per-cell path.
        for row in data {
            for (j, cell) in row.enumerated() {
                if failed { return }
                if var text = cell.text {
                    text.withUTF8 { process(column: j, $0.baseAddress, $0.count, line: cell.line) }
                } else {
                    process(column: j, nil, 0, line: cell.line)
                }
            }
            if failed { return }
            finishRecord(fieldCount: row.count, line: row.first?.line ?? line)
        }
    }

    /// Ends reading: the layout is decided if the input was shorter than the sample, and the
    /// buffers become arrays (each buffer freed right after its copy, to bound peak memory).
    mutating func finish() -> RawTable? {
        if failed { return nil }
        if !planned { plan() }
        if failed { return nil }
        if columnCount == 0 {
            failure = IngestError(.emptyFile, file: file, line: 1, column: 1,
                                  message: "the file is empty (no rows)",
                                  hint: "give a CSV file with a header line and at least one data row")
            return nil
        }
        if rows == 0 {
            failure = IngestError(.headerOnly, file: file, line: 1, column: 1, offendingText: names.joined(separator: ","),
                                  message: "the file has a header line and no data rows",
                                  hint: "add data rows below the header")
            return nil
        }
        var columns: [Int: [Double]] = [:]
        var kinds: [ColumnSlot.Kind] = []
        var missing: [Int: Int] = [:], firstMissing: [Int: CellRef] = [:]
        var bad: [Int: Int] = [:], firstBad: [Int: CellRef] = [:]
        if let slots {
            for j in 0..<columnCount {
                let slot = slots + j
                kinds.append(slot.pointee.kind)
                if slot.pointee.kind == .number || slot.pointee.kind == .undetermined {
                    columns[j] = slot.pointee.values.toArray()
                }
                slot.pointee.values.free()
                missing[j] = slot.pointee.missing
                firstMissing[j] = slot.pointee.firstMissing
                bad[j] = slot.pointee.bad
                firstBad[j] = slot.pointee.firstBad
            }
        }
        let dateArray: [Double]? = dateColumn == nil ? nil : dateValues.toArray()
        dateValues.free()
        let lineArray = lineNumbers.toArray()
        lineNumbers.free()
        return RawTable(file: file, delimiter: 0, decimalComma: numbers.decimalComma, hasHeader: hasHeader,
                        names: names, dateColumn: dateColumn, dates: dateArray, lines: lineArray,
                        columns: columns, kinds: kinds, missing: missing, firstMissing: firstMissing,
                        bad: bad, firstBad: firstBad, rowsRead: rows,
                        targetColumn: targetColumn, featureColumns: featureColumns)
    }
}
