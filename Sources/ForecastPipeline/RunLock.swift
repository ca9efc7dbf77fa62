import ForecastCore
import ForecastReport
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock(2)` on a lock file, held for the lifetime of a pipeline run.
///
/// A stale lock cannot exist: the kernel releases a flock when the last descriptor of the open
/// file goes away, which includes the process being killed with SIGKILL. The file itself may
/// stay on disk; only the lock matters. The holder writes its pid and start time into the file
/// so that a refused run can say who holds it.
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
                return lock
            }
            let err = errno
            guard err == EWOULDBLOCK || err == EINTR else {
                close(fd)
                throw LockFileError(path: url.path, reason: String(cString: strerror(err)))
            }
            if now() >= deadline {
                let holder = Self.readHolder(fd: fd)
                close(fd)
                throw LockHeldError(path: url.path, holder: holder, waited: max(0, wait))
            }
            usleep(UInt32(max(0.001, pollInterval) * 1_000_000))
        }
    }

    /// Releases the lock (also done on deinit and by the kernel at exit).
    public func release() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    public var isHeld: Bool { fd.withLock { $0 >= 0 } }

    deinit { release() }

    /// "pid 1234 since 2024-05-01T06:30:00Z", written in place (the file is never renamed:
    /// a new inode would split the lock).
    private func recordHolder(startedAt: Date) {
        let text = "pid \(getpid()) since \(ISO8601DateFormatter().string(from: startedAt))\n"
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

/// Another run holds the pipeline lock (exit 41).
public struct LockHeldError: ForecastError {
    public let path: String
    /// What the holder wrote, e.g. "pid 1234 since 2024-05-01T06:30:00Z".
    public let holder: String?
    public let waited: Double

    public var message: String {
        let who = holder.map { " (\($0))" } ?? ""
        let waitedText = waited > 0 ? " after waiting \(Int(waited)) s" : ""
        return "another forecast run is in progress\(who): the lock is held\(waitedText)"
    }
    public var hint: String? { "wait for it to finish, or pass --wait SECONDS to queue behind it; a killed run releases the lock by itself" }
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
