/// Collects the first `sampleRows` records as text, for `ReaderPlan.make`.
struct SampleCollector: CSVFieldSink {
    static let sampleRows = 10
    var lines = LineCounter()
    var rows: [[SampleCell]] = []
    var row: [SampleCell] = []
    var complete: Bool { rows.count >= Self.sampleRows }
    /// Fields completed in the current record (for error columns).
    var field: Int { row.count }

    /// Never: the reader stops feeding once `complete`.
    var failed: Bool { false }

    mutating func onField(_ p: UnsafePointer<UInt8>?, _ count: Int) {
        if complete { return }
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
