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
        let cal = Frequency.utcCalendar
        let d = { (y: Int, m: Int, day: Int) in cal.date(from: DateComponents(year: y, month: m, day: day))! }
        #expect(AxisTicks.dates(d(2020, 1, 15), d(2024, 6, 1)).map(\.label) == ["2021", "2022", "2023", "2024"])
        #expect(AxisTicks.dates(d(2024, 1, 10), d(2024, 7, 20)).map(\.label) == ["Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024", "Jul 2024"])
        // Weekly ticks fall on Mondays.
        let weekly = AxisTicks.dates(d(2024, 12, 2), d(2025, 2, 21))
        for t in weekly {
            #expect(cal.component(.weekday, from: Date(timeIntervalSince1970: t.value)) == 2)
        }
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
