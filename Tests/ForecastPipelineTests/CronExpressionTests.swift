import Foundation
import Testing
@testable import ForecastPipeline

private let utc = TimeZone(identifier: "UTC")!

/// `yyyy-MM-dd HH:mm` in UTC.
private func at(_ s: String) -> Date {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = utc
    f.dateFormat = "yyyy-MM-dd HH:mm"
    return f.date(from: s)!
}

private func show(_ d: Date?) -> String {
    guard let d else { return "never" }
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = utc
    f.dateFormat = "yyyy-MM-dd HH:mm EEE"
    return f.string(from: d)
}

@Suite struct CronExpressionTests {
    @Test func fieldsExpand() throws {
        let c = try CronExpression("*/15 6-8,20 1,15 jan-mar/2 mon-fri")
        #expect(c.minutes == [0, 15, 30, 45])
        #expect(c.hours == [6, 7, 8, 20])
        #expect(c.daysOfMonth == [1, 15])
        #expect(c.months == [1, 3])
        #expect(c.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0], "7 is Sunday")
        #expect(try CronExpression("0 0 * * 5-7").daysOfWeek == [0, 5, 6])
        #expect(try CronExpression("0 0 * * SUN,Sat").daysOfWeek == [0, 6])
        #expect(try CronExpression("@daily") == CronExpression("@daily"))
        #expect(try CronExpression("@hourly").minutes == [0])
        #expect(try CronExpression("@hourly").hours.count == 24)
    }

    @Test(arguments: [
        ("61 * * * *", "minute value 61 is out of range 0-59"),
        ("* 24 * * *", "hour value 24 is out of range 0-23"),
        ("* * 0 * *", "day-of-month value 0 is out of range 1-31"),
        ("* * * 13 *", "month value 13 is out of range 1-12"),
        ("* * * * 8", "day-of-week value 8 is out of range 0-7"),
        ("* * * foo *", "'foo' is not a valid month"),
        ("5-1 * * * *", "range '5-1' runs backwards"),
        ("*/0 * * * *", "step '0' in '*/0' is not a positive whole number"),
        ("5/10 * * * *", "step '5/10' needs a range or '*' before '/'"),
        ("1,,2 * * * *", "empty item in the list '1,,2'"),
        ("* * * *", "expected 5 fields"),
        ("* * * * * /bin/true", "expected 5 fields"),
        ("@reboot", "'@reboot' has no schedule"),
        ("@often", "unknown macro '@often'"),
        ("", "expected 5 fields"),
    ])
    func invalidExpressions(_ text: String, _ message: String) {
        do {
            _ = try CronExpression(text)
            Issue.record("'\(text)' should not parse")
        } catch let e as CronExpressionError {
            #expect(e.message.hasPrefix(message), "\(e.message)")
            #expect(!(e.hint ?? "").isEmpty)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func nextFireOnWeekdays() throws {
        let c = try CronExpression("30 6 * * 1-5")
        // 2024-05-03 is a Friday.
        #expect(show(c.nextFireDate(after: at("2024-05-03 06:00"), in: utc)) == "2024-05-03 06:30 Fri")
        #expect(show(c.nextFireDate(after: at("2024-05-03 06:30"), in: utc)) == "2024-05-06 06:30 Mon", "strictly after")
        #expect(show(c.nextFireDate(after: at("2024-05-04 12:00"), in: utc)) == "2024-05-06 06:30 Mon")
        #expect(c.matches(at("2024-05-06 06:30"), in: utc))
        #expect(!c.matches(at("2024-05-05 06:30"), in: utc))
    }

    @Test func nextFireEdgeCases() throws {
        #expect(show(try CronExpression("* * * * *").nextFireDate(after: at("2024-12-31 23:59"), in: utc)) == "2025-01-01 00:00 Wed")
        #expect(show(try CronExpression("0 0 29 2 *").nextFireDate(after: at("2024-03-01 00:00"), in: utc)) == "2028-02-29 00:00 Tue")
        #expect(try CronExpression("0 0 30 2 *").nextFireDate(after: at("2024-01-01 00:00"), in: utc) == nil)
        #expect(show(try CronExpression("@monthly").nextFireDate(after: at("2024-01-31 10:00"), in: utc)) == "2024-02-01 00:00 Thu")
        #expect(show(try CronExpression("*/20 9 * * *").nextFireDate(after: at("2024-01-01 09:41"), in: utc)) == "2024-01-02 09:00 Tue")
        // Both day fields restricted: either matches (Vixie). 2024-06-01 is a Saturday, the 13th a Thursday.
        let either = try CronExpression("0 12 13 * fri")
        #expect(show(either.nextFireDate(after: at("2024-06-01 00:00"), in: utc)) == "2024-06-07 12:00 Fri")
        #expect(show(either.nextFireDate(after: at("2024-06-08 00:00"), in: utc)) == "2024-06-13 12:00 Thu")
        // A star-prefixed day field means both must match.
        let both = try CronExpression("0 12 */2 * fri")
        #expect(show(both.nextFireDate(after: at("2024-06-01 00:00"), in: utc)) == "2024-06-07 12:00 Fri")
        #expect(show(both.nextFireDate(after: at("2024-06-08 00:00"), in: utc)) == "2024-06-21 12:00 Fri", "the 14th is even")
    }

    @Test func nextFireInAnotherTimeZone() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let c = try CronExpression("30 6 * * *")
        // 06:30 in Berlin in summer is 04:30 UTC.
        #expect(show(c.nextFireDate(after: at("2024-07-01 00:00"), in: berlin)) == "2024-07-01 04:30 Mon")
    }
}
