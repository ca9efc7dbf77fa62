import Foundation
import Testing
@testable import ForecastWorkflow
import ForecastEvaluation
import ForecastIngest

@Suite("forecasts.csv: the backtest as a table")
struct ForecastsTableTests {
    @Test("header, one row per (part, origin, step, model), and rows equal to the in-memory forecasts")
    func tableMatchesTheRun() throws {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .snaive, .ets, .ff]
        c.season = 12
        c.horizon = 2
        c.window = 12; c.hidden = 8; c.epochs = 3
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let run = outcome.run
        let text = try String(contentsOf: outcome.paths.report.deletingLastPathComponent().appendingPathComponent("forecasts.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "part,fold,origin,date,step,actual,model,forecast,lower_80,upper_80,lower_95,upper_95")
        // Plain CSV: 12 fields on every row, no quoting needed (pandas.read_csv without options).
        #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 12 && !$0.contains("\"") })
        let working = run.models.filter(\.status.isOK)
        let expectedRows = working.reduce(0) { sum, m in
            sum + 2 * ((m.validationForecasts?.origins.count ?? 0) + (m.testForecasts?.origins.count ?? 0)) + m.nextForecasts.count
        }
        #expect(lines.count - 1 == expectedRows)

        // The ETS model's first test row, field by field.
        let ets = try #require(working.first { $0.name == "ets" })
        let test = try #require(ets.testForecasts)
        let origin = test.origins[0]
        let y = try loadSeries(IngestOptions(path: c.input)).target
        let dates = try #require(try loadSeries(IngestOptions(path: c.input)).dates)
        let f = Frequency.monthly
        let row = try #require(lines.first { $0.hasPrefix("test,,\(f.format(dates[origin - 1])),\(f.format(dates[origin])),1,") && $0.contains(",ets,") })
        let fields = Array(row.split(separator: ",", omittingEmptySubsequences: false).map(String.init).dropFirst())
        #expect(Double(fields[4]) == y[origin])
        #expect(Double(fields[6]) == test.values[0][0], "the forecast reads back bit for bit")
        let w80 = try #require(ets.intervals.first { abs($0.level - 0.8) < 1e-9 }?.halfWidth[0])
        if w80.isFinite {
            #expect(Double(fields[7]) == test.values[0][0] - w80 && Double(fields[8]) == test.values[0][0] + w80)
        } else {
            #expect(fields[7].isEmpty && fields[8].isEmpty, "unbounded intervals are empty fields")
        }
        // The future: one row per step, no actual, after the last date.
        let future = lines.filter { $0.hasPrefix("future,") && $0.contains(",ets,") }
        #expect(future.count == 2)
        #expect(future[0].hasPrefix("future,,1960-12-01,1961-01-01,1,,ets,"))
        #expect(future[1].hasPrefix("future,,1960-12-01,1961-02-01,2,,ets,"))
        // Stable ids, not display names: seasonal naive is "snaive".
        #expect(lines.contains { $0.contains(",snaive,") } && !lines.contains { $0.contains("seasonal naive") })
        // Validation rows come before the test part, each with the fold of its origin:
        // 21 validation points (20 + h − 1) make 2 folds of 10 and 11 origins.
        #expect(run.validationFolds.count == 2 && run.validationFolds.map(\.count) == [10, 11])
        for (k, fold) in run.validationFolds.enumerated() {
            let origin = fold.lowerBound
            #expect(lines.contains { $0.hasPrefix("validation,\(k + 1),\(f.format(dates[origin - 1])),\(f.format(dates[origin])),1,") && $0.contains(",naive,") })
        }
        #expect(!lines.contains { $0.hasPrefix("validation,,") }, "every validation row names its fold")
    }
}
