import Foundation
import Testing
@_spi(Fuzzing) @testable import ForecastIngest

/// Quote-free blocks skip libcsv; the fast tokenizer must give exactly libcsv's events.
@Suite struct QuoteFreeTokenizerTests {
    @Test(arguments: [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|"), 0x20])
    func sameEventsAsLibcsvOnRandomText(_ delimiter: UInt8) {
        var rng = DecimalParserTests.SplitMix(state: UInt64(delimiter))
        let alphabet: [UInt8] = Array("a1.-é ,;|\t\r\n\n".utf8)
        for round in 0..<3000 {
            let length = Int.random(in: 0...40, using: &rng)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            let reference = TokenizerComparison.libcsvEvents(bytes, delimiter: delimiter)
            #expect(reference != nil, "libcsv failed on quote-free text \(bytes)")
            for piece in [Int.max, 1, 3] {
                let events = TokenizerComparison.quoteFreeEvents(bytes, delimiter: delimiter, piece: piece)
                #expect(events == reference, "round \(round), piece \(piece): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            }
        }
    }

    @Test func knownCases() {
        func events(_ text: String) -> [String] { TokenizerComparison.quoteFreeEvents(Array(text.utf8), delimiter: UInt8(ascii: ",")) }
        #expect(events(" , ,x\n") == ["N", "N", "F:x", "R:10"])
        #expect(events("a ,b\t\n") == ["F:a", "F:b", "R:10"])
        #expect(events("a, b c ,d\r\n\r\nx") == ["F:a", "F:b c", "F:d", "R:13", "R:10", "R:13", "R:10", "F:x", "R:-1"])
        #expect(events("a,") == ["F:a", "N", "R:-1"])
        #expect(events("  \n") == ["R:10"])
        #expect(events("") == [])
    }

    @Test func quotedAndUnquotedBlocksReadAlike() throws {
        // The same table with and without a quoted header cell: one goes through libcsv, the other not.
        let plain = "date,price,volume\n" + (1...200).map { "2024-01-01T00:\(String(format: "%02d", $0 / 60)):\(String(format: "%02d", $0 % 60)), \($0).5 ,\t\($0)" }.joined(separator: "\r\n") + "\n\n"
        let quoted = plain.replacingOccurrences(of: "date,price", with: "\"date\",price")
        for blockSize in [50, 1 << 20] {
            let a = try loadSeries(bytes: Array(plain.utf8), name: "t.csv", options: IngestOptions(path: "t.csv", features: ["price", "volume"]), blockSize: blockSize)
            let b = try loadSeries(bytes: Array(quoted.utf8), name: "t.csv", options: IngestOptions(path: "t.csv", features: ["price", "volume"]), blockSize: 1 << 30)
            #expect(a.values == b.values)
            #expect(a.dates == b.dates)
            #expect(a.summary == b.summary)
        }
    }
}
