import ForecastReport
import Foundation
import ProcessTestSupport
import Logging
import Testing
@testable import ForecastPipeline

@Suite struct SkipPolicyTests {
    @Test func fingerprintFollowsInputBytesAndConfiguration() throws {
        let dir = try TempDir()
        let input = try dir.write("d.csv", "date,y\n2024-01-01,1\n")
        var job = JobConfig(name: "j", input: input, reportDir: dir.file("r"))
        let f1 = try JobFingerprint.of(job)
        // coreutils is the independent reference for the input hash.
        let reference = try runProcess("/usr/bin/sha256sum", [input.path]).stdout.prefix(64)
        #expect(f1.inputSHA256 == String(reference))
        #expect(try JobFingerprint.of(job) == f1, "deterministic")
        job.schedule = try CronExpression("@daily")
        job.retention = 3
        #expect(try JobFingerprint.of(job) == f1, "schedule and retention do not matter")
        job.fit.epochs = 3
        #expect(try JobFingerprint.of(job).configurationSHA256 != f1.configurationSHA256)
        #expect(try JobFingerprint.of(job).inputSHA256 == f1.inputSHA256)
        try dir.write("d.csv", "date,y\n2024-01-01,2\n")
        #expect(try JobFingerprint.of(job).inputSHA256 != f1.inputSHA256)
        job.input = dir.file("missing.csv")
        #expect(throws: (any Error).self) { try JobFingerprint.of(job) }
    }

    @Test func decisions() throws {
        let dir = try TempDir()
        let fp = JobFingerprint(inputSHA256: "a", configurationSHA256: "b")
        let state = JobState(fingerprint: fp, lastSuccess: day("2024-05-01"), runFolder: "2024-05-01T000000Z", checkpoint: nil)
        #expect(SkipDecision.decide(fingerprint: fp, state: nil, reportDir: dir.url, force: false) == .run(reason: "no earlier successful run"))
        #expect(SkipDecision.decide(fingerprint: fp, state: state, reportDir: dir.url, force: false) == .run(reason: "the last report folder is gone"))
        try FileManager.default.createDirectory(at: dir.file("2024-05-01T000000Z"), withIntermediateDirectories: true)
        #expect(SkipDecision.decide(fingerprint: fp, state: state, reportDir: dir.url, force: false) == .skip(lastSuccess: day("2024-05-01")))
        #expect(SkipDecision.decide(fingerprint: fp, state: state, reportDir: dir.url, force: true) == .run(reason: "forced"))
        #expect(SkipDecision.decide(fingerprint: JobFingerprint(inputSHA256: "x", configurationSHA256: "b"), state: state, reportDir: dir.url, force: false) == .run(reason: "input changed"))
        #expect(SkipDecision.decide(fingerprint: JobFingerprint(inputSHA256: "a", configurationSHA256: "x"), state: state, reportDir: dir.url, force: false) == .run(reason: "configuration changed"))
    }

    @Test func stateRoundTripsAndCorruptStateMeansRun() throws {
        let dir = try TempDir()
        let s = JobState(fingerprint: JobFingerprint(inputSHA256: "a", configurationSHA256: "b"),
                         lastSuccess: day("2024-05-01 06:30:00"), runFolder: "2024-05-01T063000Z", checkpoint: "2024-05-01T063000Z/ff.ckpt")
        try s.save(in: dir.url)
        #expect(JobState.load(from: dir.url) == s)
        #expect(try dir.read("state.json").contains("\"lastSuccess\" : \"2024-05-01T06:30:00Z\""))
        try dir.write("state.json", "{ not json")
        #expect(JobState.load(from: dir.url) == nil)
    }
}

@Suite struct RetentionTests {
    /// Run folders as the publisher makes them: with the marker inside.
    func makeRuns(_ dir: TempDir, _ names: [String]) throws {
        for n in names {
            try dir.write("\(n)/report.md", n)
            try dir.write("\(n)/\(RunFolders.markerName)", "")
        }
    }

    @Test func stampNamesSortAndMatch() {
        #expect(RunStamp.name(for: day("2024-05-01 06:30:05")) == "2024-05-01T063005Z")
        #expect(RunStamp.matches("2024-05-01T063005Z"))
        #expect(RunStamp.matches("2024-05-01T063005Z-12"))
        #expect(!RunStamp.matches("2024-05-01T063005Z-"))
        #expect(!RunStamp.matches("latest"))
        #expect(!RunStamp.matches(".incomplete-2024-05-01T063005Z"))
        #expect(!RunStamp.matches("2024-05-01T06:30:05Z"))
        let names = ["2024-05-01T063005Z-10", "2024-05-01T063005Z", "2024-04-30T000000Z", "2024-05-01T063005Z-2"]
        #expect(names.sorted(by: RunStamp.order) == ["2024-04-30T000000Z", "2024-05-01T063005Z", "2024-05-01T063005Z-2", "2024-05-01T063005Z-10"])
    }

    @Test func uniqueStampAvoidsExistingAndStagingFolders() throws {
        let dir = try TempDir()
        let d = day("2024-05-01 06:30:05")
        #expect(RunStamp.unique(for: d, in: dir.url) == "2024-05-01T063005Z")
        try makeRuns(dir, ["2024-05-01T063005Z"])
        try FileManager.default.createDirectory(at: dir.file(".incomplete-2024-05-01T063005Z-2"), withIntermediateDirectories: true)
        #expect(RunStamp.unique(for: d, in: dir.url) == "2024-05-01T063005Z-3")
    }

    @Test func keepsNewestNAndNeverLatestOrProtected() throws {
        let dir = try TempDir()
        let names = (1...6).map { String(format: "2024-05-%02dT063000Z", $0) }
        try makeRuns(dir, names)
        try dir.write("history.csv", "h")
        try FileManager.default.createSymbolicLink(atPath: dir.file("latest").path, withDestinationPath: names[1])
        let removed = try Retention.prune(reportDir: dir.url, keep: 2, protecting: [names[0]])
        #expect(removed == [names[2], names[3]])
        #expect(RunFolders.runs(in: dir.url) == [names[0], names[1], names[4], names[5]])
        #expect(try dir.read("history.csv") == "h")
        #expect(try Retention.prune(reportDir: dir.url, keep: 10).isEmpty)
        // keep is at least 1.
        try FileManager.default.removeItem(at: dir.file("latest"))
        #expect(try Retention.prune(reportDir: dir.url, keep: 0) == [names[0], names[1], names[4]])
        #expect(RunFolders.runs(in: dir.url) == [names[5]])
    }

    @Test func leftoversOfKilledRunsAreRemoved() throws {
        let dir = try TempDir()
        try makeRuns(dir, ["2024-05-01T063000Z", ".incomplete-2024-05-02T063000Z", ".deleting-2024-04-01T063000Z"])
        #expect(Set(RunFolders.removeLeftovers(in: dir.url)) == [".incomplete-2024-05-02T063000Z", ".deleting-2024-04-01T063000Z"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["2024-05-01T063000Z"])
    }

    @Test("retention and cleanup never delete a folder this tool did not create, whatever its name")
    func foldersWithoutTheMarkerAreNeverDeleted() throws {
        let dir = try TempDir()
        try makeRuns(dir, (1...3).map { String(format: "2024-05-%02dT063000Z", $0) })
        // A user's folders that merely look like ours.
        try dir.write("2020-01-01T000000Z/thesis.tex", "years of work")
        try dir.write(".incomplete-2020-01-01T000000Z/notes.txt", "keep me")
        try dir.write(".deleting-2020-01-01T000000Z/notes.txt", "keep me too")
        let before = try folderSnapshot(dir.url)
        #expect(RunFolders.removeLeftovers(in: dir.url).isEmpty)
        #expect(try Retention.prune(reportDir: dir.url, keep: 1) == ["2024-05-01T063000Z", "2024-05-02T063000Z"])
        #expect(try dir.read("2020-01-01T000000Z/thesis.tex") == "years of work")
        #expect(try dir.read(".incomplete-2020-01-01T000000Z/notes.txt") == "keep me")
        #expect(try dir.read(".deleting-2020-01-01T000000Z/notes.txt") == "keep me too")
        let after = try folderSnapshot(dir.url)
        for (path, bytes) in before where !path.hasPrefix("2024-05-0") { #expect(after[path] == bytes, "\(path)") }
    }

    @Test("retention never follows a symbolic link, named like a run or inside one")
    func retentionDoesNotFollowLinks() throws {
        let dir = try TempDir()
        let outside = try TempDir()
        try outside.write("victim/data.txt", "precious")
        try outside.write("victim/\(RunFolders.markerName)", "")  // even with a marker where the link points
        try makeRuns(dir, (1...3).map { String(format: "2024-05-%02dT063000Z", $0) })
        try FileManager.default.createSymbolicLink(atPath: dir.file("2024-04-01T063000Z").path,
                                                   withDestinationPath: outside.file("victim").path)
        try FileManager.default.createSymbolicLink(atPath: dir.file("2024-05-01T063000Z/inner").path,
                                                   withDestinationPath: outside.file("victim").path)
        #expect(!RunFolders.runs(in: dir.url).contains("2024-04-01T063000Z"))
        #expect(try Retention.prune(reportDir: dir.url, keep: 1) == ["2024-05-01T063000Z", "2024-05-02T063000Z"])
        #expect(try outside.read("victim/data.txt") == "precious")
        #expect(OwnedFiles.isSymlink(dir.file("2024-04-01T063000Z")), "the link itself is left alone too")
    }
}

@Suite struct ReportIndexTests {
    @Test func indexListsEveryJobWithPickForecastAndLink() throws {
        let dir = try TempDir()
        let root = dir.file("reports")
        let p = try PipelineFile.parse(yaml: """
        jobs:
          - {name: prices, input: d.csv, schedule: "30 6 * * 1-5"}
          - {name: air, input: d.csv}
          - {name: never, input: d.csv, schedule: "@daily"}
        """, url: dir.file("p.yaml"))
        let prices = RunHistory(url: root.appendingPathComponent("prices/history.csv"))
        try prices.append(HistoryRow(runStarted: day("2024-05-02 06:30:00"), job: "prices", status: .ok, pick: "lstm",
                                     forecast: ForecastPoint(date: day("2024-05-03"), value: 412.5, lower: 400, upper: 425),
                                     testMASE: ["lstm": 0.8], liveScaledError: 0.5))
        try prices.append(HistoryRow(runStarted: day("2024-05-03 06:30:00"), job: "prices", status: .skipped, message: "unchanged"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("prices/2024-05-02T063000Z"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("prices/latest").path, withDestinationPath: "2024-05-02T063000Z")
        try RunHistory(url: root.appendingPathComponent("air/history.csv"))
            .append(HistoryRow(runStarted: day("2024-05-03 06:30:00"), job: "air", status: .failed, message: "input missing"))

        let utc = TimeZone(identifier: "UTC")!
        let entries = ReportIndex.entries(for: p.jobs, indexFolder: root, now: day("2024-05-03 12:00:00"), timeZone: utc)
        #expect(entries.map(\.job) == ["prices", "air", "never"])
        #expect(entries[0].lastStatus == .skipped)
        #expect(entries[0].pick == "lstm", "pick comes from the last successful run")
        #expect(entries[0].link == "prices/latest")
        #expect(entries[0].nextRun == day("2024-05-06 06:30:00"), "Friday noon → Monday 06:30")
        #expect(entries[1].lastStatus == .failed && entries[1].message == "input missing" && entries[1].link == nil)
        #expect(entries[2].lastStatus == nil)

        try ReportIndex.write(entries, to: p.indexFile, generated: day("2024-05-03 12:00:00"), pipeline: p.url.path)
        let md = try String(contentsOf: p.indexFile, encoding: .utf8)
        #expect(md.contains("| prices | 2024-05-03T06:30:00Z | skipped | lstm | 412.5 for 2024-05-03 | [400, 425] | 0.8 | 0.5 | 2024-05-06T06:30:00Z | [latest](prices/latest/report.md) |"))
        #expect(md.contains("| air | 2024-05-03T06:30:00Z | **failed** | – | – | – | – | – | by hand | – |"))
        #expect(md.contains("| never | – | never run |"))
        #expect(md.contains("- **air**: input missing"))
    }

    @Test func relativePaths() {
        #expect(ReportIndex.relativePath(from: URL(fileURLWithPath: "/a/reports"), to: URL(fileURLWithPath: "/a/reports/j/latest")) == "j/latest")
        #expect(ReportIndex.relativePath(from: URL(fileURLWithPath: "/a/reports"), to: URL(fileURLWithPath: "/a/other/j/latest")) == "../other/j/latest")
    }
}

@Suite struct PipelineLogTests {
    @Test func linesAreTimestampedLeveledCleanAndRotated() throws {
        let dir = try TempDir()
        let url = dir.file("logs/forecast.log")
        let handler = try FileLogHandler(url: url, maxBytes: 2048)
        var logger = Logger(label: "t") { _ in handler }
        logger[metadataKey: "job"] = "prices"
        logger.info("hello \u{1B}[31mred\u{07}")
        logger.debug("not written at info level")
        logger.error("bad", metadata: ["code": "13"])
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info job=prices hello  \[31mred $"#, options: .regularExpression) != nil, "\(lines[0])")
        #expect(lines[1].hasSuffix(" error code=13 job=prices bad"))
        #expect(!text.contains("\u{1B}"))

        for i in 0..<100 { logger.info("line \(i) padding padding padding padding") }
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        let rotated = try FileManager.default.attributesOfItem(atPath: url.path + ".1")[.size] as! Int
        #expect(size <= 2048 && rotated <= 2048)
        #expect(try String(contentsOf: url, encoding: .utf8).hasSuffix("line 99 padding padding padding padding\n"))
        #expect(!FileManager.default.fileExists(atPath: url.path + ".2"), "only one old generation is kept")
    }

    @Test func consoleTextHasNoControlCharacters() {
        #expect(ConsoleText.clean("a\u{1B}[2Kb\rc\nd\te") == "a [2Kb c d e")
        #expect(ConsoleText.isInteractive(fd: 1, environment: [:]) == false, "no TERM: never interactive")
    }
}
