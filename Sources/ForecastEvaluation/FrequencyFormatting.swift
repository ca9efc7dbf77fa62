import Foundation
import ForecastIngest

/// How dates of a series of a given `ForecastIngest.Frequency` are printed in reports, JSON and
/// the console. Ingest infers the frequency and owns the calendar arithmetic
/// (`Frequency.advance(_:by:)`, `Frequency.name`). Dates are instants shown in UTC, so a
/// date-only CSV value (parsed as midnight UTC) prints as that date.
extension Frequency {
    /// True when timestamps carry a time of day worth printing: minutely and hourly data, and an
    /// irregular spacing that is sub-daily or not a whole number of days. A dateless series
    /// (`.unknown`) is numbered in days, so it prints dates only.
    public var showsTime: Bool {
        switch self {
        case .minutely, .hourly: return true
        case .irregular(let step): return step < 86_400 || step.truncatingRemainder(dividingBy: 86_400) != 0
        case .daily, .businessDaily, .weekly, .monthly, .quarterly, .yearly, .unknown: return false
        }
    }

    /// `date` as text: "yyyy-MM-dd" for daily and coarser data, "yyyy-MM-dd HH:mm" for sub-daily
    /// data, with ":ss" when an irregular spacing is not a whole number of minutes; always UTC.
    public func format(_ date: Date) -> String {
        let c = Frequency.utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        var text = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        if showsTime {
            text += String(format: " %02d:%02d", c.hour!, c.minute!)
            if case .irregular(let step) = self, step.truncatingRemainder(dividingBy: 60) != 0 {
                text += String(format: ":%02d", c.second!)
            }
        }
        return text
    }

    /// The Gregorian calendar in UTC that `format(_:)` uses.
    public static let utcCalendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()
}
