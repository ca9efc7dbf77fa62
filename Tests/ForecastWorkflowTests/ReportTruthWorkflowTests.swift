import ForecastEvaluation
import ForecastReport
import Foundation
import Testing
@testable import ForecastWorkflow

/// What fit hands the report so it can tell the truth about the run: the epoch-cap warnings,
/// the counts per part, the variance of the scaled target per part; and the fan chart comes first.
@Suite struct ReportTruthWorkflowTests {
    @Test func fitHandsTheReportItsWarningsCountsAndVariances() throws {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .ff, .gru]
        c.window = 12; c.hidden = 8; c.epochs = 4
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let run = outcome.run
        #expect(run.trainingWarnings == outcome.trainingWarnings)
        let report = try String(contentsOf: outcome.paths.report, encoding: .utf8)
        for warning in run.trainingWarnings { #expect(report.contains("**Stopped by the epoch cap:** \(warning).")) }

        let d = run.dataset
        #expect(d.rowsRead == 144)
        let parts = try #require(d.pointsPerPart)
        #expect(parts.train + parts.validation + parts.test == d.rows, "the parts' points add up to the cleaned series")
        #expect(parts.test == run.test.values.count)
        #expect(d.trainCount < parts.train, "the first training windows need earlier inputs")
        // The z-score is fitted on the training part, so the training targets' variance is near 1.
        let variance = try #require(d.scaledTargetVariance)
        #expect(abs(variance.train - 1) < 0.15, "\(variance)")
        #expect(variance.validation > 0)

        #expect(outcome.paths.charts.first?.lastPathComponent == ReportFileName.fanChart)
        #expect(report.contains("| Points per part (in time order) | train \(parts.train) · validation \(parts.validation) · test \(parts.test) |"))
    }
}
