import ForecastEvaluation
import Foundation
import Testing
@testable import ForecastWorkflow

/// Real `fit` runs under options a user would try, their report's data table checked against
/// the run's own counts.
@Suite("report data table under --missing, --horizon and --stride")
struct ReportAuditWorkflowTests {
    /// 120 monthly values with the given rows left empty (0-based data rows).
    static func csv(emptyRows: Set<Int>) throws -> String {
        var lines = ["date,value"]
        for t in 0..<120 {
            let value = 200 + 0.8 * Double(t) + 25 * sin(2 * Double.pi * Double(t) / 12) + 3 * cos(1.7 * Double(t))
            lines.append(String(format: "%04d-%02d-01,", 2000 + t / 12, t % 12 + 1) + (emptyRows.contains(t) ? "" : String(format: "%.4f", value)))
        }
        let url = try temporaryDirectory("audit-csv").appendingPathComponent("series.csv")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url.path
    }

    func fit(_ input: String, _ edit: (inout FitConfiguration) -> Void) throws -> (run: RunResult, report: String) {
        var c = FitConfiguration(input: input)
        c.models = [.naive, .ets]
        c.reportsDirectory = try temporaryDirectory("audit").path
        edit(&c)
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        return (outcome.run, try String(contentsOf: outcome.paths.report, encoding: .utf8))
    }

    @Test("--missing ffill with leading gaps, and --missing drop: the row counts what was filled and what was dropped")
    func missingValuesRowMatchesIngest() throws {
        let input = try Self.csv(emptyRows: [0, 1, 50, 51, 52, 100])
        let ffill = try fit(input) { $0.missing = .ffill }
        #expect(ffill.run.dataset.rows == 118, "the two leading rows are dropped, the other four filled")
        #expect(ffill.report.contains("| Missing values | 6 (4 filled by forward fill, 2 leading rows dropped) |"))
        let drop = try fit(input) { $0.missing = .drop }
        #expect(drop.run.dataset.rows == 114)
        #expect(drop.report.contains("| Missing values | 6 (6 rows dropped) |"))
        #expect(!drop.report.contains("filled by drop"))
    }

    @Test("--horizon 3 --stride 2: the window counts follow from the reasons the row gives")
    func windowReasonsMatchTheCounts() throws {
        let input = try Self.csv(emptyRows: [])
        let (run, report) = try fit(input) { c in
            c.models = [.naive, .ff]
            c.horizon = 3; c.stride = 2; c.window = 12; c.hidden = 4; c.epochs = 1; c.ensemble = 1
        }
        let d = run.dataset
        let parts = try #require(d.pointsPerPart)
        // A training window: 1 point used by diff, 12 inputs, 3 targets inside the training part, every 2nd start.
        #expect(d.trainCount == (parts.train - 1 - 12 - 3) / 2 + 1)
        // An early-stopping window: only its 3 targets inside the validation part (inputs reach back), every 2nd start.
        #expect(abs(d.validationCount - ((parts.validation - 3) / 2 + 1)) <= 1)
        #expect(d.validationCount > (parts.validation - 12 - 3) / 2 + 1, "more than if the inputs had to be inside the part")
        #expect(report.contains("a training window needs 12 input steps (after the first point, which the diff transform uses up) and 3 target steps inside the training part; "
                                + "an early-stopping window needs its 3 target steps inside the validation part (its 12 input steps may reach back into the training part); "
                                + "training and early-stopping windows start every 2 points (--stride 2); "), "\(report)")
    }

    @Test("--ensemble 2: the run records the seeds per network, and the report says the network figures are the first seed's")
    func ensembleSeedsReachTheReport() throws {
        let input = try Self.csv(emptyRows: [])
        let (run, report) = try fit(input) { c in
            c.models = [.naive, .ff]
            c.window = 12; c.hidden = 4; c.epochs = 2; c.ensemble = 2
        }
        #expect(run.networkSeeds == 2)
        #expect(report.contains("Each network is an ensemble of 2 seeds (--ensemble 2)"))
    }
}
