#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the whole input into memory, once, so that everything after it — parsing, error
/// messages, the SHA-256 a report records — sees exactly the same bytes.
///
/// - A regular file is read with read(2), not mapped: a file that another program truncates
///   while we read it cannot kill the process with SIGBUS. Its size and modification time are
///   checked before and after; a change is ``IngestError/Kind/inputChanged`` (exit 20).
/// - `-` is standard input; pipes and FIFOs are streamed (a FIFO with no writer reads as empty
///   instead of blocking forever).
/// - Devices (`/dev/zero`, terminals) and sockets are refused (exit 10).
/// - More than ``maxBytes`` is ``IngestError/Kind/inputTooLarge`` (exit 21), whatever the source.
///
/// O(file size) time and memory.
public enum InputFile {
    /// The input limit: `FORECAST_MAX_INPUT_BYTES` when set to a positive number, else 2 GiB.
    public static var maxBytes: Int {
        if let text = getenv("FORECAST_MAX_INPUT_BYTES").map({ String(cString: $0) }), let n = Int(text), n > 0 { return n }
        return 2 << 30
    }

    /// The bytes of `path` (or of standard input for `-`).
    public static func read(_ path: String) throws -> [UInt8] {
        func fail(_ what: String, _ hint: String, kind: IngestError.Kind = .unreadablePath) -> IngestError {
            IngestError(kind, file: path, message: what, hint: hint)
        }
        let fd: Int32
        if path == "-" {
            fd = STDIN_FILENO
        } else {
            var st = stat()
            if stat(path, &st) != 0 {
                let code = errno
                switch code {
                case ENOENT, ENOTDIR: throw fail("no such file", "check the path; it is relative to the current directory")
                case EACCES: throw fail("permission denied", "make the file readable (chmod +r) or run as a user who can read it")
                default: throw fail("cannot access the file: \(String(cString: strerror(code)))", "check the path and its permissions")
                }
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: throw fail("is a directory, not a CSV file", "give the path of a .csv file inside it")
            case S_IFREG, S_IFIFO: break
            default: throw fail("is a device or socket, not a file", "give a CSV file, or `-` to read standard input")
            }
            // O_NONBLOCK so that opening a FIFO without a writer does not block; reads block again below.
            fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            if fd < 0 {
                let code = errno
                if code == EACCES { throw fail("permission denied", "make the file readable (chmod +r) or run as a user who can read it") }
                throw fail("cannot open the file: \(String(cString: strerror(code)))", "check the path and its permissions")
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        }
        defer { if fd != STDIN_FILENO { close(fd) } }

        var before = stat()
        guard fstat(fd, &before) == 0 else { throw fail("cannot read the file: \(String(cString: strerror(errno)))", "check the disk and the file") }
        let regular = (before.st_mode & S_IFMT) == S_IFREG
        if !regular && (before.st_mode & S_IFMT) != S_IFIFO {
            throw fail("is a device or socket, not a file", "give a CSV file, or `-` to read standard input")
        }
        let limit = maxBytes
        if regular && Int(before.st_size) > limit {
            throw fail("the file has \(before.st_size) bytes, more than the limit of \(limit)",
                       "split the file, or raise the limit with FORECAST_MAX_INPUT_BYTES", kind: .inputTooLarge)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(regular ? Int(before.st_size) : 1 << 16)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw fail("read error: \(String(cString: strerror(code)))", "check the disk and the file")
            }
            if n == 0 { break }
            if bytes.count + n > limit {
                throw fail("the input has more than the limit of \(limit) bytes",
                           "split the input, or raise the limit with FORECAST_MAX_INPUT_BYTES", kind: .inputTooLarge)
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        if regular {
            var after = stat()
            let same = fstat(fd, &after) == 0 && after.st_size == before.st_size && bytes.count == Int(before.st_size)
                && after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec
            if !same {
                throw fail("the file changed while it was read (\(before.st_size) bytes when opened, \(bytes.count) read)",
                           "run again once the program writing it has finished (write to a temporary name and rename it into place)",
                           kind: .inputChanged)
            }
        }
        return bytes
    }

    private static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }
}
