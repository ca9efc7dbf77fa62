import ForecastIngest
import ForecastReport
import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastPipeline

/// The built `forecast` executable these tests drive.
enum ForecastBinary {
    /// `$FORECAST_BINARY`, else `forecast` beside this test bundle (`.build/<triple>/debug/`).
    static var url: URL {
        if let env = ProcessInfo.processInfo.environment["FORECAST_BINARY"], !env.isEmpty { return URL(fileURLWithPath: env) }
        return CurrentExecutable.url().deletingLastPathComponent().appendingPathComponent("forecast")
    }

    /// The binary if it exists and has the `run` and `schedule` subcommands. Otherwise records a
    /// failing issue saying so: these tests must never pass by not running.
    static func require() -> URL? {
        let bin = url
        guard FileManager.default.isExecutableFile(atPath: bin.path) else {
            Issue.record("END-TO-END TEST NOT RUN: no forecast binary at \(bin.path). Build it first (swift build --build-tests builds it) or set FORECAST_BINARY.")
            return nil
        }
        for sub in ["run", "schedule"] {
            // A root command without the subcommand also answers `--help` with exit 0: look
            // for the subcommand's own usage line.
            let r = try? runProcess(bin.path, [sub, "--help"])
            guard r?.status == 0, r?.stdout.contains("USAGE: forecast \(sub) ") == true else {
                Issue.record("END-TO-END TEST NOT RUN: \(bin.path) has no working '\(sub)' subcommand (exit \(r?.status ?? -1)); wire ForecastCLI's Run/Schedule to RunCommand/ScheduleCommand.")
                return nil
            }
        }
        return bin
    }
}

/// A throw-away project: data/series.csv (a copy of the repository's airpassengers data),
/// pipelines/tiny.yaml with small, quick jobs, and reports/ written by the binary.
struct TinyProject {
    let dir: TempDir
    var pipeline: URL { dir.file("pipelines/tiny.yaml") }
    var reports: URL { dir.file("reports") }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    init(schedule: String = "30 6 * * *", refit: String = "full", jobs: [String] = ["alpha", "beta"], epochs: Int = 3,
         models: String = "[naive, ff]") throws {
        dir = try TempDir()
        let data = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("data/airpassengers.csv"), encoding: .utf8)
        try dir.write("data/series.csv", data)
        var yaml = """
        version: 1
        report_root: ../reports
        defaults:
          input: ../data/series.csv
          target: passengers
          date_column: date
          models: \(models)
          window: 12
          season: 12
          epochs: \(epochs)
          patience: \(epochs)
          hidden: 4
          seed: 1
          retention: 3
          refit: \(refit)
        jobs:

        """
        for j in jobs { yaml += "  - name: \(j)\n    schedule: \"\(schedule)\"\n" }
        try dir.write("pipelines/tiny.yaml", yaml)
    }

    /// The environment cron gives a job: no HOME, no TERM, minimal PATH, C locale.
    static let cronEnvironment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C", "OPENBLAS_NUM_THREADS": "1"]

    /// Runs the binary with a cron-like environment (`cronEnvironment`, working directory `/`).
    func forecast(_ bin: URL, _ args: [String], extraEnv: [String: String] = [:]) throws -> ProcessOutput {
        let env = Self.cronEnvironment.merging(extraEnv) { _, new in new }
        return try runProcess(bin.path, args, environment: env, currentDirectory: URL(fileURLWithPath: "/"))
    }

    /// Starts the binary as `forecast(_:_:)` does, output discarded, without waiting for it.
    func start(_ bin: URL, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        p.environment = Self.cronEnvironment
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func history(_ job: String) throws -> [HistoryRow] {
        try RunHistory(url: reports.appendingPathComponent("\(job)/history.csv")).read()
    }

    /// Every file under reports/ (bytes) and symlink (target), by relative path.
    func snapshot() throws -> [String: Data] { try folderSnapshot(reports) }
}

/// Bytes below 0x20 other than newline and tab: terminal control characters.
private func controlBytes(_ s: String) -> [UInt8] {
    s.utf8.filter { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 || $0 == 0x7F }
}

@Suite(.serialized) struct EndToEndTests {
    @Test func cronEnvironmentRunSkipAndQuiet() throws {
        guard let bin = ForecastBinary.require() else { return }
        let p = try TinyProject()
        let check = try p.forecast(bin, ["run", "--check", p.pipeline.path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("valid, 2 jobs"))

        let first = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        #expect(lines.count == 2, "one line per job: \(first.stdout)")
        #expect(lines.first?.hasPrefix("alpha ok pick=") == true)
        #expect(controlBytes(first.stdout + first.stderr).isEmpty, "no control characters under cron")
        for job in ["alpha", "beta"] {
            #expect(FileManager.default.fileExists(atPath: p.reports.appendingPathComponent("\(job)/latest/report.md").path))
            #expect(try p.history(job).map(\.status) == [.ok])
        }
        let index = try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(index.contains("[latest](alpha/latest/report.md)"))
        let log = try String(contentsOf: p.reports.appendingPathComponent("forecast.log"), encoding: .utf8)
        #expect(log.contains(" info job=alpha "))
        #expect(controlBytes(log).isEmpty)

        let second = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(second.status == 0)
        #expect(second.stdout.split(separator: "\n").allSatisfy { $0.contains(" skipped ") }, "\(second.stdout)")

        let quiet = try p.forecast(bin, ["run", p.pipeline.path, "--force", "--quiet", "--job", "beta"])
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty, "--quiet prints only errors")
        #expect(try p.history("beta").map(\.status) == [.ok, .skipped, .ok])
        #expect(try p.history("alpha").count == 2)
    }

    @Test func invalidPipelineAndUnknownJob() throws {
        guard let bin = ForecastBinary.require() else { return }
        let p = try TinyProject()
        try p.dir.write("pipelines/bad.yaml", "jobs:\n  - name: a/b\n    input: x.csv\n    epoch: 3\n")
        let bad = try p.forecast(bin, ["run", p.dir.file("pipelines/bad.yaml").path])
        #expect(bad.status == 40)
        #expect(bad.stderr.contains("bad.yaml:2:11: error: job name 'a/b' is not a plain identifier"))
        #expect(bad.stderr.contains("bad.yaml:4:5: error: unknown key 'epoch'"))
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("pipelines/reports").path))
        let unknown = try p.forecast(bin, ["run", p.pipeline.path, "--job", "gamma"])
        #expect(unknown.status == 64)
    }

    @Test func concurrentRunsOneProceedsOneReportsTheLock() throws {
        guard let bin = ForecastBinary.require() else { return }
        let p = try TinyProject()
        // Held by this (other) process: the binary refuses at once, or after --wait.
        let lockURL = p.reports.appendingPathComponent(".forecast.lock")
        let held = try RunLock.acquire(at: lockURL)
        let refused = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(refused.status == 41)
        #expect(refused.stderr.contains("another forecast run is in progress (pid \(getpid())"))
        let t0 = Date()
        let waited = try p.forecast(bin, ["run", p.pipeline.path, "--wait", "1"])
        #expect(waited.status == 41)
        #expect(Date().timeIntervalSince(t0) >= 1)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { held.release() }
        let queued = try p.forecast(bin, ["run", p.pipeline.path, "--wait", "30"])
        #expect(queued.status == 0, "waits for the lock, then runs: \(queued.stderr)")

        // Two real runs at once: the second starts while the first holds the lock. The first
        // trains long enough (many epochs, no early stop) that it is surely still running.
        let slow = try TinyProject(epochs: 400)
        let a = try slow.start(bin, ["run", slow.pipeline.path, "--force"])
        var firstHolds = false
        for _ in 0..<500 {
            if let s = try? String(contentsOf: slow.reports.appendingPathComponent(".forecast.lock"), encoding: .utf8),
               s.hasPrefix("pid \(a.processIdentifier) ") { firstHolds = true; break }
            usleep(5_000)
        }
        let b = try slow.forecast(bin, ["run", slow.pipeline.path, "--force"])
        let firstStillRunning = a.isRunning
        a.waitUntilExit()
        #expect(a.terminationStatus == 0)
        if firstHolds && firstStillRunning {
            #expect(b.status == 41, "the second run reports the lock: \(b.stderr)")
            #expect(b.stderr.contains("pid \(a.processIdentifier)"))
        } else {
            Issue.record("the first run finished before the second could start (\(firstHolds), \(firstStillRunning)); the lock was not contended")
        }
    }

    @Test("a crash (SIGSEGV) frees the lock at once and ends the run (it trained on for minutes, holding the lock)")
    func aCrashFreesTheLockAndEndsTheRun() throws {
        guard let bin = ForecastBinary.require() else { return }
        let slow = try TinyProject(jobs: ["alpha"], epochs: 1_000_000)
        let run = try slow.start(bin, ["run", slow.pipeline.path, "--force"])
        defer { if run.isRunning { kill(run.processIdentifier, SIGKILL) } }
        let lockURL = slow.reports.appendingPathComponent(".forecast.lock")
        var holds = false
        for _ in 0..<2_000 {
            if let s = try? String(contentsOf: lockURL, encoding: .utf8), s.hasPrefix("pid \(run.processIdentifier) ") { holds = true; break }
            usleep(5_000)
        }
        try #require(holds, "the run never took the lock")
        usleep(200_000)  // into training
        kill(run.processIdentifier, SIGSEGV)
        // A run queued behind it gets the lock.
        let next = try RunLock.acquire(at: lockURL, wait: 60, pollInterval: 0.05)
        next.release()
        // The crashed run ends by its signal instead of going on (waitUntilExit reaps it; a
        // thread of its own, so a run that never ends fails the test instead of hanging it).
        let ended = DispatchSemaphore(value: 0)
        Thread { run.waitUntilExit(); ended.signal() }.start()
        let finished = ended.wait(timeout: .now() + 120) == .success
        #expect(finished, "the crashed run is still running")
        if finished {
            #expect(run.terminationReason == .uncaughtSignal && run.terminationStatus == SIGSEGV,
                    "ended with \(run.terminationReason == .exit ? "exit" : "signal") \(run.terminationStatus)")
        }
    }

    @Test("a missing last actual is not scored: the run says so and records no live error (it scored a carried-forward value)")
    func missingLastActualIsNotScored() throws {
        guard let bin = ForecastBinary.require() else { return }
        let p = try TinyProject(jobs: ["alpha"])
        let first = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(first.status == 0, "\(first.stderr)")
        let forecastDate = try #require(p.history("alpha").last?.forecast?.date)
        #expect(UTCDateTime(forecastDate) == UTCDateTime(year: 1961, month: 1, day: 1))
        // The next row arrives with its value missing ("n/a"); the default policy fills it for training.
        let data = p.dir.file("data/series.csv")
        try (try String(contentsOf: data, encoding: .utf8) + "1961-01-01,n/a\n").write(to: data, atomically: true, encoding: .utf8)
        let second = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(second.status == 0, "\(second.stderr)")
        let rows = try p.history("alpha")
        #expect(rows.count == 2 && rows[1].status == .ok)
        #expect(rows[1].liveError == nil, "scored against an invented value: \(rows[1].liveError ?? 0)")
        let report = try String(contentsOf: p.reports.appendingPathComponent("alpha/latest/report.md"), encoding: .utf8)
        #expect(report.contains("The last forecast was for 1961-01-01, and that value is missing in today's input"), "\(report)")
        // Once the value arrives, the same forecast is scored.
        try (try String(contentsOf: data, encoding: .utf8).replacingOccurrences(of: "1961-01-01,n/a", with: "1961-01-01,420"))
            .write(to: data, atomically: true, encoding: .utf8)
        let third = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(third.status == 0)
        let scored = try p.history("alpha")
        #expect(scored.count == 3 && scored[2].liveError != nil)
    }

    @Test("a statistical pick's own model file is the job's checkpoint (it named the first network's)")
    func statisticalPickRecordsItsModelFile() throws {
        guard let bin = ForecastBinary.require() else { return }
        let p = try TinyProject(jobs: ["alpha"], models: "[ets]")
        let r = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(r.status == 0, "\(r.stderr)")
        let pick = try #require(p.history("alpha").last?.pick)
        let state = try String(contentsOf: p.reports.appendingPathComponent("alpha/state.json"), encoding: .utf8)
        if pick == "ets" {
            #expect(state.contains("model-ets.json"), "\(state)")
            let folder = try #require(RunFolders.latestTarget(in: p.reports.appendingPathComponent("alpha")))
            #expect(FileManager.default.fileExists(atPath: p.reports.appendingPathComponent("alpha/\(folder)/model-ets.json").path))
        } else {
            Issue.record("ets was not picked (\(pick)) on airpassengers with season 12: the case is not exercised")
        }
    }

    @Test("a baseline pick's own model file is the job's checkpoint (it named the first network's, or none)")
    func baselinePickRecordsItsModelFile() throws {
        guard let bin = ForecastBinary.require() else { return }
        let p = try TinyProject(jobs: ["alpha"], models: "[naive, drift]")
        let r = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(r.status == 0, "\(r.stderr)")
        let pick = try #require(p.history("alpha").last?.pick)
        let state = try String(contentsOf: p.reports.appendingPathComponent("alpha/state.json"), encoding: .utf8)
        // The pick's id: naive, snaive (seasonal naive, m = 12 on airpassengers) or drift.
        let id = pick.hasPrefix("seasonal naive") ? "snaive" : pick
        #expect(["naive", "snaive", "drift"].contains(id))
        #expect(state.contains("/model-\(id).json\""), "pick \(pick): \(state)")
        let folder = try #require(RunFolders.latestTarget(in: p.reports.appendingPathComponent("alpha")))
        #expect(FileManager.default.fileExists(atPath: p.reports.appendingPathComponent("alpha/\(folder)/model-\(id).json").path))
    }

    @Test func killDashNineAtAnyMomentLosesNothing() throws {
        guard let bin = ForecastBinary.require() else { return }
        let p = try TinyProject(refit: "warm")
        let t0 = Date()
        let ok = try p.forecast(bin, ["run", p.pipeline.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        let fullRun = Date().timeIntervalSince(t0)

        for fraction in [0.05, 0.2, 0.4, 0.6, 0.8, 0.95] {
            let before = try p.snapshot()
            let latestBefore = Dictionary(uniqueKeysWithValues: ["alpha", "beta"].map {
                ($0, RunFolders.latestTarget(in: p.reports.appendingPathComponent($0)))
            })
            let proc = try p.start(bin, ["run", p.pipeline.path, "--force"])
            usleep(UInt32(fullRun * fraction * 1_000_000))
            kill(proc.processIdentifier, SIGKILL)
            proc.waitUntilExit()
            let after = try p.snapshot()
            for (path, bytes) in before {
                let parts = (path as NSString).pathComponents
                if parts.count >= 2, parts[1].hasPrefix(".incomplete-") || parts[1].hasPrefix(".deleting-") {
                    continue   // what an earlier killed run left half-written; the next run clears it
                }
                if parts.count >= 3, RunStamp.matches(parts[1]) {
                    // A file of an earlier run folder: byte-for-byte the same, unless retention
                    // pruned the whole folder after a newer run completed (never `latest`'s).
                    let folderExists = FileManager.default.fileExists(atPath: p.reports.appendingPathComponent(parts[0]).appendingPathComponent(parts[1]).path)
                    if folderExists {
                        #expect(after[path] == bytes, "\(path) changed after kill at \(fraction)")
                    } else {
                        #expect(latestBefore[parts[0]] != parts[1], "the run `latest` pointed at was deleted: \(path)")
                    }
                } else if parts.last == "history.csv" {
                    let now = try #require(after[path], "\(path) vanished")
                    #expect(now.starts(with: bytes), "\(path) lost earlier rows after kill at \(fraction)")
                    #expect(now.last == 0x0A, "no partial line in \(path)")
                } else {
                    #expect(after[path] != nil, "\(path) vanished after kill at \(fraction)")
                }
            }
            for job in ["alpha", "beta"] {
                let latest = p.reports.appendingPathComponent("\(job)/latest/report.md")
                #expect(FileManager.default.fileExists(atPath: latest.path), "latest of \(job) is complete after kill at \(fraction)")
                #expect(JobState.load(from: p.reports.appendingPathComponent(job)) != nil, "state.json of \(job) is readable")
                #expect(try p.history(job).count >= 1)
            }
        }
        let final = try p.forecast(bin, ["run", p.pipeline.path, "--force"])
        #expect(final.status == 0, "the next run succeeds: \(final.stderr)")
        for job in ["alpha", "beta"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: p.reports.appendingPathComponent(job).path)
            #expect(!names.contains { $0.hasPrefix(".incomplete-") || $0.hasPrefix(".deleting-") }, "leftovers cleaned: \(names)")
            #expect(try p.history(job).last?.status == .ok)
        }
        let log = try String(contentsOf: p.reports.appendingPathComponent("forecast.log"), encoding: .utf8)
        #expect(log.contains("warm start from"), "refit warm resumed from a checkpoint")
    }

    @Test func scheduleEditsATestCrontabFile() throws {
        guard let bin = ForecastBinary.require() else { return }
        let p = try TinyProject()
        let tab = try p.dir.write("crontab.txt", "MAILTO=\"\"\n15 4 * * * /usr/bin/true\n")
        let env = ["FORECAST_CRONTAB_FILE": tab.path]
        let printed = try p.forecast(bin, ["schedule", p.pipeline.path], extraEnv: env)
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("'\(bin.resolvingSymlinksInPath().path)' run '\(p.pipeline.path)' --job alpha --quiet"))
        #expect(try p.dir.read("crontab.txt") == "MAILTO=\"\"\n15 4 * * * /usr/bin/true\n")
        #expect(try p.forecast(bin, ["schedule", p.pipeline.path, "--install"], extraEnv: env).status == 0)
        let once = try p.dir.read("crontab.txt")
        #expect(try p.forecast(bin, ["schedule", p.pipeline.path, "--install"], extraEnv: env).status == 0)
        #expect(try p.dir.read("crontab.txt") == once, "idempotent")
        #expect(once.components(separatedBy: "--job alpha").count == 2)
        let listed = try p.forecast(bin, ["schedule", p.pipeline.path, "--list"], extraEnv: env)
        #expect(listed.stdout.contains("\(p.pipeline.path): 2 entries"))
        #expect(try p.forecast(bin, ["schedule", p.pipeline.path, "--remove"], extraEnv: env).status == 0)
        #expect(try p.dir.read("crontab.txt") == "MAILTO=\"\"\n15 4 * * * /usr/bin/true\n", "other entries untouched")
    }
}
