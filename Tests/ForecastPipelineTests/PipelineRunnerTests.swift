import ForecastReport
import Foundation
import Synchronization
import Logging
import Testing
@testable import ForecastPipeline

/// An executor that does what `fit` does to the file system, cheaply: reads the CSV
/// (`date,value`), "forecasts" last value + 1 for the next day, writes report.md, metrics.json
/// and a checkpoint whose content records the warm-start chain.
final class FileWritingExecutor: JobExecutor {
    var failing: Set<String> = []
    var calls: [(job: String, context: JobContext)] = []
    /// Called after the report is written and before returning (e.g. to throw mid-way).
    var afterWriting: ((JobConfig, JobContext) throws -> Void)?

    struct Boom: Error, CustomStringConvertible {
        let job: String
        var description: String { "boom in \(job): the model diverged" }
    }

    func run(_ job: JobConfig, context: JobContext) throws -> JobOutcome {
        calls.append((job.name, context))
        let text = try String(contentsOf: job.input, encoding: .utf8)
        var actuals: [(date: Date, value: Double)] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            actuals.append((day(String(f[0])), Double(f[1])!))
        }
        try "partial".write(to: context.runFolder.appendingPathComponent("report.md"), atomically: false, encoding: .utf8)
        if failing.contains(job.name) { throw Boom(job: job.name) }
        let last = actuals.last!
        let forecast = ForecastPoint(date: last.date.addingTimeInterval(86400), value: last.value + 1,
                                     lower: last.value - 1, upper: last.value + 3)
        let warmText = try context.warmStartCheckpoint.map { try String(contentsOf: $0, encoding: .utf8) } ?? "scratch"
        try FileManager.default.createDirectory(at: context.runFolder.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try "ckpt(\(warmText))".write(to: context.runFolder.appendingPathComponent("checkpoints/ff.ckpt"), atomically: false, encoding: .utf8)
        let live = context.liveErrorSection(actuals: actuals, pick: "ff", testMASE: ["ff": 0.9])
        try "# \(job.name)\nrows \(actuals.count)\n\n\(live.markdown)".write(to: context.runFolder.appendingPathComponent("report.md"), atomically: false, encoding: .utf8)
        try live.chart!.chart.render().write(to: context.runFolder.appendingPathComponent(live.chart!.file), atomically: false, encoding: .utf8)
        try "{\"ff\": 0.9}".write(to: context.runFolder.appendingPathComponent("metrics.json"), atomically: false, encoding: .utf8)
        try afterWriting?(job, context)
        return JobOutcome(dataEnd: last.date, rows: actuals.count, pick: "ff", forecast: forecast,
                          testMASE: ["ff": 0.9, "naive": 1], checkpoint: "checkpoints/ff.ckpt", actuals: actuals)
    }
}

/// A project folder with data/ and pipelines/nightly.yaml.
struct Project {
    let dir: TempDir
    let pipelineURL: URL
    var reports: URL { dir.file("reports") }

    init(_ jobsYAML: String? = nil) throws {
        dir = try TempDir()
        try dir.write("data/a.csv", "date,value\n2024-05-01,10\n2024-05-02,12\n")
        try dir.write("data/b.csv", "date,value\n2024-05-01,5\n2024-05-02,6\n")
        pipelineURL = try dir.write("pipelines/nightly.yaml", jobsYAML ?? """
        report_root: ../reports
        jobs:
          - name: a
            input: ../data/a.csv
            refit: warm
            schedule: "30 6 * * *"
          - name: b
            input: ../data/b.csv
            retention: 2
        """)
    }

    func load() throws -> PipelineFile { try PipelineFile.load(pipelineURL) }

    /// Runs with a clock that advances one hour per call, so stamps differ.
    func run(_ executor: FileWritingExecutor, force: Bool = false, jobs: [String] = [],
             start: Date = day("2024-05-02 06:30:00"), console: RecordingConsole = RecordingConsole()) throws -> PipelineRunSummary {
        var options = PipelineRunOptions()
        options.force = force
        options.jobs = jobs
        let t = Mutex(start)
        options.now = { t.withLock { $0 = $0.addingTimeInterval(1); return $0 } }
        options.timeZone = TimeZone(identifier: "UTC")!
        return try PipelineRunner(pipeline: try load(), executor: executor, options: options, console: console).run()
    }

    func appendRow(_ file: String, _ line: String) throws {
        let h = try FileHandle(forWritingTo: dir.file(file))
        h.seekToEndOfFile()
        h.write(Data((line + "\n").utf8))
        try h.close()
    }

    /// Every file under reports/ (bytes) and symlink (target), by relative path.
    func snapshot() throws -> [String: Data] { try folderSnapshot(reports) }
}

@Suite struct PipelineRunnerTests {
    @Test func firstRunWritesEverything() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        let console = RecordingConsole()
        let s = try p.run(ex, console: console)
        #expect(s.exitCode == 0)
        #expect(s.results.map(\.status) == [.ok, .ok])
        for job in ["a", "b"] {
            let dir = p.reports.appendingPathComponent(job)
            let runs = RunFolders.runs(in: dir)
            #expect(runs.count == 1)
            #expect(RunFolders.latestTarget(in: dir) == runs[0])
            for f in ["report.md", "metrics.json", "drift.svg", "checkpoints/ff.ckpt"] {
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("latest/\(f)").path), "\(job)/latest/\(f)")
            }
            let rows = try RunHistory(url: dir.appendingPathComponent("history.csv")).read()
            #expect(rows.count == 1)
            #expect(rows[0].status == .ok && rows[0].pick == "ff" && rows[0].rows == 2)
            #expect(rows[0].dataEnd == day("2024-05-02"))
            let state = try #require(JobState.load(from: dir))
            #expect(state.runFolder == runs[0])
            #expect(state.checkpoint == "\(runs[0])/checkpoints/ff.ckpt")
        }
        #expect(try String(contentsOf: p.reports.appendingPathComponent("a/latest/report.md"), encoding: .utf8).contains("No earlier forecast can be checked yet"))
        let index = try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(index.contains("| a | 2024-05-02T06:30:01Z | ok | ff | 13 for 2024-05-03 | [11, 15] | 0.9 | – | 2024-05-03T06:30:00Z | [latest](a/latest/report.md) |"))
        #expect(index.contains("| b | 2024-05-02T06:30:02Z | ok | ff | 7 for 2024-05-03 |"))
        #expect(console.lines.count == 2)
        #expect(console.lines[0].hasPrefix("a ok pick=ff next=13 interval=[11,15] for=2024-05-03 duration="))
        #expect(console.errors.isEmpty)
        let log = try String(contentsOf: p.reports.appendingPathComponent("forecast.log"), encoding: .utf8)
        #expect(log.contains(" info job=a pid=\(getpid()) job started: no earlier successful run"))
        #expect(log.contains("run finished: 2 ok, 0 skipped, 0 failed; exit 0"))
        // Nothing temporary is left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: p.reports.appendingPathComponent("a").path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func unchangedJobsAreSkippedUntilInputChangesOrForce() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        _ = try p.run(ex)
        let console = RecordingConsole()
        let second = try p.run(ex, start: day("2024-05-02 07:30:00"), console: console)
        #expect(second.exitCode == 0)
        #expect(second.results.map(\.status) == [.skipped, .skipped])
        #expect(ex.calls.count == 2, "the executor was not called again")
        #expect(console.lines[0].hasPrefix("a skipped duration="))
        #expect(console.lines[0].contains("(input and configuration unchanged since 2024-05-02T06:30:01Z; --force reruns)"))
        #expect(try RunHistory(url: p.reports.appendingPathComponent("a/history.csv")).read().map(\.status) == [.ok, .skipped])

        try p.appendRow("data/a.csv", "2024-05-03,14")
        let third = try p.run(ex, start: day("2024-05-03 06:30:00"))
        #expect(third.results.map(\.status) == [.ok, .skipped])

        let forced = try p.run(ex, force: true, start: day("2024-05-03 07:30:00"))
        #expect(forced.results.map(\.status) == [.ok, .ok])

        // Configuration change (not schedule) reruns.
        var yaml = try p.dir.read("pipelines/nightly.yaml")
        yaml = yaml.replacingOccurrences(of: "retention: 2", with: "retention: 2\n    epochs: 3")
        try p.dir.write("pipelines/nightly.yaml", yaml)
        let changed = try p.run(ex, start: day("2024-05-03 08:30:00"))
        #expect(changed.results.map(\.status) == [.skipped, .ok])
    }

    @Test func liveErrorOfYesterdaysForecastIsRecorded() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        _ = try p.run(ex)                           // forecasts a: 13 for 2024-05-03
        try p.appendRow("data/a.csv", "2024-05-03,15")
        _ = try p.run(ex, jobs: ["a"], start: day("2024-05-03 06:30:00"))
        let rows = try RunHistory(url: p.reports.appendingPathComponent("a/history.csv")).read()
        #expect(rows.count == 2)
        #expect(rows[0].liveError == nil)
        #expect(rows[1].liveError == 2, "actual 15 − forecast 13")
        // Naive in-sample MAE of 10, 12, 15 is (2 + 3) / 2 = 2.5.
        #expect(try #require(rows[1].liveScaledError).isApproximatelyEqual(to: 0.8, tolerance: 1e-12))
        let report = try String(contentsOf: p.reports.appendingPathComponent("a/latest/report.md"), encoding: .utf8)
        #expect(report.contains("| 2024-05-02T06:30:01Z | 2024-05-03 | ff | 13 | [11, 15] | 15 | 2 | 0.8 | yes |"))
        #expect(report.contains("![Live scaled error and test MASE over recent runs](drift.svg)"))
        // b did not run: its row count is unchanged, but the index still lists it.
        #expect(try RunHistory(url: p.reports.appendingPathComponent("b/history.csv")).read().count == 1)
        #expect(try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8).contains("| b |"))
    }

    @Test func warmStartResumesFromTheLastCheckpoint() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        _ = try p.run(ex, jobs: ["a"])
        #expect(ex.calls[0].context.warmStartCheckpoint == nil, "no checkpoint yet: from scratch")
        _ = try p.run(ex, force: true, jobs: ["a"], start: day("2024-05-02 08:00:00"))
        let first = RunFolders.runs(in: p.reports.appendingPathComponent("a"))[0]
        #expect(ex.calls[1].context.warmStartCheckpoint?.path == p.reports.appendingPathComponent("a/\(first)/checkpoints/ff.ckpt").path)
        _ = try p.run(ex, force: true, jobs: ["a"], start: day("2024-05-02 09:00:00"))
        #expect(try String(contentsOf: p.reports.appendingPathComponent("a/latest/checkpoints/ff.ckpt"), encoding: .utf8) == "ckpt(ckpt(ckpt(scratch)))")
        // refit full never warm-starts.
        _ = try p.run(ex, force: true, jobs: ["b"])
        _ = try p.run(ex, force: true, jobs: ["b"], start: day("2024-05-02 08:00:00"))
        #expect(ex.calls.filter { $0.job == "b" }.allSatisfy { $0.context.warmStartCheckpoint == nil })
    }

    @Test func failuresAreIsolatedAndLeaveEarlierResultsIntact() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        _ = try p.run(ex)
        let before = try p.snapshot()
        ex.failing = ["a"]
        let console = RecordingConsole()
        let some = try p.run(ex, force: true, start: day("2024-05-02 09:00:00"), console: console)
        #expect(some.exitCode == 42)
        #expect(some.results.map(\.status) == [.failed, .ok])
        #expect(console.errors.count == 1)
        #expect(console.errors[0].hasPrefix("a failed duration="))
        #expect(console.errors[0].hasSuffix("error: boom in a: the model diverged"))
        #expect(console.lines.count == 1 && console.lines[0].hasPrefix("b ok"))
        let after = try p.snapshot()
        // Every file of job a's previous run is byte-for-byte the same; only history and index changed.
        for (path, bytes) in before where path.hasPrefix("a/") && path != "a/history.csv" {
            #expect(after[path] == bytes, "\(path) changed")
        }
        #expect(!after.keys.contains { $0.contains(".incomplete") }, "the failed run's staging folder is gone")
        let rows = try RunHistory(url: p.reports.appendingPathComponent("a/history.csv")).read()
        #expect(rows.last?.status == .failed && rows.last?.message == "boom in a: the model diverged")
        #expect(try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8).contains("- **a**: boom in a: the model diverged"))

        ex.failing = ["a", "b"]
        let all = try p.run(ex, force: true, start: day("2024-05-02 10:00:00"))
        #expect(all.exitCode == 43)
        // After a failure the job is not skipped: its state still names the last good run,
        // which the unchanged input matches, so it is skipped only without --force.
        ex.failing = []
        #expect(try p.run(ex, start: day("2024-05-02 11:00:00")).exitCode == 0)
    }

    @Test func missingInputFailsThatJobOnly() throws {
        let p = try Project()
        try FileManager.default.removeItem(at: p.dir.file("data/b.csv"))
        let s = try p.run(FileWritingExecutor())
        #expect(s.exitCode == 42)
        #expect(s.results[1].message?.hasPrefix("cannot read input \(p.dir.file("data/b.csv").path)") == true)
    }

    @Test func retentionKeepsTheNewestRuns() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        for h in 0..<4 {
            _ = try p.run(ex, force: true, jobs: ["b"], start: day("2024-05-02 06:00:00").addingTimeInterval(Double(h) * 3600))
        }
        let runs = RunFolders.runs(in: p.reports.appendingPathComponent("b"))
        #expect(runs == ["2024-05-02T080001Z", "2024-05-02T090001Z"])
        #expect(RunFolders.latestTarget(in: p.reports.appendingPathComponent("b")) == runs[1])
        #expect(try RunHistory(url: p.reports.appendingPathComponent("b/history.csv")).read().count == 4, "history keeps every run")
    }

    @Test func aHeldLockRefusesTheRunAndWritesNothing() throws {
        let p = try Project()
        let pipeline = try p.load()
        let other = try RunLock.acquire(at: pipeline.lockFile)
        #expect(throws: LockHeldError.self) { try p.run(FileWritingExecutor()) }
        #expect(!FileManager.default.fileExists(atPath: p.reports.appendingPathComponent("a").path))
        #expect(!FileManager.default.fileExists(atPath: p.reports.appendingPathComponent("index.md").path))
        let log = try String(contentsOf: pipeline.logFile, encoding: .utf8)
        #expect(log.contains("run refused: another forecast run is in progress"))
        other.release()
        #expect(try p.run(FileWritingExecutor()).exitCode == 0)
    }

    @Test func unknownJobIsAUsageErrorBeforeAnythingHappens() throws {
        let p = try Project()
        do {
            _ = try p.run(FileWritingExecutor(), jobs: ["zz"])
            Issue.record("expected UnknownJobError")
        } catch let e as UnknownJobError {
            #expect(e.exitCode == 64)
            #expect(e.description.contains("the jobs are: a, b"))
        }
        #expect(!FileManager.default.fileExists(atPath: p.reports.path))
    }

    @Test func leftoversOfAKilledRunAreCleanedAndDoNotCount() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        _ = try p.run(ex)
        let before = try p.snapshot()
        // What kill -9 during the executor leaves: a staging folder with partial files.
        try p.dir.write("reports/a/.incomplete-2024-05-02T090000Z/report.md", "half")
        try p.dir.write("reports/a/.incomplete-2024-05-02T090000Z/\(RunFolders.markerName)", "")
        ex.afterWriting = { _, _ in }
        let s = try p.run(ex, force: true, jobs: ["a"], start: day("2024-05-02 10:00:00"))
        #expect(s.exitCode == 0)
        #expect(!FileManager.default.fileExists(atPath: p.reports.appendingPathComponent("a/.incomplete-2024-05-02T090000Z").path))
        let after = try p.snapshot()
        for (path, bytes) in before where path.hasPrefix("a/20") {
            #expect(after[path] == bytes, "\(path) of the earlier run is unchanged")
        }
    }

    @Test func exitCodes() {
        func summary(_ s: [JobStatus]) -> Int32 {
            PipelineRunSummary(results: s.map { JobResult(job: "j", status: $0, duration: 0, row: HistoryRow(runStarted: Date(), job: "j", status: $0)) }).exitCode
        }
        #expect(summary([.ok, .skipped]) == 0)
        #expect(summary([.ok, .failed]) == 42)
        #expect(summary([.skipped, .failed]) == 42)
        #expect(summary([.failed, .failed]) == 43)
        #expect(summary([.failed]) == 43)
        #expect(summary([]) == 0)
    }
}

@Suite("Two pipelines sharing a report root")
struct SharedReportRootTests {
    @Test("index.md lists the jobs of both, and forgets a pipeline that moved away")
    func indexListsEveryPipeline() throws {
        let p = try Project()
        // A second pipeline file in the same project writing into the same reports/ folder.
        let weeklyURL = try p.dir.write("pipelines/weekly.yaml", """
        report_root: ../reports
        jobs:
          - name: c
            input: ../data/b.csv
        """)
        #expect(try p.run(FileWritingExecutor()).exitCode == 0)
        var options = PipelineRunOptions()
        let t = Mutex(day("2024-05-02 07:30:00"))
        options.now = { t.withLock { $0 = $0.addingTimeInterval(1); return $0 } }
        options.timeZone = TimeZone(identifier: "UTC")!
        let weekly = try PipelineFile.load(weeklyURL)
        #expect(try PipelineRunner(pipeline: weekly, executor: FileWritingExecutor(), options: options,
                                   console: RecordingConsole()).run().exitCode == 0)

        let index = try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(index.contains("2 pipelines write into this folder"))
        // The pipeline that ran last comes first, and each keeps its own jobs.
        let weeklyAt = try #require(index.range(of: "## Pipeline `\(weekly.url.path)`"))
        let nightly = try p.load()
        let nightlyAt = try #require(index.range(of: "## Pipeline `\(nightly.url.path)`"))
        #expect(weeklyAt.lowerBound < nightlyAt.lowerBound)
        let cRow = try #require(index.range(of: "| c | "))
        let aRow = try #require(index.range(of: "| a | 2024-05-02T06:30:01Z | ok | ff |"))
        #expect(index.contains("| b | "))
        #expect(cRow.lowerBound < nightlyAt.lowerBound && aRow.lowerBound > nightlyAt.lowerBound)

        // The weekly pipeline moves to its own folder: the next nightly run lists only its jobs.
        try p.dir.write("pipelines/weekly.yaml", """
        report_root: ../reports-weekly
        jobs:
          - name: c
            input: ../data/b.csv
        """)
        #expect(try p.run(FileWritingExecutor(), force: true, start: day("2024-05-03 06:30:00")).exitCode == 0)
        let after = try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(!after.contains("| c | ") && after.contains("| a | ") && !after.contains("pipelines write into this folder"))
        let registry = try String(contentsOf: p.reports.appendingPathComponent(".pipelines"), encoding: .utf8)
        let nightlyPath = try p.load().url.path
        #expect(registry == nightlyPath + "\n")
    }
}
