/// Receives the fields and record ends of a CSV text, in the order and form libcsv's callbacks
/// give them: a field is its bytes without surrounding spaces (nil for an empty unquoted field);
/// a record end is the CR or LF that ended it (also for blank lines), or -1 at the end.
protocol CSVFieldSink {
    mutating func onField(_ p: UnsafePointer<UInt8>?, _ count: Int)
    mutating func onRecordEnd(_ terminator: Int32)
    /// Once true, the producer may stop.
    var failed: Bool { get }
}
