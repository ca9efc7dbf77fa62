import CCSV
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// libcsv's callbacks: the context is a pointer to the collector or builder (no captures allowed).
private let sampleField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = { p, n, ctx in
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: SampleCollector.self).pointee.onField(p, n)
}
private let sampleRecord: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { c, ctx in
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: SampleCollector.self).pointee.onRecordEnd(c)
}
private let blockField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = { p, n, ctx in
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: BlockBuilder.self).pointee
        .onField(p.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }, n)
}
private let blockRecord: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { c, ctx in
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: BlockBuilder.self).pointee.onRecordEnd(c)
}

private let recordingField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = { p, n, ctx in
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: TokenizerComparison.Recorder.self).pointee
        .onField(p.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }, n)
}
private let recordingRecord: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { c, ctx in
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: TokenizerComparison.Recorder.self).pointee.onRecordEnd(c)
}

/// libcsv's callbacks recorded as text (see `TokenizerComparison`).
enum LibCSVRecording {
    static func events(_ bytes: [UInt8], delimiter: UInt8) -> [String]? {
        guard let parser = LibCSVParser(delimiter: delimiter) else { return nil }
        let recorder = UnsafeMutablePointer<TokenizerComparison.Recorder>.allocate(capacity: 1)
        recorder.initialize(to: TokenizerComparison.Recorder())
        defer { recorder.deinitialize(count: 1); recorder.deallocate() }
        let consumed = bytes.withUnsafeBufferPointer { csv_parse(parser.raw, $0.baseAddress, $0.count, recordingField, recordingRecord, recorder) }
        guard consumed == bytes.count, csv_fini(parser.raw, recordingField, recordingRecord, recorder) == 0 else { return nil }
        return recorder.pointee.events
    }
}

/// libcsv in strict mode, behind a value that frees it.
private final class LibCSVParser {
    let raw: UnsafeMutablePointer<csv_parser>

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

    var error: Int32 { csv_error(raw) }
}

/// Reads a CSV table with libcsv in strict mode, validating UTF-8 on the way.
///
/// The first records are read alone to decide the layout (`ReaderPlan`); the file is then cut
/// into blocks of whole records (at a line end outside quotes, known from the parity of quote
/// characters) and each block is parsed by its own libcsv parser into its own column buffers,
/// on up to `threads` threads. Blocks are merged in file order, so the result — and the first
/// error reported — does not depend on the number of threads.
///
/// Memory: the column buffers (one `Double` per kept cell, 4 bytes of line number per row) plus
/// up to threads + 1 blocks of input. Time: O(bytes). libcsv reports no positions: lines are
/// counted from its record callbacks (`CSV_REPALL_NL` reports every unquoted CR and LF) and the
/// newlines inside quoted fields; byte offsets of libcsv errors become lines by re-reading the input.
enum CSVReader {
    static let defaultBlockSize = 4 << 20
    static let planningSlice = 64 << 10
    /// Bytes validated and parsed at a time within a block (fits in L2 cache).
    static let parseSlice = 128 << 10
    static let candidateDelimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]

    /// Threads used when `IngestOptions.threads` is nil: the available cores, at most 4.
    static var defaultThreads: Int { max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)) }

    static func read(_ source: ByteSource, options: IngestOptions, blockSize: Int = defaultBlockSize) throws -> RawTable {
        let file = source.name
        let threads = max(1, options.threads ?? defaultThreads)
        let input = try source.contents()
        let b = input.base
        let count = input.count
        if count == 0 {
            throw IngestError(.emptyFile, file: file, line: 1, column: 1, message: "the file is empty (0 bytes)",
                              hint: "give a CSV file with a header line and at least one data row")
        }

        // Encoding marks and binary content.
        var start = 0
        if count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { start = 3 }
        if count >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)) {
            throw IngestError(.notUTF8, file: file, line: 1, column: 1, offendingText: b[0] == 0xFF ? "\\xFF\\xFE" : "\\xFE\\xFF",
                              message: "the file is UTF-16 text (byte order mark), not UTF-8",
                              hint: "convert it: iconv -f UTF-16 -t UTF-8 in.csv > out.csv")
        }
        if let nul = memchr(b, 0, min(count, max(blockSize, 1 << 20))) {
            throw encodingError(source, offset: UnsafeRawPointer(b).distance(to: UnsafeRawPointer(nul)), binary: true, delimiter: nil)
        }

        // Delimiter.
        let delimiter: UInt8
        let detected: Bool
        if let d = options.delimiter {
            guard d.isASCII, let v = d.asciiValue, v != UInt8(ascii: "\""), v != 0x0A, v != 0x0D, v != 0 else {
                throw IngestError(.invalidOption, file: file, offendingText: String(d),
                                  message: "invalid delimiter \(quoted(String(d)))",
                                  hint: "use one ASCII character such as , ; | or a tab")
            }
            delimiter = v
            detected = false
        } else {
            let n = min(count - start, 256 << 10)
            delimiter = detectDelimiter(UnsafeBufferPointer(start: b + start, count: n), wholeInput: n == count - start)
            detected = true
        }
        let decimalComma = delimiter == UInt8(ascii: ";")
        let dateParser: DateParser
        do {
            dateParser = try DateParser(format: options.dateFormat)
        } catch var e as IngestError {
            e.file = file
            throw e
        }

        // 1. The layout, from the first records.
        let plan = try makePlan(source, input, start: start, delimiter: delimiter, decimalComma: decimalComma,
                                dates: dateParser, options: options)

        // Rows per byte, from the first 1 MiB: sizes each block's column buffers once.
        let probe = min(count, 1 << 20)
        let newlines = UnsafeBufferPointer(start: b, count: probe).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let bytesPerLine = max(1, probe / max(1, newlines))

        // 2. Blocks of whole records: cut after a line end outside quotes.
        let runner = BlockRunner(plan: plan, delimiter: delimiter, threads: threads, bytesPerLine: bytesPerLine, input: input)
        defer { runner.releaseAll() }
        var blockStart = start
        var index = 0
        while blockStart < count {
            if index > 0 && runner.hasFailure { break }  // a later block cannot change the outcome
            var end = min(count, blockStart + max(blockSize, 1))
            while end < count {
                if let split = safeSplit(b, from: blockStart, to: end) { end = split; break }
                end = min(count, blockStart + 2 * (end - blockStart))  // no line end outside quotes yet: look twice as far
            }
            runner.submit(index: index, range: blockStart..<end, skipRecords: index == 0 && plan.hasHeader ? 1 : 0)
            index += 1
            blockStart = end
        }
        runner.wait()
        var table = try runner.merge(source)
        table.delimiter = delimiter
        table.delimiterDetected = detected
        return table
    }

    /// Reads the first records (`SampleCollector.sampleRows`) and decides the layout. Errors in
    /// those records (quoting, encoding) are reported here, in file order.
    private static func makePlan(_ source: ByteSource, _ input: InputRegion, start: Int, delimiter: UInt8,
                                 decimalComma: Bool, dates: DateParser, options: IngestOptions) throws -> ReaderPlan {
        let file = source.name
        guard let parser = LibCSVParser(delimiter: delimiter) else {
            throw IngestError(.internalError, file: file, message: "libcsv could not be initialised", hint: "out of memory?")
        }
        let collector = UnsafeMutablePointer<SampleCollector>.allocate(capacity: 1)
        collector.initialize(to: SampleCollector())
        defer { collector.deinitialize(count: 1); collector.deallocate() }

        let b = input.base
        var fed = start
        while !collector.pointee.complete && fed < input.count {
            var n = min(planningSlice, input.count - fed)
            var problem: (offset: Int, binary: Bool)? = nil
            switch validateUTF8(b + fed, n) {
            case .invalid(let k, let binary):
                problem = (fed + k, binary)
                n = k
            case .valid(let length):
                if length < n {
                    if fed + n == input.count { problem = (fed + length, false) }  // truncated at the end
                    n = length  // else: the sequence continues in the next slice
                }
            }
            if memchr(b + fed, 0x22, n) != nil { collector.pointee.lines.quoteSeen = true }
            let consumed = csv_parse(parser.raw, b + fed, n, sampleField, sampleRecord, collector)
            if consumed < n && !collector.pointee.complete {
                throw quotingError(source, code: parser.error, offset: fed + consumed, column: collector.pointee.field + 1)
            }
            fed += n
            if let problem {
                if collector.pointee.complete { break }
                throw encodingError(source, offset: problem.offset, binary: problem.binary, delimiter: delimiter)
            }
        }
        if !collector.pointee.complete && fed == input.count {
            if csv_fini(parser.raw, sampleField, sampleRecord, collector) != 0 {
                let c = collector.pointee
                throw IngestError(.malformedQuoting, file: file, line: c.lines.line, column: c.field + 1,
                                  offendingText: source.line(c.lines.line),
                                  message: "unterminated quoted field: a quote opened on this line is never closed",
                                  hint: "close the quote; inside a quoted field write a quote as \"\"")
            }
        }
        guard let plan = try ReaderPlan.make(sample: collector.pointee.rows, file: file, options: options,
                                             decimalComma: decimalComma, dates: dates) else {
            throw IngestError(.emptyFile, file: file, line: 1, column: 1,
                              message: "the file is empty (no rows, only blank lines)",
                              hint: "give a CSV file with a header line and at least one data row")
        }
        return plan
    }

    /// Offset just after the last LF in [from, to) that lies outside quotes, or nil. The input
    /// before `from` ends outside quotes; every quote character toggles the quoted state (a
    /// doubled quote inside a quoted field toggles twice), so the state at a position is the
    /// parity of the quotes before it.
    static func safeSplit(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        var quotes = 0
        var k = from
        while k < to, let q = memchr(p + k, 0x22, to - k) {
            quotes += 1
            k = p.distance(to: q.assumingMemoryBound(to: UInt8.self)) + 1
        }
        var pos = to - 1
        var tailQuotes = 0
        while pos >= from {
            let c = p[pos]
            if c == 0x0A && (quotes - tailQuotes) % 2 == 0 { return pos + 1 }
            if c == 0x22 { tailQuotes += 1 }
            pos -= 1
        }
        return nil
    }

    // MARK: - Errors

    /// Adds the line's text to errors raised without it.
    static func complete(_ error: IngestError, _ source: ByteSource) -> IngestError {
        var e = error
        if e.offendingText == nil, let line = e.line { e.offendingText = source.line(line) }
        return e
    }

    static func quotingError(_ source: ByteSource, code: Int32, offset: Int, column: Int) -> IngestError {
        let place = source.lineContaining(offset: offset)
        if code != CSV_EPARSE {
            return IngestError(.malformedQuoting, file: source.name, line: place.line, column: column,
                               offendingText: place.text,
                               message: "the CSV parser failed: \(String(cString: csv_strerror(code)))",
                               hint: "a field may be too large for memory; check the file's quoting")
        }
        let bytes = source.rawLine(place.line, limit: place.byteColumn + 1)
        let k = place.byteColumn - 1
        let atQuote = k >= 0 && k < bytes.count && bytes[k] == UInt8(ascii: "\"")
        return IngestError(.malformedQuoting, file: source.name, line: place.line, column: column,
                           offendingText: place.text,
                           message: atQuote ? "malformed quoting: a quote inside an unquoted field (character \(place.byteColumn) of the line)"
                                            : "malformed quoting: text after the closing quote of a field (character \(place.byteColumn) of the line)",
                           hint: "quote the whole field and write a quote inside it as \"\", e.g. \"5\"\" pipe\"")
    }

    static func encodingError(_ source: ByteSource, offset: Int, binary: Bool, delimiter: UInt8?) -> IngestError {
        let place = source.lineContaining(offset: offset)
        let raw = source.rawLine(place.line, limit: max(200, place.byteColumn + 16))
        // Field number: delimiters outside quotes before the offset on that line.
        var column = 1
        var inQuotes = false
        for b in raw.prefix(max(0, place.byteColumn - 1)) {
            if b == UInt8(ascii: "\"") { inQuotes.toggle() } else if let delimiter, b == delimiter, !inQuotes { column += 1 }
        }
        let excerpt = escapedBytes(raw, around: place.byteColumn - 1)
        if binary {
            return IngestError(.binaryFile, file: source.name, line: place.line, column: column, offendingText: excerpt,
                               message: "binary data (NUL or control byte) at character \(place.byteColumn) of the line: this is not a CSV text file",
                               hint: "give a CSV text file; if it is UTF-16 text, convert it: iconv -f UTF-16 -t UTF-8 in.csv > out.csv")
        }
        return IngestError(.notUTF8, file: source.name, line: place.line, column: column, offendingText: excerpt,
                           message: "the file is not valid UTF-8 (bad byte at character \(place.byteColumn) of the line)",
                           hint: "convert it to UTF-8, e.g. iconv -f LATIN1 -t UTF-8 in.csv > out.csv")
    }

    /// Up to 20 bytes before and 8 after position `k`, non-printable and non-ASCII bytes as `\xNN`.
    static func escapedBytes(_ bytes: [UInt8], around k: Int) -> String {
        let lo = max(0, k - 20), hi = min(bytes.count, max(k, 0) + 8)
        guard lo < hi else { return "" }
        var s = ""
        for b in bytes[lo..<hi] {
            if b >= 0x20 && b < 0x7F { s.unicodeScalars.append(Unicode.Scalar(b)) }
            else { s += "\\x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2) }
        }
        return s
    }

    // MARK: - Blocks

    enum BlockOutcome {
        case ok
        /// `builder.failure` holds the error (lines relative to the block).
        case failed
        case quoting(offset: Int, column: Int, code: Int32)
        case encoding(offset: Int, binary: Bool)
        case unterminated(line: Int, column: Int)
    }

    /// Parses one block; offsets in the outcome are file offsets.
    static func parseBlock(_ p: UnsafePointer<UInt8>, _ count: Int, fileOffset: Int, plan: ReaderPlan, delimiter: UInt8,
                           skipRecords: Int, rowEstimate: Int) -> (BlockBuilder, BlockOutcome) {
        let builder = UnsafeMutablePointer<BlockBuilder>.allocate(capacity: 1)
        builder.initialize(to: BlockBuilder(plan: plan, skipRecords: skipRecords, rowEstimate: rowEstimate))
        defer { builder.deallocate() }
        if memchr(p, 0x22, count) == nil {
            return parseQuoteFreeBlock(p, count, fileOffset: fileOffset, builder: builder, delimiter: delimiter)
        }
        if memchr(p, 0x22, count) == nil {
            return parseQuoteFreeBlock(p, count, fileOffset: fileOffset, builder: builder, delimiter: delimiter)
        }
        guard let parser = LibCSVParser(delimiter: delimiter) else {
            builder.pointee.failure = IngestError(.internalError, file: plan.file, message: "libcsv could not be initialised",
                                                  hint: "out of memory?")
            return (builder.move(), .failed)
        }
        // Validate and parse slice by slice, so each slice is still in cache when libcsv reads it.
        var outcome: BlockOutcome? = nil
        var fed = 0
        while fed < count && outcome == nil {
            let (n, encoding) = validatedSlice(p, from: fed, count: count)
            if !builder.pointee.lines.quoteSeen && memchr(p + fed, 0x22, n) != nil { builder.pointee.lines.quoteSeen = true }
            let consumed = csv_parse(parser.raw, p + fed, n, blockField, blockRecord, builder)
            if builder.pointee.failed {
                outcome = .failed
            } else if consumed < n {
                outcome = .quoting(offset: fileOffset + fed + consumed, column: builder.pointee.field + 1, code: parser.error)
            } else if let encoding {
                outcome = .encoding(offset: fileOffset + encoding.offset, binary: encoding.binary)
            }
            fed += n
        }
        if outcome == nil {
            if csv_fini(parser.raw, blockField, blockRecord, builder) != 0 {
                outcome = builder.pointee.failed ? .failed
                    : .unterminated(line: builder.pointee.lines.line, column: builder.pointee.field + 1)
            } else {
                outcome = builder.pointee.failed ? .failed : .ok
            }
        }
        return (builder.move(), outcome!)
    }

    /// `parseBlock` for a block without any quote character: the same validation slice by slice,
    /// tokenized by `QuoteFreeTokenizer` (libcsv's rules for unquoted text) instead of libcsv.
    private static func parseQuoteFreeBlock(_ p: UnsafePointer<UInt8>, _ count: Int, fileOffset: Int,
                                            builder: UnsafeMutablePointer<BlockBuilder>, delimiter: UInt8) -> (BlockBuilder, BlockOutcome) {
        var tokenizer = QuoteFreeTokenizer(delimiter: delimiter)
        defer { tokenizer.release() }
        var outcome: BlockOutcome? = nil
        var fed = 0
        while fed < count && outcome == nil {
            let (n, encoding) = validatedSlice(p, from: fed, count: count)
            tokenizer.feed(p, fed..<(fed + n), into: &builder.pointee)
            if builder.pointee.failed {
                outcome = .failed
            } else if let encoding {
                outcome = .encoding(offset: fileOffset + encoding.offset, binary: encoding.binary)
            }
            fed += n
        }
        if outcome == nil {
            tokenizer.finish(p, into: &builder.pointee)
            outcome = builder.pointee.failed ? .failed : .ok
        }
        return (builder.move(), outcome!)
    }

    // MARK: - UTF-8

    /// The next slice of a block to tokenize, starting at `fed`: at most `parseSlice` bytes of valid
    /// UTF-8, and the block-relative offset of an encoding error that ends the block, if any.
    static func validatedSlice(_ p: UnsafePointer<UInt8>, from fed: Int, count: Int) -> (n: Int, encoding: (offset: Int, binary: Bool)?) {
        let n = min(parseSlice, count - fed)
        switch validateUTF8(p + fed, n) {
        case .invalid(let k, let binary):
            return (k, (fed + k, binary))
        case .valid(let length):
            guard length < n else { return (n, nil) }
            // An incomplete UTF-8 sequence: it continues in the next slice, unless the block
            // (which ends after a line end or at the end of the file) ends here.
            let ends = fed + n == count || length == 0
            return (length, ends ? (fed + length, false) : nil)
        }
    }

    enum Validation: Equatable {
        /// The first `length` bytes are valid; the rest (≤ 3 bytes) may be an incomplete sequence.
        case valid(length: Int)
        /// Byte `offset` starts an invalid sequence (`binary`: a NUL or control byte).
        case invalid(offset: Int, binary: Bool)
    }

    /// Checks UTF-8 and rejects control bytes other than tab, LF, FF and CR. 8 bytes at a time
    /// while the text is printable ASCII.
    static func validateUTF8(_ p: UnsafePointer<UInt8>, _ count: Int) -> Validation {
        var i = 0
        let high: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101
        while i < count {
            if i + 8 <= count {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                // A byte < 0x20 sets its high bit in (w − 0x20…) & ~w; a byte ≥ 0x80 has it set.
                // Only the lowest flag is exact (borrows run upwards): skip to it.
                let flags = ((w &- ones &* 0x20) & ~w & high) | (w & high)
                if flags == 0 { i += 8; continue }
                i += flags.trailingZeroBitCount >> 3
            }
            let b = p[i]
            if b < 0x80 {
                if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0C && b != 0x0D {
                    return .invalid(offset: i, binary: true)
                }
                i += 1
                continue
            }
            let need: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return .invalid(offset: i, binary: false)
            }
            if i + need >= count {
                // Not all continuation bytes are here: check those that are, leave the rest.
                for k in 1..<(count - i) {
                    let c = p[i + k]
                    if c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF) { return .invalid(offset: i, binary: false) }
                }
                return .valid(length: i)
            }
            for k in 1...need {
                let c = p[i + k]
                if c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF) { return .invalid(offset: i, binary: false) }
            }
            i += need + 1
        }
        return .valid(length: count)
    }

    // MARK: - Delimiter detection

    /// Picks `,` `;` tab or `|` from the first 50 complete records: the candidate that occurs the
    /// same (non-zero) number of times outside quotes on every record, the most frequent such; on
    /// a tie `;` wins over `,` (a `;` file with decimal commas has as many commas as semicolons).
    /// Without a consistent candidate, the one present on most records; with none, `,`.
    static func detectDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, wholeInput: Bool) -> UInt8 {
        var counts: [[Int]] = [[], [], [], []]
        var current = [0, 0, 0, 0]
        var inQuotes = false
        var nonBlank = false
        var records = 0
        for b in bytes {
            if b == UInt8(ascii: "\"") { inQuotes.toggle(); nonBlank = true; continue }
            if inQuotes { continue }
            if b == 0x0A || b == 0x0D {
                if nonBlank {
                    for c in 0..<4 { counts[c].append(current[c]) }
                    records += 1
                    if records == 50 { break }
                }
                current = [0, 0, 0, 0]
                nonBlank = false
                continue
            }
            if b != 0x20 && b != 0x09 { nonBlank = true }
            if let c = candidateDelimiters.firstIndex(of: b) { current[c] += 1; nonBlank = true }
        }
        if nonBlank && (wholeInput || counts[0].isEmpty) && !inQuotes && records < 50 {
            for c in 0..<4 { counts[c].append(current[c]) }
        }
        guard !counts[0].isEmpty else { return UInt8(ascii: ",") }
        var best: (index: Int, count: Int)? = nil
        for c in [1, 0, 2, 3] {  // order of preference on ties: ; , tab |
            let first = counts[c][0]
            guard first > 0, counts[c].allSatisfy({ $0 == first }) else { continue }
            if best == nil || first > best!.count { best = (c, first) }
        }
        if let best { return candidateDelimiters[best.index] }
        var present = [0, 0, 0, 0]
        for c in 0..<4 { present[c] = counts[c].filter { $0 > 0 }.count }
        if let c = [0, 1, 2, 3].max(by: { present[$0] < present[$1] }), present[c] > 0 {
            return candidateDelimiters[c]
        }
        return UInt8(ascii: ",")
    }
}

/// One parsed block; a class so that buffers are freed through the one shared instance.
private final class BlockResult {
    var builder: BlockBuilder
    let outcome: CSVReader.BlockOutcome

    init(_ builder: BlockBuilder, _ outcome: CSVReader.BlockOutcome) {
        self.builder = builder
        self.outcome = outcome
    }
}

/// Runs block parses (inline for one thread, else on a dispatch queue with at most threads + 1
/// blocks in memory) and merges their results in file order.
private final class BlockRunner {
    let plan: ReaderPlan
    let delimiter: UInt8
    let threads: Int
    let bytesPerLine: Int
    private let lock = NSLock()
    private var results: [Int: BlockResult] = [:]
    private var firstFailure = Int.max
    private let group = DispatchGroup()
    private let inFlight: DispatchSemaphore

    let input: InputRegion

    init(plan: ReaderPlan, delimiter: UInt8, threads: Int, bytesPerLine: Int, input: InputRegion) {
        self.input = input
        self.plan = plan
        self.delimiter = delimiter
        self.threads = threads
        self.bytesPerLine = bytesPerLine
        inFlight = DispatchSemaphore(value: threads + 1)
    }

    var hasFailure: Bool {
        lock.lock()
        defer { lock.unlock() }
        return firstFailure != Int.max
    }

    /// Parses `input[range]` as block `index`, then lets its pages go.
    func submit(index: Int, range: Range<Int>, skipRecords: Int) {
        let work = { [self] in
            lock.lock()
            let skip = index > firstFailure  // a later block cannot change the outcome
            lock.unlock()
            if !skip {
                // Rows expected (the buffers are reserved and populated once), at most one per
                // `columnCount` bytes (a row has columnCount − 1 delimiters and a line end).
                let estimate = min(range.count / bytesPerLine * 102 / 100 + 64, range.count / max(1, plan.columnCount) + 2)
                let (builder, outcome) = CSVReader.parseBlock(input.base + range.lowerBound, range.count, fileOffset: range.lowerBound,
                                                              plan: plan, delimiter: delimiter, skipRecords: skipRecords,
                                                              rowEstimate: estimate)
                lock.lock()
                results[index] = BlockResult(builder, outcome)
                if case .ok = outcome {} else { firstFailure = min(firstFailure, index) }
                lock.unlock()
            }
            input.drop(range)
        }
        if threads == 1 {
            work()
            return
        }
        inFlight.wait()
        DispatchQueue.global(qos: .userInitiated).async(group: group) { [inFlight] in
            work()
            inFlight.signal()
        }
    }

    func wait() { group.wait() }

    /// Frees what the merge did not take (after an error).
    func releaseAll() {
        for result in results.values { result.builder.release() }
        results = [:]
    }

    /// Concatenates the blocks in file order, turning block lines into file lines, or throws the
    /// first block's error. Each block buffer is freed right after its copy.
    func merge(_ source: ByteSource) throws -> RawTable {
        let blocks = results.keys.sorted().map { results[$0]! }
        var offsets: [Int] = []  // per block: file line of its line 1, minus 1
        var lineOffset = 0
        for block in blocks {
            offsets.append(lineOffset)
            switch block.outcome {
            case .ok:
                break
            case .failed:
                var e = block.builder.failure!
                if let line = e.line { e.line = line + lineOffset }
                throw CSVReader.complete(e, source)
            case .quoting(let offset, let column, let code):
                throw CSVReader.quotingError(source, code: code, offset: offset, column: column)
            case .encoding(let offset, let binary):
                throw CSVReader.encodingError(source, offset: offset, binary: binary, delimiter: delimiter)
            case .unterminated(let line, let column):
                let absolute = line + lineOffset
                throw IngestError(.malformedQuoting, file: plan.file, line: absolute, column: column,
                                  offendingText: source.line(absolute),
                                  message: "unterminated quoted field: a quote opened on this line is never closed",
                                  hint: "close the quote; inside a quoted field write a quote as \"\"")
            }
            lineOffset += block.builder.lines.line - 1
        }
        let rows = blocks.reduce(0) { $0 + $1.builder.rows }
        if rows == 0 {
            throw IngestError(.headerOnly, file: plan.file, line: 1, column: 1, offendingText: plan.names.joined(separator: ","),
                              message: plan.hasHeader ? "the file has a header line and no data rows" : "the file has no data rows",
                              hint: "add data rows below the header")
        }

        // Column statistics, in file order.
        var kinds = plan.kinds
        var missing: [Int: Int] = [:], firstMissing: [Int: CellRef] = [:]
        var bad: [Int: Int] = [:], firstBad: [Int: CellRef] = [:]
        var stored: [Int] = []
        for j in 0..<plan.columnCount {
            switch plan.kinds[j] {
            case .number, .undetermined:
                stored.append(j)
                var firstIsNumber: Bool? = nil
                var m = 0, x = 0
                for (block, offset) in zip(blocks, offsets) {
                    let slot = block.builder.slots[j]
                    m += slot.missing
                    x += slot.bad
                    if firstMissing[j] == nil, var cell = slot.firstMissing {
                        cell.line += offset
                        firstMissing[j] = cell
                    }
                    if firstBad[j] == nil, var cell = slot.firstBad {
                        cell.line += offset
                        firstBad[j] = cell
                    }
                    if firstIsNumber == nil { firstIsNumber = slot.firstValueIsNumber }
                }
                missing[j] = m
                bad[j] = x
                if plan.kinds[j] == .undetermined, let firstIsNumber { kinds[j] = firstIsNumber ? .number : .text }
            case .text:
                bad[j] = 1
                firstBad[j] = plan.textCells[j]
            case .skip, .date:
                break
            }
        }

        // Concatenate each stored column's block buffers, one column per task (in parallel when
        // allowed; a task touches only its own column's buffers, through raw pointers), freeing
        // each buffer right after its copy.
        let slotBases = blocks.map { $0.builder.slots }
        var gathered = [[Double]](repeating: [], count: stored.count)
        gathered.withUnsafeMutableBufferPointer { buffer in
            let out = buffer  // a copy of the pointer, capturable
            let task = { (t: Int) in
                let j = stored[t]
                out[t] = [Double](unsafeUninitializedCapacity: rows) { column, initialized in
                    prefault(UnsafeMutableRawBufferPointer(column))
                    var n = 0
                    for slots in slotBases {
                        let b = (slots + j).pointer(to: \.values)!
                        let count = min(b.pointee.count, rows - n)  // equal to the block's rows
                        if let base = b.pointee.base, count > 0 { (column.baseAddress! + n).update(from: base, count: count) }
                        n += count
                        b.pointee.free()
                    }
                    for k in n..<rows { column[k] = .nan }
                    initialized = rows
                }
            }
            if threads > 1 && stored.count > 1 {
                DispatchQueue.concurrentPerform(iterations: stored.count, execute: task)
            } else {
                for t in 0..<stored.count { task(t) }
            }
        }
        var columns: [Int: [Double]] = [:]
        for (t, j) in stored.enumerated() { columns[j] = gathered[t] }
        gathered = []
        var dates: [Double]? = nil
        if plan.dateColumn != nil {
            dates = [Double](unsafeUninitializedCapacity: rows) { out, initialized in
                var n = 0
                for block in blocks {
                    let count = min(block.builder.dateValues.count, rows - n)
                    for r in 0..<count { out[n + r] = block.builder.dateValues[r] }
                    n += count
                    block.builder.dateValues.free()
                }
                for k in n..<rows { out[k] = .nan }
                initialized = rows
            }
        }
        let lines = [UInt32](unsafeUninitializedCapacity: rows) { out, initialized in
            var n = 0
            for (block, offset) in zip(blocks, offsets) {
                let shift = UInt32(clamping: offset)
                let count = min(block.builder.lineNumbers.count, rows - n)
                for r in 0..<count { out[n + r] = block.builder.lineNumbers[r] &+ shift }
                n += count
                block.builder.lineNumbers.free()
            }
            for k in n..<rows { out[k] = 0 }
            initialized = rows
        }
        releaseAll()
        return RawTable(file: plan.file, delimiter: delimiter, delimiterDetected: true, decimalComma: plan.decimalComma,
                        hasHeader: plan.hasHeader, names: plan.names, dateColumn: plan.dateColumn, dates: dates,
                        lines: lines, columns: columns, kinds: kinds, missing: missing, firstMissing: firstMissing,
                        bad: bad, firstBad: firstBad, rowsRead: rows, targetColumn: plan.targetColumn,
                        featureColumns: plan.featureColumns)
    }
}

/// Maps the pages of a fresh buffer in one system call (MADV_POPULATE_WRITE, Linux 5.14+) instead
/// of one page fault per 4 KiB while it is filled; a no-op where unsupported.
func prefault(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    guard let base = buffer.baseAddress, buffer.count >= 1 << 20 else { return }
    let page = 4096
    let lo = (Int(bitPattern: base) + page - 1) / page * page
    let hi = (Int(bitPattern: base) + buffer.count) / page * page
    let populateWrite: Int32 = 23  // MADV_POPULATE_WRITE, not exported by the Glibc module
    if hi > lo { _ = madvise(UnsafeMutableRawPointer(bitPattern: lo), hi - lo, populateWrite) }
    #endif
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
