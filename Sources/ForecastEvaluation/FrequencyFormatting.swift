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
        if self == .unknown {
            // A dateless series carries row numbers as days from `rowNumberOrigin`: show the row.
            return "row \(Frequency.rowNumber(of: date))"
        }
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

    /// Row i (0-based) of a series without dates is stamped `rowNumberOrigin` + i days, so that
    /// the evaluation, which works on dates, can handle it; `format` prints it as "row i+1".
    public static let rowNumberOrigin = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01

    /// The stamp of row `index` (0-based) of a series without dates: `rowNumberOrigin` + index days.
    public static func rowStamp(_ index: Int) -> Date {
        rowNumberOrigin.addingTimeInterval(Double(index) * 86_400)
    }

    /// The 1-based row number a ``rowStamp(_:)`` stands for.
    public static func rowNumber(of stamp: Date) -> Int {
        Int((stamp.timeIntervalSince(rowNumberOrigin) / 86_400).rounded()) + 1
    }

    /// The Gregorian calendar in UTC that `format(_:)` uses.
    public static let utcCalendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()
}
