import CCSV

/// libcsv in strict mode, behind an object that frees it.
///
/// The only file that uses libcsv: its types stay out of every other signature. Fields and
/// record ends go to a `LibCSVSink` living behind a pointer (libcsv's callback context).
final class LibCSVParser {
    private let raw: UnsafeMutablePointer<csv_parser>

    init?(delimiter: UInt8) {
        raw = .allocate(capacity: 1)
        let flags = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL | CSV_REPALL_NL
        guard csv_init(raw, UInt8(flags)) == 0 else { raw.deallocate(); return nil }
        csv_set_delim(raw, delimiter)
    }

    deinit {
        csv_free(raw)
        raw.deallocate()
    }

    /// libcsv's error code, after `parse` consumed less than it was given.
    var error: Int32 { csv_error(raw) }

    /// Whether `code` is a strict-mode parse error (bad quoting) rather than a resource failure.
    static func isParseError(_ code: Int32) -> Bool { code == CSV_EPARSE }

    /// libcsv's message for an error code.
    static func message(_ code: Int32) -> String { String(cString: csv_strerror(code)) }

    /// Feeds `count` bytes; returns how many libcsv consumed (fewer on a quoting error).
    @inline(__always)
    func parse<Sink: LibCSVSink>(_ p: UnsafePointer<UInt8>, _ count: Int, into sink: UnsafeMutablePointer<Sink>) -> Int {
        csv_parse(raw, p, count, Sink.fieldCallback, Sink.recordCallback, sink)
    }

    /// Ends the input (`csv_fini`); false for a quoted field left open.
    func finish<Sink: LibCSVSink>(into sink: UnsafeMutablePointer<Sink>) -> Bool {
        csv_fini(raw, Sink.fieldCallback, Sink.recordCallback, sink) == 0
    }
}

typealias LibCSVFieldCallback = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void
typealias LibCSVRecordCallback = @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void

/// A `CSVFieldSink` that libcsv can call. libcsv's callbacks are C functions (no captures, no
/// generic context), so each sink type names its own pair, written with `libcsvField` and
/// `libcsvRecord`.
protocol LibCSVSink: CSVFieldSink {
    static var fieldCallback: LibCSVFieldCallback { get }
    static var recordCallback: LibCSVRecordCallback { get }
}

@inline(__always)
private func libcsvField<Sink: CSVFieldSink>(_: Sink.Type, _ p: UnsafeMutableRawPointer?, _ count: Int,
                                             _ context: UnsafeMutableRawPointer?) {
    context.unsafelyUnwrapped.assumingMemoryBound(to: Sink.self).pointee
        .onField(p.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }, count)
}

@inline(__always)
private func libcsvRecord<Sink: CSVFieldSink>(_: Sink.Type, _ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
    context.unsafelyUnwrapped.assumingMemoryBound(to: Sink.self).pointee.onRecordEnd(terminator)
}

extension SampleCollector: LibCSVSink {
    static var fieldCallback: LibCSVFieldCallback { { libcsvField(SampleCollector.self, $0, $1, $2) } }
    static var recordCallback: LibCSVRecordCallback { { libcsvRecord(SampleCollector.self, $0, $1) } }
}

extension BlockBuilder: LibCSVSink {
    static var fieldCallback: LibCSVFieldCallback { { libcsvField(BlockBuilder.self, $0, $1, $2) } }
    static var recordCallback: LibCSVRecordCallback { { libcsvRecord(BlockBuilder.self, $0, $1) } }
}

extension TokenizerComparison.Recorder: LibCSVSink {
    static var fieldCallback: LibCSVFieldCallback { { libcsvField(TokenizerComparison.Recorder.self, $0, $1, $2) } }
    static var recordCallback: LibCSVRecordCallback { { libcsvRecord(TokenizerComparison.Recorder.self, $0, $1) } }
}
