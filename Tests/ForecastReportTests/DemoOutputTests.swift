import ForecastEvaluation
import Foundation
import Testing
@testable import ForecastReport

/// Writes a sample report to $FORECAST_REPORT_DEMO_DIR when that variable is set (for looking at
/// the rendering by eye); otherwise does nothing but check that rendering works.
@Suite struct DemoOutputTests {
    @Test func sampleReportRenders() throws {
        let run = SampleRun.make(horizon: 1)
        let files = ReportBundle.files(for: run, timeZone: TimeZone(identifier: "UTC")!)
        #expect(files.map(\.name) == ["report.md", "metrics.json", "test-period.svg", "training-loss.svg", "gradient-flow.svg"])
        if let dir = ProcessInfo.processInfo.environment["FORECAST_REPORT_DEMO_DIR"] {
            let writer = ReportWriter(root: URL(fileURLWithPath: dir), timeZone: TimeZone(identifier: "UTC")!)
            try writer.write(run)
            try writer.write(files: ReportBundle.files(for: SampleRun.make(horizon: 3), timeZone: TimeZone(identifier: "UTC")!),
                             dataset: "prices-h3", date: run.startedAt)
        }
    }
}
