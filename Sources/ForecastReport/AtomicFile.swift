import ForecastCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in the
/// same folder, are flushed to disk, and the temporary file is renamed over the destination
/// (rename(2) is atomic within one file system). A crash at any moment leaves either the old
/// file or the new one, never a mix. A destination that is a symbolic link is refused
/// (``SymlinkRefusedError``): the rename would replace only the link, but a link where we write
/// means someone planted it, and the run should say so rather than carry on.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating parent folders as needed.
    public static func write(_ data: Data, to url: URL) throws {
        try OwnedFiles.refuseSymlink(url, role: "the file \(url.lastPathComponent)")
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do { try writeNewFile(data, at: tmp, reportingPath: url.path) } catch {
            unlink(tmp.path)
            throw error
        }
        guard rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp.path)
            throw AtomicWriteError(path: url.path, reason: reason)
        }
    }

    /// Creates the file `url` (it must not exist), writes all of `data` and flushes it to disk.
    /// Errors name `reportingPath`, the file the caller is really writing. O(data.count).
    static func writeNewFile(_ data: Data, at url: URL, reportingPath: String) throws {
        try writeNewFile(at: url, reportingPath: reportingPath) { emit in try emit(data) }
    }

    /// Creates the file `url` (it must not exist), writes every piece `produce` emits, in
    /// order, and flushes the file to disk; only one piece is held at a time. Errors name
    /// `reportingPath`. O(bytes written).
    static func writeNewFile(at url: URL, reportingPath: String,
                             _ produce: (_ emit: (Data) throws -> Void) throws -> Void) throws {
        func failure() -> AtomicWriteError { AtomicWriteError(path: reportingPath, reason: String(cString: strerror(errno))) }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure() }
        defer { close(fd) }
        try produce { piece in guard writeAll(piece, to: fd) else { throw failure() } }
        guard fsync(fd) == 0 else { throw failure() }
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Points the symbolic link `link` at `target` (a path relative to the link's folder, or
    /// absolute), replacing any previous link atomically: readers see the old or the new target.
    public static func symlink(_ link: URL, to target: String) throws {
        let tmp = link.deletingLastPathComponent().appendingPathComponent(".\(link.lastPathComponent).tmp-\(getpid())")
        unlink(tmp.path)
        guard Glibc.symlink(target, tmp.path) == 0 else {
            throw AtomicWriteError(path: link.path, reason: String(cString: strerror(errno)))
        }
        guard rename(tmp.path, link.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp.path)
            throw AtomicWriteError(path: link.path, reason: reason)
        }
    }
}

/// A file could not be written; `path` is the destination the caller asked for.
public struct AtomicWriteError: ForecastError {
    public let path: String
    public let reason: String
    public var message: String { "cannot write the file: \(reason)" }
    public var hint: String? { "check that the folder exists and is writable, and that the disk is not full" }
    public var location: ErrorLocation? { ErrorLocation(file: path) }
    public var exitStatus: ExitStatus { .cannotWrite }
}

/// Writes all of `data` to the descriptor `fd`, retrying short and interrupted writes; false
/// (with `errno` set) when a write failed. The one write loop of the files and the standard
/// output `forecast` writes. O(data.count).
public func writeAll(_ data: Data, to fd: Int32) -> Bool {
    data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
