import Foundation
import Testing
@testable import ForecastWorkflow
import ForecastEvaluation
import ForecastModels

/// Small, fast settings: the point is the plumbing, not the accuracy.
private func quickConfiguration(_ input: String, reports: URL) -> FitConfiguration {
    var c = FitConfiguration(input: input)
    c.window = 12
    c.hidden = 8
    c.epochs = 3
    c.reportsDirectory = reports.path
    return c
}

@Suite("fit and predict, in process")
struct FitPredictTests {
    @Test("predict from a checkpoint equals fit's in-memory next forecast, bit for bit, for every model")
    func predictMatchesFit() throws {
        let reports = try temporaryDirectory()
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        let outcome = try FitWorkflow(configuration: quickConfiguration(csv, reports: reports),
                                      commandLine: "test", version: "test", workers: 2).run()
        #expect(outcome.exitStatus == .success)
        let trained = outcome.run.models.filter { $0.kind != .baseline && $0.kind != .combination }
        #expect(trained.map(\.name) == ["ets", "theta", "ff", "rnn", "gru", "lstm"])
        // The combination is scored like any model; it has no file of its own (see ForecastCombinationTests).
        #expect(outcome.run.models.last?.kind == .combination)
        for model in trained {
            let file = model.kind == .statistical ? FitWorkflow.statisticalCheckpointFileName(model: model.name)
                                                  : FitWorkflow.checkpointFileName(model: model.name)
            let checkpoint = outcome.paths.folder.appendingPathComponent(file).path
            let prediction = try Prediction.run(checkpointPath: checkpoint, csvPath: csv)
            #expect(prediction.points.count == 1)
            #expect(prediction.points[0].value == model.nextForecasts[0].value, "\(model.name)")
            #expect(prediction.points[0].date == "1961-01-01")
        }
    }

    @Test("the same seed and data give identical reports' numbers across two runs")
    func deterministic() throws {
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        let a = try FitWorkflow(configuration: quickConfiguration(csv, reports: try temporaryDirectory()),
                                commandLine: "test", version: "test").run()
        let b = try FitWorkflow(configuration: quickConfiguration(csv, reports: try temporaryDirectory()),
                                commandLine: "test", version: "test", workers: 1).run()
        for (x, y) in zip(a.run.models, b.run.models) {
            #expect(x.name == y.name)
            #expect(x.testForecasts == y.testForecasts, "\(x.name)")
            #expect(x.nextForecasts.map(\.value) == y.nextForecasts.map(\.value), "\(x.name)")
        }
        for m in ["ff", "gru"] {
            // Weights bit for bit (the metadata differs: it records each run's reports folder).
            let ca = try Checkpoint.read(from: a.paths.folder.appendingPathComponent("model-\(m).ckpt").path)
            let cb = try Checkpoint.read(from: b.paths.folder.appendingPathComponent("model-\(m).ckpt").path)
            #expect(ca.parameters.map(\.bitPattern) == cb.parameters.map(\.bitPattern), "weights of \(m) differ between runs")
        }
    }

    @Test("a seasonal monthly series gets the seasonal naive baseline with m = 12")
    func seasonalBaseline() throws {
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        var c = quickConfiguration(csv, reports: try temporaryDirectory())
        c.models = [.naive, .snaive, .drift]
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        #expect(outcome.run.dataset.season.season == 12)
        #expect(outcome.run.models.map(\.name).contains("seasonal naive (m=12)"))
    }
}

@Suite("series without dates")
struct DatelessSeriesTests {
    @Test("a single column of values is numbered by row, and the next forecast is for the row after the last")
    func rowNumbers() throws {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("values.csv")
        let values = (0..<120).map { i in String(100 + 10 * sin(Double(i) / 3) + Double(i)) }
        try Data(("value\n" + values.joined(separator: "\n") + "\n").utf8).write(to: csv)
        var c = FitConfiguration(input: csv.path)
        c.window = 12; c.hidden = 8; c.epochs = 2; c.models = [.naive, .ff]
        c.reportsDirectory = dir.path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        #expect(outcome.run.dataset.frequency == .unknown)
        let next = try #require(outcome.run.pickedModel?.nextForecasts.first)
        #expect(outcome.run.dataset.frequency.format(next.date) == "row 121")
        let report = try String(contentsOf: outcome.paths.report, encoding: .utf8)
        #expect(report.contains("row 1 to row 120"))
    }
}

@Suite("the season, said")
struct SeasonSaidTests {
    @Test("a --season longer than the training part drops seasonal naive and says so")
    func seasonTooLong() throws {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .snaive, .drift]
        c.season = 10_000
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        #expect(!outcome.run.models.contains { $0.name.hasPrefix("seasonal naive") })
        #expect(outcome.dataLines.contains { $0.hasPrefix("season: none: --season 10000 is not shorter than the training part") },
                "\(outcome.dataLines)")
        c.season = 12
        let seasonal = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        #expect(seasonal.dataLines.contains("season: 12 (--season 12)"))
    }
}

@Suite("the exit status says what the user got")
struct FitExitStatusTests {
    @Test("every network diverges but a baseline is picked: 33 (a forecast, from a baseline), not 30")
    func networksFailedBaselinePicked() throws {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .ff, .gru]
        c.window = 12; c.hidden = 8; c.epochs = 3
        c.learningRate = 1e30   // every step overflows: training diverges
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        #expect(outcome.run.models.filter { $0.kind != .baseline }.allSatisfy { !$0.status.isOK })
        #expect(outcome.run.pickedModel?.kind == .baseline, "\(String(describing: outcome.run.pick))")
        #expect(outcome.exitStatus == .everyNetworkFailed)
        #expect(outcome.exitStatus.rawValue == 33)
        #expect(FileManager.default.fileExists(atPath: outcome.paths.report.path), "the report is written either way")
    }
}
