import ForecastCore
import ForecastEvaluation
import ForecastIngest
import ForecastModels
import ForecastReport
import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastWorkflow

/// Cheap settings for global-network tests: naive, a tiny windowed MLP and a tiny GRU, with
/// their global twins, on a few columns of the quarterly visnights sample.
private func cheapGlobal(reports: URL, embedding: SeriesEmbedding? = nil, ensemble: Int = 1) -> FitConfiguration {
    var c = FitConfiguration(input: "")
    c.models = [.naive, .snaive, .ff, .gru]
    c.hidden = 4; c.epochs = 3; c.ensemble = ensemble
    c.global = true
    c.seriesEmbedding = embedding
    c.reportsDirectory = reports.path
    return c
}

private let visnights = repositoryRoot.appendingPathComponent("data/visnights.csv").path
private let fourColumns = ["nswmetro", "nswnthco", "qldmetro", "saumetro"]

private func portfolio(_ c: FitConfiguration, columns: [String] = fourColumns) throws -> Portfolio {
    try Portfolio.make(name: "v", inputs: [visnights], shape: .wide(targets: columns), ingest: c)
}

private func metrics(_ folder: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics.json"))) as? [String: Any])
}

/// The entries of metrics.json's `models` by id, without the training time (it differs run to run).
private func modelsByID(_ folder: URL) throws -> [String: NSDictionary] {
    var out: [String: NSDictionary] = [:]
    for var m in try #require(try metrics(folder)["models"] as? [[String: Any]]) {
        m.removeValue(forKey: "train_seconds")
        out[try #require(m["id"] as? String)] = m as NSDictionary
    }
    return out
}

@Suite("global networks: one network trained on every series of a portfolio")
struct GlobalNetworkTests {
    @Test("--jobs 1 and --jobs 2 give the same global networks and the same numbers, bit for bit")
    func jobsDoNotChangeNumbers() throws {
        let folder = try temporaryDirectory("global-jobs")
        var runs: [(summary: NSDictionary, tables: [Data], checkpoints: [Data])] = []
        for jobs in [1, 2] {
            let c = cheapGlobal(reports: folder.appendingPathComponent("jobs\(jobs)"), embedding: .onehot, ensemble: 2)
            let outcome = try PortfolioRun(portfolio: try portfolio(c), configuration: c, jobs: jobs, commandLine: "test", version: "test").run()
            let summary = try #require(outcome.summary)
            let reports = outcome.results.map { outcome.folder.appendingPathComponent($0.report!) }
            runs.append((try portfolioSummaryWithoutTiming(summary.appendingPathComponent("summary.json")),
                         try reports.map { try Data(contentsOf: $0.appendingPathComponent("forecasts.csv")) },
                         try reports.map { try Data(contentsOf: $0.appendingPathComponent("model-global-gru.ckpt")) }))
        }
        #expect(runs[0].summary == runs[1].summary)
        #expect(runs[0].tables == runs[1].tables)
        // The checkpoints differ only in the reports folder their configuration names.
        for (a, b) in zip(runs[0].checkpoints, runs[1].checkpoints) {
            #expect(try Checkpoint.decode(Array(a)).parameters == Checkpoint.decode(Array(b)).parameters)
        }
        // The parameters are one network's for every series; the metadata (scaler, series) is each series' own.
        let first = try Checkpoint.decode(Array(runs[0].checkpoints[0]), path: "a"), second = try Checkpoint.decode(Array(runs[0].checkpoints[1]), path: "b")
        #expect(first.parameters == second.parameters)
        #expect(first.members == 2)
        #expect(first.inputDim == 1 + 4, "one feature and one one-hot column per series")
        #expect(first.metadata != second.metadata)
    }

    @Test("h = 2: each series' global twins forecast from the same validation and test origins as its naive forecast")
    func globalTwinsShareTheOrigins() throws {
        var c = cheapGlobal(reports: try temporaryDirectory("global-origins"))
        c.horizon = 2
        let outcome = try PortfolioRun(portfolio: try portfolio(c, columns: ["nswmetro", "qldmetro"]), configuration: c,
                                       jobs: 1, commandLine: "test", version: "test").run()
        #expect(outcome.results.count == 2)
        for result in outcome.results {
            let table = try String(contentsOf: outcome.folder.appendingPathComponent(try #require(result.report))
                .appendingPathComponent("forecasts.csv"), encoding: .utf8)
            let rows = table.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = try #require(rows.first)
            let (part, origin, step, model) = (try #require(header.firstIndex(of: "part")), try #require(header.firstIndex(of: "origin")),
                                               try #require(header.firstIndex(of: "step")), try #require(header.firstIndex(of: "model")))
            func keys(_ name: String, _ which: String) -> [String] {
                rows.dropFirst().filter { $0[model] == name && $0[part] == which }.map { "\($0[origin]) \($0[step])" }
            }
            for which in ["validation", "test"] {
                let reference = keys("naive", which)
                #expect(!reference.isEmpty)
                for name in ["ff", "gru", "global-ff", "global-gru"] {
                    #expect(keys(name, which) == reference, "\(result.id) \(name) \(which)")
                }
            }
        }
    }

    @Test("each series' global forecasts are the network's outputs on that series' windows (with its one-hot columns), unscaled and undifferenced by hand")
    func forecastsAreThePredictionsOnTheSeriesWindows() throws {
        let folder = try temporaryDirectory("global-predict")
        let c = cheapGlobal(reports: folder, embedding: .onehot)
        let p = try portfolio(c)
        let run = PortfolioRun(portfolio: p, configuration: c, jobs: 1, commandLine: "test", version: "test")
        let outcome = try GlobalNetworks(configuration: c, version: "test", workers: 2).train(p.series, configurationFor: run.configuration(for:))
        #expect(outcome.report.series == fourColumns)
        // Quarterly data (m = 4): every series' data-derived window is 8, so the common one is too.
        #expect(outcome.report.window == 8)
        #expect(outcome.report.excluded.isEmpty)
        for (k, s) in p.series.enumerated() {
            let twin = try #require(outcome.twins[s.id]?.first { $0.output.name == "global-gru" })
            #expect(twin.local == "gru")
            let checkpoint = try #require(twin.checkpoint)
            let net = try checkpoint.makeNetwork()
            // The series alone, windowed at the common window with its own scaler (fitted on its training part).
            var options = IngestOptions(path: visnights, target: s.id)
            options.threads = 1
            let series = try loadSeries(options)
            let windowing = WindowingOptions(timeSteps: 8, horizon: 1, testFraction: c.testFraction, validationFraction: c.validationFraction,
                                             minimumValidationPoints: ModelSelection.preferredValidationPoints(horizon: 1),
                                             scaling: .zscore, transform: .diff)
            let d = try makeWindows(series, windowing)
            let test = d.test
            // One-hot by hand: column 1 + k of 1 + 4 is 1 at every step of every window.
            var x = [Float](repeating: 0, count: test.timeSteps * test.count * 5)
            for r in 0..<(test.timeSteps * test.count) {
                x[r * 5] = test.x[r]
                x[r * 5 + 1 + k] = 1
            }
            let raw = net.predict(x: x, count: test.count)
            let forecasts = try #require(twin.output.testForecasts)
            #expect(forecasts.origins == test.targetIndex)
            for i in 0..<test.count {
                // diff transform, z-score scaling: y[t] = y[t−1] + (output · scale + offset).
                let t = test.targetIndex[i]
                let expected = series.target[t - 1] + (Double(raw[i]) * d.scaler.targetScale + d.scaler.targetOffset)
                #expect(forecasts.values[i][0] == expected, "series \(s.id), window \(i)")
            }
            let meta = try CheckpointMetadata(reading: checkpoint, path: "ckpt")
            #expect(meta.oneHotSeries == CheckpointMetadata.OneHotSeries(index: k, count: 4, series: s.id))
            #expect(meta.windowing.timeSteps == 8)
            #expect(meta.scaler == d.scaler)
        }
    }

    @Test("with --global every local model's numbers equal fit on the series alone, bit for bit, and the global twins are scored beside them")
    func localNumbersUnchanged() throws {
        let folder = try temporaryDirectory("global-local")
        let c = cheapGlobal(reports: folder.appendingPathComponent("portfolio"))
        let columns = ["nswmetro", "qldmetro", "saumetro"]
        let outcome = try PortfolioRun(portfolio: try portfolio(c, columns: columns), configuration: c, jobs: 2, commandLine: "test", version: "test").run()
        #expect(outcome.exitStatus == .success)
        for result in outcome.results {
            var alone = c
            alone.global = nil
            alone.input = visnights
            alone.target = result.id
            alone.reportsDirectory = folder.appendingPathComponent("alone-\(result.id)").path
            let single = try FitWorkflow(configuration: alone, commandLine: "test", version: "test", workers: 2).run().paths.folder
            let expected = try modelsByID(single)
            let got = try modelsByID(outcome.folder.appendingPathComponent(try #require(result.report)))
            #expect(Set(got.keys) == Set(expected.keys).union(["global-ff", "global-gru"]))
            for (id, model) in expected { #expect(got[id] == model, "series \(result.id), model \(id)") }
            for id in ["global-ff", "global-gru"] { #expect(got[id]?["status"] as? String == "ok", "series \(result.id), \(id)") }
            // The summary's comparison is made of the two models' test MAEs.
            // (metrics.json read back through JSONSerialization, which may round the last digit.)
            let pair = try #require(result.globalComparisons?.first { $0.global == "global-gru" })
            #expect(abs(pair.globalTestMAE - (try #require(got["global-gru"]?["mae"] as? Double))) <= 1e-14 * pair.globalTestMAE)
            #expect(abs(pair.localTestMAE - (try #require(got["gru"]?["mae"] as? Double))) <= 1e-14 * pair.localTestMAE)
        }
    }

    @Test("forecast predict on a global network's checkpoint gives the run's next forecast, one-hot columns and ensemble mean included")
    func predictEqualsTheRunsNextForecast() throws {
        let folder = try temporaryDirectory("global-ckpt")
        let c = cheapGlobal(reports: folder, embedding: .onehot, ensemble: 2)
        let p = try portfolio(c)
        let run = PortfolioRun(portfolio: p, configuration: c, jobs: 2, commandLine: "test", version: "test")
        let outcome = try run.run()
        // The run's next forecasts as computed (not read back from a file): training is deterministic.
        let global = try GlobalNetworks(configuration: c, version: "test", workers: 1).train(p.series, configurationFor: run.configuration(for:))
        for result in outcome.results {
            let report = outcome.folder.appendingPathComponent(try #require(result.report))
            let next = try #require(global.twins[result.id]?.first { $0.output.name == "global-gru" }?.output.nextForecast)
            let model = try #require(modelsByID(report)["global-gru"])
            let written = try #require((model["next_forecast"] as? [[String: Any]])?.first?["value"] as? Double)
            #expect(abs(written - next[0]) <= 1e-14 * abs(next[0]), "metrics.json has the same forecast")
            let prediction = try Prediction.run(checkpointPath: report.appendingPathComponent("model-global-gru.ckpt").path, csvPath: visnights)
            #expect(prediction.modelID == "global-gru")
            #expect(prediction.points.map(\.value) == next, "series \(result.id)")
        }
    }

    @Test("a global checkpoint whose embedding does not match its input count is refused by predict (exit 31)")
    func predictRefusesABadEmbedding() throws {
        let folder = try temporaryDirectory("global-bad")
        let c = cheapGlobal(reports: folder, embedding: .onehot)
        let outcome = try PortfolioRun(portfolio: try portfolio(c, columns: ["nswmetro", "qldmetro"]), configuration: c, jobs: 1,
                                       commandLine: "test", version: "test").run()
        let file = outcome.folder.appendingPathComponent(outcome.results[0].report!).appendingPathComponent("model-global-ff.ckpt")
        var checkpoint = try Checkpoint.read(from: file.path)
        var meta = try CheckpointMetadata(reading: checkpoint, path: file.path)
        meta.oneHotSeries?.count = 3  // the network has 1 + 2 inputs
        meta.oneHotSeries?.index = 2
        checkpoint.metadata = meta.encoded()
        #expect(throws: PredictError.self) { try CheckpointMetadata(reading: checkpoint, path: file.path) }
    }

    @Test("a series too short for the common --window is left out of the global model with its reason, and keeps its local models")
    func shortSeriesLeftOut() throws {
        let folder = try temporaryDirectory("global-short")
        // Two quarterly series of 40 points and one of 16: a window of 10 leaves the short one no test window.
        var text = "date,a,b,c\n"
        for i in 0..<40 {
            let date = String(format: "%04d-%02d-01", 2000 + i / 4, (i % 4) * 3 + 1)
            let c = i >= 24 ? String(format: "%.3f", 5 + sin(Double(i))) : ""
            text += "\(date),\(10 + Double(i % 4) + 0.1 * Double(i)),\(20 + 2 * Double(i % 4) - 0.05 * Double(i)),\(c)\n"
        }
        let file = folder.appendingPathComponent("short.csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        var c = cheapGlobal(reports: folder.appendingPathComponent("reports"))
        c.models = [.naive, .ff]
        c.window = 10
        c.missing = .drop
        let p = try Portfolio.make(name: "s", inputs: [file.path], shape: .wide(targets: ["a", "b", "c"]), ingest: c)
        let run = PortfolioRun(portfolio: p, configuration: c, jobs: 1, commandLine: "test", version: "test")
        let outcome = try GlobalNetworks(configuration: c, version: "test", workers: 1).train(p.series, configurationFor: run.configuration(for:))
        #expect(outcome.report.series == ["a", "b"])
        #expect(outcome.report.excluded.map(\.series) == ["c"])
        #expect(outcome.report.excluded.first?.reason.contains("too few rows") == true)
        #expect(outcome.twins["c"] == nil)
        #expect(outcome.twins["a"]?.map(\.output.name) == ["global-ff"])
    }

    @Test("--series-embedding onehot above 256 series, and a budget too small for the pooled windows, are refused naming the setting")
    func refusals() throws {
        let folder = try temporaryDirectory("global-refuse")
        // 257 columns of a short trending series.
        var text = "date," + (0..<257).map { "s\($0)" }.joined(separator: ",") + "\n"
        for i in 0..<24 {
            text += String(format: "%04d-%02d-01", 2000 + i / 12, i % 12 + 1) + "," + (0..<257).map { j in "\(Double(i) + Double(j % 7) * 0.5 + Double((i * j) % 5))" }.joined(separator: ",") + "\n"
        }
        let file = folder.appendingPathComponent("wide.csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        var c = cheapGlobal(reports: folder, embedding: .onehot)
        c.models = [.naive, .ff]
        let p = try Portfolio.make(name: "w", inputs: [file.path], shape: .wide(targets: nil), ingest: c)
        #expect(p.series.count == 257)
        let run = PortfolioRun(portfolio: p, configuration: c, jobs: 1, commandLine: "test", version: "test")
        do {
            _ = try GlobalNetworks(configuration: c, version: "test", workers: 1).train(p.series, configurationFor: run.configuration(for:))
            Issue.record("257 series with a one-hot embedding should be refused")
        } catch let e as FitConfigurationError {
            #expect(e.key == .seriesEmbedding)
            #expect(e.message.contains("257 series") && e.message.contains("256"))
        }

        var small = cheapGlobal(reports: folder)
        small.models = [.naive, .gru]
        var run2 = PortfolioRun(portfolio: try portfolio(small), configuration: small, jobs: 1, commandLine: "test", version: "test")
        run2.memoryBudget = MemoryBudget(bytes: 10_000, source: "the test's budget")
        do {
            _ = try run2.run()
            Issue.record("a budget of 10 kB should refuse the global networks")
        } catch let e as FitConfigurationError {
            #expect(e.key == .global)
            #expect(e.spelling == "--global")
            #expect(e.message.contains("the global networks would need about") && e.message.contains("the test's budget"))
        }
        // Nothing was fitted: the refusal comes before any series.
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("v/nswmetro").path))
    }

    @Test("--series-embedding onehot without --global, and a custom model named global-…, are refused by the configuration")
    func configurationRules() {
        var c = FitConfiguration(input: "a.csv")
        c.seriesEmbedding = .onehot
        #expect(c.problems().map(\.key) == [.seriesEmbedding])
        c.global = true
        #expect(c.problems().isEmpty)
        c.namedModelSpecs = [NamedModelSpec(name: "global-deep", spec: "lstm(4) > dense(1)")]
        #expect(c.problems().map(\.key) == [.modelSpec])
        // A global run needs a network to make global.
        var statistical = FitConfiguration(input: "a.csv")
        statistical.models = [.naive, .ets]
        statistical.global = true
        #expect(statistical.problems().map(\.key) == [.global])
        #expect(statistical.problems().first?.message.contains("include no network") == true)
        // Without --global the settings' encoding is the one of earlier versions.
        let plain = FitConfiguration(input: "a.csv")
        let text = String(decoding: plain.canonicalJSON(), as: UTF8.self)
        #expect(!text.contains("global") && !text.contains("seriesEmbedding"))
    }
}
