import ForecastReport
import Foundation
import Testing
@testable import ForecastPipeline

/// The drift chart reads on its own (title, axis labels, short dates, what 1 means, and no
/// false promise when the pick is naive), and index.md states the scale of every test MASE.
@Suite struct DriftChartAndIndexTests {
    func point(_ stamp: String, pick: String, live: Double?, mase: Double?) -> DriftPoint {
        DriftPoint(runStarted: day(stamp), liveScaledError: live, pickTestMASE: mase, pick: pick)
    }

    @Test func driftChartHasTitleAxisLabelsAndShortDateLabels() throws {
        let points = (0..<20).map { i in
            point("2024-05-01 06:30:00", pick: "ff", live: 0.5 + Double(i) / 40, mase: 0.8)
        }.enumerated().map { i, p in
            var p = p
            p.runStarted = p.runStarted.addingTimeInterval(Double(i) * 86_400)
            return p
        }
        let chart = DriftChart.chart(points, season: 12)
        #expect(chart.title == "Live error and test MASE over recent runs")
        #expect(chart.yLabel == "error ÷ seasonal naive in-sample MAE")
        #expect(chart.subtitle == "1 = mean in-sample error of the seasonal naive forecast (m = 12), the MASE scale")
        guard case .positions(let names, let label) = chart.xAxis else {
            Issue.record("runs are evenly spaced positions named by date")
            return
        }
        #expect(label == "run (oldest to newest)")
        #expect(names.first == "2024-05-01" && names.last == "2024-05-20")
        let svg = chart.render()
        // At most eight x labels, the newest run always among them, never a full run stamp.
        let printed = names.filter { svg.contains(">\($0)</text>") }
        #expect(printed.count <= 8 && printed.count >= 4 && printed.last == "2024-05-20")
        #expect(!svg.contains("T06:30:00Z"))
        #expect(svg.contains(">error ÷ seasonal naive in-sample MAE</text>"))
        #expect(chart.series.last?.name == "1 = seasonal naive in-sample MAE")
        #expect(!(chart.subtitle ?? "").contains("pick is naive"))
        // The subtitle wraps inside the chart rather than running off its right edge.
        let long = DriftChart.chart(points.map { var p = $0; p.pick = "seasonal naive (m=12)"; return p }, season: 12)
        #expect(long.subtitle?.hasSuffix("Where the pick is seasonal naive itself, its scaled error is its own error over its own typical error: 1 is not a bar it can beat") == true)
        // Against a seasonal scale a naive pick is a real comparison: no note.
        #expect(!(DriftChart.chart(points.map { var p = $0; p.pick = "naive"; return p }, season: 12).subtitle ?? "").contains("itself"))
    }

    @Test func runsOnTheSameDayAreLabelledWithTheirTime() {
        #expect(DriftChart.runLabels([day("2024-05-01 06:30:00"), day("2024-05-01 18:05:00")]) == ["05-01 06:30", "05-01 18:05"])
        #expect(DriftChart.runLabels([day("2024-05-01 06:30:00"), day("2024-05-01 06:30:09")]) == ["05-01 06:30:00", "05-01 06:30:09"])
        #expect(DriftChart.runLabels([day("2024-05-01 06:30:00"), day("2024-05-02 06:30:00")]) == ["2024-05-01", "2024-05-02"])
    }

    @Test func aNaivePickIsToldThatOneIsItsOwnScale() {
        let points = [point("2024-05-01 06:30:00", pick: "naive", live: 1.3, mase: 1.02),
                      point("2024-05-02 06:30:00", pick: "naive", live: 0.7, mase: 1.01)]
        let chart = DriftChart.chart(points)
        #expect(chart.subtitle == "1 = mean in-sample error of the naive forecast, the MASE scale. "
                + "Where the pick is naive itself, its scaled error is its own error over its own typical error: 1 is not a bar it can beat")
        #expect(!chart.series.contains { $0.name == "naive = 1" }, "the old label promised a comparison with naive")
        #expect(chart.render().contains("1 is not a bar it can beat"))
    }

    @Test func driftSectionStatesTheScaleAndDoesNotCallOneForecastABeat() throws {
        let history = [HistoryRow(runStarted: day("2024-05-01 07:00:00"), job: "j", status: .ok, pick: "ff",
                                  forecast: ForecastPoint(date: day("2024-05-02"), value: 101, lower: 99, upper: 103), testMASE: ["ff": 0.9])]
        let score = LiveScoring.latest(history: history, actuals: [(day("2024-05-01"), 100), (day("2024-05-02"), 102)])
        let points = [point("2024-05-01 07:00:00", pick: "ff", live: nil, mase: 0.9), point("2024-05-02 07:00:00", pick: "ff", live: 0.5, mase: 0.9)]
        let md = DriftChart.markdownSection(latest: score, points: points, chartFile: "drift.svg", season: 7)
        #expect(md.contains("| run | live scaled error | test MASE of the pick (vs seasonal naive, m=7, in-sample) |"))
        #expect(md.contains("mean absolute in-sample error of the seasonal naive forecast (m = 7)"))
        #expect(!md.contains("below 1 beats the naive forecast"))
    }

    @Test func indexStatesTheScaleOfTestMASEFromTheLatestMetrics() throws {
        let dir = try TempDir()
        let folder = dir.file("air/2024-05-02T063000Z")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try #"{"schema_version": 1, "dataset": {"rows": 144, "season": 12}}"#.write(to: folder.appendingPathComponent("metrics.json"), atomically: true, encoding: .utf8)
        #expect(ReportIndex.maseScale(ofRunFolder: folder) == "vs seasonal naive, m=12, in-sample")
        try #"{"dataset": {"season": null}}"#.write(to: folder.appendingPathComponent("metrics.json"), atomically: true, encoding: .utf8)
        #expect(ReportIndex.maseScale(ofRunFolder: folder) == "vs naive, in-sample")
        #expect(ReportIndex.maseScale(ofRunFolder: dir.file("missing")) == nil)

        var e = IndexEntry(job: "air")
        e.lastStatus = .ok
        e.pick = "seasonal naive (m=12)"
        e.testMASE = 1.383
        e.maseScale = "vs seasonal naive, m=12, in-sample"
        let md = ReportIndex.markdown([e], generated: day("2024-05-03 12:00:00"), pipeline: "p.yaml")
        #expect(md.contains("| seasonal naive (m=12) | – | – | 1.383 (vs seasonal naive, m=12, in-sample) | – |"))
    }

    @Test("a first-format history keeps the MASE of a model whose name holds '=' (the index showed '–' for seasonal naive)")
    func firstFormatKeepsSeasonalNaiveMASE() throws {
        let dir = try TempDir()
        let url = try dir.write("history.csv", RunHistory.headerVersion1 + "\n"
            + "2024-05-01T06:30:00Z,air,ok,0.1,1960-12-01,144,seasonal naive (m=12),1961-01-01,417,368,466,naive=1.497;seasonal naive (m=12)=1.383,,,\n")
        let rows = try RunHistory(url: url).read()
        #expect(rows.count == 1)
        // Read back under the stable ids (history.csv keys models by id since the model-id change).
        #expect(rows.first?.testMASE == ["naive": 1.497, "snaive": 1.383])
        #expect(rows.first.flatMap { r in r.pick.flatMap { r.testMASE[$0] } } == 1.383)
    }

    @Test func theShippedPricesJobHasNoSeasonThatDoesNotHelp() throws {
        let p = try PipelineFile.load(ShippedPipelineTests.shipped)
        let prices = try #require(p.jobs.first { $0.name == "prices" })
        #expect(prices.fit.season == nil, "fit finds that a season of 5 does not help on prices; the MASE scale is the naive forecast")
        #expect(p.jobs.first { $0.name == "airpassengers" }?.fit.season == 12)
    }
}
