import ForecastReport
@testable import ForecastWorkflow
import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastCLI

/// The lines `forecast fit` prints at the end agree with the run: a model is called failed only
/// when it failed.
@Suite("fit's closing summary tells the truth")
struct FitSummaryTruthTests {
    @Test("a working model without a MASE (constant training part: in-sample scale 0) is n/a, not failed")
    func modelWithoutMASEIsNotCalledFailed() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = (0..<60).map { i in "\(2000 + i / 12)-\(i % 12 < 9 ? "0" : "")\(i % 12 + 1)-01,50" }
        let input = folder.appendingPathComponent("flat.csv")
        try Data((["date,value"] + rows).joined(separator: "\n").utf8).write(to: input)
        var c = FitConfiguration(input: input.path)
        c.models = [.naive, .snaive, .drift]
        c.reportsDirectory = folder.appendingPathComponent("reports").path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        // The situation: every model worked and none has a MASE (the training part is constant).
        try #require(outcome.run.models.count == 3)
        try #require(outcome.run.models.allSatisfy { $0.status.isOK && $0.testMetrics.first?.mase == nil })

        let text = FitSummary.text(outcome, includingData: false)
        let models = try #require(text.split(separator: "\n").first { $0.hasPrefix("models   ") })
        #expect(!models.contains("failed"), "\(models)")
        #expect(models.hasPrefix("models   naive n/a, seasonal naive (m=12) n/a, drift n/a  (test MASE, vs seasonal naive, m=12, in-sample; n/a: the in-sample scale is 0 or undefined)"),
                "\(models)")
    }

    @Test("a portfolio's per-series line at --horizon > 1 says its skill is one step ahead (the leaderboard's)")
    func portfolioLineSaysOneStepAtLongHorizon() {
        let result = PortfolioSeriesResult(id: "qldcntrl", status: .ok, report: "qldcntrl/x", pick: "snaive",
                                           pickName: "seasonal naive (m=4)", skill: -0.145, seconds: 0.01)
        let p = PortfolioProgress(done: 8, total: 20, result: result, elapsed: 1)
        #expect(PortfolioProgressLine.line(p, tty: false, horizon: 4)
                == "series 8/20 qldcntrl: pick seasonal naive (m=4), skill -0.145 one step ahead (0.0s)\n")
        #expect(PortfolioProgressLine.line(p, tty: false)
                == "series 8/20 qldcntrl: pick seasonal naive (m=4), skill -0.145 (0.0s)\n")
    }
}
