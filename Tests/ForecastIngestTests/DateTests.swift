import Foundation
import Testing
@testable import ForecastIngest

/// Date forms, the date column's discovery, and the date parser itself.
@Suite struct DateTests {
    @Test(arguments: [
        ("2024-02-29", utc(2024, 2, 29)),
        ("2024-02-29T13:45", utc(2024, 2, 29, 13, 45)),
        ("2024-02-29T13:45:30", utc(2024, 2, 29, 13, 45, 30)),
        ("2024-02-29T13:45:30Z", utc(2024, 2, 29, 13, 45, 30)),
        ("2024-02-29T13:45:30+02:00", utc(2024, 2, 29, 11, 45, 30)),
        ("2024-02-29T13:45-05:30", utc(2024, 2, 29, 19, 15)),
        ("2024-02-29 13:45:30", utc(2024, 2, 29, 13, 45, 30)),
        ("2024/02/29", utc(2024, 2, 29)),
        ("1709214330", utc(2024, 2, 29, 13, 45, 30)),
        ("2024-03", utc(2024, 3, 1)),
    ])
    func isoFormsAndEpochSeconds(_ text: String, _ expected: Date) throws {
        let parser = try DateParser()
        #expect(parser.parse(text) == expected, "\(text)")
    }

    @Test(arguments: ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-01T24:00",
                      "2024-01-01T10:60", "2024-01-01T10:00:00+25:00", "2024-01-01x", "24-01-01", "01.02.2024",
                      "", "2024-01-01T", "abc", "2024-01-01 9:00"])
    func invalidDatesAreRejected(_ text: String) throws {
        #expect(try DateParser().parse(text) == nil, "\(text)")
    }

    @Test func dateFormatOption() throws {
        let s = try load("Datum;Kurs\n31.01.2024;1,5\n01.02.2024;2,5\n") { $0.dateFormat = "%d.%m.%Y" }
        #expect(s.dates == [utc(2024, 1, 31), utc(2024, 2, 1)])
        #expect(s.target == [1.5, 2.5])
        #expect(s.summary.dateColumn == "Datum")

        let names = try DateParser(format: "%d %b %Y %I:%M %p")
        #expect(names.parse("05 Mar 2024 01:30 PM") == utc(2024, 3, 5, 13, 30))
        #expect(try DateParser(format: "%B %d, %Y").parse("february 29, 2024") == utc(2024, 2, 29))
        #expect(try DateParser(format: "%Y%m%d").parse("20240131") == utc(2024, 1, 31))
        #expect(try DateParser(format: "%y-%j").parse("24-060") == utc(2024, 2, 29))
        #expect(try DateParser(format: "%m/%d/%Y").parse("2024-01-31") == nil)
    }

    @Test func invalidDateFormatIsAUsageError() {
        let e = ingestError { try load("d,v\n2024-01-01,1\n") { $0.dateFormat = "%d.%q.%Y" } }
        #expect(e?.exitCode == 64)
        #expect(e?.kind == .invalidOption)
        #expect(e?.description.contains("%q") == true)
        let noYear = ingestError { try DateParser(format: "%d.%m") }
        #expect(noYear?.exitCode == 64)
    }

    @Test(arguments: ["date", "Time", "TIMESTAMP", "datetime", "ds"])
    func dateColumnFoundByName(_ name: String) throws {
        let s = try load("value,\(name)\n1,2024-01-01\n2,2024-01-02\n")
        #expect(s.summary.dateColumn == name)
        #expect(s.dates == [utc(2024, 1, 1), utc(2024, 1, 2)])
        #expect(s.targetName == "value")
    }

    @Test func epochSecondsInANamedColumn() throws {
        let s = try load("timestamp,price\n1704067200,1\n1704153600,2\n")
        #expect(s.dates == [utc(2024, 1, 1), utc(2024, 1, 2)])
        #expect(s.target == [1, 2])
    }

    @Test("epoch milliseconds are read as milliseconds, not as seconds in the year 52671")
    func epochMilliseconds() throws {
        let s = try load("timestamp,price\n1704067200000,1\n1704153600000,2\n1704240000500,3\n")
        #expect(s.dates?.prefix(2) == [utc(2024, 1, 1), utc(2024, 1, 2)])
        #expect(s.dates?.last == utc(2024, 1, 3).addingTimeInterval(0.5))
        #expect(s.frequency == .daily)
    }

    @Test func dateColumnFoundByContent() throws {
        let s = try load("price,when\n1,2024-01-01 09:00:00\n2,2024-01-01 10:00:00\n3,2024-01-01 11:00:00\n")
        #expect(s.summary.dateColumn == "when")
        #expect(s.frequency == .hourly)
    }

    @Test("two date-like columns: the first is taken, and the summary says which and names the other")
    func twoDateColumnsAreSaid() throws {
        let s = try load("opened,closed,price\n2024-01-01,2024-02-01,1\n2024-01-02,2024-03-01,2\n")
        #expect(s.summary.dateColumn == "opened")
        #expect(s.summary.otherDateColumns == ["closed"])
        #expect(s.summary.lines.contains("date column opened chosen; closed also looks like dates (--date-column picks another)"))
        let chosen = try load("opened,closed,price\n2024-01-01,2024-02-01,1\n2024-01-02,2024-03-01,2\n") { $0.dateColumn = "closed" }
        #expect(chosen.summary.otherDateColumns.isEmpty, "a column given by the option is not second-guessed")
    }

    @Test func dateColumnGivenByOption() throws {
        // Two date-like columns: the option chooses the second.
        let s = try load("opened,closed,price\n2024-01-01,2024-02-01,1\n2024-01-02,2024-03-01,2\n") {
            $0.dateColumn = "CLOSED"
        }
        #expect(s.summary.dateColumn == "closed")
        #expect(s.dates == [utc(2024, 2, 1), utc(2024, 3, 1)])
    }

    @Test func unknownDateColumnIsASelectionError() {
        let e = ingestError { try load("date,price\n2024-01-01,1\n") { $0.dateColumn = "day" } }
        expectError(e, code: 16, kind: .columnSelection, line: 1, column: nil)
        #expect(e?.message.contains("\"date\", \"price\"") == true)
    }
}

@Suite("columns that look like dates but are not read")
struct UnreadDateColumnTests {
    @Test("a 'Datum' column of 31.12.2020 is not silently ignored: a warning names it and the --date-format to pass")
    func dayFirstDatesGetAFormatHint() throws {
        var text = "Datum,wert\n"
        for d in 1...28 { text += String(format: "%02d.01.2021,%d\n", d, d) }
        let s = try load(text)
        #expect(s.dates == nil)
        #expect(s.summary.warnings == ["column \"Datum\" looks like dates (\"01.01.2021\") in a form not read automatically, so the rows are numbered instead of dated; pass --date-format '%d.%m.%Y' (and --date-column \"Datum\") to use them"])
        // The suggested format reads it.
        let dated = try load(text) { $0.dateFormat = "%d.%m.%Y"; $0.dateColumn = "Datum" }
        #expect(dated.dates?.count == 28)
        // Month first when the first field cannot be a day of… the second can: 12/31/2020.
        let us = try load("when,v\n12/31/2020,1\n12/30/2020,2\n")
        #expect(us.summary.unreadDateColumn?.format == "%m/%d/%Y")
    }

    @Test("a misspelt --target gets a did-you-mean")
    func misspeltTargetIsSuggested() {
        let e = ingestError { try load("date,realgdp,realcons\n2024-01-01,1,2\n2024-01-02,2,3\n") { $0.target = "realgpd" } }
        #expect(e?.hint?.hasPrefix("did you mean \"realgdp\"? ") == true, "\(e?.hint ?? "")")
    }
}
