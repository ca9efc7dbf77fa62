import Foundation

/// What a cell looks like, for header and date-column detection.
enum CellKind: Equatable { case missing, number, date, text }

/// A cell of the first rows, kept as text while the column layout is decided.
struct SampleCell {
    var text: String?
    var line: Int
}

/// A cell remembered for an error message (line is absolute once blocks are merged).
struct CellRef: Equatable {
    var line: Int
    var text: String
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
    /// Resolved from names (nil: choose the only numeric column after reading).
    var targetColumn: Int?
    var featureColumns: [Int]?
    var kinds: [ColumnKind]
    /// First cell of the columns typed `.text` from the first rows.
    var textCells: [Int: CellRef]
    var columnCount: Int { names.count }

    /// Decides header, names, date column, target/features and column kinds from the first
    /// records. Returns nil for no records; throws `.columnSelection` for unknown names.
    static func make(sample: [[SampleCell]], file: String, options: IngestOptions, decimalComma: Bool,
                     dates: DateParser) throws -> ReaderPlan? {
        guard !sample.isEmpty else { return nil }
        let numbers = DecimalParser(decimalComma: decimalComma)
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
        // Header iff every cell of the first row is text, or a column holds text in the first row
        // and a number or date in the second.
        let firstKinds = sample[0].map { kind($0.text) }
        var hasHeader = firstKinds.allSatisfy { $0 == .text }
        if !hasHeader && sample.count > 1 {
            let secondKinds = sample[1].map { kind($0.text) }
            for j in 0..<min(firstKinds.count, secondKinds.count)
            where firstKinds[j] == .text && (secondKinds[j] == .number || secondKinds[j] == .date) {
                hasHeader = true
            }
        }
        let columnCount = sample[0].count
        let names: [String]
        if hasHeader {
            names = sample[0].enumerated().map { j, cell in
                let t = (cell.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                return t.isEmpty ? "column\(j + 1)" : t
            }
        } else {
            names = columnCount == 1 ? ["value"] : (1...columnCount).map { "column\($0)" }
        }
        let data = Array(sample.dropFirst(hasHeader ? 1 : 0))
        func firstValue(_ j: Int) -> SampleCell? {
            data.lazy.compactMap { $0.count > j ? $0[j] : nil }.first { kind($0.text) != .missing }
        }

        let columnList = names.map { quoted($0) }.joined(separator: ", ")
        func selectionError(_ message: String, _ hint: String, _ text: String) -> IngestError {
            IngestError(.columnSelection, file: file, line: hasHeader ? 1 : nil, offendingText: text,
                        message: message, hint: hint)
        }
        func resolve(_ name: String, role: String, option: String) throws -> Int {
            let wanted = normalizedColumnName(name)
            let found = names.indices.filter { normalizedColumnName(names[$0]) == wanted }
            if found.count == 1 { return found[0] }
            if found.isEmpty {
                throw selectionError("unknown \(role) column \(quoted(name)); the columns are \(columnList)",
                                     "pass \(option) with one of the column names (case does not matter)", name)
            }
            throw selectionError("\(role) column \(quoted(name)) is ambiguous: \(found.count) columns have that name",
                                 "rename the duplicate columns in the header", name)
        }

        // Date column: option, else by name, else by content (ISO-like text, not epoch numbers).
        var dateColumn: Int? = nil
        if let requested = options.dateColumn {
            dateColumn = try resolve(requested, role: "date", option: "--date-column")
        } else if let j = names.indices.first(where: { dateColumnNames.contains(normalizedColumnName(names[$0])) }) {
            dateColumn = j
        } else {
            dateColumn = names.indices.first { j in firstValue(j).map { kind($0.text) == .date } ?? false }
        }

        // Target and features by name; with no recognised target name every column is kept and
        // the only numeric one is chosen after reading.
        var targetColumn: Int? = nil
        if let t = options.target {
            targetColumn = try resolve(t, role: "target", option: "--target")
        } else {
            for candidate in targetCandidates {
                let found = names.indices.filter { normalizedColumnName(names[$0]) == candidate && $0 != dateColumn }
                if found.count == 1 { targetColumn = found[0]; break }
            }
        }
        var featureColumns: [Int]? = nil
        if let features = options.features {
            featureColumns = try features.map { try resolve($0, role: "feature", option: "--features") }
        }
        for j in [targetColumn].compactMap({ $0 }) + (featureColumns ?? []) where j == dateColumn {
            throw selectionError("column \(quoted(names[j])) is the date column and cannot be a target or feature",
                                 "choose a numeric column with --target / --features, or another date column with --date-column",
                                 names[j])
        }

        let keep = targetColumn.map { Set([$0] + (featureColumns ?? [])) }
            ?? Set(names.indices.filter { $0 != dateColumn })
        var kinds: [ColumnKind] = []
        var textCells: [Int: CellRef] = [:]
        for j in 0..<columnCount {
            if j == dateColumn { kinds.append(.date); continue }
            guard keep.contains(j) else { kinds.append(.skip); continue }
            if let cell = firstValue(j) {
                if kind(cell.text) == .number {
                    kinds.append(.number)
                } else {
                    kinds.append(.text)
                    textCells[j] = CellRef(line: cell.line, text: cell.text ?? "")
                }
            } else {
                kinds.append(.undetermined)
            }
        }
        return ReaderPlan(file: file, options: options, decimalComma: decimalComma, dates: dates, hasHeader: hasHeader,
                          names: names, dateColumn: dateColumn, targetColumn: targetColumn,
                          featureColumns: featureColumns, kinds: kinds, textCells: textCells)
    }
}

/// Counts lines from libcsv's record callbacks. With CSV_REPALL_NL libcsv reports every unquoted
/// CR and LF (blank lines included); a CR LF pair ends one line. Newlines inside quoted fields
/// are counted from the field text once the input is known to contain a quote.
struct LineCounter {
    var line = 1
    var lastWasCR = false
    var quoteSeen = false

    @inline(__always)
    mutating func field(_ p: UnsafePointer<UInt8>?, _ count: Int) {
        lastWasCR = false
        if quoteSeen, let p {
            for k in 0..<count where p[k] == 0x0A { line += 1 }
        }
    }

    @inline(__always)
    mutating func recordEnd(_ terminator: Int32, hadFields: Bool) {
        if terminator == 0x0D {
            line += 1
        } else if terminator == 0x0A && !(lastWasCR && !hadFields) {
            line += 1
        }
        lastWasCR = terminator == 0x0D
    }
}

/// Collects the first `sampleRows` records as text, for `ReaderPlan.make`.
struct SampleCollector {
    static let sampleRows = 10
    var lines = LineCounter()
    var rows: [[SampleCell]] = []
    var row: [SampleCell] = []
    var complete: Bool { rows.count >= Self.sampleRows }
    /// Fields completed in the current record (for error columns).
    var field: Int { row.count }

    mutating func onField(_ raw: UnsafeMutableRawPointer?, _ count: Int) {
        if complete { return }
        let p = raw.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }
        let cellLine = lines.line
        lines.field(p, count)
        let text = p.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) }
        row.append(SampleCell(text: text, line: cellLine))
    }

    mutating func onRecordEnd(_ terminator: Int32) {
        if complete { return }
        let hadFields = !row.isEmpty
        lines.recordEnd(terminator, hadFields: hadFields)
        if hadFields {
            rows.append(row)
            row = []
        }
    }
}

/// Per-column state of a block. Stored columns get one `Double` per data row (NaN for a missing
/// or bad cell), so all stored columns of a block stay row-aligned.
struct ColumnSlot {
    var kind: ColumnKind
    var values = GrowableBuffer<Double>()
    var missing = 0
    var firstMissing: CellRef? = nil
    var bad = 0
    var firstBad: CellRef? = nil
    /// For `.undetermined` columns: whether the block's first non-missing cell was a number.
    var firstValueIsNumber: Bool? = nil
}

/// Receives the fields and record ends of a CSV text, in the order and form libcsv's callbacks
/// give them: a field is its bytes without surrounding spaces (nil for an empty unquoted field);
/// a record end is the CR or LF that ended it (also for blank lines), or -1 at the end.
protocol CSVFieldSink {
    mutating func onField(_ p: UnsafePointer<UInt8>?, _ count: Int)
    mutating func onRecordEnd(_ terminator: Int32)
    /// Once true, the producer may stop.
    var failed: Bool { get }
}

/// Reads one block of the file (a run of whole records) with a fixed plan, converting cells
/// straight into per-column buffers.
///
/// It lives behind a pointer (libcsv's callback context), so the per-cell path has no
/// exclusivity or uniqueness checks. libcsv cannot be stopped from a callback: after the first
/// error every callback returns at once, and the driver stops feeding. Lines are relative to
/// the block's first line (1) until the driver adds the block's offset.
struct BlockBuilder: CSVFieldSink {
    let file: String
    let names: [String]
    let hasHeader: Bool
    let dateFormat: String?
    let numbers: DecimalParser
    let dates: DateParser
    let columnCount: Int

    var lines = LineCounter()
    var recordLine = 1
    var field = 0
    /// Records to ignore at the start (the header, in the first block).
    var skipRecords: Int
    var slots: UnsafeMutablePointer<ColumnSlot>
    var dateValues = GrowableBuffer<Double>()
    var lineNumbers = GrowableBuffer<UInt32>()
    var rows = 0
    /// The first error; `failed` mirrors `failure != nil` so the per-cell path tests a Bool
    /// instead of copying an optional struct.
    var failure: IngestError? = nil { didSet { failed = failure != nil } }
    private(set) var failed = false

    init(plan: ReaderPlan, skipRecords: Int, rowEstimate: Int) {
        file = plan.file
        names = plan.names
        hasHeader = plan.hasHeader
        dateFormat = plan.options.dateFormat
        numbers = DecimalParser(decimalComma: plan.decimalComma)
        dates = plan.dates
        columnCount = plan.columnCount
        self.skipRecords = skipRecords
        slots = .allocate(capacity: plan.columnCount)
        let capacity = max(rowEstimate, 16)
        for j in 0..<plan.columnCount {
            var slot = ColumnSlot(kind: plan.kinds[j])
            if slot.kind == .number || slot.kind == .undetermined { slot.values.reserve(capacity) }
            (slots + j).initialize(to: slot)
        }
        if plan.dateColumn != nil { dateValues.reserve(capacity) }
        lineNumbers.reserve(capacity)
    }

    /// Frees every buffer still held.
    mutating func release() {
        for j in 0..<columnCount { slots[j].values.free() }
        slots.deinitialize(count: columnCount)
        slots.deallocate()
        dateValues.free()
        lineNumbers.free()
    }

    // MARK: libcsv callbacks

    @inline(__always)
    mutating func onField(_ p: UnsafePointer<UInt8>?, _ count: Int) {
        if failed { return }
        if field == 0 { recordLine = lines.line }
        let cellLine = lines.line
        lines.field(p, count)
        if skipRecords == 0 { process(column: field, p, count, line: cellLine) }
        field += 1
    }

    /// `terminator` is the CR or LF that ended the record, or -1 at the end of the input.
    @inline(__always)
    mutating func onRecordEnd(_ terminator: Int32) {
        if failed { return }
        let hadFields = field > 0
        lines.recordEnd(terminator, hadFields: hadFields)
        guard hadFields else { return }
        if skipRecords > 0 {
            skipRecords -= 1
        } else if field != columnCount {
            failure = IngestError(.raggedRow, file: file, line: recordLine, column: field + 1,
                                  message: "row has \(field) field\(field == 1 ? "" : "s") but the \(hasHeader ? "header has" : "first row has") \(columnCount)",
                                  hint: "every row needs \(columnCount) fields; write an empty field (or NA) for a missing value")
        } else {
            rows += 1
            lineNumbers.append(UInt32(clamping: recordLine))
        }
        field = 0
    }

    // MARK: Cells

    @inline(__always)
    private mutating func process(column j: Int, _ p: UnsafePointer<UInt8>?, _ count: Int, line: Int) {
        guard j < columnCount else {
            let text = Self.text(p, count)
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
                notANumber(slot, p, count, line: line)
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
                slot.pointee.values.append(v)
                if slot.pointee.firstValueIsNumber == nil { slot.pointee.firstValueIsNumber = true }
            } else {
                notANumber(slot, p, count, line: line)
                if slot.pointee.bad > 0 && slot.pointee.firstValueIsNumber == nil { slot.pointee.firstValueIsNumber = false }
            }
        }
    }

    /// A cell of a numeric column that did not parse: missing marker, or a bad cell (NaN stored).
    private func notANumber(_ slot: UnsafeMutablePointer<ColumnSlot>, _ p: UnsafePointer<UInt8>?, _ count: Int, line: Int) {
        slot.pointee.values.append(.nan)
        if MissingMarker.matches(p, count) {
            slot.pointee.missing += 1
            if slot.pointee.firstMissing == nil { slot.pointee.firstMissing = CellRef(line: line, text: Self.text(p, count)) }
        } else {
            slot.pointee.bad += 1
            if slot.pointee.firstBad == nil { slot.pointee.firstBad = CellRef(line: line, text: Self.text(p, count)) }
        }
    }

    private mutating func dateFailure(column j: Int, _ p: UnsafePointer<UInt8>?, _ count: Int, line: Int) {
        let text = Self.text(p, count)
        let missing = MissingMarker.matches(p, count)
        let hint: String
        if let dateFormat {
            hint = "the value must match --date-format \(quoted(dateFormat)); fix the cell or the format"
        } else {
            hint = "dates must be YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], YYYY-MM-DD HH:MM:SS, YYYY/MM/DD or epoch seconds; for other forms pass --date-format (e.g. %d.%m.%Y)"
        }
        failure = IngestError(.badDate, file: file, line: line, column: j + 1, columnName: names[j], offendingText: text,
                              message: missing ? "missing date in column \(quoted(names[j]))"
                                               : "date \(quoted(text)) in column \(quoted(names[j])) does not parse",
                              hint: missing ? "every row needs a date; remove the row or fill in its date" : hint)
    }

    static func text(_ p: UnsafePointer<UInt8>?, _ count: Int) -> String {
        guard let p else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    }
}

/// The table as read, before selection and cleaning. Numeric columns only.
struct RawTable {
    var file: String
    var delimiter: UInt8
    var delimiterDetected: Bool
    var decimalComma: Bool
    var hasHeader: Bool
    var names: [String]
    var dateColumn: Int?
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
