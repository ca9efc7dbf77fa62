import Foundation

/// Parses the date column's text into a UTC instant.
///
/// Without a format it accepts `YYYY-MM-DD`, `YYYY-MM`, `YYYY/MM/DD`,
/// `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM|±HHMM]`, `YYYY-MM-DD HH:MM[:SS[.fff]]`, and, when
/// `allowEpoch` is set, epoch seconds (`1700000000`, `1700000000.5`) or, from 1e11 on, epoch
/// milliseconds (`1700000000000`). Times without a zone are
/// taken as UTC. With a format (strftime-like) only that format is accepted:
/// `%Y` year (1-4 digits), `%y` two-digit year (69-99 → 19xx, 00-68 → 20xx), `%m` month,
/// `%d`/`%e` day, `%H` hour, `%I` hour 1-12 with `%p` AM/PM, `%M` minute, `%S` second,
/// `%f` fraction of a second, `%b` month abbreviation (Jan), `%B` month name (January),
/// `%j` day of year, `%z` zone (`Z`, `±HH:MM`, `±HHMM`), `%s` epoch seconds, `%%` a percent sign;
/// a space matches one or more spaces; other characters match themselves.
/// Cost: O(length of text).
public struct DateParser: Sendable {
    /// The format given at creation, if any.
    public let format: String?
    private let tokens: [Token]?

    private enum Token: Sendable, Equatable {
        case literal(UInt8), space
        case year4, year2, month, day, hour24, hour12, ampm, minute, second, fraction
        case monthAbbreviation, monthName, dayOfYear, zone, epoch
    }

    /// Throws `IngestError(.invalidOption)` (file `--date-format`) when the format has an unknown
    /// directive or no year.
    public init(format: String? = nil) throws {
        self.format = format
        guard let format else { tokens = nil; return }
        var result: [Token] = []
        let bytes = Array(format.utf8)
        var i = 0
        var hasYear = false
        func bad(_ why: String) -> IngestError {
            IngestError(.invalidOption, file: "--date-format", offendingText: format,
                        message: "invalid date format \(quoted(format)): \(why)",
                        hint: "use strftime directives such as %Y-%m-%d, %d.%m.%Y or %m/%d/%Y %H:%M")
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "%") {
                guard i + 1 < bytes.count else { throw bad("a lone % at the end") }
                let d = bytes[i + 1]
                let token: Token
                switch d {
                case UInt8(ascii: "Y"): token = .year4; hasYear = true
                case UInt8(ascii: "y"): token = .year2; hasYear = true
                case UInt8(ascii: "m"): token = .month
                case UInt8(ascii: "d"), UInt8(ascii: "e"): token = .day
                case UInt8(ascii: "H"): token = .hour24
                case UInt8(ascii: "I"): token = .hour12
                case UInt8(ascii: "p"): token = .ampm
                case UInt8(ascii: "M"): token = .minute
                case UInt8(ascii: "S"): token = .second
                case UInt8(ascii: "f"): token = .fraction
                case UInt8(ascii: "b"), UInt8(ascii: "h"): token = .monthAbbreviation
                case UInt8(ascii: "B"): token = .monthName
                case UInt8(ascii: "j"): token = .dayOfYear
                case UInt8(ascii: "z"): token = .zone
                case UInt8(ascii: "s"): token = .epoch; hasYear = true
                case UInt8(ascii: "%"): token = .literal(UInt8(ascii: "%"))
                default:
                    throw bad("unknown directive %\(Character(Unicode.Scalar(d)))")
                }
                result.append(token)
                i += 2
            } else if c == 0x20 {
                if result.last != .space { result.append(.space) }
                i += 1
            } else {
                result.append(.literal(c))
                i += 1
            }
        }
        if !hasYear { throw bad("it has no year (%Y, %y or %s)") }
        tokens = result
    }

    /// The instant `text` denotes, or `nil`. Epoch seconds are accepted here.
    public func parse(_ text: String) -> Date? {
        seconds(text, allowEpoch: true).map { Date(timeIntervalSince1970: $0) }
    }

    /// Seconds since 1970-01-01T00:00:00Z, or `nil`.
    public func seconds(_ text: String, allowEpoch: Bool = true) -> Double? {
        var t = text
        return t.withUTF8 { buf in
            guard let base = buf.baseAddress else { return nil }
            return seconds(base, buf.count, allowEpoch: allowEpoch)
        }
    }

    func seconds(_ p: UnsafePointer<UInt8>, _ count: Int, allowEpoch: Bool) -> Double? {
        let (i, end) = trimmedSpacesAndTabs(p, count)
        if i == end { return nil }
        var cursor = Cursor(p: p, i: i, end: end)
        if let tokens { return Self.parse(&cursor, tokens: tokens) }
        if let v = Self.parseISO(&cursor) { return v }
        if allowEpoch {
            cursor.i = i
            return Self.parseEpoch(&cursor)
        }
        return nil
    }

    // MARK: - Scanning

    private struct Cursor {
        let p: UnsafePointer<UInt8>
        var i: Int
        let end: Int
        var atEnd: Bool { i >= end }
        var peek: UInt8? { i < end ? p[i] : nil }

        mutating func take(_ c: UInt8) -> Bool {
            if i < end && p[i] == c { i += 1; return true }
            return false
        }

        /// Between `minDigits` and `maxDigits` decimal digits, greedy.
        mutating func digits(min minDigits: Int, max maxDigits: Int) -> Int? {
            var v = 0
            var n = 0
            while n < maxDigits && i < end {
                let d = p[i] &- 0x30
                if d > 9 { break }
                v = v * 10 + Int(d)
                n += 1
                i += 1
            }
            return n >= minDigits ? v : nil
        }

        /// `.fff`-style fraction digits as a value in [0, 1).
        mutating func fraction() -> Double? {
            var v = 0.0
            var scale = 0.1
            var n = 0
            while i < end {
                let d = p[i] &- 0x30
                if d > 9 { break }
                if n < 15 { v += Double(d) * scale; scale /= 10 }
                n += 1
                i += 1
            }
            return n > 0 ? v : nil
        }

        /// `Z`, `±HH:MM`, `±HHMM` or `±HH`: the zone's offset east of UTC in seconds.
        mutating func zone() -> Double? {
            guard let c = peek else { return nil }
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") { i += 1; return 0 }
            guard c == UInt8(ascii: "+") || c == UInt8(ascii: "-") else { return nil }
            i += 1
            guard let h = digits(min: 2, max: 2), h <= 23 else { return nil }
            var m = 0
            if take(UInt8(ascii: ":")) {
                guard let mm = digits(min: 2, max: 2) else { return nil }
                m = mm
            } else if let mm = digits(min: 2, max: 2) {
                m = mm
            }
            guard m <= 59 else { return nil }
            let offset = Double(h * 3600 + m * 60)
            return c == UInt8(ascii: "-") ? -offset : offset
        }

        /// Case-insensitive match of an English month name (3-letter or full); returns 1...12.
        mutating func monthName(full: Bool) -> Int? {
            for (index, name) in monthNames.enumerated() {
                let n = full ? name.count : 3
                guard i + n <= end else { continue }
                var ok = true
                for k in 0..<n where (p[i + k] | 0x20) != name[k] { ok = false; break }
                if ok { i += n; return index + 1 }
            }
            return nil
        }
    }

    private static let monthNames: [[UInt8]] = [
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december",
    ].map { Array($0.utf8) }

    private static func instant(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0,
                                second: Int = 0, fraction: Double = 0, zone: Double = 0) -> Double? {
        guard (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        let d = CivilCalendar.days(year: year, month: month, day: day)
        return Double(d) * CivilCalendar.secondsPerDay + Double(hour * 3600 + minute * 60 + second) + fraction - zone
    }

    private static func parseISO(_ c: inout Cursor) -> Double? {
        guard let year = c.digits(min: 4, max: 4) else { return nil }
        guard let sep = c.peek, sep == UInt8(ascii: "-") || sep == UInt8(ascii: "/") else { return nil }
        c.i += 1
        guard let month = c.digits(min: 1, max: 2) else { return nil }
        if c.atEnd && sep == UInt8(ascii: "-") { return instant(year: year, month: month, day: 1) }
        guard c.take(sep), let day = c.digits(min: 1, max: 2) else { return nil }
        if c.atEnd { return instant(year: year, month: month, day: day) }
        guard let t = c.peek, t == UInt8(ascii: "T") || t == UInt8(ascii: "t") || t == 0x20 else { return nil }
        c.i += 1
        guard let hour = c.digits(min: 2, max: 2), c.take(UInt8(ascii: ":")),
              let minute = c.digits(min: 2, max: 2) else { return nil }
        var second = 0
        var fraction = 0.0
        if c.take(UInt8(ascii: ":")) {
            guard let s = c.digits(min: 2, max: 2) else { return nil }
            second = s
            if c.take(UInt8(ascii: ".")) || c.take(UInt8(ascii: ",")) {
                guard let f = c.fraction() else { return nil }
                fraction = f
            }
        }
        var zone = 0.0
        if !c.atEnd {
            guard let z = c.zone() else { return nil }
            zone = z
        }
        guard c.atEnd else { return nil }
        return instant(year: year, month: month, day: day, hour: hour, minute: minute,
                       second: second, fraction: fraction, zone: zone)
    }

    private static func parseEpoch(_ c: inout Cursor) -> Double? {
        let negative = c.take(UInt8(ascii: "-"))
        if !negative { _ = c.take(UInt8(ascii: "+")) }
        let start = c.i
        var whole = 0.0
        while let d = c.peek, d &- 0x30 <= 9 {
            whole = whole * 10 + Double(d &- 0x30)
            c.i += 1
        }
        if c.i == start { return nil }
        var fraction = 0.0
        if c.take(UInt8(ascii: ".")) { fraction = c.fraction() ?? 0 }
        guard c.atEnd, whole < 1e14 else { return nil }
        // Epoch seconds from 1e11 on would be after the year 5138; such numbers are epoch
        // milliseconds (1e11 ms is 1973-03-03, 1e14 ms the year 5138), as JavaScript and many
        // databases write them.
        let v = whole >= 1e11 ? (whole + fraction) / 1000 : whole + fraction
        return negative ? -v : v
    }

    private static func parse(_ c: inout Cursor, tokens: [Token]) -> Double? {
        var year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0
        var fraction = 0.0, zone = 0.0
        var dayOfYear: Int? = nil
        var pm: Bool? = nil
        var hour12: Int? = nil
        var epoch: Double? = nil
        for token in tokens {
            switch token {
            case .literal(let b): guard c.take(b) else { return nil }
            case .space:
                guard c.peek == 0x20 else { return nil }
                while c.peek == 0x20 { c.i += 1 }
            case .year4: guard let v = c.digits(min: 1, max: 4) else { return nil }; year = v
            case .year2:
                guard let v = c.digits(min: 2, max: 2) else { return nil }
                year = v >= 69 ? 1900 + v : 2000 + v
            case .month: guard let v = c.digits(min: 1, max: 2) else { return nil }; month = v
            case .day: guard let v = c.digits(min: 1, max: 2) else { return nil }; day = v
            case .hour24: guard let v = c.digits(min: 1, max: 2) else { return nil }; hour = v
            case .hour12:
                guard let v = c.digits(min: 1, max: 2), (1...12).contains(v) else { return nil }
                hour12 = v
            case .ampm:
                guard c.i + 2 <= c.end, (c.p[c.i + 1] | 0x20) == UInt8(ascii: "m") else { return nil }
                switch c.p[c.i] | 0x20 {
                case UInt8(ascii: "a"): pm = false
                case UInt8(ascii: "p"): pm = true
                default: return nil
                }
                c.i += 2
            case .minute: guard let v = c.digits(min: 1, max: 2) else { return nil }; minute = v
            case .second: guard let v = c.digits(min: 1, max: 2) else { return nil }; second = v
            case .fraction: guard let v = c.fraction() else { return nil }; fraction = v
            case .monthAbbreviation: guard let v = c.monthName(full: false) else { return nil }; month = v
            case .monthName: guard let v = c.monthName(full: true) else { return nil }; month = v
            case .dayOfYear: guard let v = c.digits(min: 1, max: 3) else { return nil }; dayOfYear = v
            case .zone: guard let v = c.zone() else { return nil }; zone = v
            case .epoch: guard let v = parseEpochPrefix(&c) else { return nil }; epoch = v
            }
        }
        guard c.atEnd else { return nil }
        if let epoch { return epoch - zone }
        if let h = hour12 { hour = (h % 12) + ((pm ?? false) ? 12 : 0) }
        if let doy = dayOfYear {
            let length = CivilCalendar.isLeap(year) ? 366 : 365
            guard doy >= 1, doy <= length, (0...23).contains(hour), (0...59).contains(minute),
                  (0...59).contains(second) else { return nil }
            let d = CivilCalendar.days(year: year, month: 1, day: 1) + doy - 1
            return Double(d) * CivilCalendar.secondsPerDay + Double(hour * 3600 + minute * 60 + second) + fraction - zone
        }
        return instant(year: year, month: month, day: day, hour: hour, minute: minute,
                       second: second, fraction: fraction, zone: zone)
    }

    /// Epoch seconds as part of a format: sign, digits, optional fraction.
    private static func parseEpochPrefix(_ c: inout Cursor) -> Double? {
        let negative = c.take(UInt8(ascii: "-"))
        let start = c.i
        var whole = 0.0
        while let d = c.peek, d &- 0x30 <= 9, c.i - start < 13 {
            whole = whole * 10 + Double(d &- 0x30)
            c.i += 1
        }
        if c.i == start { return nil }
        var fraction = 0.0
        if c.peek == UInt8(ascii: "."), c.i + 1 < c.end, c.p[c.i + 1] &- 0x30 <= 9 {
            c.i += 1
            fraction = c.fraction() ?? 0
        }
        let v = whole + fraction
        return negative ? -v : v
    }
}
