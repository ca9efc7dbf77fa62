import ForecastIngest
import ForecastReport
import Foundation
import Testing
@testable import ForecastPipeline

func day(_ s: String) -> Date {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = s.count == 10 ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss"
    return f.date(from: s)!
}

@Suite struct RunHistoryTests {
    @Test func appendAndReadBackRoundTrips() throws {
        let dir = try TempDir()
        let h = RunHistory(url: dir.file("job/history.csv"))
        #expect(try h.read().isEmpty)
        let a = HistoryRow(runStarted: day("2024-05-01 06:30:00"), job: "prices", status: .ok, duration: 2.3456,
                           dataEnd: day("2024-04-30"), rows: 1000, pick: "lstm",
                           forecast: ForecastPoint(date: day("2024-05-01"), value: 412.25, lower: 405.125, upper: 0.1 + 0.2),
                           testMASE: ["naive": 1, "lstm": 0.8123456789, "ff": 1e-7], liveError: -3.5, liveScaledError: 0.75)
        let b = HistoryRow(runStarted: day("2024-05-02 06:30:00"), job: "prices", status: .failed, duration: 0.1,
                           message: "bad \"quote\", comma\nand newline\u{1B}[31m")
        let c = HistoryRow(runStarted: day("2024-05-03 06:30:00"), job: "prices", status: .skipped)
        try h.append(a)
        try h.append(b)
        try h.append(c)
        let text = try dir.read("job/history.csv")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 7, "header, three lines for run a (one per model), one each for b and c, final newline")
        #expect(lines[0] == Substring(RunHistory.header))
        // Tidy: one line per (run, model), the last field (series) empty for a single-series
        // job; the pick's line carries the forecast and live error;
        // 0.1 + 0.2 is written 0.3 (12 significant digits), not 0.30000000000000004.
        #expect(lines[1] == "2024-05-01T06:30:00Z,prices,ok,2.346,2024-04-30,1000,ff,false,1e-07,,,,,,,,")
        #expect(lines[2] == "2024-05-01T06:30:00Z,prices,ok,2.346,2024-04-30,1000,lstm,true,0.8123456789,2024-05-01,412.25,405.125,0.3,-3.5,0.75,,")
        #expect(lines[3] == "2024-05-01T06:30:00Z,prices,ok,2.346,2024-04-30,1000,naive,false,1.0,,,,,,,,")
        #expect(lines[4].hasPrefix("2024-05-02T06:30:00Z,prices,failed,0.1,,,,,,,,,,,,\"bad"))
        #expect(lines[5] == "2024-05-03T06:30:00Z,prices,skipped,0.0,,,,,,,,,,,,,")
        #expect(!text.contains("\u{1B}"), "no control characters in the file")
        let back = try h.read()
        #expect(back.count == 3)
        var expectA = a
        expectA.duration = 2.346
        expectA.forecast?.upper = 0.3
        #expect(back[0] == expectA)
        #expect(back[1].message == "bad \"quote\", comma and newline [31m")
        #expect(back[1].status == .failed)
        #expect(back[2] == c)
    }

    @Test func malformedLinesAreSkippedAndAppendRepairsAMissingNewline() throws {
        let dir = try TempDir()
        let url = try dir.write("history.csv", RunHistory.header + "\ngarbage line\n2024-05-01,j,ok,1,,,,,,,,,,,,")
        let h = RunHistory(url: url)
        #expect(try h.read().count == 1)
        try h.append(HistoryRow(runStarted: day("2024-05-02"), job: "j", status: .skipped))
        let rows = try h.read()
        #expect(rows.map(\.status) == [.ok, .skipped])
    }

    @Test("a history of the first format (one line per run) is read, and rewritten tidy by the next append")
    func firstFormatIsReadAndConverted() throws {
        let dir = try TempDir()
        let v1 = RunHistory.headerVersion1 + "\n"
            + "2024-05-01T06:30:00Z,prices,ok,2.346,2024-04-30,1000,lstm,2024-05-01,412.25,405.125,420.5,ff=0.9;lstm=0.8,-3.5,0.75,\n"
        let url = try dir.write("history.csv", v1)
        let h = RunHistory(url: url)
        let old = try h.read()
        #expect(old.count == 1 && old[0].pick == "lstm" && old[0].testMASE == ["ff": 0.9, "lstm": 0.8])
        #expect(old[0].forecast == ForecastPoint(date: day("2024-05-01"), value: 412.25, lower: 405.125, upper: 420.5))
        try h.append(HistoryRow(runStarted: day("2024-05-02 06:30:00"), job: "prices", status: .skipped))
        let text = try dir.read("history.csv")
        #expect(text.hasPrefix(RunHistory.header + "\n2024-05-01T06:30:00Z,prices,ok,2.346,2024-04-30,1000,ff,false,0.9,"))
        #expect(try h.read() == old + [HistoryRow(runStarted: day("2024-05-02 06:30:00"), job: "prices", status: .skipped)])
    }

    @Test("two runs that start within the same second stay two runs")
    func runsInTheSameSecondStayApart() throws {
        let dir = try TempDir()
        let h = RunHistory(url: dir.file("history.csv"))
        let t = day("2024-05-01 06:30:00")
        let a = HistoryRow(runStarted: t, job: "j", status: .ok, pick: "ff", testMASE: ["ff": 0.9, "naive": 1])
        let b = HistoryRow(runStarted: t, job: "j", status: .ok, pick: "naive", testMASE: ["ff": 0.8, "naive": 1])
        let c = HistoryRow(runStarted: t, job: "j", status: .skipped)
        for row in [a, b, c, c] { try h.append(row) }
        #expect(try h.read() == [a, b, c, c])
    }

    @Test("timestamps before 1583 are written and read as the parser reads them (no Julian shift)")
    func earlyTimestampsRoundTrip() {
        let early = UTCDateTime(year: 1500, month: 3, day: 1).date
        #expect(timestamp(early) == "1500-03-01")
        #expect(parseTimestamp("1500-03-01") == early)
        #expect(parseTimestamp("2024-05-01T06:30:00Z") == day("2024-05-01 06:30:00"))
        #expect(parseTimestamp("2024-13-01") == nil && parseTimestamp("2024-05-01T25:00:00Z") == nil && parseTimestamp("x") == nil)
    }

    @Test func appendIsAtomicNoTemporaryFilesLeft() throws {
        let dir = try TempDir()
        let h = RunHistory(url: dir.file("history.csv"))
        for i in 0..<20 {
            try h.append(HistoryRow(runStarted: Date(timeIntervalSince1970: Double(1_700_000_000 + 86400 * i)), job: "j", status: .ok))
        }
        #expect(try h.read().count == 20)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["history.csv"])
    }

    @Test func csvSplitting() {
        #expect(RunHistory.splitCSVLine("a,\"b,c\",\"d\"\"e\",") == ["a", "b,c", "d\"e", ""])
        #expect(RunHistory.splitCSVLine("\"open") == nil)
    }

    @Test func timestampsDropMidnight() {
        #expect(timestamp(day("2024-02-29")) == "2024-02-29")
        #expect(timestamp(day("2024-02-29 13:05:09")) == "2024-02-29T13:05:09Z")
        #expect(parseTimestamp("2024-02-29T13:05:09Z") == day("2024-02-29 13:05:09"))
    }
}

@Suite struct LiveScoringTests {
    let actuals: [(date: Date, value: Double)] = [
        (day("2024-05-01"), 100), (day("2024-05-02"), 102), (day("2024-05-03"), 101), (day("2024-05-06"), 105),
    ]

    func okRow(_ run: String, forDay: String, value: Double, pick: String = "ff") -> HistoryRow {
        HistoryRow(runStarted: day(run), job: "j", status: .ok, pick: pick,
                   forecast: ForecastPoint(date: day(forDay), value: value, lower: value - 2, upper: value + 2),
                   testMASE: [pick: 0.9])
    }

    @Test func naiveScale() throws {
        // |102-100| + |101-102| + |105-101| = 7 over 3 steps.
        #expect(try #require(LiveScoring.naiveScale([100, 102, 101, 105])).isApproximatelyEqual(to: 7.0 / 3, tolerance: 1e-12))
        // Season 2: |101-100| + |105-102| = 4 over 2.
        #expect(LiveScoring.naiveScale([100, 102, 101, 105], season: 2) == 2)
        #expect(LiveScoring.naiveScale([5, 5, 5]) == nil)
        #expect(LiveScoring.naiveScale([5]) == nil)
    }

    @Test func scoresYesterdaysForecastAgainstTodaysActual() throws {
        let history = [
            okRow("2024-05-01 07:00:00", forDay: "2024-05-02", value: 101),
            HistoryRow(runStarted: day("2024-05-02 07:00:00"), job: "j", status: .failed),
            okRow("2024-05-03 07:00:00", forDay: "2024-05-06", value: 108),   // observed later: actual 105
            okRow("2024-05-06 07:00:00", forDay: "2024-05-07", value: 106),   // not observed yet
        ]
        let scores = LiveScoring.scores(history: history, actuals: actuals)
        #expect(scores.count == 2)
        #expect(scores[0].error == 1)
        #expect(scores[0].insideInterval == true)
        #expect(scores[1].error == -3)
        #expect(scores[1].insideInterval == false)
        let latest = try #require(LiveScoring.latest(history: history, actuals: actuals))
        #expect(latest.forecast.date == day("2024-05-06"))
        #expect(try #require(latest.scaledError).isApproximatelyEqual(to: 3 / (7.0 / 3), tolerance: 1e-12))
        #expect(LiveScoring.latest(history: [history[3]], actuals: actuals) == nil)
    }

    @Test func driftPointsAndChart() {
        var rows: [HistoryRow] = []
        for i in 0..<40 {
            var r = okRow("2024-05-01 07:00:00", forDay: "2024-05-02", value: 1)
            r.runStarted = day("2024-01-01").addingTimeInterval(Double(i) * 86400)
            r.liveScaledError = i % 5 == 0 ? nil : Double(i) / 20
            rows.append(r)
            if i % 7 == 0 { rows.append(HistoryRow(runStarted: r.runStarted, job: "j", status: .failed)) }
        }
        let points = DriftChart.points(history: rows, last: 30)
        #expect(points.count == 30)
        #expect(points.first?.runStarted == day("2024-01-11"))
        #expect(points.allSatisfy { $0.pickTestMASE == 0.9 })
        let chart = DriftChart.chart(points)
        #expect(chart.series.map(\.name) == ["test MASE of the pick", "live scaled error", "1 = naive in-sample MAE"])
        #expect(chart.series[1].ys.filter(\.isNaN).count == points.filter { $0.liveScaledError == nil }.count,
                "a run without a live score breaks the line")
        let svg = chart.render()
        #expect(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 30 + points.filter { $0.liveScaledError != nil }.count,
                "one marker per value of both series")
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        #expect(DriftChart.chart([]).render().hasSuffix("</svg>\n"), "an empty chart still renders")

        let score = LiveScoring.latest(history: [okRow("2024-05-01 07:00:00", forDay: "2024-05-02", value: 101)], actuals: actuals)
        let md = DriftChart.markdownSection(latest: score, points: points, chartFile: "drift.svg")
        #expect(md.contains("## How the last forecast did"))
        #expect(md.contains("| 2024-05-01T07:00:00Z | 2024-05-02 | ff | 101 | [99, 103] | 102 | 1 | 0.4286 | yes |"))
        #expect(md.contains("![Live scaled error and test MASE over recent runs](drift.svg)"))
        let none = DriftChart.markdownSection(latest: nil, points: [], chartFile: nil)
        #expect(none.contains("No earlier forecast can be checked yet"))
    }
}

extension Double {
    func isApproximatelyEqual(to other: Double, tolerance: Double) -> Bool { abs(self - other) <= tolerance * max(1, abs(other)) }
}
