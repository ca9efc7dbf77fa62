import Foundation
import Testing
@testable import ForecastIngest

/// Every kind of bad input gives an IngestError with its exit code, naming file, line and column
/// (where the problem has a place in the file), the offending text and a hint — never a trap.
@Suite struct BadInputTests {
    @Test func quoteInsideAnUnquotedField() {
        let e = ingestError { try load("date,note,price\n2024-01-01,ok,1\n2024-01-02,5\" pipe,2\n") }
        expectError(e, code: 13, kind: .malformedQuoting, line: 3, column: 2)
        #expect(e?.offendingText == "2024-01-02,5\" pipe,2")
        #expect(e?.message.contains("quote inside an unquoted field") == true)
        #expect(e?.byteInLine == 13)  // the quote, as a separate value beside the message
    }

    @Test func textAfterAClosingQuote() {
        let e = ingestError { try load("date,note,price\n2024-01-01,\"a\"b,1\n") }
        expectError(e, code: 13, kind: .malformedQuoting, line: 2, column: 2)
        #expect(e?.message.contains("after the closing quote") == true)
    }

    @Test func unterminatedQuote() {
        let e = ingestError { try load("date,note,price\n2024-01-01,x,1\n2024-01-02,\"never closed,2\n2024-01-03,y,3\n") }
        expectError(e, code: 13, kind: .malformedQuoting, line: 3, column: 2)
        #expect(e?.message.contains("unterminated") == true)
    }

    @Test func nonNumericCell() {
        let e = ingestError { try load("date,price\n2024-01-01,1\n2024-01-02,abc\n2024-01-03,3\n", name: "prices.csv") }
        expectError(e, code: 14, kind: .nonNumeric, line: 3, column: 2, fileSuffix: "prices.csv")
        #expect(e?.offendingText == "abc")
        #expect(e?.columnName == "price")
        #expect(e?.description.hasSuffix("prices.csv:3:2: error: non-numeric value \"abc\" in column \"price\"\n  hint: "
                                         + (e?.hint ?? "")) == true)
    }

    @Test func raggedRows() {
        let short = ingestError { try load("date,price,volume\n2024-01-01,1,10\n2024-01-02,2\n") }
        expectError(short, code: 13, kind: .raggedRow, line: 3, column: 3)
        #expect(short?.offendingText == "2024-01-02,2")
        #expect(short?.message.contains("2 fields but the header has 3") == true)
        let long = ingestError { try load("date,price\n2024-01-01,1\n2024-01-02,2,extra\n") }
        expectError(long, code: 13, kind: .raggedRow, line: 3, column: 3)
        #expect(long?.offendingText == "extra")
    }

    @Test func emptyFile() {
        let e = ingestError { try load("") }
        expectError(e, code: 12, kind: .emptyFile, line: 1, column: 1)
        let blank = ingestError { try load("\n\n  \n") }
        expectError(blank, code: 12, kind: .emptyFile, line: 1, column: 1)
    }

    @Test func headerOnly() {
        let e = ingestError { try load("date,price\n") }
        expectError(e, code: 12, kind: .headerOnly, line: 1, column: 1)
        #expect(e?.offendingText == "date,price")
    }

    @Test func fewerRowsThanTheWindowNeeds() throws {
        let s = try load("date,price\n" + (1...20).map { "2024-01-\(String(format: "%02d", $0)),\($0)" }.joined(separator: "\n"),
                         name: "short.csv")
        let e = ingestError { try makeWindows(s, WindowingOptions(timeSteps: 32)) }
        expectError(e, code: 18, kind: .tooFewRows, line: 21, column: nil, fileSuffix: "short.csv")
        #expect(e?.message.contains("20 after cleaning") == true)
        #expect(e?.hint?.contains("--window") == true)
        // The line is the file's last data line, also with blank lines and rows out of order.
        let messy = try load("date,price\n\n2024-01-02,2\n2024-01-01,1\n\n\n")
        let e2 = ingestError { try makeWindows(messy, WindowingOptions(timeSteps: 4)) }
        expectError(e2, code: 18, kind: .tooFewRows, line: 4, column: nil)
    }

    @Test func dateThatDoesNotParse() {
        let e = ingestError { try load("date,price\n2024-01-01,1\n2024-02-30,2\n") }
        expectError(e, code: 15, kind: .badDate, line: 3, column: 1)
        #expect(e?.offendingText == "2024-02-30")
        #expect(e?.hint?.contains("--date-format") == true)
        let missing = ingestError { try load("date,price\n2024-01-01,1\n,2\n") }
        expectError(missing, code: 15, kind: .badDate, line: 3, column: 1)
        let format = ingestError { try load("date,price\n01.02.2024,1\n2024-02-02,2\n") { $0.dateFormat = "%d.%m.%Y" } }
        expectError(format, code: 15, line: 3, column: 1)
    }

    @Test func unknownTarget() {
        let e = ingestError { try load("date,price\n2024-01-01,1\n") { $0.target = "nope" } }
        expectError(e, code: 16, kind: .columnSelection, line: 1, column: nil)
    }

    @Test func notUTF8() {
        // "café" in Latin-1 on line 3, in the second field.
        let bytes = Array("date,note,price\n2024-01-01,ok,1\n2024-01-02,caf".utf8) + [0xE9] + Array(",2\n".utf8)
        let e = ingestError { try load(bytes: bytes) }
        expectError(e, code: 11, kind: .notUTF8, line: 3, column: 2)
        #expect(e?.offendingText?.contains("caf\\xE9") == true)
        #expect(e?.byteInLine == 15)
        #expect(e?.hint?.contains("iconv") == true)
        let utf16 = ingestError { try load(bytes: [0xFF, 0xFE] + Array("d\0a\0".utf8)) }
        expectError(utf16, code: 11, kind: .notUTF8, line: 1, column: 1)
    }

    @Test func binaryFile() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]
        let e = ingestError { try load(bytes: png + [UInt8](repeating: 7, count: 100), name: "image.png") }
        expectError(e, code: 11, kind: .binaryFile, line: 3, column: 1, fileSuffix: "image.png")  // NUL after two LFs
        // A control byte later in a text file.
        let late = ingestError { try load(bytes: Array("value\n1\n2\n".utf8) + [0x01] + Array("\n".utf8)) }
        expectError(late, code: 11, kind: .binaryFile, line: 4, column: 1)
    }

    @Test func directory() throws {
        let dir = try temporaryDirectory()
        let e = ingestError { try loadSeries(IngestOptions(path: dir.path)) }
        expectError(e, code: 10, kind: .unreadablePath, line: nil, column: nil, fileSuffix: dir.lastPathComponent)
        #expect(e?.message.contains("directory") == true)
    }

    @Test func missingPath() {
        let path = "/nonexistent-\(UUID().uuidString)/prices.csv"
        let e = ingestError { try loadSeries(IngestOptions(path: path)) }
        expectError(e, code: 10, kind: .unreadablePath, line: nil, column: nil, fileSuffix: "prices.csv")
        #expect(e?.message.contains("no such file") == true)
    }

    @Test func unreadablePath() throws {
        // Root reads any file regardless of permissions; /proc/self/mem fails on read instead.
        if getuid() == 0 {
            let e = ingestError { try loadSeries(IngestOptions(path: "/proc/self/mem")) }
            expectError(e, code: 10, kind: .unreadablePath, line: nil, column: nil, fileSuffix: "mem")
        } else {
            let path = try writeFixture("value\n1\n")
            chmod(path, 0)
            let e = ingestError { try loadSeries(IngestOptions(path: path)) }
            expectError(e, code: 10, kind: .unreadablePath, line: nil, column: nil)
            #expect(e?.message.contains("permission denied") == true)
        }
    }

    @Test func invalidDelimiterOption() {
        let e = ingestError { try load("a,b\n1,2\n") { $0.delimiter = "\"" } }
        #expect(e?.exitCode == 64)
        #expect(e?.kind == .invalidOption)
    }

    @Test func exitCodesFollowTheReadmeTable() {
        let expected: [IngestError.Kind: Int32] = [
            .unreadablePath: 10, .notUTF8: 11, .binaryFile: 11, .emptyFile: 12, .headerOnly: 12,
            .malformedQuoting: 13, .raggedRow: 13, .nonNumeric: 14, .badDate: 15, .columnSelection: 16,
            .duplicateTimestamp: 17, .tooFewRows: 18, .missingValue: 19, .columnMismatch: 32,
            .invalidOption: 64, .internalError: 1, .inputChanged: 20, .inputTooLarge: 21,
        ]
        #expect(Set(expected.keys) == Set(IngestError.Kind.allCases))
        for (kind, code) in expected {
            #expect(IngestError(kind, file: "f", message: "m", hint: "h").exitCode == code, "\(kind)")
        }
    }

    @Test("a one-line file of five million names is refused at field 65,537 with a short message (it ran for minutes at 3.4 GB)")
    func tooManyColumnsIsRefusedEarly() {
        var text = (0..<5_000_000).map { "c\($0)" }.joined(separator: ",")
        text += "\n"
        let e = ingestError { try load(text) }
        expectError(e, code: 21, kind: .inputTooLarge, line: 1, column: 65_537)
        #expect(e?.message.contains("more than 65536 fields") == true)
        #expect((e?.description.utf8.count ?? .max) < 2_000, "\(e?.description.utf8.count ?? 0) bytes")
    }

    @Test("a field longer than 1 MiB is refused where it is, in the first rows and later ones")
    func overlongFieldIsRefused() {
        let long = String(repeating: "x", count: (1 << 20) + 1)
        let early = ingestError { try load("date,note,price\n2024-01-01,\"\(long)\",1\n") }
        expectError(early, code: 21, kind: .inputTooLarge, line: 2, column: 2)
        #expect((early?.description.utf8.count ?? .max) < 2_000)
        var rows = "date,note,price\n"
        for d in 1...20 { rows += "2024-01-\(d < 10 ? "0" : "")\(d),ok,\(d)\n" }
        let late = ingestError { try load(rows + "2024-01-21,\"\(long)\",21\n") }
        expectError(late, code: 21, kind: .inputTooLarge, line: 22, column: 2)
    }

    @Test("lists of column names in messages are cut after a dozen, saying how many more")
    func longColumnListsAreTruncated() {
        let header = (0..<1_000).map { "c\($0)" }.joined(separator: ",")
        let row = (0..<1_000).map { "\($0)" }.joined(separator: ",")
        let e = ingestError { try load("\(header)\n\(row)\n\(row)\n") { $0.target = "nope" } }
        #expect(e?.kind == .columnSelection)
        #expect(e?.message.contains("\"c11\", … and 988 more") == true, "\(e?.message ?? "")")
        #expect((e?.message.utf8.count ?? .max) < 400)
    }
}
