/// Splits CSV text that contains no quote character into fields and records, giving exactly
/// the callbacks libcsv gives for it (options CSV_EMPTY_IS_NULL | CSV_REPALL_NL; the strict
/// options only concern quotes).
///
/// libcsv copies every byte of every field into its own buffer; without quotes a field is a
/// plain run of the input, so this hands out pointers into the input instead. Blocks of the file
/// that contain a quote anywhere still go through libcsv. Rules (libcsv 3.0 state machine):
/// spaces and tabs (unless the delimiter) before a field are skipped and after it dropped; an
/// empty field is nil; every CR and LF ends a record (a blank line gives a record end with no
/// field); at the end of the input a started record is ended with -1.
/// The equivalence is tested against libcsv on random inputs (`QuoteFreeTokenizerTests`) and
/// checked by the fuzzer. O(bytes), no allocation.
struct QuoteFreeTokenizer {
    private enum State { case rowNotBegun, fieldNotBegun, fieldBegun }

    private let delimiter: UInt8
    /// Byte classes: 0 other, 1 space, 2 delimiter, 3 CR or LF. A raw buffer, read without a
    /// closure so that the scan's locals stay in registers; the owner calls `release()`.
    private let table: UnsafeMutablePointer<UInt8>
    private var state = State.rowNotBegun
    private var fieldStart = 0
    private var fieldEnd = 0

    init(delimiter: UInt8) {
        self.delimiter = delimiter
        table = .allocate(capacity: 256)
        table.initialize(repeating: 0, count: 256)
        table[0x20] = 1
        table[0x09] = 1
        table[0x0D] = 3
        table[0x0A] = 3
        table[Int(delimiter)] = 2  // a space or tab delimiter is a delimiter, not a space
    }

    func release() { table.deallocate() }

    /// Tokenizes `p[range]`; a field may continue from an earlier range of the same buffer.
    mutating func feed<Sink: CSVFieldSink>(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, into sink: inout Sink) {
        // The state lives in locals (registers) while scanning and is stored back at the end.
        var state = self.state
        var fieldStart = self.fieldStart
        var fieldEnd = self.fieldEnd
        defer {
            self.state = state
            self.fieldStart = fieldStart
            self.fieldEnd = fieldEnd
        }
        do {
            let table = self.table
            var i = range.lowerBound
            let end = range.upperBound
            while i < end {
                let c = p[i]
                let kind = table[Int(c)]
                switch state {
                case .rowNotBegun, .fieldNotBegun:
                    switch kind {
                    case 1:
                        break
                    case 3:
                        if state == .fieldNotBegun { sink.onField(nil, 0) }
                        sink.onRecordEnd(Int32(c))
                        state = .rowNotBegun
                        if sink.failed { return }
                    case 2:
                        sink.onField(nil, 0)
                        state = .fieldNotBegun
                    default:
                        state = .fieldBegun
                        fieldStart = i
                        fieldEnd = i + 1
                        // The rest of the field, without the state switch per byte.
                        i += 1
                        while i < end {
                            let k = table[Int(p[i])]
                            if k == 0 { fieldEnd = i + 1 } else if k != 1 { break }
                            i += 1
                        }
                        continue
                    }
                case .fieldBegun:
                    switch kind {
                    case 0:
                        fieldEnd = i + 1
                    case 1:
                        break
                    case 2:
                        sink.onField(p + fieldStart, fieldEnd - fieldStart)
                        state = .fieldNotBegun
                    default:
                        sink.onField(p + fieldStart, fieldEnd - fieldStart)
                        sink.onRecordEnd(Int32(c))
                        state = .rowNotBegun
                        if sink.failed { return }
                    }
                }
                i += 1
            }
        }
    }

    /// Ends the input, as `csv_fini`: a started record gets its last field and a -1 record end.
    mutating func finish<Sink: CSVFieldSink>(_ p: UnsafePointer<UInt8>, into sink: inout Sink) {
        switch state {
        case .rowNotBegun:
            return
        case .fieldNotBegun:
            sink.onField(nil, 0)
        case .fieldBegun:
            sink.onField(p + fieldStart, fieldEnd - fieldStart)
        }
        sink.onRecordEnd(-1)
        state = .rowNotBegun
    }
}
