import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in the
/// same folder, are flushed to disk, and the temporary file is renamed over the destination
/// (rename(2) is atomic within one file system). A crash at any moment leaves either the old
/// file or the new one, never a mix.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating parent folders as needed.
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicWriteError(path: url.path, reason: String(cString: strerror(errno))) }
        var ok = false
        defer { if !ok { unlink(tmp.path) } }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress!.advanced(by: offset), raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    close(fd)
                    throw AtomicWriteError(path: url.path, reason: reason)
                }
                offset += n
            }
        }
        fsync(fd)
        close(fd)
        guard rename(tmp.path, url.path) == 0 else {
            throw AtomicWriteError(path: url.path, reason: String(cString: strerror(errno)))
        }
        ok = true
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
public struct AtomicWriteError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason). Check that the folder exists and is writable, and that the disk is not full." }
    /// Exit code of the `forecast` command for this error (EX_CANTCREAT).
    public var exitCode: Int32 { 73 }
}
