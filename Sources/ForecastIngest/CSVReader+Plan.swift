import Foundation

extension CSVReader {
    /// Reads the first records (`SampleCollector.sampleRows`) and decides the layout. Errors in
    /// those records (quoting, encoding) are reported here, in file order.
    static func makePlan(_ source: ByteSource, _ input: InputRegion, start: Int, delimiter: UInt8,
                         decimalComma: Bool, dates: DateParser, options: IngestOptions) throws -> ReaderPlan {
        let file = source.name
        guard let parser = LibCSVParser(delimiter: delimiter) else { throw libcsvUnavailable(file: file) }
        let collector = UnsafeMutablePointer<SampleCollector>.allocate(capacity: 1)
        collector.initialize(to: SampleCollector())
        defer { collector.deinitialize(count: 1); collector.deallocate() }

        let b = input.base
        var fed = start
        while !collector.pointee.complete && collector.pointee.limitExceeded == nil && fed < input.count {
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
            let consumed = parser.parse(b + fed, n, into: collector)
            if consumed < n && !collector.pointee.complete {
                throw quotingError(source, code: parser.error, offset: fed + consumed, column: collector.pointee.field + 1)
            }
            fed += n
            if let problem {
                if collector.pointee.complete { break }
                throw encodingError(source, offset: problem.offset, binary: problem.binary, delimiter: delimiter)
            }
        }
        if let over = collector.pointee.limitExceeded {
            throw IngestError(.inputTooLarge, file: file, line: over.line, column: over.column,
                              message: "line \(over.line) has \(over.what): this does not look like a table of time series",
                              hint: "check the delimiter (--delimiter) and that the file is the CSV you meant; a table may have up to \(SampleCollector.maxColumns) columns and \(SampleCollector.maxFieldBytes) bytes per field")
        }
        if !collector.pointee.complete && fed == input.count && !parser.finish(into: collector) {
            throw unterminatedQuoteError(source, line: collector.pointee.lines.line, column: collector.pointee.field + 1)
        }
        guard let plan = try ReaderPlan.make(sample: collector.pointee.rows, file: file, options: options,
                                             decimalComma: decimalComma, dates: dates) else {
            throw IngestError(.emptyFile, file: file, line: 1, column: 1,
                              message: "the file is empty (no rows, only blank lines)",
                              hint: "give a CSV file with a header line and at least one data row")
        }
        return plan
    }
}
