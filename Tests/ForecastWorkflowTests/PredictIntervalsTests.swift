import ForecastEvaluation
import ForecastModels
import Foundation
import Testing
@testable import ForecastWorkflow

/// One fit of every kind of model with a 3-step horizon: the files `predict` reads, and the
/// in-memory results they must reproduce.
private enum ThreeStepFit {
    static let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
    static let outcome: FitOutcome = {
        var c = FitConfiguration(input: csv)
        c.models = [.naive, .snaive, .drift, .ets, .theta, .ff, .combo]
        c.horizon = 3
        c.window = 12
        c.hidden = 8
        c.epochs = 3
        c.reportsDirectory = try! temporaryDirectory().path
        return try! FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
    }()

    static func path(_ model: ModelResult) throws -> String {
        let file = try #require(outcome.modelFiles[model.id], "no model file for \(model.name)")
        return outcome.paths.folder.appendingPathComponent(file).path
    }
}

@Suite("predict: intervals, --steps, every model's file, --json")
struct PredictIntervalsTests {
    @Test("every working model has a file; its forecast and intervals equal the fit's in memory, bit for bit")
    func intervalsEqualTheFit() throws {
        let run = ThreeStepFit.outcome.run
        let models = run.models.filter(\.status.isOK)
        #expect(models.map(\.id) == ["naive", "snaive", "drift", "ets", "theta", "ff", "combo"])
        #expect(ThreeStepFit.outcome.modelFiles == ["naive": "model-naive.json", "snaive": "model-snaive.json", "drift": "model-drift.json",
                                                    "ets": "model-ets.json", "theta": "model-theta.json", "ff": "model-ff.ckpt",
                                                    "combo": "model-combo.json"])
        var bounded = 0, unbounded = 0
        for model in models {
            let p = try Prediction.run(checkpointPath: try ThreeStepFit.path(model), csvPath: ThreeStepFit.csv)
            #expect(p.modelID == model.id && p.model == model.displayName, "\(p.model)")
            #expect(p.horizon == 3 && p.intervalLevels == [0.8, 0.95] && p.note == nil)
            #expect(p.points.map(\.value.bitPattern) == model.nextForecasts.map(\.value.bitPattern), "\(model.name)")
            #expect(p.points.map(\.date) == ["1961-01-01", "1961-02-01", "1961-03-01"])
            for (point, next) in zip(p.points, model.nextForecasts) {
                #expect(point.intervals.map(\.level) == next.intervals.map(\.level))
                for (mine, fits) in zip(point.intervals, next.intervals) {
                    if fits.isBounded {
                        bounded += 1
                        #expect(mine.lower?.bitPattern == fits.lower.bitPattern && mine.upper?.bitPattern == fits.upper.bitPattern,
                                "\(model.name) step \(point.step) level \(fits.level)")
                    } else {
                        // Too few validation points for the level: shown as unbounded, never a number.
                        unbounded += 1
                        #expect(mine.lower == nil && mine.upper == nil, "\(model.name) step \(point.step) level \(fits.level)")
                    }
                }
            }
        }
        // 22 validation points (20 + h − 1): every step has 20 residuals, so both levels are bounded.
        #expect(bounded == 7 * 3 * 2 && unbounded == 0)
    }

    @Test("lower bounds are cut at the run's floor exactly as the evaluator cuts them (hand computation)")
    func floorCut() {
        let stored = StoredIntervals(floor: 0, levels: [.init(level: 0.8, halfWidth: [3, nil]), .init(level: 0.95, halfWidth: [0.5, 7])])
        #expect(stored.bounds(around: 1, step: 1) == [PredictedInterval(level: 0.8, lower: 0, upper: 4),
                                                     PredictedInterval(level: 0.95, lower: 0.5, upper: 1.5)])
        #expect(stored.bounds(around: 1, step: 2) == [PredictedInterval(level: 0.8, lower: nil, upper: nil),
                                                     PredictedInterval(level: 0.95, lower: 0, upper: 8)])
        let uncut = StoredIntervals(floor: nil, levels: [.init(level: 0.8, halfWidth: [3])])
        #expect(uncut.bounds(around: 1, step: 1) == [PredictedInterval(level: 0.8, lower: -2, upper: 4)])
    }

    @Test("--steps k gives the first k of the trained steps; outside 1...horizon is exit 64 naming --steps, before the CSV is read")
    func steps() throws {
        for model in ThreeStepFit.outcome.run.models.filter(\.status.isOK) {
            let path = try ThreeStepFit.path(model)
            let all = try Prediction.run(checkpointPath: path, csvPath: ThreeStepFit.csv)
            for k in 1...3 {
                let p = try Prediction.run(checkpointPath: path, csvPath: ThreeStepFit.csv, steps: k)
                #expect(p.points == Array(all.points.prefix(k)), "\(model.name) --steps \(k)")
            }
            for k in [0, 4, -1] {
                do {
                    // A CSV that does not exist: the steps are refused first.
                    _ = try Prediction.run(checkpointPath: path, csvPath: "/nonexistent/file.csv", steps: k)
                    Issue.record("\(model.name) --steps \(k) was accepted")
                } catch let e as PredictError {
                    #expect(e.exitCode == 64 && e.location?.option == "--steps", "\(e)")
                    #expect(e.rendered.hasPrefix("--steps: error: "))
                    if k == 4 { #expect(e.message.contains("horizon of 3 steps") && e.hint?.contains("between 1 and 3") == true, "\(e)") }
                }
            }
        }
    }

    @Test("a baseline pick has a model file, and predict from it equals the baseline's forecast in the fit")
    func baselinePick() throws {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .drift, .ff]
        c.window = 12; c.hidden = 8; c.epochs = 3
        c.learningRate = 1e30   // the network diverges: a baseline is picked
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let pick = try #require(outcome.run.pickedModel)
        #expect(pick.kind == .baseline)
        #expect(outcome.modelFiles["ff"] == nil, "a failed network has no file")
        let file = try #require(outcome.modelFiles[pick.id])
        #expect(file == "model-\(pick.id).json")
        let path = outcome.paths.folder.appendingPathComponent(file).path
        #expect(FileManager.default.fileExists(atPath: path))
        let p = try Prediction.run(checkpointPath: path, csvPath: c.input)
        #expect(p.points.map(\.value.bitPattern) == pick.nextForecasts.map(\.value.bitPattern))
        #expect(p.points.map(\.intervals.first?.upper) == pick.nextForecasts.map(\.intervals.first?.upper))
    }

    @Test("the seasonal naive file stores m, and predicts one season back from the CSV's last row (hand computation)")
    func seasonalNaiveFile() throws {
        let model = try #require(ThreeStepFit.outcome.run.models.first { $0.id == "snaive" })
        let path = try ThreeStepFit.path(model)
        let stored = try BaselineCheckpoint.decode(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        #expect(stored.model == .snaive && stored.seasonLength == 12 && stored.name == "seasonal naive (m=12)")
        // AirPassengers 1960-01 to 1960-03: 417, 391, 419.
        #expect(try Prediction.run(checkpointPath: path, csvPath: ThreeStepFit.csv).points.map(\.value) == [417, 391, 419])
    }

    @Test("--json is one object with the documented keys, and its numbers are the prediction's")
    func json() throws {
        struct Document: Decodable {
            struct Step: Decodable {
                var step: Int
                var date: String?
                var forecast: Double
                var lower_80: Double?, upper_80: Double?, lower_95: Double?, upper_95: Double?
            }
            var model: String, name: String, target: String, last_date: String?, horizon: Int
            var interval_levels: [Double]
            var note: String?
            var steps: [Step]
        }
        let combo = try #require(ThreeStepFit.outcome.run.models.first { $0.id == "combo" })
        let p = try Prediction.run(checkpointPath: try ThreeStepFit.path(combo), csvPath: ThreeStepFit.csv, steps: 2)
        let data = try p.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["model", "name", "target", "last_date", "horizon", "interval_levels", "note", "data_note", "steps"])
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.map { Set($0.keys) } == Array(repeating: ["step", "date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"], count: 2))
        #expect(steps.allSatisfy { $0["upper_95"] is NSNumber }, "bounded: a number")
        let d = try JSONDecoder().decode(Document.self, from: data)
        #expect(d.model == "combo" && d.name == combo.displayName && d.target == "passengers" && d.last_date == "1960-12-01")
        #expect(d.horizon == 3 && d.interval_levels == [0.8, 0.95] && d.note == nil)
        #expect(d.steps.map(\.step) == [1, 2] && d.steps.map(\.date) == ["1961-01-01", "1961-02-01"])
        #expect(d.steps.map(\.forecast.bitPattern) == combo.nextForecasts.prefix(2).map(\.value.bitPattern))
        #expect(d.steps.map(\.lower_80) == combo.nextForecasts.prefix(2).map { $0.intervals[0].lower })
        #expect(d.steps.map(\.upper_80) == combo.nextForecasts.prefix(2).map { $0.intervals[0].upper })
        #expect(d.steps.map(\.lower_95) == combo.nextForecasts.prefix(2).map { $0.intervals[1].lower })
        #expect(d.steps.map(\.upper_95) == combo.nextForecasts.prefix(2).map { $0.intervals[1].upper })
    }

    @Test("the combination file lists its members' files; a member file that holds another model, or a combination, is refused (31)")
    func combinationMembers() throws {
        let combo = try #require(ThreeStepFit.outcome.run.models.first { $0.id == "combo" })
        let path = try ThreeStepFit.path(combo)
        let stored = try CombinationCheckpoint.decode(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        #expect(stored.members.map(\.file) == ["model-ets.json", "model-theta.json", "model-ff.ckpt"])
        // The same combination file beside a folder where model-theta.json is the naive baseline's file.
        let folder = try temporaryDirectory()
        for (from, to) in [("model-combo.json", "model-combo.json"), ("model-ets.json", "model-ets.json"),
                           ("model-naive.json", "model-theta.json"), ("model-ff.ckpt", "model-ff.ckpt")] {
            try FileManager.default.copyItem(at: ThreeStepFit.outcome.paths.folder.appendingPathComponent(from),
                                             to: folder.appendingPathComponent(to))
        }
        do {
            _ = try Prediction.run(checkpointPath: folder.appendingPathComponent("model-combo.json").path, csvPath: ThreeStepFit.csv)
            Issue.record("accepted")
        } catch let e as PredictError {
            #expect(e.exitCode == 31 && e.message.contains("it holds the naive model"), "\(e)")
        }
        // A member that is itself a combination (here the combination file itself) is refused, not followed forever.
        let ets = folder.appendingPathComponent("model-ets.json")
        try FileManager.default.removeItem(at: ets)
        try FileManager.default.copyItem(at: folder.appendingPathComponent("model-combo.json"), to: ets)
        do {
            _ = try Prediction.run(checkpointPath: folder.appendingPathComponent("model-combo.json").path, csvPath: ThreeStepFit.csv)
            Issue.record("accepted")
        } catch let e as PredictError {
            #expect(e.exitCode == 31 && e.message.contains("it is a combination file"), "\(e)")
        }
        // A member file outside the folder is not something the format can say.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        object["members"] = [["model": "ets", "file": "../model-ets.json"], ["model": "ff", "file": "model-ff.ckpt"]]
        let edited = folder.appendingPathComponent("edited.json")
        try JSONSerialization.data(withJSONObject: object).write(to: edited)
        do {
            _ = try Prediction.run(checkpointPath: edited.path, csvPath: ThreeStepFit.csv)
            Issue.record("accepted")
        } catch let e as PredictError {
            #expect(e.exitCode == 31 && e.message.contains("'members[0].file'"), "\(e)")
        }
    }

    @Test("edited interval fields are refused with exit 31 naming the field")
    func badIntervals() throws {
        let ets = try #require(ThreeStepFit.outcome.run.models.first { $0.id == "ets" })
        let path = try ThreeStepFit.path(ets)
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("intervals.levels[0].half_width", { o in o["intervals"] = ["floor": 0, "levels": [["level": 0.8, "half_width": [1.0]]]] }),
            ("intervals.levels[0].half_width[1]", { o in o["intervals"] = ["levels": [["level": 0.8, "half_width": [1.0, -2.0, 1.0]]]] }),
            ("intervals.levels[0].level", { o in o["intervals"] = ["levels": [["level": 80, "half_width": [1.0, 1.0, 1.0]]]] }),
            ("intervals", { o in o["version"] = 1 }),
        ]
        for (field, edit) in cases {
            var object = original
            edit(&object)
            let url = try temporaryDirectory().appendingPathComponent("model-ets.json")
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            do {
                _ = try Prediction.run(checkpointPath: url.path, csvPath: ThreeStepFit.csv)
                Issue.record("\(field): accepted")
            } catch let e as PredictError {
                #expect(e.exitCode == 31 && e.message.contains("'\(field)'"), "\(e)")
            }
        }
    }
}

@Suite("predict: model files written before intervals were stored")
struct PredictOldFilesTests {
    @Test("a version-1 statistical file (written by the release before) predicts its release's forecast, without intervals, and says so")
    func statisticalVersionOne() throws {
        // `forecast fit data/airpassengers.csv --models ets --season 12` at commit ae14b49: its
        // metrics.json gave 437.13295256777326 for 1961-01-01 (80 % [416.2028306720088, 458.0630744635377]).
        let path = repositoryRoot.appendingPathComponent("Tests/ForecastWorkflowTests/Fixtures/statistical-v1-ets-airpassengers.json").path
        let stored = try StatisticalCheckpoint.read(from: path)
        #expect(stored.version == 1 && stored.intervals == nil)
        let p = try Prediction.run(checkpointPath: path, csvPath: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        #expect(p.points.map(\.value) == [437.13295256777326] && p.points.map(\.date) == ["1961-01-01"])
        #expect(p.intervalLevels == nil && p.points.allSatisfy(\.intervals.isEmpty))
        #expect(p.note?.contains("no intervals") == true)
        #expect(p.text.hasSuffix("1961-01-01\t437.133\n" + p.note! + "\n"), "\(p.text)")
        let object = try #require(try JSONSerialization.jsonObject(with: p.jsonData()) as? [String: Any])
        #expect(object["interval_levels"] as? [Double] == [] && object["note"] is String)
        #expect((object["steps"] as? [[String: Any]])?.first?["lower_80"] is NSNull)
    }

    @Test("network checkpoints without the intervals key (version 1, and version 2 before intervals) predict without intervals")
    func networkWithoutIntervals() throws {
        let v1 = try Prediction.run(checkpointPath: CheckpointCompatibilityTests.versionOne.path,
                                    csvPath: repositoryRoot.appendingPathComponent("data/prices.csv").path)
        #expect(v1.intervalLevels == nil && v1.points.map(\.value) == [380.58921349450765] && v1.note != nil)

        let ff = try #require(ThreeStepFit.outcome.run.models.first { $0.id == "ff" })
        let path = try ThreeStepFit.path(ff)
        var checkpoint = try Checkpoint.read(from: path)
        var meta = try CheckpointMetadata(reading: checkpoint, path: path)
        #expect(meta.intervals != nil)
        meta.intervals = nil
        checkpoint.metadata = meta.encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: checkpoint.metadata) as? [String: Any])
        #expect(object["intervals"] == nil && object["scaler"] != nil)
        let url = try temporaryDirectory().appendingPathComponent("model-ff.ckpt")
        try Data(checkpoint.encoded()).write(to: url)
        let p = try Prediction.run(checkpointPath: url.path, csvPath: ThreeStepFit.csv)
        #expect(p.intervalLevels == nil && p.points.allSatisfy(\.intervals.isEmpty))
        #expect(p.points.map(\.value.bitPattern) == ff.nextForecasts.map(\.value.bitPattern))
    }
}

extension PredictIntervalsTests {
    /// A CSV whose last row has no target value: predict filled it with the model's stored
    /// policy (ffill) and printed "last row 1961-01-01" and naive's 432 (December's value) as if
    /// observed. It now says the forecast starts from a filled value, for every kind of file.
    @Test("a missing last value is said to be filled: the forecast does not start from an observed value")
    func filledLastValueIsNoted() throws {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("air-missing.csv")
        try (try String(contentsOfFile: ThreeStepFit.csv, encoding: .utf8) + "1961-01-01,\n").write(to: csv, atomically: true, encoding: .utf8)
        for id in ["naive", "ets", "ff", "combo"] {
            let model = try #require(ThreeStepFit.outcome.run.models.first { $0.id == id })
            let p = try Prediction.run(checkpointPath: try ThreeStepFit.path(model), csvPath: csv.path)
            #expect(p.lastDate == "1961-01-01")
            #expect(p.dataNote == "the last value of passengers from 1961-01-01 is missing in the CSV and filled by the model's stored setting missing: ffill; the forecast starts from that filled value, not from an observed one", "\(id)")
            #expect(p.text.contains("\nnote: the last value of passengers from 1961-01-01 is missing"), "\(id)")
            let object = try #require(try JSONSerialization.jsonObject(with: try p.jsonData()) as? [String: Any])
            #expect(object["data_note"] as? String == p.dataNote)
            if id == "naive" { #expect(p.points.map(\.value) == [432, 432, 432], "December 1960, carried forward") }
            let observed = try Prediction.run(checkpointPath: try ThreeStepFit.path(model), csvPath: ThreeStepFit.csv)
            #expect(observed.dataNote == nil && !observed.text.contains("note: "))
        }
    }
}
