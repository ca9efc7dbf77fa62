import Foundation

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01 (UTC), after H. Hinnant's
/// `days_from_civil` / `civil_from_days`. O(1), exact for any Int year in range.
enum CivilCalendar {
    static let secondsPerDay = 86_400.0

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(days z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday).
    static func weekday(days: Int) -> Int {
        let r = (days + 3) % 7
        return r < 0 ? r + 7 : r
    }

    /// Whole days since 1970-01-01 of a time in seconds (floor).
    static func dayNumber(_ seconds: Double) -> Int { Int((seconds / secondsPerDay).rounded(.down)) }
}

/// A UTC time broken into calendar fields in the proleptic Gregorian calendar (ISO 8601), the
/// calendar the CSV parser reads dates in. Foundation's `.gregorian` calendar switches to the
/// Julian calendar before 1582-10-15, which would print a parsed "1500-01-01" ten days off, so
/// everything that prints or steps through a series' dates uses this type instead. O(1).
public struct UTCDateTime: Hashable, Sendable {
    public var year: Int
    public var month: Int   // 1...12
    public var day: Int     // 1...31
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second) = (hour, minute, second)
    }

    /// The fields of `date` (whole seconds, rounded down).
    public init(_ date: Date) {
        let t = date.timeIntervalSince1970
        let days = CivilCalendar.dayNumber(t)
        let secondOfDay = Int((t - Double(days) * CivilCalendar.secondsPerDay).rounded(.down))
        let (y, m, d) = CivilCalendar.civil(days: days)
        self.init(year: y, month: m, day: d,
                  hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60, second: secondOfDay % 60)
    }

    /// The instant these fields name; months past 12 or below 1 roll over into other years.
    public var date: Date {
        let monthIndex = year * 12 + (month - 1)
        let y = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let m = monthIndex - y * 12 + 1
        let days = CivilCalendar.days(year: y, month: m, day: 1) + (day - 1)
        return Date(timeIntervalSince1970: Double(days) * CivilCalendar.secondsPerDay
                    + Double(hour * 3600 + minute * 60 + second))
    }

    /// 0 = Monday … 6 = Sunday.
    public var weekday: Int { CivilCalendar.weekday(days: CivilCalendar.days(year: year, month: month, day: day)) }

    /// "1500-01-01": four-digit years (more digits when needed), zero-padded fields.
    public var dayText: String { "\(Self.padded(year, 4))-\(Self.padded(month, 2))-\(Self.padded(day, 2))" }

    /// Zero-padded to `width` digits: `UTCDateTime.padded(7, 2)` is "07".
    public static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
