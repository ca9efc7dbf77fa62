import Foundation

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
        if count > SampleCollector.maxFieldBytes {
            failure = IngestError(.inputTooLarge, file: file, line: cellLine, column: field + 1,
                                  message: "a field of \(count) bytes, more than the limit of \(SampleCollector.maxFieldBytes)",
                                  hint: "check the quoting near this line: an unbalanced quote makes the rest of the file one field")
            return
        }
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
