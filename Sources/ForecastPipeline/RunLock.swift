import CCrashGuard
import ForecastCore
import ForecastReport
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock(2)` on a lock file, held for the lifetime of a pipeline run.
///
/// The kernel releases a flock when the last descriptor of the open file goes away, which
/// includes the process being killed with SIGKILL. The file itself may stay on disk; only the
/// lock matters. The holder writes its pid, start time and the kernel's start tick of its
/// process into the file so that a refused run can say who holds it.
///
/// Two ways a lock could still outlive its run are closed:
/// - A crash: fatal-signal handlers (`CCrashGuard`) release the lock and end the process at
///   once; they replace the runtime's backtracer, which lets a process hit by `kill -SEGV` run
///   on holding the lock.
/// - A lock held by a process that is not the recorded holder (the holder is gone, or its pid
///   now belongs to another process, e.g. a program that inherited or opened the file): the
///   lock is *stale* for us, and `acquire` fails at once saying so instead of waiting out
///   `--wait`, since no run of ours will ever release it.
///
/// flock locks belong to the open file description: a second `open` of the same file in the
/// same process conflicts like another process would. The descriptor is opened `O_CLOEXEC` so
/// that child processes (e.g. `crontab`) never inherit, and prolong, the lock.
public final class RunLock: Sendable {
    public let url: URL
    /// The locked descriptor, −1 once released; behind a mutex so any thread may release.
    private let fd: Mutex<Int32>

    private init(url: URL, fd: Int32) {
        self.url = url
        self.fd = Mutex(fd)
    }

    /// Takes the lock at `url`, creating the file and its folder if needed.
    ///
    /// - Parameters:
    ///   - wait: seconds to keep retrying while another run holds the lock; 0 fails at once.
    ///   - pollInterval: seconds between retries.
    /// - Throws: `LockHeldError` (exit 41) when the lock is still held after `wait`;
    ///   `LockFileError` (exit 73) when the lock file cannot be created; `SymlinkRefusedError`
    ///   (exit 45) when its path is a symbolic link.
    public static func acquire(at url: URL, wait: Double = 0, pollInterval: Double = 0.2,
                               now: () -> Date = Date.init) throws -> RunLock {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw LockFileError(path: url.path, reason: error.localizedDescription)
        }
        // O_NOFOLLOW: a link planted at the lock's path must not get its target truncated.
        let fd = open(url.path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == ELOOP { throw SymlinkRefusedError(path: url.path, role: "the pipeline's lock file") }
            throw LockFileError(path: url.path, reason: String(cString: strerror(errno)))
        }
        let deadline = now().addingTimeInterval(max(0, wait))
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                let lock = RunLock(url: url, fd: fd)
                lock.recordHolder(startedAt: now())
                forecast_crash_guard_install()
                forecast_crash_guard_set_fd(fd)
                return lock
            }
            let err = errno
            guard err == EWOULDBLOCK || err == EINTR else {
                close(fd)
                throw LockFileError(path: url.path, reason: String(cString: strerror(err)))
            }
            let holder = Self.readHolder(fd: fd)
            let stale = holder.flatMap(HolderRecord.init)?.isGone ?? false
            if stale || now() >= deadline {
                close(fd)
                throw LockHeldError(path: url.path, holder: holder, waited: max(0, wait), stale: stale)
            }
            usleep(UInt32(max(0.001, pollInterval) * 1_000_000))
        }
    }

    /// Releases the lock (also done on deinit and by the kernel at exit).
    public func release() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            forecast_crash_guard_set_fd(-1)
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    public var isHeld: Bool { fd.withLock { $0 >= 0 } }

    deinit { release() }

    /// "pid 1234 since 2024-05-01T06:30:00Z tick 5301234", written in place (the file is never
    /// renamed: a new inode would split the lock).
    private func recordHolder(startedAt: Date) {
        let tick = HolderRecord.startTick(of: getpid()).map { " tick \($0)" } ?? ""
        let text = "pid \(getpid()) since \(ISO8601DateFormatter().string(from: startedAt))\(tick)\n"
        fd.withLock { fd in
            ftruncate(fd, 0)
            _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        }
    }

    private static func readHolder(fd: Int32) -> String? {
        var buf = [UInt8](repeating: 0, count: 200)
        let n = pread(fd, &buf, buf.count, 0)
        guard n > 0 else { return nil }
        let s = String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }
}

/// What a lock holder wrote into the lock file, and whether that process still exists.
struct HolderRecord {
    let pid: Int32
    /// The kernel's start time of the process, in clock ticks since boot (/proc/PID/stat field
    /// 22); nil in files written before it was recorded.
    let tick: UInt64?

    /// Parses "pid 1234 since 2024-05-01T06:30:00Z tick 5301234".
    init?(_ text: String) {
        let words = text.split(separator: " ")
        guard words.count >= 2, words[0] == "pid", let pid = Int32(words[1]), pid > 0 else { return nil }
        self.pid = pid
        if let k = words.firstIndex(of: "tick"), k + 1 < words.count { tick = UInt64(words[k + 1]) } else { tick = nil }
    }

    /// The holder no longer runs: its pid is free, or now names a process started at another tick.
    var isGone: Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard let tick, let now = Self.startTick(of: pid) else { return false }
        return now != tick
    }

    /// Field 22 of /proc/PID/stat (after the parenthesised command name, which may hold spaces).
    static func startTick(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil  // fields[0] is field 3
    }
}

/// Another run holds the pipeline lock (exit 41).
public struct LockHeldError: ForecastError {
    public let path: String
    /// What the holder wrote, e.g. "pid 1234 since 2024-05-01T06:30:00Z tick 5301234".
    public let holder: String?
    public let waited: Double
    /// The recorded holder no longer runs, yet the lock is held: no run of ours will release it.
    public var stale: Bool = false

    public var message: String {
        if stale {
            return "the lock is held, but its recorded holder (\(holder ?? "unknown")) is no longer running:"
                + " another process holds the lock file open, so waiting would not help"
        }
        let who = holder.map { " (\($0))" } ?? ""
        let waitedText = waited > 0 ? " after waiting \(Int(waited)) s" : ""
        return "another forecast run is in progress\(who): the lock is held\(waitedText)"
    }
    public var hint: String? {
        stale ? "find the process with `fuser -v \(path)` (or `lsof \(path)`) and end it; then run again"
              : "wait for it to finish, or pass --wait SECONDS to queue behind it; a killed or crashed run releases the lock by itself"
    }
    public var location: ErrorLocation? { ErrorLocation(file: path) }
    public var exitStatus: ExitStatus { .pipelineLocked }
}

/// The lock file cannot be created or locked (exit 73).
public struct LockFileError: ForecastError {
    public let path: String
    public let reason: String
    public var message: String { "cannot create the lock file: \(reason)" }
    public var hint: String? { "check that the report folder is writable" }
    public var location: ErrorLocation? { ErrorLocation(file: path) }
    public var exitStatus: ExitStatus { .cannotWrite }
}
