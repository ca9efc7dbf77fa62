import ArgumentParser
import ForecastCore
import ForecastIngest
import ForecastWorkflow
import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastCLI

/// `predict` reads the CSV with the settings stored in the model file, so its error hints must
/// not send the user to `fit`'s options (`--missing`, `--target`, `--window`…).
@Suite("predict's error hints name predict's own options")
struct PredictHintsTests {
    /// The long options predict's ArgumentParser definition declares, read from its help.
    static let predictOptions: Set<String> = {
        let help = Forecast.helpMessage(for: Predict.self, columns: 200)
        let options = help.components(separatedBy: "OPTIONS:").last ?? ""
        return Set(options.matches(of: /--[a-z][a-z-]*/).map { String($0.output) })
    }()

    /// The `--options` a text mentions.
    static func options(in text: String) -> Set<String> {
        Set(text.matches(of: /--[a-z][a-z-]*/).map { String($0.output) })
    }

    /// 60 monthly rows, `date,value`, with `edit` applied to the data lines.
    static func csv(_ folder: URL, _ name: String, rows: Int = 60, _ edit: (inout [String]) -> Void = { _ in }) throws -> String {
        var lines: [String] = []
        for i in 0..<rows {
            let year = 2000 + i / 12, month = i % 12 + 1
            lines.append("\(year)-\(month < 10 ? "0" : "")\(month)-01,\(100 + i)")
        }
        edit(&lines)
        let url = folder.appendingPathComponent(name)
        let text: String = (["date,value"] + lines).joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// A fit of naive and a small ff on `input` with `settings`; its model files by id.
    static func fit(_ input: String, _ folder: URL, _ settings: (inout FitConfiguration) -> Void = { _ in }) throws -> [String: String] {
        var c = FitConfiguration(input: input)
        c.models = [.naive, .ff]
        c.window = 6; c.hidden = 4; c.epochs = 1
        c.missing = .error
        c.dateFormat = "%Y-%m-%d"
        c.reportsDirectory = folder.appendingPathComponent("reports").path
        settings(&c)
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        return outcome.modelFiles.mapValues { outcome.paths.folder.appendingPathComponent($0).path }
    }

    @Test("predict's options, as its definition declares them")
    func optionsAreRead() {
        #expect(Self.predictOptions == ["--model", "--steps", "--json", "--version", "--help"])
    }

    @Test("no hint of any predict error mentions an option predict does not have")
    func hintsNamePredictOptions() throws {
        let folder = try temporaryDirectory()
        let good = try Self.csv(folder, "good.csv")
        let files = try Self.fit(good, folder)
        let logReturn = try Self.fit(good, folder.appendingPathComponent("log")) { $0.transform = .logReturn }
        let naive = try #require(files["naive"]), ff = try #require(files["ff"]), ffLog = try #require(logReturn["ff"])

        let broken = folder.appendingPathComponent("broken.ckpt")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: ff))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: broken)

        let otherColumns = folder.appendingPathComponent("columns.csv")
        try String(contentsOfFile: good, encoding: .utf8).replacingOccurrences(of: "date,value", with: "date,volume")
            .write(to: otherColumns, atomically: true, encoding: .utf8)

        // (model file, CSV, what the error is about): every kind of error predict can meet.
        let cases: [(String, String, String)] = [
            (naive, try Self.csv(folder, "missing.csv") { $0[10] = "2000-11-01,NA" }, "missing value"),
            (naive, try Self.csv(folder, "duplicate.csv") { $0[10] = "2000-10-01,5" }, "duplicate date"),
            (naive, try Self.csv(folder, "date.csv") { $0[10] = "2000-13-45,5" }, "bad date"),
            (naive, try Self.csv(folder, "text.csv") { $0[10] = "2000-11-01,abc" }, "non-numeric"),
            (naive, try Self.csv(folder, "ragged.csv") { $0[10] = "2000-11-01,5,6" }, "ragged row"),
            (ff, otherColumns.path, "other columns"),
            (naive, folder.appendingPathComponent("absent.csv").path, "no such CSV"),
            (ff, try Self.csv(folder, "short.csv", rows: 4), "too few rows for the window"),
            (ffLog, try Self.csv(folder, "zero.csv") { $0[59] = "2004-12-01,0" }, "log-return of 0"),
            (broken.path, good, "corrupted checkpoint"),
            (folder.appendingPathComponent("absent.ckpt").path, good, "no such model file"),
        ]
        for (model, csv, what) in cases {
            do {
                _ = try Prediction.run(checkpointPath: model, csvPath: csv)
                Issue.record("\(what): predicted")
            } catch let e as any ForecastError {
                let hint = try #require(e.hint, "\(what): no hint")
                #expect(Self.options(in: hint).isSubset(of: Self.predictOptions), "\(what): \(e.rendered)")
            }
            // The same through the command line: every hint line on stderr.
            let r = try runForecast(["predict", "--model", model, csv])
            #expect(r.status != 0 && !r.stderr.isEmpty, "\(what)")
            for line in r.stderr.split(separator: "\n") where line.contains("hint:") {
                #expect(Self.options(in: String(line)).isSubset(of: Self.predictOptions), "\(what): \(line)")
            }
        }
        // --steps out of range, in process and through the parser.
        do {
            _ = try Prediction.run(checkpointPath: naive, csvPath: good, steps: 2)
            Issue.record("--steps 2 accepted for a horizon of 1")
        } catch let e as PredictError {
            #expect(e.exitCode == 64 && Self.options(in: e.hint ?? "") == ["--steps"], "\(e)")
        }
        let r = try runForecast(["predict", "--model", naive, good, "--steps", "2"])
        #expect(r.status == 64 && r.stderr.hasPrefix("--steps: error: is 2, but the model in"), "\(r.stderr)")
        do {
            _ = try Predict.parse(["--model", naive, good, "--steps", "0"])
            Issue.record("--steps 0 parsed")
        } catch {
            #expect(Predict.exitCode(for: error).rawValue == 64)
            #expect(Predict.message(for: error).hasPrefix("--steps: must be at least 1 (got 0)"))
        }
    }

    @Test("the missing-value hint says the setting is the model's, and what to do")
    func missingValueHint() throws {
        let folder = try temporaryDirectory()
        let files = try Self.fit(try Self.csv(folder, "good.csv"), folder) { $0.models = [.naive] }
        let csv = try Self.csv(folder, "missing.csv") { $0[10] = "2000-11-01,NA" }
        do {
            _ = try Prediction.run(checkpointPath: try #require(files["naive"]), csvPath: csv)
            Issue.record("predicted")
        } catch let e as IngestError {
            #expect(e.exitCode == 19)
            #expect(e.hint?.contains("stored setting missing: error") == true && e.hint?.contains("re-run `forecast fit`") == true, "\(e)")
        }
    }
}

@Suite("forecast predict through the command line")
struct PredictCommandTests {
    @Test("the binary's text and --json output are the in-process prediction's, for a baseline's file")
    func outputs() throws {
        let folder = try temporaryDirectory()
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        var c = FitConfiguration(input: csv)
        c.models = [.naive, .snaive, .drift]
        c.horizon = 2
        c.reportsDirectory = folder.path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let model = outcome.paths.folder.appendingPathComponent(try #require(outcome.modelFiles["snaive"])).path
        let p = try Prediction.run(checkpointPath: model, csvPath: csv)

        let text = try runForecast(["predict", "--model", model, csv])
        #expect(text.status == 0 && text.stdout == p.text, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("model seasonal naive (m=12), target passengers, last row 1960-12-01\n1961-01-01\t417\t80% ["), "\(text.stdout)")

        let json = try runForecast(["predict", "--model", model, csv, "--json", "--steps", "1"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout == String(decoding: try Prediction.run(checkpointPath: model, csvPath: csv, steps: 1).jsonData(), as: UTF8.self) + "\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["model"] as? String == "snaive" && object["horizon"] as? Int == 2)
        #expect((object["steps"] as? [[String: Any]])?.map { $0["forecast"] as? Double } == [417])
    }
}
