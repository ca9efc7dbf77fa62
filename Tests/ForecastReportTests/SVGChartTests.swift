import ForecastEvaluation
import ForecastIngest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import ForecastReport

/// Collects element names and text while parsing, to check SVG output is well-formed XML.
final class SVGProbe: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(name)
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    static func parse(_ svg: String) -> (ok: Bool, probe: SVGProbe) {
        let parser = XMLParser(data: Data(svg.utf8))
        let probe = SVGProbe()
        parser.delegate = probe
        return (parser.parse(), probe)
    }
}

@Suite struct SVGChartTests {
    @Test func everyChartIsWellFormedWithTitleAxesAndLines() throws {
        let run = SampleRun.make()
        let charts = [ReportCharts.testPeriod(run), ReportCharts.lossCurves(run), ReportCharts.gradientFlow(run)]
        for chart in charts {
            let svg = try #require(chart).render()
            let (ok, probe) = SVGProbe.parse(svg)
            #expect(ok)
            #expect(probe.elements.first == "svg")
            #expect(probe.elements.contains("title") && probe.elements.contains("desc"))
            #expect(probe.elements.filter { $0 == "path" }.count >= 1)
            #expect(!svg.contains("nan") && !svg.contains("inf"))
        }
        let test = try #require(ReportCharts.testPeriod(run)).render()
        #expect(test.contains(">95% interval</text>") && test.contains(">80% interval</text>"))
        #expect(test.contains(">GRU (pick)</text>") && test.contains(">naive</text>"))
        #expect(test.contains(">Dec 2024</text>") || test.contains(">2024-12-02</text>"))
        let gradient = try #require(ReportCharts.gradientFlow(run)).render()
        #expect(gradient.contains(">1e-7</text>"))
    }

    @Test("when naive is the pick the test-period title names it once (it read 'naive (pick) and naive')")
    func naivePickTitleNamesItOnce() throws {
        var run = SampleRun.make()
        run.pick = "naive"
        let svg = try #require(ReportCharts.testPeriod(run)).render()
        #expect(svg.contains(">Test period: actual vs naive (pick)</text>"))
        #expect(!svg.contains("and naive"))
        let other = try #require(ReportCharts.testPeriod(SampleRun.make())).render()
        #expect(other.contains("(pick) and naive</text>"))
    }

    @Test func textIsEscapedForXML() {
        var chart = SVGLineChart(title: "a < b & \"c\"", description: "x > y", xAxis: .numbers(label: "k & j"), yLabel: "<y>")
        chart.series = [.init(name: "s & t", xs: [0, 1, 2], ys: [1, .nan, 3], color: "#000")]
        let svg = chart.render()
        let (ok, probe) = SVGProbe.parse(svg)
        #expect(ok)
        #expect(probe.text.contains("a < b & \"c\""))
        #expect(probe.text.contains("s & t"))
        // The NaN splits the line into two single points: "M… M…", never "L" across the gap.
        #expect(!svg.contains("nan"))
    }

    @Test("a million points are drawn at the plot's resolution, and a single-point spike survives")
    func longSeriesAreReducedToPixelColumnsKeepingExtremes() throws {
        let n = 1_000_000
        var ys = (0..<n).map { sin(Double($0) / 5_000) }
        ys[612_345] = 40  // one spike, far above the rest
        ys[345_678] = -30
        let xs = (0..<n).map(Double.init)
        var chart = SVGLineChart(title: "long", description: "long", xAxis: .numbers(label: "t"), yLabel: "y")
        chart.series = [.init(name: "y", xs: xs, ys: ys, color: "#000", markers: true)]
        chart.bands = [.init(name: "band", xs: xs, lower: ys.map { $0 - 1 }, upper: ys.map { $0 + 1 }, color: "#00f", opacity: 0.2)]
        let svg = chart.render()
        #expect(SVGProbe.parse(svg).ok)
        #expect(svg.utf8.count < 400_000, "\(svg.utf8.count) bytes")
        // The kept points include both extremes, whatever column they fall in.
        let kept = SVGLineChart.columnExtremes(Array(0..<n), column: { $0 / 1_000 }, value: { ys[$0] })
        #expect(kept.contains(612_345) && kept.contains(345_678))
        #expect(kept.count <= 4 * 1_000 && kept == kept.sorted())
        // Every column keeps its first and last point, so the line joins columns where it did.
        #expect(kept.contains(0) && kept.contains(999) && kept.contains(1_000) && kept.contains(n - 1))
        // A short series loses nothing.
        #expect(SVGLineChart.columnExtremes(Array(0..<50), column: { $0 * 17 }, value: { ys[$0] }) == Array(0..<50))
    }

    @Test("values near ±1e308 get a finite axis with a few ticks (the tick loop never ended and grew to 18 GB)")
    func hugeValuesStillGetAnAxis() throws {
        for (lo, hi) in [(-1.7e308, 1.7e308), (-5e307, 5e307), (1.79e308, 1.79e308), (1e300, 1.0000000001e300)] {
            let (domain, ticks) = AxisTicks.linear(lo, hi)
            #expect(domain.lowerBound.isFinite && domain.upperBound.isFinite, "\(lo)…\(hi)")
            #expect(domain.lowerBound <= lo && domain.upperBound >= hi, "\(domain) covers \(lo)…\(hi)")
            #expect((2...1_001).contains(ticks.count), "\(ticks.count) ticks")
            #expect(ticks.allSatisfy { $0.label.count <= 12 }, "\(ticks.map(\.label))")
        }
        #expect(AxisTicks.linearInside(-1.7e308, 1.7e308).count <= 1_001)
        var chart = SVGLineChart(title: "huge", description: "huge", xAxis: .numbers(label: "t"), yLabel: "y")
        chart.series = [.init(name: "y", xs: (0..<100).map(Double.init), ys: (0..<100).map { $0 % 2 == 0 ? 1.7e308 : -1.7e308 }, color: "#000")]
        let svg = chart.render()
        #expect(SVGProbe.parse(svg).ok && !svg.contains("nan") && !svg.contains("inf"))
    }

    @Test func noChartWithoutData() {
        let run = SampleRun.make(failAll: true)
        #expect(ReportCharts.gradientFlow(run) == nil)
        #expect(ReportCharts.lossCurves(run) == nil)
        #expect(ReportCharts.testPeriod(run) != nil)  // a baseline is still the pick
    }

    @Test func linearTicksAreRoundNumbers() {
        let (domain, ticks) = AxisTicks.linear(0.3, 9.7)
        #expect(ticks.map(\.value) == [0, 2, 4, 6, 8, 10])
        #expect(domain == 0...10)
        #expect(AxisTicks.linear(81.2, 101.4).ticks.map(\.label) == ["80", "85", "90", "95", "100", "105"])
        #expect(AxisTicks.linear(0.012, 0.047).ticks.map(\.label) == ["0.01", "0.02", "0.03", "0.04", "0.05"])
        #expect(AxisTicks.linear(-3, 3).ticks.first?.label == "−4" || AxisTicks.linear(-3, 3).ticks.first?.label == "−3")
        #expect(AxisTicks.linearInside(1, 40).map(\.value) == [10, 20, 30, 40])
    }

    @Test func logTicksArePowersOfTen() {
        // Two decades: 1, 2, 5 × 10ᵏ.
        let (domain, ticks) = AxisTicks.log(0.003, 0.08)
        #expect(domain.lowerBound == 0.001 && domain.upperBound == 0.1)
        #expect(ticks.map(\.label) == ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1"])
        // Three decades: powers only.
        #expect(AxisTicks.log(0.003, 0.8).ticks.map(\.label) == ["0.001", "0.01", "0.1", "1"])
        let wide = AxisTicks.log(1e-7, 0.8)  // 7 decades → every second one, widened to 1e-7…10
        #expect(wide.ticks.map(\.label) == ["1e-7", "1e-5", "0.001", "0.1", "10"])
    }

    @Test func dateTicksFollowTheCalendar() {
        let d = { (y: Int, m: Int, day: Int) in UTCDateTime(year: y, month: m, day: day).date }
        #expect(AxisTicks.dates(d(2020, 1, 15), d(2024, 6, 1)).map(\.label) == ["2021", "2022", "2023", "2024"])
        #expect(AxisTicks.dates(d(2024, 1, 10), d(2024, 7, 20)).map(\.label) == ["Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024", "Jul 2024"])
        // Weekly ticks fall on Mondays.
        let weekly = AxisTicks.dates(d(2024, 12, 2), d(2025, 2, 21))
        for t in weekly {
            #expect(UTCDateTime(Date(timeIntervalSince1970: t.value)).weekday == 0)
        }
        #expect(weekly.first?.label == "2024-12-02")
        // Before 1583 too (proleptic Gregorian, as the parser reads dates): no ten-day shift.
        let early = AxisTicks.dates(d(1500, 1, 1), d(1600, 1, 1))
        #expect(early.map(\.label) == ["1500", "1520", "1540", "1560", "1580", "1600"])
        #expect(early.first?.value == d(1500, 1, 1).timeIntervalSince1970)
        #expect(AxisTicks.dates(d(1500, 1, 10), d(1500, 7, 20)).map(\.label).first == "Feb 1500")
    }

    @Test("a series without dates is plotted against row numbers, not the internal stamps")
    func datelessAxis() throws {
        let run = SampleRun.make(dateless: true)
        let svg = try #require(ReportCharts.testPeriod(run)).render()
        #expect(svg.contains(">row<"))
        // The stamps start on 2000-01-01; no calendar tick may leak into the chart.
        #expect(!svg.contains(">2000") && !svg.contains("2000-"))
        #expect(!svg.contains("Jan") && !svg.contains("Feb") && !svg.contains("Mar"))
        #expect(svg.contains("row 241 to row 300"))
        // Ticks cover the test rows (the last 60 of 300).
        #expect(svg.contains(">250<") || svg.contains(">260<") || svg.contains(">280<"))
        let dated = try #require(ReportCharts.testPeriod(SampleRun.make())).render()
        #expect(!dated.contains(">row<"))
    }
}
