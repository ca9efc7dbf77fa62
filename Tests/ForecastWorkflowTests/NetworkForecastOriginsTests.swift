import ForecastEvaluation
import ForecastIngest
import Foundation
import Testing
@testable import ForecastWorkflow

/// With a horizon above 1 the networks forecast from every validation and test origin, as the
/// baselines and statistical models do: a forecast needs only the window of inputs before its
/// origin, the h targets only score it. Every table and sentence is then about the same points.
@Suite("networks forecast from every origin")
struct NetworkForecastOriginsTests {
    /// 120 monthly points: trend, a yearly season and a fixed ripple (no random numbers).
    static func seasonalCSV() throws -> String {
        var lines = ["date,value"]
        for t in 0..<120 {
            let value = 200 + 0.8 * Double(t) + 25 * sin(2 * Double.pi * Double(t) / 12) + 3 * cos(1.7 * Double(t))
            lines.append(String(format: "%04d-%02d-01,%.4f", 2000 + t / 12, t % 12 + 1, value))
        }
        let url = try temporaryDirectory("origins-csv").appendingPathComponent("seasonal.csv")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url.path
    }

    @Test("h = 3: every model forecasts from the same validation and test origins; ff's step-1 test MAE is over all of them; the report's test-point count is the pick's")
    func everyModelSharesTheOrigins() throws {
        let horizon = 3
        var c = FitConfiguration(input: try Self.seasonalCSV())
        c.models = [.naive, .snaive, .ets, .ff, .gru]
        c.season = 12
        c.horizon = horizon
        c.window = 12; c.hidden = 8; c.epochs = 3
        c.reportsDirectory = try temporaryDirectory("origins").path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let run = outcome.run
        let y = try Self.levels(c)
        let n = y.count
        let testOrigins = Array(run.test.startIndex..<(run.test.startIndex + run.test.values.count))
        let points = testOrigins.count
        #expect(points == 24 && testOrigins.last == n - 1, "the last 20% of 120 points, up to the last row")

        let working = run.models.filter(\.status.isOK)
        #expect(Set(working.map(\.name)).isSuperset(of: ["naive", "ets", "ff", "gru"]))
        let naive = try #require(working.first { $0.name == "naive" })
        let validationOrigins = try #require(naive.validationForecasts?.origins)
        for m in working {
            #expect(m.testForecasts?.origins == testOrigins, "\(m.name): test origins")
            #expect(m.validationForecasts?.origins == validationOrigins, "\(m.name): validation origins")
            // Step k is scored wherever y[origin + k − 1] exists: points − k + 1 targets.
            #expect(m.testMetrics.map(\.count) == (1...horizon).map { points - $0 + 1 }, "\(m.name): test points per step")
            #expect(m.validationMetrics.map(\.count) == (1...horizon).map { validationOrigins.count - $0 + 1 }, "\(m.name): validation points per step")
        }

        // ff's step-1 test MAE and skill, recomputed from its in-memory forecasts over every test origin.
        let ff = try #require(working.first { $0.name == "ff" })
        let forecasts = try #require(ff.testForecasts)
        let errors = zip(forecasts.origins, forecasts.values).map { abs(y[$0] - $1[0]) }
        let mae = errors.reduce(0, +) / Double(errors.count)
        let naiveMAE = testOrigins.map { abs(y[$0] - y[$0 - 1]) }.reduce(0, +) / Double(points)
        let step1 = try #require(ff.test)
        #expect(step1.count == points)
        #expect(abs(step1.mae - mae) <= 1e-12 * mae, "\(step1.mae) vs \(mae)")
        #expect(abs(try #require(step1.skill) - (1 - mae / naiveMAE)) <= 1e-12)
        #expect(abs(try #require(naive.test?.mae) - naiveMAE) <= 1e-12 * naiveMAE)
        // The forecast from the last origin reaches past the end: only its first step is scored.
        #expect(forecasts.values.last?.count == horizon && forecasts.values.last?.allSatisfy(\.isFinite) == true)

        // The report counts the same points everywhere.
        let report = try String(contentsOf: outcome.paths.report, encoding: .utf8)
        let pick = try #require(run.pickedModel)
        #expect(pick.test?.count == points)
        #expect(report.contains("Over \(points) test points the pick \(pick.displayName) had MAE "))
        #expect(report.contains("Test part, one step ahead: \(points) points"))
        let d = run.dataset
        #expect(d.testCount == points, "one test window per test point")
        #expect(report.contains("| Network windows per part | train \(d.trainCount) · validation \(d.validationCount) · test \(points) (fewer windows than points in train, validation: "))

        // metrics.json: the same n for every working model at step 1.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: outcome.paths.folder.appendingPathComponent("metrics.json"))) as? [String: Any]
        let models = try #require(json?["models"] as? [[String: Any]])
        let ok = models.filter { $0["status"] as? String == "ok" }
        #expect(ok.count == working.count && ok.allSatisfy { $0["n"] as? Int == points })

        // forecasts.csv: as many test rows for ff as for naive, one per (origin, step).
        let table = try String(contentsOf: outcome.paths.folder.appendingPathComponent("forecasts.csv"), encoding: .utf8)
        func testRows(_ model: String) -> Int {
            table.split(separator: "\n").filter { $0.hasPrefix("test,") && $0.split(separator: ",", omittingEmptySubsequences: false)[6] == model }.count
        }
        #expect(testRows("ff") == points * horizon && testRows("naive") == points * horizon)
    }

    /// The target as fit reads it.
    static func levels(_ c: FitConfiguration) throws -> [Double] {
        let workflow = FitWorkflow(configuration: c, commandLine: "test", version: "test")
        return try loadSeries(workflow.ingestOptions(c)).target
    }
}
