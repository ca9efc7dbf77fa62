import Foundation
import Testing
@testable import ForecastIngest

/// Frequency inference, gaps, and calendar stepping.
@Suite struct FrequencyTests {
    /// A CSV of `count` rows starting at `start`, each `step(k)` apart.
    static func csv(_ dates: [Date]) -> String {
        "date,value\n" + dates.enumerated().map { k, d in "\(iso(d)),\(k)" }.joined(separator: "\n") + "\n"
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    @Test func inferredFrequencies() throws {
        let t0 = utc(2024, 1, 1)
        func series(_ f: Frequency, _ n: Int) -> [Date] { (0..<n).map { f.advance(t0, by: $0) } }
        for f in [Frequency.minutely, .hourly, .daily, .businessDaily, .weekly, .monthly, .quarterly, .yearly] {
            let s = try load(Self.csv(series(f, 30)))
            #expect(s.frequency == f, "\(f.name)")
            #expect(s.summary.gapCount == 0, "\(f.name)")
        }
        let irregular = try load(Self.csv([0, 50, 130, 170, 250].map { t0.addingTimeInterval(Double($0)) }))
        #expect(irregular.frequency == .irregular(step: 80))  // median of 50, 80, 40, 80
        #expect(irregular.frequency.name.hasPrefix("irregular"))
    }

    @Test func gapsBeyondTheFrequencyAreReported() throws {
        // Daily with 2024-01-04 and 2024-01-05 missing.
        let days = [1, 2, 3, 6, 7, 8, 9, 10].map { utc(2024, 1, $0) }
        let s = try load(Self.csv(days))
        #expect(s.frequency == .daily)
        #expect(s.summary.gapCount == 1)
        #expect(s.summary.missingPeriods == 2)
        #expect(s.summary.gaps == [Gap(after: utc(2024, 1, 3), before: utc(2024, 1, 6), missingPeriods: 2, line: 5)])

        // Monthly with March missing.
        let months = [1, 2, 4, 5, 6, 7].map { utc(2023, $0, 1) }
        let m = try load(Self.csv(months))
        #expect(m.frequency == .monthly)
        #expect(m.summary.gapCount == 1)
        #expect(m.summary.gaps.first?.missingPeriods == 1)
    }

    @Test func weekendsAreNotGapsForBusinessDays() throws {
        // Three weeks of weekdays, and one Wednesday missing.
        var days: [Date] = []
        for d in 1...21 where CivilCalendar.weekday(days: CivilCalendar.dayNumber(utc(2024, 1, d).timeIntervalSince1970)) < 5 {
            days.append(utc(2024, 1, d))
        }
        let s = try load(Self.csv(days))
        #expect(s.frequency == .businessDaily)
        #expect(s.summary.gapCount == 0)
        days.removeAll { $0 == utc(2024, 1, 10) }
        let gap = try load(Self.csv(days))
        #expect(gap.frequency == .businessDaily)
        #expect(gap.summary.gapCount == 1)
        #expect(gap.summary.gaps.first?.after == utc(2024, 1, 9))
        #expect(gap.summary.gaps.first?.missingPeriods == 1)
    }

    @Test func advanceSkipsWeekendsAndKeepsMonthEnds() {
        let friday = utc(2024, 1, 5)
        #expect(Frequency.businessDaily.advance(friday, by: 1) == utc(2024, 1, 8))
        #expect(Frequency.businessDaily.advance(friday, by: 6) == utc(2024, 1, 15))
        #expect(Frequency.businessDaily.advance(utc(2024, 1, 8), by: -1) == friday)
        #expect(Frequency.monthly.advance(utc(2024, 1, 31), by: 1) == utc(2024, 2, 29))
        #expect(Frequency.monthly.advance(utc(2024, 2, 29), by: 1) == utc(2024, 3, 31))
        #expect(Frequency.monthly.advance(utc(2024, 1, 15), by: -2) == utc(2023, 11, 15))
        #expect(Frequency.quarterly.advance(utc(2024, 3, 31), by: 1) == utc(2024, 6, 30))
        #expect(Frequency.yearly.advance(utc(2024, 2, 29), by: 1) == utc(2025, 2, 28))
        #expect(Frequency.hourly.advance(utc(2024, 1, 1, 23), by: 2) == utc(2024, 1, 2, 1))
        #expect(Frequency.weekly.advance(utc(2024, 1, 1), by: 2) == utc(2024, 1, 15))
        #expect(Frequency.unknown.advance(friday, by: 3) == friday)
        #expect(Frequency.businessDaily.steps(from: friday, to: utc(2024, 1, 8)) == 1)
    }

    @Test func defaultSeasonsAndNames() {
        #expect(Frequency.monthly.defaultSeason == 12)
        #expect(Frequency.quarterly.defaultSeason == 4)
        #expect(Frequency.daily.defaultSeason == 7)
        #expect(Frequency.businessDaily.defaultSeason == 5)
        #expect(Frequency.weekly.defaultSeason == 52)
        #expect(Frequency.hourly.defaultSeason == 24)
        #expect(Frequency.minutely.defaultSeason == nil)
        #expect(Frequency.yearly.defaultSeason == nil)
        #expect(Frequency.businessDaily.name == "business-daily")
        #expect(Frequency.irregular(step: 45).name == "irregular (~45 s)")
        #expect(Frequency.irregular(step: 5400).name == "irregular (~1.5 h)")
    }

    @Test func civilCalendarRoundTrips() {
        for day in stride(from: -800_000, through: 800_000, by: 997) {
            let c = CivilCalendar.civil(days: day)
            #expect(CivilCalendar.days(year: c.year, month: c.month, day: c.day) == day)
        }
        #expect(CivilCalendar.weekday(days: 0) == 3)  // 1970-01-01 was a Thursday
    }
}
