/// The field and record events of both tokenizers, for checking that `QuoteFreeTokenizer` gives
/// exactly libcsv's events (tests and the fuzzer). Not used when reading files.
@_spi(Fuzzing)
public enum TokenizerComparison {
    /// Events as text: `F:<field>` for a field, `N` for an empty (nil) field, `R:<terminator>`.
    struct Recorder: CSVFieldSink {
        var events: [String] = []
        var failed: Bool { false }
        mutating func onField(_ p: UnsafePointer<UInt8>?, _ count: Int) {
            if let p { events.append("F:" + String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)) }
            else { events.append("N") }
        }
        mutating func onRecordEnd(_ terminator: Int32) { events.append("R:\(terminator)") }
    }

    /// libcsv's events for `bytes` (fed in one piece, then `csv_fini`), or nil if it reports an error.
    public static func libcsvEvents(_ bytes: [UInt8], delimiter: UInt8) -> [String]? {
        guard let parser = LibCSVParser(delimiter: delimiter) else { return nil }
        let recorder = UnsafeMutablePointer<Recorder>.allocate(capacity: 1)
        recorder.initialize(to: Recorder())
        defer { recorder.deinitialize(count: 1); recorder.deallocate() }
        let consumed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { parser.parse($0, buffer.count, into: recorder) } ?? 0
        }
        guard consumed == bytes.count, parser.finish(into: recorder) else { return nil }
        return recorder.pointee.events
    }

    /// `QuoteFreeTokenizer`'s events for `bytes`, fed in pieces of `piece` bytes; `bytes` must
    /// hold no quote character.
    public static func quoteFreeEvents(_ bytes: [UInt8], delimiter: UInt8, piece: Int = .max) -> [String] {
        var recorder = Recorder()
        var tokenizer = QuoteFreeTokenizer(delimiter: delimiter)
        defer { tokenizer.release() }
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            while start < buffer.count {
                let end = min(buffer.count, start + max(1, piece))
                tokenizer.feed(base, start..<end, into: &recorder)
                start = end
            }
            tokenizer.finish(base, into: &recorder)
        }
        return recorder.events
    }
}
