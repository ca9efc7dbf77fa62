import Foundation

/// The regular spacing of a series' timestamps, as inferred by ingest (the lead maps ingest's
/// inference onto this). Dates are instants; calendar arithmetic and formatting use UTC, so a
/// date-only CSV value should be parsed as midnight UTC.
public enum DataFrequency: Codable, Hashable, Sendable {
    /// Monday to Friday, weekends skipped (holidays are gaps in the data, not in the calendar).
    case businessDaily
    case daily
    case weekly
    /// Same day of month; a series of month ends stays on month ends.
    case monthly
    case quarterly
    case yearly
    case hourly
    /// Any other regular spacing, in seconds.
    case fixed(seconds: Double)

    /// Human name for reports and JSON: "business-daily", "daily", …, "every 900 s".
    public var name: String {
        switch self {
        case .businessDaily: return "business-daily"
        case .daily: return "daily"
        case .weekly: return "weekly"
        case .monthly: return "monthly"
        case .quarterly: return "quarterly"
        case .yearly: return "yearly"
        case .hourly: return "hourly"
        case .fixed(let s): return "every \(formatSeconds(s))"
        }
    }

    /// The season the frequency suggests for the seasonal naive baseline and MASE:
    /// monthly 12, quarterly 4, daily 7, hourly 24 (known); business-daily 5 and weekly 52 only
    /// if the seasonal naive beats the naive on the training part; yearly and fixed none.
    public var defaultSeason: SeasonDefault {
        switch self {
        case .monthly: return .known(12)
        case .quarterly: return .known(4)
        case .daily: return .known(7)
        case .hourly: return .known(24)
        case .businessDaily: return .ifHelps(5)
        case .weekly: return .ifHelps(52)
        case .yearly, .fixed: return .none
        }
    }

    /// True when timestamps carry a time of day worth printing (sub-daily spacing).
    public var showsTime: Bool {
        switch self {
        case .hourly: return true
        case .fixed(let s): return s < 86_400 || s.truncatingRemainder(dividingBy: 86_400) != 0
        default: return false
        }
    }

    /// The date `steps` periods after `date` (steps ≥ 1). Business-daily skips Saturdays and
    /// Sundays; monthly/quarterly/yearly keep the day of month, or the month end when `date` is one.
    public func advance(_ date: Date, by steps: Int) -> Date {
        let calendar = DataFrequency.utcCalendar
        switch self {
        case .businessDaily:
            var d = date
            var remaining = steps
            while remaining > 0 {
                d = calendar.date(byAdding: .day, value: 1, to: d)!
                let weekday = calendar.component(.weekday, from: d)  // 1 = Sunday, 7 = Saturday
                if weekday != 1 && weekday != 7 { remaining -= 1 }
            }
            return d
        case .daily: return calendar.date(byAdding: .day, value: steps, to: date)!
        case .weekly: return calendar.date(byAdding: .day, value: 7 * steps, to: date)!
        case .monthly: return DataFrequency.addMonths(steps, to: date)
        case .quarterly: return DataFrequency.addMonths(3 * steps, to: date)
        case .yearly: return DataFrequency.addMonths(12 * steps, to: date)
        case .hourly: return date.addingTimeInterval(3600 * Double(steps))
        case .fixed(let s): return date.addingTimeInterval(s * Double(steps))
        }
    }

    /// `date` as text: "yyyy-MM-dd" for daily and coarser data, "yyyy-MM-dd HH:mm" (or with
    /// ":ss" when the spacing has seconds) for sub-daily data; always UTC.
    public func format(_ date: Date) -> String {
        let c = DataFrequency.utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        var text = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        if showsTime {
            text += String(format: " %02d:%02d", c.hour!, c.minute!)
            if case .fixed(let s) = self, s.truncatingRemainder(dividingBy: 60) != 0 {
                text += String(format: ":%02d", c.second!)
            }
        }
        return text
    }

    /// The Gregorian calendar in UTC that all date arithmetic and formatting here uses.
    public static let utcCalendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// Adds calendar months keeping the time of day. The day of month is kept, clamped to the
    /// target month's length; a month-end date stays a month end (Feb 28 + 1 month = Mar 31).
    private static func addMonths(_ months: Int, to date: Date) -> Date {
        let calendar = utcCalendar
        var c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let isMonthEnd = c.day! == daysIn(year: c.year!, month: c.month!)
        let total = c.year! * 12 + (c.month! - 1) + months
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        let length = daysIn(year: year, month: month)
        c.year = year
        c.month = month
        c.day = isMonthEnd ? length : min(c.day!, length)
        return calendar.date(from: c)!
    }

    private static func daysIn(year: Int, month: Int) -> Int {
        let calendar = utcCalendar
        let first = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
        return calendar.range(of: .day, in: .month, for: first)!.count
    }
}

private func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
}
