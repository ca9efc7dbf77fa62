import Foundation
import Testing
@testable import ForecastIngest

/// Missing-value markers and the four policies.
@Suite struct MissingValueTests {
    static let markers = "date,price\n2024-01-01,1\n2024-01-02,\n2024-01-03,NA\n2024-01-04,NaN\n2024-01-05,null\n"
        + "2024-01-06,-\n2024-01-07,#N/A\n2024-01-08,\"\"\n2024-01-09, n/a \n2024-01-10,10\n"

    @Test func everyMarkerCountsAsMissing() throws {
        let s = try load(Self.markers)
        #expect(s.summary.missingByColumn == ["price": 8])
        #expect(s.summary.missingCount == 8)
        #expect(s.summary.rowsWithMissing == 8)
        #expect(s.summary.missingPolicy == .ffill)
        #expect(s.target == [1, 1, 1, 1, 1, 1, 1, 1, 1, 10])
        #expect(s.summary.valuesFilled == 8)
    }

    @Test("the series says which target values the policy filled, so they are never scored as observed")
    func filledTargetRowsAreRecorded() throws {
        let text = "date,price,volume\n2024-01-01,,7\n2024-01-02,2,8\n2024-01-03,NA,9\n2024-01-04,4,\n2024-01-05,n/a,2\n"
        let filled = try load(text) { $0.target = "price"; $0.features = ["price", "volume"] }
        // Row 1 (leading) is dropped; of the kept rows, the prices of 2024-01-03 and 2024-01-05
        // were filled (a filled volume is not a filled target).
        #expect(filled.target == [2, 2, 4, 4])
        #expect(filled.filledTargetRows == [1, 3])
        let interpolated = try load(text) { $0.target = "price"; $0.missing = .interpolate }
        #expect(interpolated.filledTargetRows == [1, 3])
        let dropped = try load(text) { $0.target = "price"; $0.missing = .drop }
        #expect(dropped.filledTargetRows.isEmpty && dropped.target == [2, 4])
    }

    @Test func forwardFillDropsLeadingMissingValues() throws {
        let s = try load("date,price\n2024-01-01,\n2024-01-02,NA\n2024-01-03,3\n2024-01-04,\n2024-01-05,5\n")
        #expect(s.dates?.first == utc(2024, 1, 3))
        #expect(s.target == [3, 3, 5])
        #expect(s.summary.rowsDroppedMissing == 2)
        #expect(s.summary.rowsUsed == 3)
        #expect(s.summary.rowsRead == 5)
        #expect(s.summary.missingByColumn["price"] == 3)
    }

    @Test func interpolateIsLinearBetweenNeighbours() throws {
        let s = try load("date,price\n2024-01-01,NA\n2024-01-02,1\n2024-01-03,\n2024-01-04,\n2024-01-05,4\n2024-01-06,\n") {
            $0.missing = .interpolate
        }
        #expect(s.target == [1, 2, 3, 4, 4])  // leading dropped; trailing carried forward
        #expect(s.summary.valuesFilled == 3)
        #expect(s.summary.rowsDroppedMissing == 1)
    }

    @Test func dropRemovesEveryRowWithAMissingValue() throws {
        let s = try load("date,price,volume\n2024-01-01,1,10\n2024-01-02,,20\n2024-01-03,3,\n2024-01-04,4,40\n") {
            $0.missing = .drop
            $0.features = ["price", "volume"]
        }
        #expect(s.dates == [utc(2024, 1, 1), utc(2024, 1, 4)])
        #expect(s.target == [1, 4])
        #expect(s.values == [[1, 4], [10, 40]])
        #expect(s.summary.rowsDroppedMissing == 2)
        #expect(s.summary.missingByColumn == ["price": 1, "volume": 1])
    }

    @Test func errorPolicyNamesTheFirstMissingCell() {
        let e = ingestError { try load("date,price\n2024-01-01,1\n2024-01-02,2\n2024-01-03,NA\n") { $0.missing = .error } }
        expectError(e, code: 19, kind: .missingValue, line: 4, column: 2)
        #expect(e?.offendingText == "NA")
        #expect(e?.columnName == "price")
    }

    @Test func missingValuesInUnselectedColumnsAreIgnored() throws {
        let s = try load("date,price,volume\n2024-01-01,1,\n2024-01-02,2,NA\n") { $0.missing = .error }
        #expect(s.target == [1, 2])
        #expect(s.summary.missingCount == 0)
    }

    @Test func aColumnWithNoValueLeavesNoRows() {
        let e = ingestError { try load("date,price\n2024-01-01,\n2024-01-02,NA\n") { $0.target = "price" } }
        #expect(e?.exitCode == 18)
        #expect(e?.message.contains("no rows left") == true)
    }
}
