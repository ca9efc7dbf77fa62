import Foundation
import Testing
@_spi(Fuzzing) @testable import ForecastIngest

/// Large files are cut into blocks parsed in parallel; the result and the first error must not
/// depend on the block size or the number of threads.
@Suite struct BlockReadingTests {
    /// 3000 records with quoted notes (some with newlines, quotes and delimiters), a few missing
    /// values, CR LF line ends on some lines, and two records out of order near the end.
    static let records: [String] = {
        var records: [String] = []
        for k in 0..<3000 {
            let date = IngestSummary.isoDay(Frequency.daily.advance(utc(2000, 1, 1), by: k))
            let note: String
            switch k % 7 {
            case 0: note = "\"multi\nline, \"\"quoted\"\"\""
            case 1: note = "\"a,b\""
            default: note = "n\(k)"
            }
            let price = k % 97 == 5 ? "NA" : String(Double(k) * 0.25 + 10)
            records.append("\(date),\(note),\(price),\(k * 3)" + (k % 11 == 0 ? "\r" : ""))
        }
        records.swapAt(2997, 2999)
        return records
    }()

    static func text(_ records: [String]) -> String {
        "date,note,price,volume\n" + records.joined(separator: "\n") + "\n"
    }

    /// The file line on which record `r` starts: after the header and `r` records, each one
    /// line plus its embedded newlines.
    static func fileLine(_ records: [String], _ r: Int) -> Int {
        2 + r + records[0..<r].reduce(0) { $0 + $1.unicodeScalars.filter { $0 == "\n" }.count }
    }

    func read(_ text: String, blockSize: Int, threads: Int) throws -> Series {
        var options = IngestOptions(path: "blocks.csv", features: ["price", "volume"])
        options.threads = threads
        return try loadSeries(bytes: Array(text.utf8), name: "blocks.csv", options: options, blockSize: blockSize)
    }

    @Test func resultDoesNotDependOnBlocksOrThreads() throws {
        let reference = try read(Self.text(Self.records), blockSize: 1 << 30, threads: 1)
        #expect(reference.count == 3000)
        #expect(reference.summary.missingCount == 31)
        #expect(reference.summary.wasSorted)
        #expect(reference.values[1] == (0..<3000).map { Double($0 * 3) })
        for blockSize in [64, 1000, 4096, 50_000] {
            for threads in [1, 2, 3] {
                let s = try read(Self.text(Self.records), blockSize: blockSize, threads: threads)
                #expect(s.dates == reference.dates, "block \(blockSize), threads \(threads)")
                #expect(s.values == reference.values, "block \(blockSize), threads \(threads)")
                #expect(s.summary == reference.summary, "block \(blockSize), threads \(threads)")
            }
        }
    }

    @Test func firstErrorDoesNotDependOnBlocksOrThreads() throws {
        // A non-numeric cell early (found after reading) and a ragged record later (stops the
        // read): the ragged record is reported, on the same line however the file was cut.
        var records = Self.records
        records[100] = records[100].replacingOccurrences(of: ",\(100 * 3)", with: ",many")
        records[1500] = "2004-02-10,x"
        var seen: Set<String> = []
        for blockSize in [64, 999, 1 << 30] {
            for threads in [1, 2] {
                let e = ingestError { try read(Self.text(records), blockSize: blockSize, threads: threads) }
                #expect(e?.kind == .raggedRow)
                seen.insert(e?.description ?? "")
            }
        }
        #expect(seen.count == 1)
        #expect(seen.first?.hasPrefix("blocks.csv:\(Self.fileLine(records, 1500)):3: ") == true)

        // Malformed quoting in record 2004 (a plain note): a quote inside an unquoted field.
        records = Self.records
        #expect(records[2004].contains(",n2004,"))
        records[2004] = records[2004].replacingOccurrences(of: ",n2004,", with: ",n\"2004,")
        var quoting: Set<String> = []
        for blockSize in [64, 999, 1 << 30] {
            for threads in [1, 2] {
                let e = ingestError { try read(Self.text(records), blockSize: blockSize, threads: threads) }
                #expect(e?.exitCode == 13)
                quoting.insert(e?.description ?? "")
            }
        }
        #expect(quoting.count == 1)
        #expect(quoting.first?.hasPrefix("blocks.csv:\(Self.fileLine(records, 2004)):2: ") == true)
    }

    @Test func lineNumbersAreFileLinesAcrossBlocks() throws {
        var records = Self.records
        records[2500] = records[2500].replacingOccurrences(of: ",\(2500 * 3)", with: ",oops")
        let text = Self.text(records)
        let reference = ingestError { try read(text, blockSize: 1 << 30, threads: 1) }
        expectError(reference, code: 14, line: Self.fileLine(records, 2500), column: 4, fileSuffix: "blocks.csv")
        #expect(reference?.offendingText == "oops")
        for blockSize in [100, 7777] {
            let e = ingestError { try read(text, blockSize: blockSize, threads: 2) }
            #expect(e == reference)
        }
        // The reported line really holds the bad cell.
        // (Split bytes: for String, "\r\n" is one Character and would not split at "\n".)
        let physical = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let reported = String(decoding: physical[(reference?.line ?? 1) - 1], as: UTF8.self)
        #expect(reported.contains("oops"))
    }

    @Test func multiByteCharactersAcrossSliceAndBlockBoundaries() throws {
        // An "é" (2 bytes) straddling the 128 KiB parse slice, then blocks of every small size.
        let prefix = "date,note,price\n2024-01-01,"
        let filler = String(repeating: "x", count: CSVReader.parseSlice - 1 - prefix.utf8.count)
        let text = prefix + filler + "éz,1\n2024-01-02,café,2\n2024-01-03,€uro,3\n"
        #expect(Array(text.utf8)[CSVReader.parseSlice - 1] == 0xC3)
        for blockSize in [1 << 30, 7, 64, 1000] {
            for threads in [1, 2] {
                let s = try read(text.replacingOccurrences(of: "price", with: "price,volume")
                                     .replacingOccurrences(of: ",1\n", with: ",1,1\n")
                                     .replacingOccurrences(of: ",2\n", with: ",2,2\n")
                                     .replacingOccurrences(of: ",3\n", with: ",3,3\n"),
                                 blockSize: blockSize, threads: threads)
                #expect(s.target == [1, 2, 3], "block \(blockSize), threads \(threads)")
            }
        }
    }

    @Test func encodingErrorInALaterBlock() throws {
        var bytes = Array(Self.text(Self.records).utf8)
        let line = 2601
        // Find the start of file line 2601 and break the first byte of its note field.
        var newlines = 0
        var k = 0
        while newlines < line - 1 { if bytes[k] == 0x0A { newlines += 1 }; k += 1 }
        let comma = bytes[k...].firstIndex(of: UInt8(ascii: ","))!
        bytes[comma + 1] = 0xFF
        var seen: Set<String> = []
        for blockSize in [333, 4096, 1 << 30] {
            for threads in [1, 2] {
                var options = IngestOptions(path: "blocks.csv", features: ["price", "volume"])
                options.threads = threads
                let e = ingestError { try loadSeries(bytes: bytes, name: "blocks.csv", options: options, blockSize: blockSize) }
                expectError(e, code: 11, kind: .notUTF8, line: line, column: 2, fileSuffix: "blocks.csv")
                seen.insert(e?.description ?? "")
            }
        }
        #expect(seen.count == 1)
    }
}
