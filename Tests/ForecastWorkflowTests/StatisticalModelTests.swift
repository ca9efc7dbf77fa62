import ForecastCore
import ForecastEvaluation
import ForecastIngest
import ForecastModels
import Foundation
import Testing
@testable import ForecastWorkflow

/// ETS and Theta inside `forecast fit` and `forecast predict`: fitted on the training part for the
/// validation forecasts (selection, intervals), refitted on every point before the test part for the
/// test and next forecasts, forecast along the series with their parameters fixed, saved as data
/// and reloaded bit for bit.
@Suite("statistical models in fit and predict")
struct StatisticalModelTests {
    static let airpassengers = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path

    /// ETS and Theta only (no network to train), monthly season 12.
    static func configuration(_ input: String = airpassengers, models: [ContrastModel] = [.ets, .theta],
                              horizon: Int = 1) throws -> FitConfiguration {
        var c = FitConfiguration(input: input)
        c.models = models
        c.window = 12
        c.horizon = horizon
        c.season = 12
        c.reportsDirectory = try temporaryDirectory("statistical").path
        return c
    }

    /// The run's series and its training / validation / test boundaries, as fit computes them.
    static func seriesAndSplit(_ c: FitConfiguration) throws -> (y: [Double], split: SeriesSplit) {
        let workflow = FitWorkflow(configuration: c, commandLine: "test", version: "test")
        let series = try loadSeries(workflow.ingestOptions(c))
        let dataset = try makeWindows(series, workflow.windowingOptions(c))
        let y = dataset.targetLevels
        return (y, SeriesSplit(train: 0..<dataset.validationStart, validation: dataset.validationStart..<dataset.testStart,
                               test: dataset.testStart..<y.count))
    }

    @Test("ets and theta: each validation fold forecast by a fit on everything before it, test and next forecasts by the refit on training and validation, each equal to the models' own recomputed here")
    func forecastsEqualTheModelsFittedOnTheTrainingPart() throws {
        let c = try Self.configuration(horizon: 3)
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        #expect(outcome.exitStatus == .success)
        let (y, split) = try Self.seriesAndSplit(c)
        let beforeTest = Array(y[0..<split.validation.upperBound])
        let folds = ModelSelection.folds(of: split.validation)
        #expect(folds.count == 2 && folds.first?.lowerBound == split.validation.lowerBound && folds.last?.upperBound == split.validation.upperBound)
        func fit(_ name: String, _ values: [Double]) throws -> any FittedStatisticalModel {
            name == "ets" ? try ETS.fitAuto(values, seasonLength: 12) : try Theta.fitAuto(values, seasonLength: 12)
        }
        for name in ["ets", "theta"] {
            let reference = try fit(name, beforeTest)
            let m = try #require(outcome.run.models.first { $0.name == name })
            #expect(m.kind == .statistical)
            #expect(m.status == .ok, "\(m.status)")
            #expect(m.configuration == reference.specName)
            #expect(m.parameters == reference.parameterCount)
            #expect(m.displayName == "\(name) \(reference.specName)")
            #expect(m.trainSeconds != nil && m.epochsRun == nil)
            let test = RollingForecasts(origins: Array(split.test),
                                        values: reference.forecasts(along: y, origins: split.test, horizon: 3))
            #expect(m.testForecasts == test, "\(name)")
            let next = reference.forecasts(along: y, origins: y.count..<(y.count + 1), horizon: 3)[0]
            #expect(m.nextForecasts.map(\.value) == next, "\(name)")
            // Validation rows decide the pick and the intervals: fold by fold, each from a fit on
            // every point before the fold; the 80% half-width of step 1 is their conformal quantile.
            var validation: [[Double]] = []
            for fold in folds { validation += try fit(name, Array(y[0..<fold.lowerBound])).forecasts(along: y, origins: fold, horizon: 3) }
            #expect(m.validationForecasts == RollingForecasts(origins: Array(split.validation), values: validation), "\(name)")
            let residuals = zip(split.validation, validation).map { abs(y[$0] - $1[0]) }
            let q = SplitConformal.halfWidth(absoluteResiduals: residuals, coverage: 0.8) ?? .infinity
            #expect(m.intervals.first { $0.level == 0.8 }?.halfWidth.first == q, "\(name)")
            #expect(FileManager.default.fileExists(atPath: outcome.paths.folder.appendingPathComponent("model-\(name).json").path))
        }
        // No network ran, so no network checkpoint was written.
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.paths.folder.path)
        #expect(!files.contains { $0.hasSuffix(".ckpt") }, "\(files)")
    }

    @Test("metrics.json and report.md name ets and theta with their spec, kind statistical")
    func specInMetricsAndReport() throws {
        let outcome = try FitWorkflow(configuration: try Self.configuration(), commandLine: "test", version: "test").run()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: outcome.paths.folder.appendingPathComponent("metrics.json"))) as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        let report = try String(contentsOf: outcome.paths.report, encoding: .utf8)
        for name in ["ets", "theta"] {
            let m = try #require(outcome.run.models.first { $0.name == name })
            let entry = try #require(models.first { $0["model"] as? String == name })
            #expect(entry["kind"] as? String == "statistical")
            #expect(entry["configuration"] as? String == m.configuration)
            #expect(entry["status"] as? String == "ok")
            #expect((entry["configuration"] as? String)?.isEmpty == false)
            // The models table: "| ets ETS(M,N,M) |" (★ in front for the pick).
            #expect(report.contains(" \(name) \(m.configuration) |"), "\(name) \(m.configuration)")
        }
        let pick = try #require(outcome.run.pickedModel)
        if pick.kind == .statistical { #expect(report.contains("**Pick: \(pick.name) \(pick.configuration).**")) }
    }

    @Test("predict from model-ets.json and model-theta.json equals fit's in-memory next forecast, bit for bit, all steps")
    func predictMatchesFit() throws {
        let outcome = try FitWorkflow(configuration: try Self.configuration(horizon: 4), commandLine: "test", version: "test").run()
        for name in ["ets", "theta"] {
            let m = try #require(outcome.run.models.first { $0.name == name })
            let path = outcome.paths.folder.appendingPathComponent(FitWorkflow.statisticalCheckpointFileName(model: name)).path
            let p = try Prediction.run(checkpointPath: path, csvPath: Self.airpassengers)
            #expect(p.points.map(\.value.bitPattern) == m.nextForecasts.map(\.value.bitPattern), "\(name)")
            #expect(p.points.map(\.date) == ["1961-01-01", "1961-02-01", "1961-03-01", "1961-04-01"])
            #expect(p.model == m.displayName)
        }
    }

    /// A copy of airpassengers with rows `rows` (0-based data rows) and `edit` applied to the values.
    static func airpassengersCopy(rows: Range<Int>? = nil, edit: (inout [String]) -> Void = { _ in }) throws -> String {
        let text = try String(contentsOfFile: airpassengers, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        var data = rows.map { Array(lines[$0]) } ?? lines
        edit(&data)
        let url = try temporaryDirectory("statistical-csv").appendingPathComponent("air.csv")
        try Data(([header] + data).joined(separator: "\n").appending("\n").utf8).write(to: url)
        return url.path
    }

    @Test("predict filters a CSV that continues the training rows; one that starts later, lost a training row or changed a training value is refused with exit 32")
    func predictChecksTheTrainingRows() throws {
        let outcome = try FitWorkflow(configuration: try Self.configuration(), commandLine: "test", version: "test").run()
        let path = outcome.paths.folder.appendingPathComponent("model-ets.json").path
        let stored = try StatisticalCheckpoint.read(from: path)
        let n = stored.training.count
        // The refit's span: every row before the test part (144 rows, the last 29 are the test part).
        #expect(n == 115 && stored.training.firstDate == "1949-01-01T00:00:00Z" && stored.training.lastDate == "1958-07-01T00:00:00Z")

        // The training rows and 5 more: the forecast after row n + 5, by the model refiltered by hand.
        let shorter = try Self.airpassengersCopy(rows: 0..<(n + 5))
        let p = try Prediction.run(checkpointPath: path, csvPath: shorter)
        let (y, split) = try Self.seriesAndSplit(try Self.configuration())
        let reference = try ETS.fitAuto(Array(y[0..<split.validation.upperBound]), seasonLength: 12)
        #expect(p.points.map(\.value) == reference.forecasts(along: Array(y[0..<(n + 5)]), origins: (n + 5)..<(n + 6), horizon: 1)[0])

        func refusal(_ csv: String) -> PredictError? {
            do { _ = try Prediction.run(checkpointPath: path, csvPath: csv); return nil } catch { return error as? PredictError }
        }
        let later = refusal(try Self.airpassengersCopy(rows: 1..<144))
        #expect(later?.exitStatus == .checkpointColumnsMismatch)
        #expect(later?.message.contains("starts on 1949-02-01") == true, "\(String(describing: later?.message))")
        let gap = refusal(try Self.airpassengersCopy { $0.remove(at: 50) })
        #expect(gap?.exitStatus == .checkpointColumnsMismatch)
        #expect(gap?.message.contains("rows were added or removed inside the training span") == true, "\(String(describing: gap?.message))")
        let edited = refusal(try Self.airpassengersCopy { $0[10] = $0[10].replacingOccurrences(of: ",", with: ",1") })
        #expect(edited?.exitStatus == .checkpointColumnsMismatch)
        #expect(edited?.message.contains("differ from those the model was fitted on") == true, "\(String(describing: edited?.message))")
        let tooShort = refusal(try Self.airpassengersCopy(rows: 0..<(n - 1)))
        #expect(tooShort?.exitStatus == .checkpointColumnsMismatch)
    }

    @Test("--models ets alone: the baselines and ets, exit 0, model-ets.json and one file per baseline")
    func etsAlone() throws {
        let outcome = try FitWorkflow(configuration: try Self.configuration(models: [.ets]), commandLine: "test", version: "test").run()
        #expect(outcome.exitStatus == .success)
        #expect(outcome.run.models.map(\.name) == ["naive", "seasonal naive (m=12)", "drift", "ets"])
        #expect(outcome.run.models.last?.status == .ok)
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.paths.folder.path)
        #expect(files.filter { $0.hasPrefix("model-") }.sorted() == ["model-drift.json", "model-ets.json", "model-naive.json", "model-snaive.json"])
    }

    /// A dated monthly CSV of `count` rows.
    static func monthlyCSV(count: Int) throws -> String {
        let rows = (0..<count).map { i in
            "\(2020 + i / 12)-\(UTCDateTime.padded(i % 12 + 1, 2))-01,\(100 + 3 * i + (i % 3))"
        }
        let url = try temporaryDirectory("statistical-short").appendingPathComponent("short.csv")
        try Data((["date,value"] + rows).joined(separator: "\n").appending("\n").utf8).write(to: url)
        return url.path
    }

    @Test("a training part too short for ETS (4 points) fails ets with the reason; theta and the baselines go on")
    func tooShortForETS() throws {
        var c = try Self.configuration(try Self.monthlyCSV(count: 8))
        c.window = 1
        c.season = nil
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let ets = try #require(outcome.run.models.first { $0.name == "ets" })
        #expect(ets.status.failureReason?.contains("cannot fit on the 4 training points: too few values (4)") == true,
                "\(String(describing: ets.status.failureReason))")
        #expect(outcome.run.models.first { $0.name == "theta" }?.status == .ok)
        #expect(outcome.run.pick != nil)
        #expect(outcome.exitStatus == .success, "theta worked: not every non-baseline model failed")
        let report = try String(contentsOf: outcome.paths.report, encoding: .utf8)
        #expect(report.contains("- **ets**: cannot fit on the 4 training points"))
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.paths.folder.path)
        #expect(files.contains("model-theta.json") && !files.contains("model-ets.json"))
    }

    @Test("every network and statistical model fails, a baseline gives the forecast: exit 33")
    func everyModelBeyondTheBaselinesFailed() throws {
        var c = try Self.configuration(try Self.monthlyCSV(count: 5), models: [.ets, .theta])
        c.window = 1
        c.season = nil
        c.validationFraction = 0.3  // 3 training points: too few for Theta (4) and ETS
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let statistical = outcome.run.models.filter { $0.kind == .statistical }
        #expect(statistical.count == 2 && statistical.allSatisfy { !$0.status.isOK })
        #expect(outcome.run.models.first { $0.name == "theta" }?.status.failureReason?.contains("Theta needs at least 4") == true)
        #expect(outcome.run.pickedModel?.kind == .baseline)
        #expect(outcome.exitStatus == .everyNetworkFailed)
    }
}

/// `predict` on crafted statistical model files: refused with exit 31 naming the field, never a
/// trap and never a NaN forecast with exit 0.
@Suite("predict with untrusted statistical model files")
struct UntrustedStatisticalCheckpointTests {
    /// A model-ets.json or model-theta.json from a real fit, as a JSON object.
    static let fitted: (folder: URL, csv: String) = {
        let c = try! StatisticalModelTests.configuration()
        let outcome = try! FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        return (outcome.paths.folder, c.input)
    }()

    /// The file of `model` after `edit` changed its JSON object; returns its path.
    static func crafted(_ model: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let data = try Data(contentsOf: fitted.folder.appendingPathComponent("model-\(model).json"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&object)
        let url = try temporaryDirectory("crafted-statistical").appendingPathComponent("model-\(model).json")
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url.path
    }

    static func refusal(_ path: String) -> PredictError? {
        do {
            let p = try Prediction.run(checkpointPath: path, csvPath: fitted.csv)
            Issue.record("predicted \(p.points.map(\.value)) (exit 0)")
            return nil
        } catch let e as PredictError {
            return e
        } catch {
            Issue.record("not a PredictError: \(error)")
            return nil
        }
    }

    /// One edit of a model file: the value at `path` (keys, or an index into an array) replaced by
    /// the JSON text `json`, or removed when it is nil.
    struct FieldEdit: Sendable, CustomTestStringConvertible {
        var model: String
        var field: String
        var path: [String]
        var json: String?
        var testDescription: String { "\(model) \(path.joined(separator: ".")) = \(json ?? "(removed)")" }

        init(_ model: String, _ field: String, _ path: [String], _ json: String?) {
            (self.model, self.field, self.path, self.json) = (model, field, path, json)
        }

        func apply(to object: inout [String: Any]) throws {
            let value = try json.map { try JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
            func set(_ node: Any?, _ rest: ArraySlice<String>) -> Any? {
                guard let key = rest.first else { return value }
                if var array = node as? [Any], let index = Int(key) {
                    array[index] = set(array[index], rest.dropFirst()) as Any
                    return array
                }
                var dictionary = node as? [String: Any] ?? [:]
                dictionary[key] = set(dictionary[key], rest.dropFirst())
                return dictionary
            }
            object = set(object, path[...]) as? [String: Any] ?? [:]
        }
    }

    @Test("an unedited file is accepted (the edits below are what is refused)")
    func unedited() throws {
        for model in ["ets", "theta"] {
            let path = try Self.crafted(model) { _ in }
            #expect(throws: Never.self) { _ = try Prediction.run(checkpointPath: path, csvPath: Self.fitted.csv) }
        }
    }

    @Test("bad fields are refused with exit 31 naming the field", arguments: [
        FieldEdit("ets", "parameters.alpha", ["parameters", "alpha"], "1.5"),
        FieldEdit("ets", "parameters.alpha", ["parameters", "alpha"], "\"high\""),
        FieldEdit("ets", "parameters.beta", ["parameters", "beta"], "2.0"),
        FieldEdit("ets", "parameters.gamma", ["parameters", "gamma"], nil),
        FieldEdit("ets", "initial_states.level", ["initial_states", "level"], nil),
        FieldEdit("ets", "initial_states.seasonal", ["initial_states", "seasonal"], "[1.0, 1.0]"),
        FieldEdit("ets", "initial_states.seasonal[3]", ["initial_states", "seasonal", "3"], "-1.0"),
        FieldEdit("ets", "initial_states.seasonal[3]", ["initial_states", "seasonal", "3"], "null"),
        FieldEdit("ets", "spec", ["spec"], "\"ETS(A,N,M)\""),
        FieldEdit("ets", "season_length", ["season_length"], "1"),
        FieldEdit("ets", "season_length", ["season_length"], "1099511627776"),
        FieldEdit("ets", "training.count", ["training", "count"], "0"),
        FieldEdit("ets", "training.values_sha256", ["training", "values_sha256"], "\"abc\""),
        FieldEdit("ets", "training.last_date", ["training", "last_date"], nil),
        FieldEdit("ets", "format", ["format"], "\"something-else\""),
        FieldEdit("ets", "family", ["family"], "\"arima\""),
        FieldEdit("ets", "model", ["model"], "\"gru\""),
        FieldEdit("ets", "target", ["target"], nil),
        FieldEdit("ets", "configuration.horizon", ["configuration", "horizon"], "0"),
        FieldEdit("ets", "configuration.horizon", ["configuration", "horizon"], "1073741824"),
        FieldEdit("theta", "parameters.theta", ["parameters", "theta"], "0.5"),
        FieldEdit("theta", "parameters.alpha", ["parameters", "alpha"], "0"),
        FieldEdit("theta", "parameters.initial_level", ["parameters", "initial_level"], nil),
        FieldEdit("theta", "spec", ["spec"], "\"XTM\""),
        FieldEdit("theta", "initial_states", ["initial_states"], "{\"level\": 1.0, \"seasonal\": []}"),
    ])
    func badField(_ edit: FieldEdit) throws {
        let path = try Self.crafted(edit.model) { try? edit.apply(to: &$0) }
        let e = Self.refusal(path)
        #expect(e?.exitCode == 31, "\(String(describing: e))")
        #expect(e?.message.contains("'\(edit.field)'") == true, "\(String(describing: e?.message))")
    }

    @Test("a number too large for a Double is refused naming the number and its key")
    func overflowingNumber() throws {
        let text = try String(contentsOf: Self.fitted.folder.appendingPathComponent("model-ets.json"), encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""alpha" : [0-9.e-]+"#, with: "\"alpha\" : 1e999", options: .regularExpression)
        #expect(edited != text)
        let url = try temporaryDirectory("crafted-statistical").appendingPathComponent("model-ets.json")
        try Data(edited.utf8).write(to: url)
        let e = Self.refusal(url.path)
        #expect(e?.exitCode == 31)
        #expect(e?.message.contains("1e999") == true && e?.message.contains("'alpha'") == true, "\(String(describing: e?.message))")
    }

    @Test("Theta's stored seasonal indices must be those of the training values")
    func thetaDecomposition() throws {
        let stored = try StatisticalCheckpoint.read(from: Self.fitted.folder.appendingPathComponent("model-theta.json").path)
        // A seasonal fit gets its first index moved by 1e-9; a non-seasonal one gets indices it never had.
        var indices = stored.seasonalDecomposition?.indices ?? [Double](repeating: 0, count: 12)
        indices[0] += stored.seasonalDecomposition == nil ? 0 : 1e-9
        let kind = stored.seasonalDecomposition?.kind ?? "additive"
        let path = try Self.crafted("theta") { o in o["seasonal_decomposition"] = ["kind": kind, "indices": indices] }
        let e = Self.refusal(path)
        #expect(e?.exitCode == 31)
        #expect(e?.message.contains("'seasonal_decomposition'") == true, "\(String(describing: e?.message))")
    }

    @Test("a newer format version, a file that is not JSON and an oversized file are refused with exit 31")
    func wrongFiles() throws {
        let newer = try Self.crafted("ets") { $0["version"] = 3 }
        #expect(Self.refusal(newer)?.message.contains("format version 3") == true)
        let dir = try temporaryDirectory("crafted-statistical")
        let broken = dir.appendingPathComponent("broken.json")
        try Data("{ \"format\": ".utf8).write(to: broken)
        #expect(Self.refusal(broken.path)?.exitCode == 31)
        let big = dir.appendingPathComponent("big.json")
        #expect(FileManager.default.createFile(atPath: big.path, contents: Data("{".utf8)))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: UInt64(StatisticalCheckpoint.maximumBytes + 1))
        try handle.close()
        #expect(Self.refusal(big.path)?.message.contains("more than the") == true)
    }
}
