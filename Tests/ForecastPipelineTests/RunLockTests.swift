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
}
