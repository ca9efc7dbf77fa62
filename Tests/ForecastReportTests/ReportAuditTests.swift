import ForecastEvaluation
import Foundation
import Testing
@testable import ForecastReport

/// Sentences found false in an audit of `forecast fit` reports under options a user would try
/// (a fallback pick, --stride, --horizon, --models without networks, --missing drop): each test
/// builds the situation and checks that the sentence agrees with the run's numbers.
@Suite struct ReportAuditTests {
    let utc = TimeZone(identifier: "UTC")!

    func render(_ run: RunResult) -> String {
        let all: Set<String> = [ReportFileName.fanChart, ReportFileName.testPeriodChart, ReportFileName.lossChart, ReportFileName.gradientFlowChart]
        return MarkdownReport(run: run, charts: all, timeZone: utc).render()
    }

    // MARK: - The dashed model of the fan chart

    @Test("when a baseline is kept as the safe choice, the dashed model had the lowest validation MAE: it is not called the runner-up")
    func dashedModelUnderFallbackIsNotCalledTheRunnerUp() throws {
        var run = SampleRun.make(horizon: 1)
        let best = try #require(run.pickedModel)
        run.selectionFallback = .withinNoise(model: best.name, test: nil)
        run.pick = "naive"
        let naiveMAE = try #require(run.pickedModel?.selectionMAE)
        let bestMAE = try #require(best.selectionMAE)
        try #require(bestMAE < naiveMAE)  // the situation: the dashed model beat the pick on validation

        let dashed = try #require(ReportCharts.runnerUp(run))
        #expect(dashed.name == best.name)
        let report = render(run)
        #expect(!report.contains("Dashed: the runner-up on validation"), "\(report.prefix(1500))")
        #expect(report.contains("Dashed: \(best.displayName), which had the lowest validation MAE but was not picked (see the verdict)."))
        let chart = try #require(ReportCharts.fan(run))
        #expect(chart.series.contains { $0.name == "\(best.displayName) (lowest validation MAE, not picked)" && $0.dash != nil })
        #expect(!chart.series.contains { $0.name.hasSuffix("(runner-up)") })
        #expect(!chart.description.contains("runner-up"))

        // Without the fallback the pick has the lowest validation MAE: the dashed model is the runner-up.
        let plain = SampleRun.make(horizon: 1)
        let second = try #require(ReportCharts.runnerUp(plain))
        #expect(render(plain).contains("Dashed: the runner-up on validation, \(second.displayName)."))
    }
}
