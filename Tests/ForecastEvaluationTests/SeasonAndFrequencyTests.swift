import Foundation
import Testing
import ForecastIngest
@testable import ForecastEvaluation

@Suite struct SeasonAndFrequencyTests {
    /// A weekly pattern of business days (period 5) plus a slow trend.
    let periodic: [Double] = (0..<60).map { Double([0, 3, 1, 4, 2][$0 % 5]) + 0.01 * Double($0) }
    /// A smooth series: the previous value is always the best guess.
    let smooth: [Double] = (0..<60).map { Double($0) * 0.5 }

    @Test func businessDailySeasonOnlyWhenItHelps() {
        let helps = chooseSeason(frequencyDefault: SeasonDefault(.businessDaily), override: nil, trainingSeries: periodic)
        #expect(helps.season == 5)
        let doesNot = chooseSeason(frequencyDefault: SeasonDefault(.businessDaily), override: nil, trainingSeries: smooth)
        #expect(doesNot.season == nil)
        #expect(doesNot.reason.contains("does not help"))
    }

    @Test func knownSeasonAndOverride() {
        #expect(chooseSeason(frequencyDefault: SeasonDefault(.monthly), override: nil, trainingSeries: smooth).season == 12)
        #expect(chooseSeason(frequencyDefault: SeasonDefault(.daily), override: nil, trainingSeries: smooth).season == 7)
        #expect(chooseSeason(frequencyDefault: SeasonDefault(.yearly), override: nil, trainingSeries: smooth).season == nil)
        // Override wins, even where the default would test first.
        #expect(chooseSeason(frequencyDefault: SeasonDefault(.businessDaily), override: 3, trainingSeries: smooth).season == 3)
        #expect(chooseSeason(frequencyDefault: SeasonDefault(.monthly), override: 1, trainingSeries: smooth).season == nil)
        // Season not shorter than the training part: none.
        #expect(chooseSeason(frequencyDefault: .known(12), override: nil, trainingSeries: Array(smooth.prefix(12))).season == nil)
        #expect(chooseSeason(frequencyDefault: .none, override: 100, trainingSeries: smooth).season == nil)
    }

    @Test func seasonDefaultPerFrequency() {
        #expect(SeasonDefault(.monthly) == .known(12))
        #expect(SeasonDefault(.quarterly) == .known(4))
        #expect(SeasonDefault(.daily) == .known(7))
        #expect(SeasonDefault(.hourly) == .known(24))
        #expect(SeasonDefault(.businessDaily) == .ifHelps(5))
        #expect(SeasonDefault(.weekly) == .ifHelps(52))
        for f: Frequency in [.minutely, .yearly, .irregular(step: 900), .unknown] {
            #expect(SeasonDefault(f) == SeasonDefault.none, "\(f)")
        }
    }

    func utc(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ min: Int = 0) -> Date {
        UTCDateTime(year: y, month: m, day: d, hour: h, minute: min).date
    }

    @Test func nextDatesFollowTheFrequency() {
        // Friday 2024-05-03 → Mon 6, Tue 7; skipping the weekend.
        let friday = utc(2024, 5, 3)
        #expect(Frequency.businessDaily.advance(friday, by: 1) == utc(2024, 5, 6))
        #expect(Frequency.businessDaily.advance(friday, by: 6) == utc(2024, 5, 13))
        #expect(Frequency.daily.advance(friday, by: 1) == utc(2024, 5, 4))
        #expect(Frequency.weekly.advance(friday, by: 2) == utc(2024, 5, 17))
        // Month ends stay month ends; other days keep their day.
        #expect(Frequency.monthly.advance(utc(2024, 1, 31), by: 1) == utc(2024, 2, 29))
        #expect(Frequency.monthly.advance(utc(2024, 2, 29), by: 1) == utc(2024, 3, 31))
        #expect(Frequency.monthly.advance(utc(1960, 12, 1), by: 1) == utc(1961, 1, 1))
        #expect(Frequency.quarterly.advance(utc(2023, 11, 15), by: 1) == utc(2024, 2, 15))
        #expect(Frequency.yearly.advance(utc(2023, 6, 30), by: 2) == utc(2025, 6, 30))
        #expect(Frequency.hourly.advance(utc(2024, 1, 1, 23), by: 2) == utc(2024, 1, 2, 1))
    }

    @Test func datesFormatWithTimeOnlyForSubDailyData() {
        #expect(Frequency.daily.format(utc(2024, 5, 3, 0)) == "2024-05-03")
        #expect(Frequency.hourly.format(utc(2024, 5, 3, 14, 0)) == "2024-05-03 14:00")
        #expect(Frequency.irregular(step: 900).format(utc(2024, 5, 3, 14, 15)) == "2024-05-03 14:15")
        #expect(Frequency.irregular(step: 2 * 86_400).format(utc(2024, 5, 3)) == "2024-05-03")
        #expect(Frequency.minutely.format(utc(2024, 5, 3, 14, 15)) == "2024-05-03 14:15")
        #expect(Frequency.irregular(step: 90).format(utc(2024, 5, 3, 14, 15).addingTimeInterval(30)) == "2024-05-03 14:15:30")
        // A dateless series is stamped with row numbers as days from 2000-01-01: shown as rows.
        #expect(Frequency.unknown.format(utc(2000, 1, 1)) == "row 1")
        #expect(Frequency.unknown.format(utc(2000, 2, 1)) == "row 32")
        #expect(Frequency.businessDaily.name == "business-daily")
    }

    @Test("dates before 1583 print as written: the proleptic Gregorian calendar, as the parser reads them")
    func earlyDatesAreNotShiftedByTheJulianCalendar() throws {
        var csv = "year,value\n"
        for (k, y) in stride(from: 1500, through: 1640, by: 20).enumerated() { csv += "\(y)-01-01,\(k + 1)\n" }
        var options = IngestOptions(path: "early.csv")
        options.target = "value"
        let series = try loadSeries(bytes: Array(csv.utf8), name: "early.csv", options: options)
        let dates = try #require(series.dates)
        #expect(dates.map(Frequency.yearly.format) == stride(from: 1500, through: 1640, by: 20).map { "\($0)-01-01" })
        #expect(Frequency.yearly.format(UTCDateTime(year: 1582, month: 10, day: 10).date) == "1582-10-10")
        #expect(Frequency.daily.format(UTCDateTime(year: 812, month: 3, day: 1).date) == "0812-03-01")
        let fields = UTCDateTime(dates[0])
        #expect(fields == UTCDateTime(year: 1500, month: 1, day: 1) && fields.date == dates[0])
    }
}
