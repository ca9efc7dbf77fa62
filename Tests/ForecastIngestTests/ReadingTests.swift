import Foundation
import Testing
@testable import ForecastIngest

/// The file shapes users throw at `forecast fit`: headers, delimiters, line ends, quoting.
@Suite struct ReadingTests {
    @Test func headerNamesMatchOptionsCaseInsensitively() throws {
        let s = try load("Date,Price,Volume\n2024-01-02,10.5,100\n2024-01-03,11,200\n") {
            $0.target = "PRICE"
            $0.dateColumn = "date"
            $0.features = ["price", "VOLUME"]
        }
        #expect(s.targetName == "Price")
        #expect(s.featureNames == ["Price", "Volume"])
        #expect(s.target == [10.5, 11])
        #expect(s.values == [[10.5, 11], [100, 200]])
        #expect(s.dates == [utc(2024, 1, 2), utc(2024, 1, 3)])
        #expect(s.summary.hasHeader)
        #expect(s.summary.dateColumn == "Date")
        #expect(s.dimInput == 2)
    }

    @Test func yahooStyleFilePicksAdjClose() throws {
        let text = """
        Date,Open,High,Low,Close,Adj Close,Volume
        2024-03-01,100.0,102.5,99.5,101.0,100.2,1000
        2024-03-04,101.0,103.0,100.5,102.0,101.2,1200
        2024-03-05,102.0,102.2,98.0,98.5,97.7,1500

        """
        let s = try load(text)
        #expect(s.targetName == "Adj Close")
        #expect(s.target == [100.2, 101.2, 97.7])
        #expect(s.featureNames == ["Adj Close"])
        #expect(s.frequency == .businessDaily)
        #expect(s.summary.columns == ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"])

        // Without an Adj Close column, Close is the default.
        let noAdj = try load("Date,Open,Close,Volume\n2024-03-01,1,2,3\n2024-03-04,4,5,6\n")
        #expect(noAdj.targetName == "Close")
        #expect(noAdj.target == [2, 5])
    }

    @Test func singleColumnWithoutDateOrHeader() throws {
        let s = try load("1.5\n2.5\n-3e2\n")
        #expect(s.dates == nil)
        #expect(s.frequency == .unknown)
        #expect(!s.summary.hasHeader)
        #expect(s.targetName == "value")
        #expect(s.target == [1.5, 2.5, -300])
        #expect(s.summary.rowsRead == 3)
    }

    @Test func singleColumnWithHeader() throws {
        let s = try load("sales\n3\n4\n5\n")
        #expect(s.summary.hasHeader)
        #expect(s.targetName == "sales")
        #expect(s.target == [3, 4, 5])
    }

    @Test(arguments: [",", ";", "\t", "|"])
    func delimiterIsDetected(_ delimiter: String) throws {
        let text = ["date", "price", "volume"].joined(separator: delimiter) + "\n"
            + ["2024-01-01", "1.5", "10"].joined(separator: delimiter) + "\n"
            + ["2024-01-02", "2.5", "20"].joined(separator: delimiter) + "\n"
        let s = try load(text)
        #expect(s.summary.delimiter == Character(delimiter))
        #expect(s.summary.delimiterDetected)
        #expect(s.target == [1.5, 2.5])
        #expect(s.summary.columns == ["date", "price", "volume"])
    }

    @Test func delimiterOptionOverridesDetection() throws {
        // `,` and `|` both occur once per line; detection prefers `,`, the option forces `|`.
        let text = "x,y|z\n1,2|3\n4,5|6\n"
        let detected = try load(text) { $0.target = "x" }
        #expect(detected.summary.delimiter == ",")
        #expect(detected.summary.columns == ["x", "y|z"])
        let forced = try load(text) { $0.delimiter = "|"; $0.target = "z" }
        #expect(forced.summary.delimiter == "|")
        #expect(!forced.summary.delimiterDetected)
        #expect(forced.summary.columns == ["x,y", "z"])
        #expect(forced.target == [3, 6])
    }

    @Test func semicolonFilesAcceptDecimalCommas() throws {
        let s = try load("date;price;volume\n2024-01-01;1234,5;10\n2024-01-02;1,25;20\n2024-01-03;7;30\n")
        #expect(s.summary.delimiter == ";")
        #expect(s.summary.decimalComma)
        #expect(s.target == [1234.5, 1.25, 7])
    }

    @Test func utf8ByteOrderMarkIsSkipped() throws {
        let s = try load(bytes: [0xEF, 0xBB, 0xBF] + Array("date,price\n2024-01-01,1\n2024-01-02,2\n".utf8))
        #expect(s.summary.columns == ["date", "price"])
        #expect(s.summary.dateColumn == "date")
        #expect(s.target == [1, 2])
    }

    @Test func crlfLineEnds() throws {
        let s = try load("date,price\r\n2024-01-01,1\r\n2024-01-02,2\r\n2024-01-03,3\r\n")
        #expect(s.target == [1, 2, 3])
        // Line numbers stay right with CR LF: the bad cell is on line 4.
        let e = ingestError { try load("date,price\r\n2024-01-01,1\r\n2024-01-02,2\r\n2024-01-03,x\r\n") }
        expectError(e, code: 14, line: 4, column: 2)
    }

    @Test func lastLineWithoutNewline() throws {
        let s = try load("date,price\n2024-01-01,1\n2024-01-02,2")
        #expect(s.target == [1, 2])
        #expect(s.summary.rowsRead == 2)
    }

    @Test func blankTrailingLinesAreIgnored() throws {
        let s = try load("date,price\n2024-01-01,1\n2024-01-02,2\n\n\n  \n")
        #expect(s.target == [1, 2])
        let crlf = try load("date,price\r\n2024-01-01,1\r\n2024-01-02,2\r\n\r\n\r\n")
        #expect(crlf.target == [1, 2])
    }

    @Test func quotedFieldsWithDelimitersQuotesAndNewlines() throws {
        let text = #"""
        date,note,price
        2024-01-01,"a, b",1.5
        2024-01-02,"she said ""hi""",2.5
        2024-01-03,"two
        lines",3.5
        "2024-01-04","plain","4.5"
        2024-01-05,"",x

        """#
        // Everything up to the last row reads; the bad cell after the two-line field is on line 7.
        let e = ingestError { try load(text) }
        expectError(e, code: 14, kind: .nonNumeric, line: 7, column: 3)
        #expect(e?.offendingText == "x")
        let good = text.replacingOccurrences(of: ",\"\",x", with: ",\"\",5.5")
        let s = try load(good)
        #expect(s.target == [1.5, 2.5, 3.5, 4.5, 5.5])
        #expect(s.dates?.count == 5)
    }

    @Test func surroundingSpacesAreTrimmed() throws {
        let s = try load("date , price\n 2024-01-01 ,  1.5  \n2024-01-02,\" 2.5 \"\n")
        #expect(s.summary.columns == ["date", "price"])
        #expect(s.target == [1.5, 2.5])
        #expect(s.dates == [utc(2024, 1, 1), utc(2024, 1, 2)])
    }

    @Test func inMemoryEntryPointUsesTheDisplayName() throws {
        let s = try loadSeries(bytes: Array("value\n1\n2\n".utf8), name: "memory.csv", options: IngestOptions(path: "ignored"))
        #expect(s.target == [1, 2])
        #expect(s.summary.file == "memory.csv")
        let e = ingestError { try loadSeries(bytes: Array("value\n1\nx\n".utf8), name: "memory.csv", options: IngestOptions(path: "ignored")) }
        expectError(e, code: 14, line: 3, column: 1, fileSuffix: "memory.csv")
    }

    @Test func summaryLinesDescribeTheRead() throws {
        let s = try load("date;price\n2024-01-03;2\n2024-01-01;1,5\n2024-01-02;\n")
        let text = s.summary.lines.joined(separator: "\n")
        #expect(text.contains("delimiter \";\", detected, decimal comma"))
        #expect(text.contains("rows: 3 read, 3 used; frequency daily"))
        #expect(text.contains("missing values: 1 (price 1); policy ffill: 1 filled, 0 rows dropped"))
        #expect(text.contains("rows sorted by date (1 out of order)"))
    }
}
