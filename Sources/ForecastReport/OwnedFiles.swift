import ForecastCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A path `forecast` writes (a lock, a log, a history, a job's folder) is a symbolic link. Such a
/// link may have been planted to make a nightly run, often root's, write or truncate another
/// file; `forecast` never writes through one (exit 45).
public struct SymlinkRefusedError: ForecastError, Equatable {
    public var path: String
    /// What the path is for us, e.g. "the pipeline's log file".
    public var role: String

    public init(path: String, role: String) {
        self.path = path
        self.role = role
    }

    public var exitStatus: ExitStatus { .symlinkRefused }
    public var location: ErrorLocation? { ErrorLocation(file: path) }
    public var message: String { "\(role) is a symbolic link; forecast does not write through links in the folders it owns" }
    public var hint: String? { "remove the link (check who made it), or point the pipeline at a folder without it; see SECURITY.md" }
}

/// Reading and checking the files and folders `forecast` owns without following symbolic links.
public enum OwnedFiles {
    /// Whether `url` itself (not what it may point to) is a symbolic link.
    public static func isSymlink(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// Throws ``SymlinkRefusedError`` when `url` is a symbolic link; a missing path is fine.
    public static func refuseSymlink(_ url: URL, role: String) throws(SymlinkRefusedError) {
        if isSymlink(url) { throw SymlinkRefusedError(path: url.path, role: role) }
    }

    /// The bytes of the regular file at `url`, opened with `O_NOFOLLOW`; nil when it does not
    /// exist. Throws ``SymlinkRefusedError`` for a link and ``OwnedFileReadError`` when it is
    /// something else than a regular file or cannot be read. O(file size).
    public static func read(_ url: URL, role: String) throws -> Data? {
        let fd = open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            switch errno {
            case ENOENT: return nil
            case ELOOP: throw SymlinkRefusedError(path: url.path, role: role)
            default: throw OwnedFileReadError(path: url.path, reason: String(cString: strerror(errno)))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw OwnedFileReadError(path: url.path, reason: "not a regular file")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OwnedFileReadError(path: url.path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }
}

/// A file `forecast` owns exists but cannot be read (exit 73: its folder is not usable).
public struct OwnedFileReadError: ForecastError {
    public var path: String
    public var reason: String
    public var exitStatus: ExitStatus { .cannotWrite }
    public var location: ErrorLocation? { ErrorLocation(file: path) }
    public var message: String { "cannot read the file: \(reason)" }
    public var hint: String? { "check the file's permissions; forecast rewrites it on every run" }
}
