import ForecastCore
import Dispatch
import Synchronization

extension BlockRunner {
    /// Concatenates the blocks in file order, turning block lines into file lines, or throws the
    /// first block's error. Each block buffer is freed right after its copy.
    func merge(_ source: ByteSource) throws -> RawTable {
        let blocks = self.blocks
        let offsets = try lineOffsets(blocks, source)
        let rows = blocks.reduce(0) { $0 + $1.builder.rows }
        if rows == 0 {
            throw IngestError(.headerOnly, file: plan.file, line: 1, column: 1, offendingText: plan.names.listed(separator: ","),
                              message: plan.hasHeader ? "the file has a header line and no data rows" : "the file has no data rows",
                              hint: "add data rows below the header")
        }
        let statistics = columnStatistics(blocks, offsets)
        let columns = gatherColumns(blocks, stored: statistics.stored, rows: rows)
        let dates = plan.dateColumn == nil ? nil : gatherDates(blocks, rows: rows)
        let lines = gatherLines(blocks, offsets, rows: rows)
        releaseAll()
        return RawTable(file: plan.file, delimiter: delimiter, delimiterDetected: true, decimalComma: plan.decimalComma,
                        hasHeader: plan.hasHeader, names: plan.names, dateColumn: plan.dateColumn,
                        otherDateLikeColumns: plan.otherDateLikeColumns, textColumns: plan.textColumns, dates: dates,
                        lines: lines, columns: columns, kinds: statistics.kinds, missing: statistics.missing,
                        firstMissing: statistics.firstMissing, bad: statistics.bad, firstBad: statistics.firstBad,
                        rowsRead: rows, targetColumn: plan.targetColumn, featureColumns: plan.featureColumns)
    }

    /// Per block, the file line of its line 1 minus 1; throws the first block's error, in file terms.
    private func lineOffsets(_ blocks: [ParsedBlock], _ source: ByteSource) throws -> [Int] {
        var offsets: [Int] = []
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
                throw CSVReader.unterminatedQuoteError(source, line: line + lineOffset, column: column)
            }
            lineOffset += block.builder.lines.line - 1
        }
        return offsets
    }

    private struct ColumnStatistics {
        var kinds: [ColumnKind]
        var missing: [Int: Int] = [:]
        var firstMissing: [Int: CellRef] = [:]
        var bad: [Int: Int] = [:]
        var firstBad: [Int: CellRef] = [:]
        /// Columns with values, in column order.
        var stored: [Int] = []
    }

    /// Missing and bad cells per column, in file order; `.undetermined` columns typed by their
    /// first value in the file.
    private func columnStatistics(_ blocks: [ParsedBlock], _ offsets: [Int]) -> ColumnStatistics {
        var s = ColumnStatistics(kinds: plan.kinds)
        for j in 0..<plan.columnCount {
            switch plan.kinds[j] {
            case .number, .undetermined:
                s.stored.append(j)
                var firstIsNumber: Bool? = nil
                var m = 0, x = 0
                for (block, offset) in zip(blocks, offsets) {
                    let slot = block.builder.slots[j]
                    m += slot.missing
                    x += slot.bad
                    if s.firstMissing[j] == nil, var cell = slot.firstMissing {
                        cell.line += offset
                        s.firstMissing[j] = cell
                    }
                    if s.firstBad[j] == nil, var cell = slot.firstBad {
                        cell.line += offset
                        s.firstBad[j] = cell
                    }
                    if firstIsNumber == nil { firstIsNumber = slot.firstValueIsNumber }
                }
                s.missing[j] = m
                s.bad[j] = x
                if plan.kinds[j] == .undetermined, let firstIsNumber { s.kinds[j] = firstIsNumber ? .number : .text }
            case .text:
                s.bad[j] = 1
                s.firstBad[j] = plan.textCells[j]
            case .skip, .date:
                break
            }
        }
        return s
    }

    /// Concatenates each stored column's block buffers, one column per task (in parallel when
    /// allowed; a task touches only its own column's buffers), freeing each buffer right after
    /// its copy.
    private func gatherColumns(_ blocks: [ParsedBlock], stored: [Int], rows: Int) -> [Int: [Double]] {
        let gathered = Mutex([[Double]](repeating: [], count: stored.count))
        let task: @Sendable (Int) -> Void = { t in
            let column = Self.concatenate(blocks, column: stored[t], rows: rows)
            gathered.withLock { $0[t] = column }
        }
        if threads > 1 && stored.count > 1 {
            DispatchQueue.concurrentPerform(iterations: stored.count, execute: task)
        } else {
            for t in 0..<stored.count { task(t) }
        }
        return gathered.withLock { gathered in
            var columns: [Int: [Double]] = [:]
            for (t, j) in stored.enumerated() { columns[j] = gathered[t] }
            return columns
        }
    }

    /// Column `j` of every block, in file order, NaN-padded to `rows`; frees the block buffers.
    private static func concatenate(_ blocks: [ParsedBlock], column j: Int, rows: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: rows) { column, initialized in
            prefault(UnsafeMutableRawBufferPointer(column))
            var n = 0
            for block in blocks {
                let b = (block.builder.slots + j).pointer(to: \.values)!
                let count = min(b.pointee.count, rows - n)  // equal to the block's rows
                if let base = b.pointee.base, count > 0 { (column.baseAddress! + n).update(from: base, count: count) }
                n += count
                b.pointee.free()
            }
            for k in n..<rows { column[k] = .nan }
            initialized = rows
        }
    }

    /// The date column's values in file order (seconds since 1970).
    private func gatherDates(_ blocks: [ParsedBlock], rows: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: rows) { out, initialized in
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

    /// The file line of each data row.
    private func gatherLines(_ blocks: [ParsedBlock], _ offsets: [Int], rows: Int) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: rows) { out, initialized in
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
    }
}
