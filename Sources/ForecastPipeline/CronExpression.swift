import ForecastCore
import Foundation

/// A five-field cron schedule as Debian's cron (Vixie cron) reads it:
/// `minute hour day-of-month month day-of-week`.
///
/// Each field accepts `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, and comma lists
/// of those. Months accept `jan`–`dec`, days of the week `sun`–`sat` (0 and 7 are both Sunday),
/// case-insensitively. The macros `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`
/// (`@midnight`) and `@hourly` stand for their five-field equivalents; `@reboot` is refused
/// because it has no next fire time.
///
/// As in Vixie cron, when both day-of-month and day-of-week are restricted (neither starts with
/// `*`) a day matches if *either* matches; otherwise both must.
///
/// ```swift
/// let cron = try CronExpression("30 6 * * 1-5")   // 06:30 on weekdays
/// let next = cron.nextFireDate(after: Date(), in: TimeZone(identifier: "UTC")!)
/// ```
public struct CronExpression: Equatable, Sendable, CustomStringConvertible {
    /// The text as written (macros are kept as written).
    public let source: String
    /// Allowed values per field, sorted: minutes 0–59, hours 0–23, days 1–31, months 1–12,
    /// weekdays 0–6 (Sunday = 0).
    public let minutes: [Int]
    public let hours: [Int]
    public let daysOfMonth: [Int]
    public let months: [Int]
    public let daysOfWeek: [Int]
    /// Whether the day-of-month / day-of-week field started with `*` (Vixie's rule for combining them).
    public let dayOfMonthIsStar: Bool
    public let dayOfWeekIsStar: Bool

    public var description: String { source }

    /// Parses `text`; throws `CronExpressionError` naming the field and what is wrong.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        source = trimmed
        var body = trimmed
        if trimmed.hasPrefix("@") {
            switch trimmed.lowercased() {
            case "@yearly", "@annually": body = "0 0 1 1 *"
            case "@monthly": body = "0 0 1 * *"
            case "@weekly": body = "0 0 * * 0"
            case "@daily", "@midnight": body = "0 0 * * *"
            case "@hourly": body = "0 * * * *"
            case "@reboot":
                throw CronExpressionError(expression: trimmed, field: nil,
                    message: "'@reboot' has no schedule: a pipeline runs at fixed times",
                    hint: "use a five-field schedule such as '30 6 * * 1-5' or a macro like '@daily'")
            default:
                throw CronExpressionError(expression: trimmed, field: nil,
                    message: "unknown macro '\(trimmed)'",
                    hint: "the macros are @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly")
            }
        }
        let fields = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronExpressionError(expression: trimmed, field: nil,
                message: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)",
                hint: "for example '30 6 * * 1-5' runs at 06:30 Monday to Friday; cron's command is not part of the schedule")
        }
        minutes = try Self.parseField(fields[0], spec: .minute, expression: trimmed)
        hours = try Self.parseField(fields[1], spec: .hour, expression: trimmed)
        daysOfMonth = try Self.parseField(fields[2], spec: .dayOfMonth, expression: trimmed)
        months = try Self.parseField(fields[3], spec: .month, expression: trimmed)
        // 7 is another name for Sunday.
        daysOfWeek = Array(Set(try Self.parseField(fields[4], spec: .dayOfWeek, expression: trimmed).map { $0 % 7 })).sorted()
        dayOfMonthIsStar = fields[2].hasPrefix("*")
        dayOfWeekIsStar = fields[4].hasPrefix("*")
    }

    /// The first minute strictly after `date` at which cron would start the job, reading the
    /// schedule in `timeZone` (cron uses the system's local time). Nil only for schedules that
    /// never fire, such as `0 0 31 2 *`.
    ///
    /// Local times skipped by a daylight-saving jump are moved forward by the calendar, as cron does.
    /// - Complexity: at most ~4,000 days are examined (Feb 29 schedules can be 8 years apart).
    public func nextFireDate(after date: Date, in timeZone: TimeZone = .current) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Start at the next whole minute.
        let start = calendar.dateInterval(of: .minute, for: date)!.end
        var day = calendar.startOfDay(for: start)
        let first = calendar.dateComponents([.hour, .minute], from: start)
        var isFirstDay = true
        for _ in 0..<(366 * 11) {
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if months.contains(c.month!) && dayMatches(day: c.day!, weekday: c.weekday! - 1) {
                for h in hours {
                    if isFirstDay && h < first.hour! { continue }
                    for m in minutes {
                        if isFirstDay && h == first.hour! && m < first.minute! { continue }
                        var wanted = DateComponents()
                        wanted.year = c.year; wanted.month = c.month; wanted.day = c.day
                        wanted.hour = h; wanted.minute = m
                        if let fire = calendar.date(from: wanted), fire >= start { return fire }
                    }
                }
            }
            isFirstDay = false
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = calendar.startOfDay(for: next)
        }
        return nil
    }

    /// Whether cron would fire in the minute containing `date` (read in `timeZone`).
    public func matches(_ date: Date, in timeZone: TimeZone = .current) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: date)
        return minutes.contains(c.minute!) && hours.contains(c.hour!) && months.contains(c.month!)
            && dayMatches(day: c.day!, weekday: c.weekday! - 1)
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth.contains(day)
        let dow = daysOfWeek.contains(weekday)
        return (dayOfMonthIsStar || dayOfWeekIsStar) ? (dom && dow) : (dom || dow)
    }

    // MARK: - Field parsing

    enum FieldSpec {
        case minute, hour, dayOfMonth, month, dayOfWeek

        var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }
        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }
        var names: [String] {
            switch self {
            case .month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            default: []
            }
        }
        /// Value of `names[0]`.
        var firstNameValue: Int { self == .month ? 1 : 0 }
    }

    static func parseField(_ text: String, spec: FieldSpec, expression: String) throws -> [Int] {
        func fail(_ message: String, _ hint: String? = nil) -> CronExpressionError {
            let r = spec.range
            var defaultHint = "the \(spec.name) field takes values \(r.lowerBound)-\(r.upperBound)"
            if !spec.names.isEmpty { defaultHint += " or names \(spec.names.first!)-\(spec.names.last!)" }
            defaultHint += ", '*', ranges 'a-b', steps '*/n' or 'a-b/n', and comma lists"
            return CronExpressionError(expression: expression, field: spec.name,
                                       message: message, hint: hint ?? defaultHint)
        }
        func value(_ token: String) throws -> Int {
            if let n = Int(token), token.allSatisfy(\.isASCII) {
                guard spec.range.contains(n) else {
                    throw fail("\(spec.name) value \(n) is out of range \(spec.range.lowerBound)-\(spec.range.upperBound)")
                }
                return n
            }
            if let i = spec.names.firstIndex(of: token.lowercased()) { return i + spec.firstNameValue }
            throw fail("'\(token)' is not a valid \(spec.name)")
        }
        var result = Set<Int>()
        guard !text.isEmpty else { throw fail("empty \(spec.name) field") }
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !item.isEmpty else { throw fail("empty item in the list '\(text)'") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2 else { throw fail("'\(item)' has more than one '/'") }
            var step = 1
            if parts.count == 2 {
                guard let s = Int(parts[1]), s >= 1 else { throw fail("step '\(parts[1])' in '\(item)' is not a positive whole number") }
                step = s
            }
            let base = parts[0]
            var lo: Int, hi: Int
            if base == "*" {
                lo = spec.range.lowerBound
                hi = spec.dayOfWeekUpperForStar
            } else if let dash = base.firstIndex(of: "-") {
                lo = try value(String(base[..<dash]))
                hi = try value(String(base[base.index(after: dash)...]))
                guard lo <= hi else {
                    throw fail("range '\(base)' runs backwards", "write the smaller value first, e.g. '\(hi)-\(lo)', or list both parts")
                }
            } else {
                lo = try value(base)
                guard parts.count == 1 else {
                    // Vixie cron rejects 'a/n'; say what to write instead.
                    throw fail("step '\(item)' needs a range or '*' before '/'", "write '\(base)-\(spec.range.upperBound)/\(step)' or '*/\(step)'")
                }
                hi = lo
            }
            result.formUnion(stride(from: lo, through: hi, by: step))
        }
        return result.sorted()
    }
}

extension CronExpression.FieldSpec {
    /// `*` in the day-of-week field means 0–6 (7 would only repeat Sunday).
    var dayOfWeekUpperForStar: Int { self == .dayOfWeek ? 6 : range.upperBound }
}

/// A cron expression that does not parse; `field` names the offending field when known.
public struct CronExpressionError: ForecastError, Equatable {
    public let expression: String
    public let field: String?
    public let message: String
    public let hint: String?
    public var location: ErrorLocation? { ErrorLocation(option: "schedule '\(expression)'") }
    public var exitStatus: ExitStatus { .invalidPipeline }
}
