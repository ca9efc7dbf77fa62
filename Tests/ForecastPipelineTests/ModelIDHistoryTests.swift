import ForecastWorkflow
import Foundation
import Synchronization
import Testing
@_spi(Fuzzing) @testable import ForecastPipeline

/// history.csv, metrics.json and checkpoints name models by their stable ids, and a pipeline's
/// `model_spec` follows the command line's rules for named models.
@Suite("model ids in pipelines and history")
struct ModelIDHistoryTests {
    @Test("a history written with display names is read with ids ('seasonal naive (m=12)' is snaive), in both formats")
    func displayNamesAreReadAsIDs() throws {
        let dir = try TempDir()
        let v2 = RunHistory.header + "\n"
            + "2024-05-01T06:30:00Z,prices,ok,2.5,2024-04-30,100,drift,false,1.2,,,,,,,\n"
            + "2024-05-01T06:30:00Z,prices,ok,2.5,2024-04-30,100,naive,false,1.0,,,,,,,\n"
            + "2024-05-01T06:30:00Z,prices,ok,2.5,2024-04-30,100,seasonal naive (m=12),true,0.7,2024-05-01,10.5,9,12,0.5,0.25,\n"
        let h = RunHistory(url: try dir.write("v2.csv", v2))
        let rows = try h.read()
        #expect(rows.count == 1)
        #expect(rows.first?.pick == "snaive")
        #expect(rows.first?.testMASE == ["drift": 1.2, "naive": 1.0, "snaive": 0.7])
        // A new run appended after it writes ids, and both runs read back.
        try h.append(HistoryRow(runStarted: day("2024-05-02 06:30:00"), job: "prices", status: .ok, pick: "snaive",
                                testMASE: ["naive": 1.0, "snaive": 0.6]))
        #expect(try h.read().map(\.pick) == ["snaive", "snaive"])
        #expect(try dir.read("v2.csv").hasSuffix("prices,ok,0.0,,,snaive,true,0.6,,,,,,,,\n"), "the last field is the (empty) series")

        let v1 = RunHistory.headerVersion1 + "\n"
            + "2024-05-01T06:30:00Z,prices,ok,2.5,2024-04-30,100,seasonal naive (m=7),2024-05-01,10.5,9,12,naive=1;seasonal naive (m=7)=0.8,,,\n"
        let old = try RunHistory(url: try dir.write("v1.csv", v1)).read()
        #expect(old.first?.pick == "snaive")
        #expect(old.first?.testMASE == ["naive": 1, "snaive": 0.8])
    }

    @Test("ids pass through unchanged, custom names included")
    func idsAreKept() {
        for id in ["naive", "snaive", "drift", "ets", "theta", "ff", "gru", "combo", "custom", "deep", "seasonal"] {
            #expect(RunHistory.modelID(recorded: id) == id)
        }
    }

    @Test("model_spec in YAML: a spec, name=spec, or a list of them; names follow the command line's rules, reported at the line")
    func modelSpecKeyFollowsTheCommandLineRules() throws {
        func load(_ spec: String) throws -> (jobs: [JobConfig], problems: [String]) {
            let yaml = "report_root: ../reports\njobs:\n  - name: a\n    input: a.csv\n    model_spec: \(spec)\n"
            do {
                return (try PipelineFile.parse(yaml: yaml, url: URL(fileURLWithPath: "/tmp/pipes/p.yaml"), displayPath: "p.yaml").jobs, [])
            } catch let e as PipelineFileErrors {
                return ([], e.problems.map { "line \($0.line ?? 0): \($0.message)" + ($0.hint.map { " | \($0)" } ?? "") })
            }
        }
        let one = try load("deep=lstm(8) > dense(1)")
        #expect(one.jobs.first?.fit.namedModelSpecs == [NamedModelSpec(name: "deep", spec: "lstm(8) > dense(1)")])
        #expect(one.jobs.first?.fit.modelSpec == nil)
        let list = try load("\n      - gru(4) > dense(1)\n      - deep=lstm(8) > dense(1)\n      - wide=gru(16) > dense(1)")
        #expect(list.jobs.first?.fit.customModels.map(\.name) == ["custom", "deep", "wide"])
        let plain = try load("'gru(4) > dense(1)'")
        #expect(plain.jobs.first?.fit.modelSpec == "gru(4) > dense(1)")

        let clash = try load("gru=gru(4) > dense(1)")
        #expect(clash.jobs.isEmpty)
        #expect(clash.problems.contains { $0.hasPrefix("line 5: 'model_spec' 'gru' is the id of a built-in model | write name=spec with a name of lowercase letters") }, "\(clash.problems)")
        let bad = try load("Deep=gru(4) > dense(1)")
        #expect(bad.problems.contains { $0.hasPrefix("line 5: 'model_spec' 'Deep' is not a usable model name") }, "\(bad.problems)")
        let twoUnnamed = try load("\n      - gru(4) > dense(1)\n      - gru(8) > dense(1)")
        #expect(twoUnnamed.problems.contains { $0.hasPrefix("line 6: 'model_spec' gives two specs without a name") }, "\(twoUnnamed.problems)")
    }

    @Test("a job with named specs: history, metrics.json and checkpoints use ids and the models' names")
    func jobWritesIDs() throws {
        let dir = try TempDir()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try dir.write("data/air.csv", try String(contentsOf: root.appendingPathComponent("data/airpassengers.csv"), encoding: .utf8))
        let url = try dir.write("pipelines/p.yaml", """
        report_root: ../reports
        jobs:
          - name: air
            input: ../data/air.csv
            window: 12
            season: 12
            epochs: 2
            model_spec:
              - gru(4) > dense(1)
              - deep=rnn(4) > dense(1)

        """)
        var options = PipelineRunOptions()
        let t = Mutex(day("2024-05-02 06:30:00"))
        options.now = { t.withLock { $0 = $0.addingTimeInterval(1); return $0 } }
        options.timeZone = TimeZone(identifier: "UTC")!
        let summary = try PipelineRunner(pipeline: try PipelineFile.load(url), executor: FitJobExecutor(version: "test"),
                                         options: options, console: RecordingConsole()).run()
        #expect(summary.results.map(\.status) == [.ok], "\(summary.results.map(\.row.message))")
        let history = try dir.read("reports/air/history.csv")
        #expect(!history.contains("seasonal naive"))
        let models = history.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[6] }
        #expect(models == ["custom", "deep", "drift", "naive", "snaive"])

        let metrics = try Data(contentsOf: dir.file("reports/air/latest/metrics.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: metrics) as? [String: Any])
        let entries = try #require(json["models"] as? [[String: Any]])
        #expect(entries.map { $0["id"] as? String } == ["naive", "snaive", "drift", "custom", "deep"])
        #expect(entries.map { $0["model"] as? String } == ["naive", "seasonal naive (m=12)", "drift", "custom", "deep"])
        for file in ["model-custom.ckpt", "model-deep.ckpt"] {
            #expect(FileManager.default.fileExists(atPath: dir.file("reports/air/latest/\(file)").path), "\(file)")
        }
        #expect(try RunHistory(url: dir.file("reports/air/history.csv")).read().first?.pick == json["pick_id"] as? String)
    }
}
