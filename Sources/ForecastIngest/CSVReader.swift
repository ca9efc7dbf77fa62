import CCSV
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// libcsv's callbacks: the context is a pointer to the TableBuilder (no captures allowed).
private let fieldCallback: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = { p, n, ctx in
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: TableBuilder.self).pointee.onField(p, n)
}
private let recordCallback: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { c, ctx in
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: TableBuilder.self).pointee.onRecordEnd(c)
}

/// Reads a CSV table with libcsv in strict mode, chunk by chunk, validating UTF-8 on the way.
///
/// Memory: one 1 MiB chunk, libcsv's field buffer, and one `Double` per kept cell (+ 4 bytes of
/// line number per row). Time: O(bytes). libcsv reports no positions, so lines are counted from
/// its record callbacks (`CSV_REPALL_NL` reports every unquoted CR and LF) plus newlines inside
/// quoted fields; byte offsets of libcsv errors are turned into lines by re-reading the input.
enum CSVReader {
    static let chunkSize = 1 << 20
    static let candidateDelimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]

    static func read(_ source: ByteSource, options: IngestOptions) throws -> RawTable {
        let file = source.name
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize + 8)
        defer { buffer.deallocate() }

        var available = try fill(source, buffer, chunkSize)
        if available == 0 {
            throw IngestError(.emptyFile, file: file, line: 1, column: 1, message: "the file is empty (0 bytes)",
                              hint: "give a CSV file with a header line and at least one data row")
        }
        let firstChunk = UnsafeBufferPointer(start: buffer, count: available)
        let atEndAfterFirst = available < chunkSize

        // Encoding marks and binary content.
        var start = 0
        if available >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
        if available >= 2 && ((buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF)) {
            throw IngestError(.notUTF8, file: file, line: 1, column: 1, offendingText: buffer[0] == 0xFF ? "\\xFF\\xFE" : "\\xFE\\xFF",
                              message: "the file is UTF-16 text (byte order mark), not UTF-8",
                              hint: "convert it: iconv -f UTF-16 -t UTF-8 in.csv > out.csv")
        }
        if let nul = firstChunk.firstIndex(of: 0) {
            throw encodingError(source, offset: nul, binary: true, delimiter: nil)
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
            delimiter = detectDelimiter(UnsafeBufferPointer(rebasing: firstChunk[start...]), wholeInput: atEndAfterFirst)
            detected = true
        }

        // Rows expected, from the first chunk's line length: sizes the column buffers once.
        var newlines = 0
        for b in firstChunk where b == 0x0A { newlines += 1 }
        let bytesPerLine = max(1, available / max(1, newlines))
        let rowEstimate = (source.size ?? available) / bytesPerLine * 102 / 100 + 64

        var dateParser: DateParser
        do {
            dateParser = try DateParser(format: options.dateFormat)
        } catch var e as IngestError {
            e.file = file
            throw e
        }

        let builder = UnsafeMutablePointer<TableBuilder>.allocate(capacity: 1)
        builder.initialize(to: TableBuilder(file: file, options: options, decimalComma: delimiter == UInt8(ascii: ";"),
                                            dates: dateParser, rowEstimate: rowEstimate))
        defer {
            builder.pointee.release()
            builder.deinitialize(count: 1)
            builder.deallocate()
        }
        let parser = UnsafeMutablePointer<csv_parser>.allocate(capacity: 1)
        defer { parser.deallocate() }
        let flags = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL | CSV_REPALL_NL
        guard csv_init(parser, UInt8(flags)) == 0 else {
            throw IngestError(.internalError, file: file, message: "libcsv could not be initialised", hint: "out of memory?")
        }
        defer { csv_free(parser) }
        csv_set_delim(parser, delimiter)

        var bufferOffset = 0  // file offset of buffer[0]
        while true {
            let validation = validateUTF8(buffer + start, available - start)
            if case .invalid(let k, let binary) = validation {
                // Feed what precedes the bad byte first: an earlier CSV error is reported first.
                let consumed = csv_parse(parser, buffer + start, k, fieldCallback, recordCallback, builder)
                if let f = builder.pointee.failure { throw complete(f, source) }
                if consumed < k { throw quotingError(source, parser, builder, offset: bufferOffset + start + consumed) }
                throw encodingError(source, offset: bufferOffset + start + k, binary: binary, delimiter: delimiter)
            }
            guard case .valid(let length) = validation else { fatalError("unreachable") }
            if !builder.pointee.quoteSeen && memchr(buffer + start, 0x22, length) != nil {
                builder.pointee.quoteSeen = true
            }
            let consumed = csv_parse(parser, buffer + start, length, fieldCallback, recordCallback, builder)
            if let f = builder.pointee.failure { throw complete(f, source) }
            if consumed < length { throw quotingError(source, parser, builder, offset: bufferOffset + start + consumed) }

            // Keep an incomplete UTF-8 sequence at the end for the next chunk.
            let tail = available - (start + length)
            if tail > 0 { memmove(buffer, buffer + start + length, tail) }
            bufferOffset += start + length
            start = 0
            let n = try fill(source, buffer + tail, chunkSize)
            if n == 0 {
                if tail > 0 { throw encodingError(source, offset: bufferOffset, binary: false, delimiter: delimiter) }
                break
            }
            available = tail + n
        }
        if csv_fini(parser, fieldCallback, recordCallback, builder) != 0 {
            if let f = builder.pointee.failure { throw complete(f, source) }
            let b = builder.pointee
            throw IngestError(.malformedQuoting, file: file, line: b.line, column: b.field + 1,
                              offendingText: source.line(b.line),
                              message: "unterminated quoted field: a quote opened on this line is never closed",
                              hint: "close the quote; inside a quoted field write a quote as \"\"")
        }
        guard var table = builder.pointee.finish() else {
            throw complete(builder.pointee.failure!, source)
        }
        table.delimiter = delimiter
        table.delimiterDetected = detected
        return table
    }

    /// Reads until `capacity` bytes or the end (a pipe or a slow file may return less per call).
    private static func fill(_ source: ByteSource, _ p: UnsafeMutablePointer<UInt8>, _ capacity: Int) throws -> Int {
        var total = 0
        while total < capacity {
            let n = try source.read(into: p + total, capacity: capacity - total)
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Adds the line's text to errors raised without it.
    private static func complete(_ error: IngestError, _ source: ByteSource) -> IngestError {
        var e = error
        if e.offendingText == nil, let line = e.line { e.offendingText = source.line(line) }
        return e
    }

    private static func quotingError(_ source: ByteSource, _ parser: UnsafeMutablePointer<csv_parser>,
                                     _ builder: UnsafeMutablePointer<TableBuilder>, offset: Int) -> IngestError {
        let code = csv_error(parser)
        let where_ = source.lineContaining(offset: offset)
        let column = builder.pointee.field + 1
        if code != CSV_EPARSE {
            return IngestError(.malformedQuoting, file: source.name, line: where_.line, column: column,
                               offendingText: where_.text,
                               message: "the CSV parser failed: \(String(cString: csv_strerror(code)))",
                               hint: "a field may be too large for memory; check the file's quoting")
        }
        let bytes = Array(where_.text.utf8)
        let k = where_.byteColumn - 1
        let atQuote = k >= 0 && k < bytes.count && bytes[k] == UInt8(ascii: "\"")
        return IngestError(.malformedQuoting, file: source.name, line: where_.line, column: column,
                           offendingText: where_.text,
                           message: atQuote ? "malformed quoting: a quote inside an unquoted field (character \(where_.byteColumn) of the line)"
                                            : "malformed quoting: text after the closing quote of a field (character \(where_.byteColumn) of the line)",
                           hint: "quote the whole field and write a quote inside it as \"\", e.g. \"5\"\" pipe\"")
    }

    private static func encodingError(_ source: ByteSource, offset: Int, binary: Bool, delimiter: UInt8?) -> IngestError {
        let where_ = source.lineContaining(offset: offset)
        // Field number: delimiters outside quotes before the offset on that line.
        var column = 1
        var inQuotes = false
        let raw = rawLineBytes(source, where_)
        for b in raw.prefix(max(0, where_.byteColumn - 1)) {
            if b == UInt8(ascii: "\"") { inQuotes.toggle() } else if let delimiter, b == delimiter, !inQuotes { column += 1 }
        }
        let excerpt = escapedBytes(raw, around: where_.byteColumn - 1)
        if binary {
            return IngestError(.binaryFile, file: source.name, line: where_.line, column: column, offendingText: excerpt,
                               message: "binary data (NUL or control byte) at character \(where_.byteColumn) of the line: this is not a CSV text file",
                               hint: "give a CSV text file; if it is UTF-16 text, convert it: iconv -f UTF-16 -t UTF-8 in.csv > out.csv")
        }
        return IngestError(.notUTF8, file: source.name, line: where_.line, column: column, offendingText: excerpt,
                           message: "the file is not valid UTF-8 (bad byte at character \(where_.byteColumn) of the line)",
                           hint: "convert it to UTF-8, e.g. iconv -f LATIN1 -t UTF-8 in.csv > out.csv")
    }

    /// The raw bytes of the line around an offset (lineContaining decodes leniently, so re-read raw).
    private static func rawLineBytes(_ source: ByteSource, _ where_: (line: Int, text: String, byteColumn: Int)) -> [UInt8] {
        source.rawLine(where_.line, limit: max(200, where_.byteColumn + 16))
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

    // MARK: - UTF-8

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
                // A byte < 0x20 or ≥ 0x80 sets its high bit in (w - 0x20…) & ~w | w.
                let below = (w &- ones &* 0x20) & ~w & high
                if (below | (w & high)) == 0 { i += 8; continue }
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
                // Not all continuation bytes are in this chunk: check those that are, keep the rest.
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

    /// Picks `,` `;` tab or `|` from the first 50 complete records: the candidate that occurs the same
    /// (non-zero) number of times outside quotes on every record, the most frequent such; on a tie
    /// `;` wins over `,` (a `;` file with decimal commas has as many commas as semicolons).
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
        if nonBlank && wholeInput && !inQuotes {
            for c in 0..<4 { counts[c].append(current[c]) }
        }
        guard !counts[0].isEmpty else { return UInt8(ascii: ",") }
        var best: (index: Int, count: Int)? = nil
        // Order of preference on ties: ; , tab |
        for c in [1, 0, 2, 3] {
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

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
