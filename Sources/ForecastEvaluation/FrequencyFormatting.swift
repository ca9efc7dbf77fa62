import Foundation
import ForecastIngest

/// How dates of a series of a given `ForecastIngest.Frequency` are printed in reports, JSON and
/// the console. Ingest infers the frequency and owns the calendar arithmetic
/// (`Frequency.advance(_:by:)`, `Frequency.name`). Dates are instants shown in UTC in the
/// proleptic Gregorian calendar the parser reads (``UTCDateTime``), so a date-only CSV value
/// (parsed as midnight UTC) prints as that date, also before 1583.
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
        let c = UTCDateTime(date)
        var text = c.dayText
        if showsTime {
            text += " " + UTCDateTime.padded(c.hour, 2) + ":" + UTCDateTime.padded(c.minute, 2)
            if case .irregular(let step) = self, step.truncatingRemainder(dividingBy: 60) != 0 {
                text += ":" + UTCDateTime.padded(c.second, 2)
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
}
