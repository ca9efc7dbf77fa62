import Foundation
import Testing
@testable import ForecastIngest

/// Choosing the target and the input features.
@Suite struct SelectionTests {
    @Test func defaultTargetOrder() throws {
        let header = "date,value,price,close,adj close,open\n2024-01-01,1,2,3,4,5\n2024-01-02,6,7,8,9,10\n"
        #expect(try load(header).targetName == "adj close")
        #expect(try load(header.replacingOccurrences(of: "adj close", with: "adj_volume")).targetName == "close")
        #expect(try load("date,value,price,open\n2024-01-01,1,2,3\n").targetName == "price")
        #expect(try load("date,value,open\n2024-01-01,1,2\n").targetName == "value")
        // Underscores match spaces.
        #expect(try load("date,Adj_Close,open\n2024-01-01,1,2\n").targetName == "Adj_Close")
    }

    @Test func theOnlyNumericColumnIsTheTarget() throws {
        let s = try load("date,ticker,level\n2024-01-01,ABC,1.5\n2024-01-02,ABC,2.5\n")
        #expect(s.targetName == "level")
        #expect(s.target == [1.5, 2.5])
    }

    @Test func ambiguousTargetListsTheNumericColumns() {
        let e = ingestError { try load("date,ticker,open,volume\n2024-01-01,ABC,1.5,10\n2024-01-02,ABC,2.5,20\n") }
        expectError(e, code: 16, kind: .columnSelection, line: 1, column: nil)
        #expect(e?.message.contains("\"open\", \"volume\"") == true)
        #expect(e?.message.contains("ticker") == false)
        #expect(e?.hint?.contains("--target") == true)
    }

    @Test func unknownTargetIsAnError() {
        let e = ingestError { try load("date,price\n2024-01-01,1\n") { $0.target = "close" } }
        expectError(e, code: 16, kind: .columnSelection, line: 1, column: nil)
        #expect(e?.offendingText == "close")
        #expect(e?.message.contains("unknown target column \"close\"") == true)
        #expect(e?.message.contains("\"date\", \"price\"") == true)
    }

    @Test func featuresGiveDimInputInTheGivenOrder() throws {
        let s = try load("date,open,high,close\n2024-01-01,1,2,3\n2024-01-02,4,5,6\n") {
            $0.features = ["high", "Close", "open"]
        }
        #expect(s.targetName == "close")
        #expect(s.featureNames == ["high", "close", "open"])
        #expect(s.dimInput == 3)
        #expect(s.values == [[2, 5], [3, 6], [1, 4]])
        #expect(s.targetFeatureIndex == 1)
        // Default: the target alone.
        let alone = try load("date,open,close\n2024-01-01,1,3\n")
        #expect(alone.featureNames == ["close"])
        #expect(alone.values == [[3]])
    }

    @Test func unknownFeatureIsAnError() {
        let e = ingestError { try load("date,close\n2024-01-01,1\n") { $0.features = ["close", "volume"] } }
        expectError(e, code: 16, line: 1, column: nil)
        #expect(e?.message.contains("unknown feature column \"volume\"") == true)
    }

    @Test func dateColumnCannotBeTheTarget() {
        let e = ingestError { try load("date,close\n2024-01-01,1\n") { $0.target = "date" } }
        expectError(e, code: 16, line: 1, column: nil)
    }

    @Test func textColumnAsTargetIsNonNumeric() {
        let e = ingestError { try load("date,ticker,close\n2024-01-01,ABC,1\n") { $0.target = "ticker" } }
        expectError(e, code: 14, kind: .nonNumeric, line: 2, column: 2)
        #expect(e?.columnName == "ticker")
        #expect(e?.offendingText == "ABC")
    }

    @Test func duplicateColumnNamesAreAmbiguousWhenSelected() {
        let e = ingestError { try load("date,x,x\n2024-01-01,1,2\n") { $0.target = "x" } }
        expectError(e, code: 16, line: 1, column: nil)
        #expect(e?.message.contains("ambiguous") == true)
    }
}
