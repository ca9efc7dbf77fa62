import Foundation
import Testing
@testable import ForecastIngest

/// Sorting by date and duplicate timestamps.
@Suite struct OrderTests {
    @Test func rowsOutOfOrderAreSortedAndReported() throws {
        let s = try load("date,price\n2024-01-05,5\n2024-01-03,3\n2024-01-04,4\n2024-01-01,1\n2024-01-02,2\n")
        #expect(s.dates == (1...5).map { utc(2024, 1, $0) })
        #expect(s.target == [1, 2, 3, 4, 5])
        #expect(s.summary.wasSorted)
        #expect(s.summary.outOfOrderRows == 2)
        let sorted = try load("date,price\n2024-01-01,1\n2024-01-02,2\n")
        #expect(!sorted.summary.wasSorted)
    }

    @Test func duplicateTimestampsNameBothLines() {
        let e = ingestError { try load("date,price\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n2024-01-02,9\n") }
        expectError(e, code: 17, kind: .duplicateTimestamp, line: 5, column: 1)
        #expect(e?.message.contains("lines 3 and 5") == true)
        #expect(e?.relatedLine == 3)
        #expect(e?.message.contains("2024-01-02") == true)
        #expect(e?.hint?.contains("--duplicates") == true)
    }

    @Test func duplicatePolicyFirstAndLast() throws {
        let text = "date,price\n2024-01-02,2\n2024-01-01,1\n2024-01-02,20\n2024-01-02,200\n2024-01-03,3\n"
        let first = try load(text) { $0.duplicates = .first }
        #expect(first.target == [1, 2, 3])
        #expect(first.summary.duplicatesRemoved == 2)
        let last = try load(text) { $0.duplicates = .last }
        #expect(last.target == [1, 200, 3])
        #expect(last.dates == [utc(2024, 1, 1), utc(2024, 1, 2), utc(2024, 1, 3)])
    }
}
