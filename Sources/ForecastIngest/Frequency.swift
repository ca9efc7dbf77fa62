import Foundation

/// The sampling frequency of a dated series, inferred from the spacing of its timestamps.
///
/// All calendar arithmetic is in UTC. `businessDaily` is Monday–Friday: weekends are not gaps.
public enum Frequency: Equatable, Hashable, Sendable, Codable {
    case minutely, hourly, daily, businessDaily, weekly, monthly, quarterly, yearly
    /// Timestamps with no recognised calendar spacing; `step` is the median spacing in seconds.
    case irregular(step: Double)
    /// No dates (a single column of values), or fewer than two rows.
    case unknown

    /// A short name for reports: `daily`, `business-daily`, `irregular (~90 s)`, ...
    public var name: String {
        switch self {
        case .minutely: return "minutely"
        case .hourly: return "hourly"
        case .daily: return "daily"
        case .businessDaily: return "business-daily"
        case .weekly: return "weekly"
        case .monthly: return "monthly"
        case .quarterly: return "quarterly"
        case .yearly: return "yearly"
        case .irregular(let step): return "irregular (~\(Self.describe(seconds: step)))"
        case .unknown: return "unknown"
        }
    }

    /// The usual seasonal period in steps: 12 monthly, 4 quarterly, 7 daily, 5 business-daily,
    /// 52 weekly, 24 hourly; `nil` for the others.
    public var defaultSeason: Int? {
        switch self {
        case .monthly: return 12
        case .quarterly: return 4
        case .daily: return 7
        case .businessDaily: return 5
        case .weekly: return 52
        case .hourly: return 24
        default: return nil
        }
    }

    /// `date` moved by `steps` periods (negative moves back). Business days skip Saturday and
    /// Sunday; months keep the day of month (clamped; a month's last day maps to the last day);
    /// `irregular` moves by its median step; `unknown` returns `date` unchanged. O(1).
    public func advance(_ date: Date, by steps: Int) -> Date {
        let t = date.timeIntervalSince1970
        switch self {
        case .minutely: return Date(timeIntervalSince1970: t + 60 * Double(steps))
        case .hourly: return Date(timeIntervalSince1970: t + 3600 * Double(steps))
        case .daily: return Date(timeIntervalSince1970: t + 86_400 * Double(steps))
        case .weekly: return Date(timeIntervalSince1970: t + 7 * 86_400 * Double(steps))
        case .businessDaily:
            let day = CivilCalendar.dayNumber(t)
            let target = Self.businessDay(fromIndex: Self.businessIndex(day: day) + steps)
            // A weekend start counts as the following Monday.
            return Date(timeIntervalSince1970: t + Double(target - day) * 86_400)
        case .monthly: return Self.addMonths(t, steps)
        case .quarterly: return Self.addMonths(t, 3 * steps)
        case .yearly: return Self.addMonths(t, 12 * steps)
        case .irregular(let step): return Date(timeIntervalSince1970: t + step * Double(steps))
        case .unknown: return date
        }
    }

    /// Whole periods from `a` to `b` (rounded to the nearest for fixed spans); `nil` for `.unknown`.
    /// Consecutive points of a gap-free series are 1 step apart. O(1).
    public func steps(from a: Date, to b: Date) -> Int? {
        let ta = a.timeIntervalSince1970, tb = b.timeIntervalSince1970
        func fixed(_ span: Double) -> Int { Int(((tb - ta) / span).rounded()) }
        switch self {
        case .minutely: return fixed(60)
        case .hourly: return fixed(3600)
        case .daily: return CivilCalendar.dayNumber(tb) - CivilCalendar.dayNumber(ta)
        case .weekly: return fixed(7 * 86_400)
        case .businessDaily:
            return Self.businessIndex(day: CivilCalendar.dayNumber(tb)) - Self.businessIndex(day: CivilCalendar.dayNumber(ta))
        case .monthly: return Self.monthIndex(tb) - Self.monthIndex(ta)
        case .quarterly: return Int((Double(Self.monthIndex(tb) - Self.monthIndex(ta)) / 3).rounded())
        case .yearly: return CivilCalendar.civil(days: CivilCalendar.dayNumber(tb)).year
            - CivilCalendar.civil(days: CivilCalendar.dayNumber(ta)).year
        case .irregular(let step): return step > 0 ? fixed(step) : nil
        case .unknown: return nil
        }
    }

    /// Infers the frequency of strictly increasing times (seconds since 1970, UTC) from the median
    /// spacing. Dates with no Saturday or Sunday, a median step of one business day and at least
    /// one step over a weekend are `businessDaily`. O(n log n).
    static func infer(_ seconds: [Double]) -> Frequency {
        guard seconds.count >= 2 else { return .unknown }
        var diffs = [Double]()
        diffs.reserveCapacity(seconds.count - 1)
        for k in 1..<seconds.count { diffs.append(seconds[k] - seconds[k - 1]) }
        diffs.sort()
        let median = diffs[diffs.count / 2]
        let day = 86_400.0
        func near(_ x: Double, _ tolerance: Double) -> Bool { abs(median - x) <= tolerance }
        if near(60, 0.5) { return .minutely }
        if near(3600, 0.5) { return .hourly }
        // Business days: no Saturday or Sunday, and a median step of one business day (calendar
        // steps of 1 day, 3 over a weekend). Checked first: short weekday series have many 3-day steps.
        if median >= day - 3600 && median <= 3 * day + 3600 {
            var weekend = false
            var crossesWeekend = false
            var businessSteps: [Int] = []
            businessSteps.reserveCapacity(seconds.count - 1)
            var previous = CivilCalendar.dayNumber(seconds[0])
            if CivilCalendar.weekday(days: previous) >= 5 { weekend = true }
            for k in 1..<seconds.count where !weekend {
                let d = CivilCalendar.dayNumber(seconds[k])
                if CivilCalendar.weekday(days: d) >= 5 { weekend = true; break }
                if CivilCalendar.weekday(days: d) < CivilCalendar.weekday(days: previous) || d - previous >= 7 { crossesWeekend = true }
                businessSteps.append(businessIndex(day: d) - businessIndex(day: previous))
                previous = d
            }
            if !weekend {
                businessSteps.sort()
                if businessSteps[businessSteps.count / 2] == 1 {
                    return crossesWeekend ? .businessDaily : .daily
                }
            }
        }
        if near(day, 3600) { return .daily }
        if near(7 * day, 0.5 * day) { return .weekly }
        if median >= 28 * day - 3600 && median <= 31 * day + 3600 { return .monthly }
        if median >= 89 * day - 3600 && median <= 92 * day + 3600 { return .quarterly }
        if median >= 365 * day - 3600 && median <= 366 * day + 3600 { return .yearly }
        return .irregular(step: median)
    }

    // MARK: - Calendar helpers

    /// Index of the business day on or after `day` (Monday of week 0 = 0; Sat/Sun → next Monday).
    static func businessIndex(day: Int) -> Int {
        let shifted = day + 3  // days since a Monday (1969-12-29)
        let week = shifted >= 0 ? shifted / 7 : (shifted - 6) / 7
        return week * 5 + min(shifted - week * 7, 5)
    }

    /// Inverse of `businessIndex` on weekdays.
    static func businessDay(fromIndex index: Int) -> Int {
        let week = index >= 0 ? index / 5 : (index - 4) / 5
        return week * 7 + (index - week * 5) - 3
    }

    static func monthIndex(_ t: Double) -> Int {
        let c = CivilCalendar.civil(days: CivilCalendar.dayNumber(t))
        return c.year * 12 + (c.month - 1)
    }

    static func addMonths(_ t: Double, _ months: Int) -> Date {
        let day = CivilCalendar.dayNumber(t)
        let timeOfDay = t - Double(day) * 86_400
        let c = CivilCalendar.civil(days: day)
        let index = c.year * 12 + (c.month - 1) + months
        let year = index >= 0 ? index / 12 : (index - 11) / 12
        let month = index - year * 12 + 1
        let lastDay = CivilCalendar.daysInMonth(year: year, month: month)
        let wasLastDay = c.day == CivilCalendar.daysInMonth(year: c.year, month: c.month)
        let newDay = wasLastDay ? lastDay : min(c.day, lastDay)
        let days = CivilCalendar.days(year: year, month: month, day: newDay)
        return Date(timeIntervalSince1970: Double(days) * 86_400 + timeOfDay)
    }

    static func describe(seconds: Double) -> String {
        if seconds >= 86_400 { return String(format: "%.3g d", seconds / 86_400) }
        if seconds >= 3600 { return String(format: "%.3g h", seconds / 3600) }
        if seconds >= 60 { return String(format: "%.3g min", seconds / 60) }
        return String(format: "%.3g s", seconds)
    }
}
