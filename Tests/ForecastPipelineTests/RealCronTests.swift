import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastPipeline

/// The real thing: Debian's cron daemon runs `forecast` from a crontab that
/// `forecast schedule --install` wrote, in cron's own environment.
///
/// Needs root (to install and start cron, and to own a dedicated test user's crontab). The
/// crontab edited is that of the user `forecast-e2e`, never the invoking user's. Anything that
/// makes the test impossible is recorded as a failure that says so, never a silent pass.
@Suite(.serialized) struct RealCronTests {
    static let user = "forecast-e2e"

    @Test(.timeLimit(.minutes(5)))
    func everyMinuteEntryProducesAReport() throws {
        guard let built = ForecastBinary.require() else { return }
        guard getuid() == 0 else {
            Issue.record("REAL-CRON TEST NOT RUN: needs root to install/start cron and use a dedicated user's crontab (running as uid \(getuid()))")
            return
        }
        guard let daemon = try CronDaemon.ensureRunning() else { return }
        defer { daemon.stop() }
        guard let createdUser = try ensureUser(Self.user) else { return }
        // Leave the machine as found: a user this test created goes again (after the crontab
        // cleanup below, which runs first).
        defer { if createdUser { _ = try? runProcess("/usr/sbin/userdel", ["--force", "--remove", Self.user]) } }

        let p = try TinyProject(schedule: "* * * * *", jobs: ["minutely"])
        // The job runs as the test user: it must be able to write the project folder and run the
        // binary, which may sit in a checkout it cannot enter, so it gets a copy (the Swift
        // runtime is found through the binary's RUNPATH, not its location).
        try FileManager.default.createDirectory(at: p.dir.file("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: built, to: p.dir.file("bin/forecast"))
        let bin = p.dir.file("bin/forecast")
        try runProcess("/bin/chown", ["-R", Self.user, p.dir.url.path])
        try runProcess("/bin/chmod", ["755", p.dir.url.path])
        let env = ["FORECAST_CRONTAB_USER": Self.user]
        let crontab = CrontabCommand(user: Self.user)
        defer {
            _ = try? p.forecast(bin, ["schedule", p.pipeline.path, "--remove"], extraEnv: env)
            if (try? crontab.read())?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true {
                _ = try? runProcess(crontab.executable, ["-u", Self.user, "-r"])
            }
        }
        let install = try p.forecast(bin, ["schedule", p.pipeline.path, "--install"], extraEnv: env)
        try #require(install.status == 0, "schedule --install failed: \(install.stderr)")
        let installed = try crontab.read()
        #expect(installed.contains("# BEGIN forecast pipeline \(p.pipeline.path)"))
        #expect(installed.contains("* * * * * mkdir -p"))
        #expect(installed.contains("'\(bin.path)' run '\(p.pipeline.path)' --job minutely --quiet"))

        // cron rereads crontabs at the top of each minute and then starts due jobs: allow 150 s.
        let report = p.reports.appendingPathComponent("minutely/latest/report.md")
        let deadline = Date().addingTimeInterval(150)
        while Date() < deadline && !FileManager.default.fileExists(atPath: report.path) {
            Thread.sleep(forTimeInterval: 2)
        }
        let log = (try? String(contentsOf: p.reports.appendingPathComponent("forecast.log"), encoding: .utf8)) ?? ""
        let cronLog = (try? String(contentsOf: p.reports.appendingPathComponent("cron.log"), encoding: .utf8)) ?? "(no cron.log)"
        try #require(FileManager.default.fileExists(atPath: report.path),
                     "cron did not produce \(report.path) within 150 s. forecast.log:\n\(log)\ncron.log:\n\(cronLog)")
        // Written by the cron job, i.e. as the test user, not by this process.
        let owner = try FileManager.default.attributesOfItem(atPath: report.path)[.ownerAccountName] as? String
        #expect(owner == Self.user)
        let rows = try p.history("minutely")
        #expect(rows.first?.status == .ok)
        #expect(log.contains("job=minutely"))
        #expect(log.contains("job finished"))
        #expect(!log.utf8.contains(0x1B), "no terminal escapes in the log")
        #expect(try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8).contains("| minutely |"))

        let removed = try p.forecast(bin, ["schedule", p.pipeline.path, "--remove"], extraEnv: env)
        #expect(removed.status == 0)
        #expect(!(try crontab.read()).contains("forecast pipeline \(p.pipeline.path)"))
    }

    /// Creates the dedicated user (with a home: cron changes to it before running a job).
    /// Whether the user had to be created (true) or existed (false); nil, with a recorded
    /// issue, when it can be neither found nor created.
    func ensureUser(_ name: String) throws -> Bool? {
        if try runProcess("/usr/bin/id", ["-u", name]).status == 0 { return false }
        let r = try runProcess("/usr/sbin/useradd", ["--create-home", "--home-dir", "/var/lib/\(name)", "--shell", "/bin/sh", name])
        if r.status != 0 {
            Issue.record("REAL-CRON TEST NOT RUN: cannot create the test user \(name): \(r.stderr)")
            return nil
        }
        return true
    }
}

/// Debian's cron daemon: installed with apt-get if missing, and, if none is running, started
/// here in the foreground (`cron -f`) as this process's child, which `stop()` ends by its pid.
final class CronDaemon {
    let pid: Int32
    private let child: Process?

    static let binary = "/usr/sbin/cron"
    static let pidFile = "/var/run/crond.pid"

    private init(pid: Int32, child: Process?) {
        self.pid = pid
        self.child = child
    }

    static func runningPID() -> Int32? {
        guard let s = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(s.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0 else { return nil }
        // The pid file may be stale and the pid reused: check it is a live cron.
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.contains("(cron) ") && !stat.contains(") Z ") ? pid : nil
    }

    static func ensureRunning() throws -> CronDaemon? {
        if !FileManager.default.isExecutableFile(atPath: binary) {
            let env = ["DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
            _ = try runProcess("/usr/bin/apt-get", ["update", "-qq"], environment: env)
            let r = try runProcess("/usr/bin/apt-get", ["install", "-y", "-qq", "--no-install-recommends", "cron"], environment: env)
            guard r.status == 0, FileManager.default.isExecutableFile(atPath: binary) else {
                Issue.record("REAL-CRON TEST NOT RUN: cannot install Debian's cron (apt-get exit \(r.status)): \(r.stderr)")
                return nil
            }
        }
        if let pid = runningPID() { return CronDaemon(pid: pid, child: nil) }
        // Foreground mode keeps cron our child: a daemonizing cron would inherit (and hold
        // open) whatever descriptors Foundation uses to watch its starter.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["-f"]
        p.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        for _ in 0..<50 {
            if !p.isRunning { break }
            if runningPID() == p.processIdentifier { return CronDaemon(pid: p.processIdentifier, child: p) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let running = p.isRunning
        if running { p.terminate() }
        Issue.record("REAL-CRON TEST NOT RUN: started \(binary) -f but it \(running ? "did not write \(pidFile)" : "exited with \(p.terminationStatus)"); this machine cannot run the cron daemon")
        return nil
    }

    /// Ends the daemon if this test started it; leaves a pre-existing one alone.
    func stop() {
        guard let child, child.isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<20 where child.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        if child.isRunning { kill(pid, SIGKILL) }
    }
}
