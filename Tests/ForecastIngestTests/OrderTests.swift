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

@Suite("a long-format file read as one series")
struct LongFormatTests {
    static let text: String = {
        var t = "date,state,value\n"
        for m in 1...12 {
            for (k, state) in ["NSW", "VIC", "QLD"].enumerated() {
                t += String(format: "2024-%02d-01,%@,%d\n", m, state, 100 * (k + 1) + m)
            }
        }
        return t
    }()

    @Test("repeated dates beside a text column are named as long format, and the hint does not suggest --duplicates")
    func duplicateDatesBesideATextColumn() {
        let e = ingestError { try load(Self.text) { $0.target = "value" } }
        expectError(e, code: 17, kind: .duplicateTimestamp, line: 3, column: 1)
        #expect(e?.message.contains("column \"state\" holds text (\"NSW\", …): this looks like several series in long format") == true,
                "\(e?.message ?? "")")
        #expect(e?.hint?.contains("awk -F, 'NR==1 || $2==\"NSW\"'") == true, "\(e?.hint ?? "")")
        #expect(e?.hint?.hasPrefix("forecast every series in one run with --id-column state") == true, "\(e?.hint ?? "")")
    }

    @Test("--duplicates first on a long file warns loudly that most rows were dropped and the series mixed")
    func droppingMostRowsIsAWarning() throws {
        let s = try load(Self.text) { $0.target = "value"; $0.duplicates = .first }
        #expect(s.count == 12 && s.summary.duplicatesRemoved == 24)
        #expect(s.summary.warnings == ["--duplicates first dropped 24 of 36 rows (67%); column \"state\" holds text, so this looks like several series in long format, now mixed into one: use --id-column state for one forecast per series"])
        #expect(s.summary.lines.contains { $0.hasPrefix("WARNING: --duplicates first dropped 24 of 36 rows") })
        // A stray duplicate in a one-series file is no warning.
        let one = try load("date,value\n2024-01-01,1\n2024-01-01,2\n" + (2...12).map { String(format: "2024-%02d-01,%d\n", $0, $0) }.joined()) {
            $0.duplicates = .first
        }
        #expect(one.summary.duplicatesRemoved == 1 && one.summary.warnings.isEmpty)
    }
}
