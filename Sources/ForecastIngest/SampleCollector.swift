/// Collects the first `sampleRows` records as text, for `ReaderPlan.make`.
struct SampleCollector: CSVFieldSink {
    static let sampleRows = 10
    /// Columns a record may have. Far above any real table, far below the five million names
    /// of a one-line 50 MB file, whose sample alone would take gigabytes as strings.
    static let maxColumns = 65_536
    /// Bytes a field may have: dates, numbers and names are short; a longer field is not a table.
    static let maxFieldBytes = 1 << 20
    var lines = LineCounter()
    var rows: [[SampleCell]] = []
    var row: [SampleCell] = []
    var complete: Bool { rows.count >= Self.sampleRows }
    /// The first field past a limit: its line, 1-based column and what was exceeded.
    var limitExceeded: (line: Int, column: Int, what: String)? = nil
    /// Fields completed in the current record (for error columns).
    var field: Int { row.count }

    /// Never: the reader stops feeding once `complete`.
    var failed: Bool { false }

    mutating func onField(_ p: UnsafePointer<UInt8>?, _ count: Int) {
        if complete || limitExceeded != nil { return }
        let cellLine = lines.line
        lines.field(p, count)
        if row.count >= Self.maxColumns {
            limitExceeded = (cellLine, row.count + 1, "more than \(Self.maxColumns) fields")
            return
        }
        if count > Self.maxFieldBytes {
            limitExceeded = (cellLine, row.count + 1, "a field of \(count) bytes, more than the limit of \(Self.maxFieldBytes)")
            return
        }
        let text = p.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) }
        row.append(SampleCell(text: text, line: cellLine))
    }

    mutating func onRecordEnd(_ terminator: Int32) {
        if complete || limitExceeded != nil { return }
        let hadFields = !row.isEmpty
        lines.recordEnd(terminator, hadFields: hadFields)
        if hadFields {
            rows.append(row)
            row = []
        }
    }
}
