import Foundation

/// Reads a CSV table with libcsv in strict mode, validating UTF-8 on the way.
///
/// The first records are read alone to decide the layout (`ReaderPlan`, see `CSVReader+Plan`);
/// the file is then cut into blocks of whole records (at a line end outside quotes, known from
/// the parity of quote characters) and each block is parsed by its own parser into its own
/// column buffers (`CSVReader+Blocks`), on up to `threads` threads (`BlockRunner`). Blocks are
/// merged in file order, so the result — and the first error reported — does not depend on the
/// number of threads.
///
/// Memory: the column buffers (one `Double` per kept cell, 4 bytes of line number per row) plus
/// up to threads + 1 blocks of input. Time: O(bytes). libcsv reports no positions: lines are
/// counted from its record callbacks (`CSV_REPALL_NL` reports every unquoted CR and LF) and the
/// newlines inside quoted fields; byte offsets of libcsv errors become lines by re-reading the input.
enum CSVReader {
    static let defaultBlockSize = 4 << 20
    static let planningSlice = 64 << 10
    /// Bytes validated and parsed at a time within a block, so that a slice is still in cache
    /// (L2) when the tokenizer reads it after validation.
    static let parseSlice = 128 << 10

    /// Threads used when `IngestOptions.threads` is nil: the available cores, at most 4.
    static var defaultThreads: Int { max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)) }

    static func read(_ source: ByteSource, options: IngestOptions, blockSize: Int = defaultBlockSize) throws -> RawTable {
        let threads = max(1, options.threads ?? defaultThreads)
        let input = try source.contents()
        let start = try checkEncodingMarks(source, input, blockSize: blockSize)
        let (delimiter, detected) = try chooseDelimiter(source, input, start: start, options: options)
        let dateParser: DateParser
        do {
            dateParser = try DateParser(format: options.dateFormat)
        } catch var e as IngestError {
            e.file = source.name
            throw e
        }

        // 1. The layout, from the first records.
        let plan = try makePlan(source, input, start: start, delimiter: delimiter,
                                decimalComma: delimiter == UInt8(ascii: ";"), dates: dateParser, options: options)

        // 2. Blocks of whole records: cut after a line end outside quotes.
        let runner = BlockRunner(plan: plan, delimiter: delimiter, threads: threads,
                                 bytesPerLine: bytesPerLine(input), input: input)
        defer { runner.releaseAll() }
        let b = input.base
        let count = input.count
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

    /// Rejects an empty file, UTF-16 text and binary content found early; returns the offset of
    /// the first byte after a UTF-8 byte order mark (0 without one).
    private static func checkEncodingMarks(_ source: ByteSource, _ input: InputRegion, blockSize: Int) throws -> Int {
        let b = input.base
        let count = input.count
        if count == 0 {
            throw IngestError(.emptyFile, file: source.name, line: 1, column: 1, message: "the file is empty (0 bytes)",
                              hint: "give a CSV file with a header line and at least one data row")
        }
        var start = 0
        if count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { start = 3 }
        if count >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)) {
            throw IngestError(.notUTF8, file: source.name, line: 1, column: 1,
                              offendingText: b[0] == 0xFF ? "\\xFF\\xFE" : "\\xFE\\xFF",
                              message: "the file is UTF-16 text (byte order mark), not UTF-8",
                              hint: "convert it: iconv -f UTF-16 -t UTF-8 in.csv > out.csv")
        }
        if let nul = memchr(b, 0, min(count, max(blockSize, 1 << 20))) {
            throw encodingError(source, offset: UnsafeRawPointer(b).distance(to: UnsafeRawPointer(nul)), binary: true, delimiter: nil)
        }
        return start
    }

    /// The delimiter given in the options (validated), or one detected from the first 256 KiB;
    /// `detected` says which.
    private static func chooseDelimiter(_ source: ByteSource, _ input: InputRegion, start: Int,
                                        options: IngestOptions) throws -> (delimiter: UInt8, detected: Bool) {
        if let d = options.delimiter {
            guard d.isASCII, let v = d.asciiValue, v != UInt8(ascii: "\""), v != 0x0A, v != 0x0D, v != 0 else {
                throw IngestError(.invalidOption, file: source.name, offendingText: String(d),
                                  message: "invalid delimiter \(quoted(String(d)))",
                                  hint: "use one ASCII character such as , ; | or a tab")
            }
            return (v, false)
        }
        let n = min(input.count - start, 256 << 10)
        return (detectDelimiter(UnsafeBufferPointer(start: input.base + start, count: n), wholeInput: n == input.count - start), true)
    }

    /// Bytes per line in the first 1 MiB: sizes each block's column buffers once.
    private static func bytesPerLine(_ input: InputRegion) -> Int {
        let probe = min(input.count, 1 << 20)
        let newlines = UnsafeBufferPointer(start: input.base, count: probe).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return max(1, probe / max(1, newlines))
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
}
