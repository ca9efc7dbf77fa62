import Foundation
import Testing
import ForecastWorkflow
@_spi(Fuzzing) @testable import ForecastPipeline

/// Parses `yaml` as if it were /tmp/pipes/p.yaml and returns its problems (empty when valid).
private func problems(_ yaml: String) -> [PipelineError] {
    do {
        _ = try PipelineFile.parse(yaml: yaml, url: URL(fileURLWithPath: "/tmp/pipes/p.yaml"), displayPath: "p.yaml")
        return []
    } catch let e as PipelineFileErrors {
        return e.problems
    } catch {
        Issue.record("unexpected error type \(error)")
        return []
    }
}

private func parse(_ yaml: String) throws -> PipelineFile {
    try PipelineFile.parse(yaml: yaml, url: URL(fileURLWithPath: "/tmp/pipes/p.yaml"), displayPath: "p.yaml")
}

@Suite struct PipelineFileTests {
    @Test func fullJobParsesWithDefaultsAndRelativePaths() throws {
        let p = try parse("""
        version: 1
        report_root: ../reports
        defaults:
          epochs: 5
          seed: 7
          models: [naive, ff]
          refit: warm
        jobs:
          - name: prices
            input: ../data/prices.csv
            target: price
            features: [price, volume]
            date_column: date
            delimiter: ";"
            missing: ffill
            window: 20
            stride: 2
            horizon: 3
            transform: log-return
            scaling: minmax
            season: 5
            epochs: 9
            batch_size: 16
            learning_rate: 0.003
            hidden: 12
            patience: 0
            clip: 1
            schedule: "30 6 * * 1-5"
            retention: 4
          - name: air_2
            input: /abs/air.csv
            model_spec: "lstm(8) > dense(1)"
            report_dir: ../reports/air-out
        """)
        #expect(p.version == 1)
        #expect(p.reportRoot.path == "/tmp/reports")
        #expect(p.logFile.path == "/tmp/reports/forecast.log")
        #expect(p.indexFile.path == "/tmp/reports/index.md")
        #expect(p.jobs.count == 2)
        let a = p.jobs[0]
        #expect(a.name == "prices")
        #expect(a.line == 9)
        #expect(a.input.path == "/tmp/data/prices.csv")
        #expect(a.fit.target == "price")
        #expect(a.fit.features == ["price", "volume"])
        #expect(a.fit.dateColumn == "date")
        #expect(a.fit.delimiter == ";")
        #expect(a.fit.missing == .ffill)
        #expect(a.fit.models == [.naive, .ff])
        #expect(a.fit.window == 20 && a.fit.stride == 2 && a.fit.horizon == 3)
        #expect(a.fit.transform == .logReturn && a.fit.scaling == .minmax && a.fit.season == 5)
        #expect(a.fit.epochs == 9, "the job's own value overrides defaults")
        #expect(a.fit.batchSize == 16 && a.fit.hidden == 12 && a.fit.patience == 0)
        #expect(a.fit.learningRate == 0.003 && a.fit.clip == 1)
        #expect(a.fit.seed == 7, "taken from defaults")
        #expect(a.schedule?.source == "30 6 * * 1-5")
        #expect(a.retention == 4)
        #expect(a.refit == .warm)
        #expect(a.reportDir.path == "/tmp/reports/prices", "default report_dir is <report_root>/<name>")
        let b = p.jobs[1]
        #expect(b.input.path == "/abs/air.csv")
        #expect(b.fit.modelSpec == "lstm(8) > dense(1)")
        #expect(b.fit.models == ContrastModel.baselines, "a job's model_spec replaces models from defaults: it runs beside the baselines")
        #expect(b.reportDir.path == "/tmp/reports/air-out", "report_dir is relative to the pipeline folder")
        #expect(b.fit.epochs == 5)
        #expect(b.fit.window == FitConfiguration(input: "").window, "unset keys take fit's defaults")
        #expect(b.schedule == nil)
        #expect(b.retention == JobConfig.defaultRetention)
    }

    @Test func minimalFileUsesReportsNextToThePipeline() throws {
        let p = try parse("jobs:\n  - name: a\n    input: x.csv\n")
        #expect(p.reportRoot.path == "/tmp/pipes/reports")
        #expect(p.jobs[0].refit == .full)
        #expect(p.jobs[0].input.path == "/tmp/pipes/x.csv")
        #expect(p.warnings.count == 1, "missing input is a warning, not an error")
        #expect(p.warnings.first?.line == 2)
    }

    @Test func unknownKeyHasLineAndSuggestion() {
        let e = problems("""
        jobs:
          - name: a
            input: x.csv
            epoch: 3
        """)
        #expect(e.count == 1)
        #expect(e.first?.line == 4)
        #expect(e.first?.column == 5)
        #expect(e.first?.message.contains("unknown key 'epoch'") == true)
        #expect(e.first?.hint?.contains("did you mean 'epochs'?") == true)
        #expect(e.first?.description.hasPrefix("p.yaml:4:5: error: unknown key 'epoch'") == true)
    }

    @Test func unknownTopLevelAndDefaultsKeys() {
        let e = problems("""
        verison: 1
        defaults:
          sed: 3
        jobs:
          - name: a
            input: x.csv
        """)
        #expect(e.map(\.line) == [1, 3])
        #expect(e[0].hint?.contains("'version'") == true)
        #expect(e[1].message.contains("in 'defaults'"))
    }

    @Test func wrongTypesNameTheKeyAndWhatWasFound() {
        let e = problems("""
        jobs:
          - name: a
            input: x.csv
            epochs: ten
            features: price
            learning_rate: -0.1
            window: 0
            transform: log
            models: [ff, gru2]
            delimiter: ab
            seed: 1.5
        """)
        #expect(e.map(\.line) == [4, 5, 6, 7, 8, 9, 10, 11])
        #expect(e[0].message == "'epochs' must be a whole number, found 'ten'")
        #expect(e[1].message.contains("'features' must be a list of text values"))
        #expect(e[2].message.contains("greater than 0"))
        #expect(e[3].message.contains("at least 1 (got 0)"))
        #expect(e[4].message.contains("found 'log'"))
        #expect(e[5].message.contains("found 'gru2'"))
        #expect(e[5].hint == "did you mean 'gru'?")
        #expect(e[5].column == 18, "points at the list item")
        #expect(e[6].message.contains("single character"))
        #expect(e[7].message.contains("whole number"))
    }

    @Test func missingRequiredKeys() {
        let e = problems("""
        jobs:
          - input: x.csv
          - name: b
        """)
        #expect(e.count == 2)
        #expect(e[0].line == 2 && e[0].message.contains("no 'name'"))
        #expect(e[1].line == 3 && e[1].message.contains("job 'b' has no 'input'"))
        let noJobs = problems("version: 1\n")
        #expect(noJobs.count == 1 && noJobs[0].message.contains("missing required key 'jobs'"))
        let empty = problems("")
        #expect(empty.count == 1 && empty[0].message.contains("empty"))
        let emptyList = problems("jobs: []\n")
        #expect(emptyList.first?.message == "'jobs' is empty")
    }

    @Test func inputFromDefaultsIsEnough() throws {
        let p = try parse("defaults: {input: x.csv}\njobs:\n  - name: a\n  - name: b\n    epochs: 2\n")
        #expect(p.jobs.map(\.input.path) == ["/tmp/pipes/x.csv", "/tmp/pipes/x.csv"])
    }

    @Test(arguments: ["a/b", "..", "../x", "has space", "9lives", "-dash", "ünï", ""])
    func badJobNames(_ name: String) {
        let e = problems("jobs:\n  - name: \"\(name)\"\n    input: x.csv\n")
        #expect(e.count == 1)
        #expect(e.first?.line == 2)
        #expect(e.first?.message.contains("not a plain identifier") == true || name.isEmpty)
    }

    @Test(arguments: ["a", "A_b-9", "_x", "nightly-prices"])
    func goodJobNames(_ name: String) {
        #expect(problems("jobs:\n  - name: \(name)\n    input: x.csv\n").isEmpty)
    }

    @Test func duplicateJobNamesAndReportDirs() {
        let e = problems("""
        jobs:
          - name: a
            input: x.csv
          - name: b
            input: x.csv
            report_dir: reports/a
          - name: a
            input: y.csv
        """)
        #expect(e.count == 2)
        #expect(e[0].line == 4 && e[0].message.contains("share the report folder"))
        #expect(e[1].line == 7 && e[1].message == "duplicate job name 'a' (first defined on line 2)")
    }

    @Test func duplicateYamlKey() {
        let e = problems("jobs:\n  - name: a\n    input: x.csv\n    epochs: 1\n    epochs: 2\n")
        #expect(e.count == 1)
        #expect(e.first?.line == 5)
        #expect(e.first?.message.contains("duplicate key 'epochs' (first on line 4)") == true)
    }

    @Test func invalidCronHasTheScheduleLine() {
        let e = problems("""
        jobs:
          - name: a
            input: x.csv
            schedule: "61 6 * * *"
          - name: b
            input: x.csv
            schedule: "@reboot"
          - name: c
            input: x.csv
            schedule: "30 6 * *"
        """)
        #expect(e.map(\.line) == [4, 7, 10])
        #expect(e[0].message.contains("minute value 61 is out of range 0-59"))
        #expect(e[1].message.contains("@reboot"))
        #expect(e[2].message.contains("expected 5 fields"))
    }

    @Test func unquotedFiveFieldScheduleIsPlainYAML() throws {
        let p = try parse("jobs:\n  - name: a\n    input: x.csv\n    schedule: 30 6 * * 1-5\n")
        #expect(p.jobs[0].schedule?.hours == [6])
    }

    @Test func yamlSyntaxErrorHasLine() {
        let e = problems("jobs:\n  - name: a\n    input: [x.csv\n  - name: b\n")
        #expect(e.count == 1)
        #expect(e.first?.message.hasPrefix("YAML syntax") == true)
        #expect(e.first?.line != nil)
        // An unquoted '*' starts an alias: the hint says to quote.
        let star = problems("jobs:\n  - name: a\n    input: x.csv\n    schedule: */5 * * * *\n")
        #expect(star.first?.line == 4)
        #expect(star.first?.hint?.contains("quote") == true)
    }

    @Test func bothModelsAndSpecIsAnError() {
        let e = problems("jobs:\n  - name: a\n    input: x.csv\n    models: [ff]\n    model_spec: gru(4) > dense(1)\n")
        #expect(e.count == 1 && e[0].line == 5)
    }

    @Test func tildeAndVersionAreRejected() {
        let e = problems("version: 2\njobs:\n  - name: a\n    input: ~/x.csv\n")
        #expect(e.map(\.line) == [1, 4])
        #expect(e[1].message.contains("'~' is not expanded"))
    }

    @Test func nameInDefaultsAndNonMappingJob() {
        let e = problems("defaults:\n  name: x\njobs:\n  - just text\n")
        #expect(e.map(\.line) == [2, 4])
    }

    @Test func numbersAreAcceptedAsColumnNames() throws {
        let p = try parse("jobs:\n  - name: a\n    input: x.csv\n    target: 2024\n    features: [1, b]\n")
        #expect(p.jobs[0].fit.target == "2024")
        #expect(p.jobs[0].fit.features == ["1", "b"])
    }

    @Test func selectingJobs() throws {
        let p = try parse("jobs:\n  - {name: a, input: x.csv}\n  - {name: b, input: x.csv}\n  - {name: c, input: x.csv}\n")
        #expect(try p.jobs(named: []).map(\.name) == ["a", "b", "c"])
        #expect(try p.jobs(named: ["c", "a"]).map(\.name) == ["a", "c"])
        #expect(throws: UnknownJobError.self) { try p.jobs(named: ["zz"]) }
    }

    @Test func loadingFromDiskReportsMissingFileAndDirectory() throws {
        let dir = try TempDir()
        #expect(throws: PipelineFileErrors.self) { try PipelineFile.load(dir.url.appendingPathComponent("nope.yaml")) }
        #expect(throws: PipelineFileErrors.self) { try PipelineFile.load(dir.url) }
        let f = dir.url.appendingPathComponent("p.yaml")
        try "jobs:\n  - name: a\n    input: d.csv\n".write(to: f, atomically: true, encoding: .utf8)
        let p = try PipelineFile.load(f)
        #expect(p.jobs[0].input.path == dir.url.appendingPathComponent("d.csv").path)
        #expect(p.lockFile.path == dir.url.appendingPathComponent("reports/.forecast.lock").path)
    }

    @Test func settingsFollowTheCommandLineRules() throws {
        // patience 0 and clip 0 switch early stopping and clipping off, as on the command line.
        let j = try parse("jobs:\n  - {name: a, input: x.csv, patience: 0, clip: 0, loss: huber, init: pytorch}\n").jobs[0]
        #expect(j.fit.patience == 0 && j.fit.clip == 0 && j.fit.loss == .huber && j.fit.initScheme == .pytorch)
        // A value its type accepts but the configuration's rules reject is reported at its key's line.
        let e = problems("jobs:\n  - name: a\n    input: x.csv\n    window: 0\n    test_fraction: 1.5\n")
        #expect(e.map(\.line) == [4, 5])
        #expect(e[0].message.contains("'window' must be at least 1"))
        #expect(e[1].message.contains("'test_fraction' must be between 0 and 1"))
        // A model spec that does not parse is caught by --check, not at 6 a.m.
        #expect(problems("jobs:\n  - name: a\n    input: x.csv\n    model_spec: 'lstm:hidden=8'\n").map(\.line) == [4])
    }

    @Test func canonicalConfigurationIgnoresScheduleAndRetention() throws {
        let a = try parse("jobs:\n  - {name: a, input: x.csv, epochs: 3, schedule: '@daily', retention: 2}\n").jobs[0]
        let b = try parse("jobs:\n  - {name: a, input: x.csv, epochs: 3}\n").jobs[0]
        let c = try parse("jobs:\n  - {name: a, input: x.csv, epochs: 4}\n").jobs[0]
        #expect(a.canonicalConfiguration == b.canonicalConfiguration)
        #expect(a.canonicalConfiguration != c.canonicalConfiguration)
        #expect(String(decoding: b.canonicalConfiguration, as: UTF8.self).contains("\"epochs\":3"))
    }
}

@Suite struct ShippedPipelineTests {
    /// pipelines/nightly.yaml in this repository.
    static var shipped: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("pipelines/nightly.yaml")
    }

    @Test func theExamplePipelineIsValidAndRunsOnData() throws {
        let p = try PipelineFile.load(Self.shipped)
        #expect(p.warnings.isEmpty, "the example's inputs exist: \(p.warnings)")
        #expect(p.jobs.map(\.name) == ["prices", "airpassengers"])
        let root = Self.shipped.deletingLastPathComponent().deletingLastPathComponent()
        #expect(p.reportRoot.path == root.appendingPathComponent("reports").path)
        #expect(p.jobs[0].input.path == root.appendingPathComponent("data/prices.csv").path)
        #expect(p.jobs[0].refit == .warm && p.jobs[1].refit == .full)
        #expect(p.jobs.allSatisfy { $0.schedule != nil && $0.fit.epochs <= 20 })
        // Every key the file uses is documented in the README table the schema drives.
        let text = try String(contentsOf: Self.shipped, encoding: .utf8)
        let keys = Set(PipelineSchema.jobKeys.map(\.key) + PipelineSchema.topLevelKeys.map(\.key))
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
            let t = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "- ", with: "")
            guard let colon = t.firstIndex(of: ":") else { continue }
            #expect(keys.contains(String(t[..<colon])), "\(line)")
        }
    }

    @Test func everyKeyIsDocumentedInThePipelinesReadme() throws {
        let readme = try String(contentsOf: Self.shipped.deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        for (key, _) in PipelineSchema.topLevelKeys + PipelineSchema.jobKeys {
            #expect(readme.contains("| `\(key)` |"), "pipelines/README.md documents '\(key)'")
        }
        for code in [40, 41, 42, 43, 44, 64, 73] {
            #expect(readme.contains("| \(code) |"), "exit code \(code) documented")
        }
    }

    @Test func checkSummaryListsJobsAndNextRuns() throws {
        let p = try PipelineFile.load(Self.shipped)
        let s = RunCommand.checkSummary(p, now: day("2024-05-03 12:00:00"), timeZone: TimeZone(identifier: "UTC")!)
        #expect(s.contains("valid, 2 jobs"))
        #expect(s.contains("prices: "))
        #expect(s.contains("refit warm, keep 14, schedule \"30 6 * * 1-5\", next 2024-05-06T06:30:00Z"))
        #expect(s.contains("next 2024-06-01T07:00:00Z"))
    }
}

/// Hostile pipeline files: nesting that would exhaust the YAML parser's stack, and size. These
/// go through `PipelineFile.parse`/`load` at a depth the YAML parser survives; 5000 levels (the
/// SIGSEGV of the issue) are checked on the scan itself in `PipelineNestingScanTests`.
@Suite struct PipelineFileLimitTests {
    @Test func deepFlowNestingIsRefusedWithItsPlace() {
        let deep = "jobs:\n  - name: a\n    input: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "\n"
        let e = problems(deep)
        #expect(e.count == 1)
        // Three block levels (top, jobs' list, the job) + 14 brackets: the 14th '[' crosses 16.
        #expect(e.first?.line == 3 && e.first?.column == 25)
        #expect(e.first?.message.contains("nesting deeper than 16") == true)
        #expect(e.first?.hint != nil && e.first?.exitCode == 40)
        let mappings = "x: " + String(repeating: "{a: ", count: 40) + "1" + String(repeating: "}", count: 40)
        #expect(problems(mappings).first.map { [$0.line, $0.column] } == [1, 4 + 4 * 15])
    }

    @Test func deepBlockNestingIsRefused() {
        var mapping = ""
        for level in 0..<40 { mapping += String(repeating: " ", count: level) + "k\(level):\n" }
        let e = problems(mapping)
        #expect(e.count == 1 && e.first?.line == 17 && e.first?.column == 17)
        #expect(e.first?.message.contains("nesting deeper than 16") == true)
        let dashes = "jobs:\n" + String(repeating: "- ", count: 40) + "x\n"
        #expect(problems(dashes).first?.message.contains("nesting deeper") == true)
    }

    @Test func oversizedFileIsRefusedBeforeParsing() throws {
        let big = "jobs:\n  - name: a\n    input: x.csv\n" + String(repeating: "# padding\n", count: 110_000)
        let e = problems(big)
        #expect(e.count == 1 && e.first?.message.contains("more than the 1048576 (1 MiB)") == true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("big.yaml")
        try Data(big.utf8).write(to: url)
        do {
            _ = try PipelineFile.load(url)
            Issue.record("a 1.1 MB pipeline file was accepted")
        } catch let e as PipelineFileErrors {
            #expect(e.problems.first?.message.contains("1 MiB") == true && e.exitCode == 40)
        }
    }
}

/// The nesting scan itself, at the depth of the issue (5000 levels made the YAML parser's
/// recursion overflow the stack: SIGSEGV in `forecast run --check`).
@Suite struct PipelineNestingScanTests {
    @Test func issueDepthsAreRefusedOnLoad() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-deep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var block = ""
        for level in 0..<5000 { block += String(repeating: " ", count: level % 100) + "k\(level):\n" }
        let texts = [String(repeating: "[", count: 5000), "x: " + String(repeating: "{a: ", count: 5000) + "1",
                     String(repeating: "- ", count: 5000) + "x", block]
        for (n, text) in texts.enumerated() {
            let url = dir.appendingPathComponent("deep\(n).yaml")
            try Data(text.utf8).write(to: url)
            do {
                _ = try PipelineFile.load(url)
                Issue.record("accepted")
            } catch let e as PipelineFileErrors {
                #expect(e.problems.count == 1 && e.problems[0].message.contains("nesting deeper than 16"))
                #expect(e.problems[0].line != nil && e.problems[0].column != nil)
            }
        }
        // The fuzzing entry point applies the same checks to bytes.
        #expect(throws: PipelineFileErrors.self) {
            try PipelineFile.parse(bytes: Array(texts[0].utf8), url: dir.appendingPathComponent("b.yaml"))
        }
        #expect(throws: PipelineFileErrors.self) {
            try PipelineFile.parse(bytes: [0x6A, 0xFF, 0xFE], url: dir.appendingPathComponent("b.yaml"))
        }
    }

    @Test func placesOfTheCrossing() {
        let deep = String(repeating: "[", count: 40)
        #expect(YAMLNestingScan.firstCrossing(deep, limit: 16) == .init(line: 1, column: 16))
        // Columns count characters, not bytes.
        #expect(YAMLNestingScan.firstCrossing("é: " + deep, limit: 16) == .init(line: 1, column: 4 + 15))
        // Anchors and tags before the collection do not hide it; nor do flow collections spread over lines.
        #expect(YAMLNestingScan.firstCrossing("a: &x !t " + deep, limit: 16) != nil)
        #expect(YAMLNestingScan.firstCrossing("a: !t[" + deep, limit: 16) != nil)
        #expect(YAMLNestingScan.firstCrossing("a: [\n" + String(repeating: "  [\n", count: 20), limit: 16)?.line == 16)
        // A document marker starts again from the top; directives hold nothing.
        #expect(YAMLNestingScan.firstCrossing("%YAML 1.2\n---\na: [[[]]]\n...\n", limit: 16) == nil)
    }

    @Test func bracketsInQuotesCommentsAndBlockScalarsAreText() {
        let deep = String(repeating: "[", count: 40)
        let yaml = """
        # \(deep)
        version: 1
        jobs:
          - name: a
            input: "x\(deep).csv"
            target: 'it''s \(deep)'
            date_column: d#\(deep)
            notes: |
              \(deep)

              \(deep)
            other: >-
              \(deep)
            features: [a, "b]", 'c[', "d\\"["]   # \(deep)
          - "quoted
            \(deep) over lines"
        """
        #expect(YAMLNestingScan.firstCrossing(yaml, limit: 16) == nil)
        // A plain scalar in block context may contain '[' without opening anything.
        #expect(YAMLNestingScan.firstCrossing("a: x" + deep + "\n", limit: 16) == nil)
        #expect(YAMLNestingScan.firstCrossing("a: don't " + deep + "\n", limit: 16) == nil)
        // A key after a block scalar, at the owner's column, is structure again.
        #expect(YAMLNestingScan.firstCrossing("- k: |\n    text\n  other: " + deep + "\n", limit: 16) != nil)
        #expect(YAMLNestingScan.firstCrossing("- |\n  text\n- " + deep + "\n", limit: 16) != nil)
        // A block scalar's text is as indented as its first line; a line indented less ends it.
        #expect(YAMLNestingScan.firstCrossing("k: |\n    text\n  " + deep + "\n", limit: 16) != nil)
        #expect(YAMLNestingScan.firstCrossing("k: >\n\n    text\n      \(deep)\n    # \(deep)\n", limit: 16) == nil)
        // An escaped line break inside a double-quoted scalar keeps the line count.
        #expect(YAMLNestingScan.firstCrossing("a: \"x\\\ny\"\nb: " + deep, limit: 16)?.line == 3)
    }

    @Test func realPipelinesAreWellUnderTheLimit() throws {
        let example = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../pipelines/nightly.yaml").standardizedFileURL, encoding: .utf8)
        #expect(YAMLNestingScan.firstCrossing(example, limit: 4) == nil)
        let flow = "version: 1\ndefaults: { epochs: 2, models: [naive, ff] }\njobs:\n  - name: a\n    input: x.csv\n    features: [a, b]\n"
        #expect(YAMLNestingScan.firstCrossing(flow, limit: 4) == nil)
        #expect(YAMLNestingScan.firstCrossing(flow, limit: 3) != nil)
    }
}
