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
