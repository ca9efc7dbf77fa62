import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastPipeline

@Suite struct RunLockTests {
    @Test func secondOpenFileDescriptionIsRefused() throws {
        let dir = try TempDir()
        let url = dir.file("reports/.forecast.lock")
        let first = try RunLock.acquire(at: url)
        #expect(first.isHeld)
        do {
            _ = try RunLock.acquire(at: url)
            Issue.record("second acquire should fail")
        } catch let e as LockHeldError {
            #expect(e.exitCode == 41)
            #expect(e.holder == "pid \(getpid()) since " + e.holder!.dropFirst("pid \(getpid()) since ".count))
            #expect(e.description.contains("another forecast run is in progress"))
            #expect(e.description.contains("--wait"))
        }
        first.release()
        let again = try RunLock.acquire(at: url)
        #expect(again.isHeld)
    }

    @Test func waitGivesUpAfterTheDeadlineAndSucceedsOnceReleased() throws {
        let dir = try TempDir()
        let url = dir.file(".lock")
        let holder = try RunLock.acquire(at: url)
        let t0 = Date()
        #expect(throws: LockHeldError.self) { try RunLock.acquire(at: url, wait: 0.3, pollInterval: 0.05) }
        let waited = Date().timeIntervalSince(t0)
        #expect(waited >= 0.3 && waited < 3, "waited \(waited) s")

        // Released by another thread while we wait: acquired.
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { holder.release() }
        let got = try RunLock.acquire(at: url, wait: 5, pollInterval: 0.05)
        #expect(got.isHeld)
    }

    @Test func deinitReleases() throws {
        let dir = try TempDir()
        let url = dir.file(".lock")
        do { _ = try RunLock.acquire(at: url) }
        #expect(throws: Never.self) { _ = try RunLock.acquire(at: url) }
    }

    @Test func crossProcessWithFlockCommand() throws {
        let flock = "/usr/bin/flock"
        try #require(FileManager.default.isExecutableFile(atPath: flock), "util-linux flock is needed for this test")
        let dir = try TempDir()
        let url = dir.file(".lock")
        // We hold it: another process cannot take it (flock -n exits 1).
        var lock: RunLock? = try RunLock.acquire(at: url)
        let refused = try runProcess(flock, ["-n", "-E", "75", url.path, "true"])
        #expect(refused.status == 75)
        lock?.release()
        lock = nil
        let allowed = try runProcess(flock, ["-n", "-E", "75", url.path, "true"])
        #expect(allowed.status == 0)

        // Another process holds it: we are refused; when that process is killed with SIGKILL,
        // the kernel releases the lock and we get it: no stale lock. The shell opens the file
        // on fd 9, locks it with flock(1), then execs sleep, so exactly one process (the
        // child's pid) holds the lock.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "exec 9>>\"$0\"; \(flock) 9 || exit 3; exec sleep 30", url.path]
        try child.run()
        var refusedUs = false
        for _ in 0..<250 {
            do { _ = try RunLock.acquire(at: url); usleep(20_000) } catch is LockHeldError { refusedUs = true; break }
        }
        #expect(refusedUs, "the child's lock is seen")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let after = try RunLock.acquire(at: url, wait: 5, pollInterval: 0.05)
        #expect(after.isHeld)
    }

    @Test func lockFileInUnwritablePlaceIsAClearError() {
        #expect(throws: LockFileError.self) { try RunLock.acquire(at: URL(fileURLWithPath: "/proc/forecast-test/.lock")) }
    }

    /// Holds an flock on `url` through a raw descriptor, with `record` as the file's text, as a
    /// process other than the recorded holder would. Returns the descriptor to close.
    func holdLock(_ url: URL, record: String) throws -> Int32 {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try record.write(to: url, atomically: false, encoding: .utf8)
        let fd = open(url.path, O_RDWR)
        try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        return fd
    }

    @Test("a lock whose recorded holder is gone fails at once as stale instead of waiting out --wait",
          arguments: ["pid 999999999 since 2026-01-01T00:00:00Z tick 1", "pid SELF since 2026-01-01T00:00:00Z tick 1"])
    func staleHolderIsReportedWithoutWaiting(record: String) throws {
        let dir = try TempDir()
        let url = dir.file("reports/.forecast.lock")
        // The second record names this very process but another start tick: a reused pid.
        let text = record.replacingOccurrences(of: "SELF", with: "\(getpid())")
        let fd = try holdLock(url, record: text)
        defer { close(fd) }
        var clockReads = 0
        let start = Date()
        do {
            _ = try RunLock.acquire(at: url, wait: 3_600, pollInterval: 0.01, now: {
                clockReads += 1
                return start.addingTimeInterval(Double(clockReads))  // one second per look
            })
            Issue.record("acquired a held lock")
        } catch let e as LockHeldError {
            #expect(e.stale)
            #expect(e.exitCode == 41)
            #expect(e.message.contains("its recorded holder (\(text)) is no longer running"), "\(e.message)")
            #expect(e.hint?.contains("fuser -v \(url.path)") == true)
            #expect(clockReads <= 2, "gave up after \(clockReads) looks, not at the deadline")
        }
    }

    @Test("a live holder is waited for, and said to be in progress, not stale")
    func liveHolderIsNotStale() throws {
        let dir = try TempDir()
        let url = dir.file(".lock")
        let tick = try #require(HolderRecord.startTick(of: getpid()))
        let fd = try holdLock(url, record: "pid \(getpid()) since 2026-01-01T00:00:00Z tick \(tick)")
        defer { close(fd) }
        #expect(HolderRecord("pid \(getpid()) since x tick \(tick)")?.isGone == false)
        do {
            _ = try RunLock.acquire(at: url, wait: 0.2, pollInterval: 0.05)
            Issue.record("acquired a held lock")
        } catch let e as LockHeldError {
            #expect(!e.stale)
            #expect(e.message.contains("another forecast run is in progress"))
        }
    }
}
