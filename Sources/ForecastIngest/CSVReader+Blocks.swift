import Foundation

extension CSVReader {
    /// How the parse of one block ended.
    enum BlockOutcome: Sendable {
        case ok
        /// `builder.failure` holds the error (lines relative to the block).
        case failed
        /// libcsv stopped at a file offset with an error code.
        case quoting(offset: Int, column: Int, code: Int32)
        case encoding(offset: Int, binary: Bool)
        /// A quoted field still open at the end of the block (line relative to the block).
        case unterminated(line: Int, column: Int)
    }

    /// Parses one block; offsets in the outcome are file offsets. A block without any quote
    /// character goes through `QuoteFreeTokenizer`, which hands out fields without copying them.
    static func parseBlock(_ p: UnsafePointer<UInt8>, _ count: Int, fileOffset: Int, plan: ReaderPlan, delimiter: UInt8,
                           skipRecords: Int, rowEstimate: Int) -> (BlockBuilder, BlockOutcome) {
        let builder = UnsafeMutablePointer<BlockBuilder>.allocate(capacity: 1)
        builder.initialize(to: BlockBuilder(plan: plan, skipRecords: skipRecords, rowEstimate: rowEstimate))
        defer { builder.deallocate() }
        let outcome: BlockOutcome
        if memchr(p, 0x22, count) == nil {
            outcome = parseQuoteFreeBlock(p, count, fileOffset: fileOffset, builder: builder, delimiter: delimiter)
        } else if let parser = LibCSVParser(delimiter: delimiter) {
            outcome = parseWithLibcsv(p, count, fileOffset: fileOffset, builder: builder, parser: parser)
        } else {
            builder.pointee.failure = libcsvUnavailable(file: plan.file)
            outcome = .failed
        }
        return (builder.move(), outcome)
    }

    /// Validates and parses slice by slice, so each slice is still in cache when libcsv reads it.
    private static func parseWithLibcsv(_ p: UnsafePointer<UInt8>, _ count: Int, fileOffset: Int,
                                        builder: UnsafeMutablePointer<BlockBuilder>, parser: LibCSVParser) -> BlockOutcome {
        var fed = 0
        while fed < count {
            let (n, encoding) = validatedSlice(p, from: fed, count: count)
            if !builder.pointee.lines.quoteSeen && memchr(p + fed, 0x22, n) != nil { builder.pointee.lines.quoteSeen = true }
            let consumed = parser.parse(p + fed, n, into: builder)
            if builder.pointee.failed { return .failed }
            if consumed < n {
                return .quoting(offset: fileOffset + fed + consumed, column: builder.pointee.field + 1, code: parser.error)
            }
            if let encoding { return .encoding(offset: fileOffset + encoding.offset, binary: encoding.binary) }
            fed += n
        }
        if !parser.finish(into: builder) {
            return builder.pointee.failed ? .failed
                : .unterminated(line: builder.pointee.lines.line, column: builder.pointee.field + 1)
        }
        return builder.pointee.failed ? .failed : .ok
    }

    /// `parseWithLibcsv` for a block without any quote character: the same validation slice by
    /// slice, tokenized by `QuoteFreeTokenizer` (libcsv's rules for unquoted text).
    private static func parseQuoteFreeBlock(_ p: UnsafePointer<UInt8>, _ count: Int, fileOffset: Int,
                                            builder: UnsafeMutablePointer<BlockBuilder>, delimiter: UInt8) -> BlockOutcome {
        var tokenizer = QuoteFreeTokenizer(delimiter: delimiter)
        defer { tokenizer.release() }
        var fed = 0
        while fed < count {
            let (n, encoding) = validatedSlice(p, from: fed, count: count)
            tokenizer.feed(p, fed..<(fed + n), into: &builder.pointee)
            if builder.pointee.failed { return .failed }
            if let encoding { return .encoding(offset: fileOffset + encoding.offset, binary: encoding.binary) }
            fed += n
        }
        tokenizer.finish(p, into: &builder.pointee)
        return builder.pointee.failed ? .failed : .ok
    }
}
