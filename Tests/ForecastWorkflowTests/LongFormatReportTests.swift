import Foundation
import Testing
@testable import ForecastWorkflow

@Suite("what the report says about the data")
struct DataWarningReportTests {
    @Test("a fit that dropped most rows as duplicate timestamps says so at the top of the report's data section")
    func droppedRowsAreInTheReport() throws {
        let folder = try temporaryDirectory("forecast-long")
        var text = "date,origin,arrivals\n"
        for q in 0..<80 {
            for (k, origin) in ["Japan", "NZ", "UK", "US"].enumerated() {
                text += String(format: "%04d-%02d-01,%@,%d\n", 1990 + q / 4, 1 + 3 * (q % 4), origin, 1000 * (k + 1) + 7 * q + (q % 4) * 50)
            }
        }
        let path = folder.appendingPathComponent("arrivals.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var c = FitConfiguration(input: path)
        c.target = "arrivals"
        c.duplicates = .first
        c.models = [.naive]
        c.reportsDirectory = folder.appendingPathComponent("reports").path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let report = try String(contentsOf: outcome.paths.report, encoding: .utf8)
        #expect(report.contains("**Warning:** --duplicates first dropped 240 of 320 rows (75%); column \"origin\" holds text"), "\(report)")
        #expect(outcome.dataLines.contains { $0.hasPrefix("WARNING: --duplicates first dropped 240 of 320 rows") })
    }
}
