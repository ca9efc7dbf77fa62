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
        #expect(files.map(\.name) == ["report.md", "metrics.json", "forecast.svg", "test-period.svg", "training-loss.svg", "gradient-flow.svg"])
        if let dir = ProcessInfo.processInfo.environment["FORECAST_REPORT_DEMO_DIR"] {
            let root = URL(fileURLWithPath: dir)
            try ReportPublisher(folder: root.appendingPathComponent("prices")).publish(files: files, startedAt: run.startedAt)
            try ReportPublisher(folder: root.appendingPathComponent("prices-h3"))
                .publish(files: ReportBundle.files(for: SampleRun.make(horizon: 3), timeZone: TimeZone(identifier: "UTC")!),
                         startedAt: run.startedAt)
        }
    }
}
