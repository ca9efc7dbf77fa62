import ForecastCore
import ForecastReport
import Foundation
import Synchronization
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that appends one line per message to a file:
///
///     2024-05-01T06:30:00.123Z info job=prices run started: input changed
///
/// Timestamps are UTC with milliseconds; control characters in messages are replaced by spaces,
/// so the file never contains terminal escapes. Each line is one `write(2)` on an `O_APPEND`
/// descriptor. When the file would grow beyond `maxBytes` it is renamed to `<name>.1`
/// (replacing the previous one) and a new file is started: the log never exceeds about twice
/// `maxBytes` on disk.
public struct FileLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let sink: LogFileSink

    /// Opens (creating folders as needed) `url` for appending. Throws when it cannot be created.
    public init(url: URL, maxBytes: Int = 5 * 1024 * 1024, level: Logger.Level = .info) throws {
        self.sink = try LogFileSink(url: url, maxBytes: maxBytes)
        self.logLevel = level
    }

    /// Shares one open file between loggers.
    init(sink: LogFileSink, level: Logger.Level) {
        self.sink = sink
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let p = metadataProvider { all.merge(p.get(), uniquingKeysWith: { _, new in new }) }
        if let m = event.metadata { all.merge(m, uniquingKeysWith: { _, new in new }) }
        let meta = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "\(LogFileSink.timestamp(Date())) \(event.level) \(meta.isEmpty ? "" : meta + " ")\(event.message)"
        sink.append(ConsoleText.clean(line) + "\n")
    }
}

/// The open log file behind `FileLogHandler`; rotation happens here.
final class LogFileSink: Sendable {
    let url: URL
    let maxBytes: Int
    /// The open descriptor; every write and rotation holds the mutex, so lines never interleave.
    private let fd: Mutex<Int32>

    init(url: URL, maxBytes: Int) throws {
        self.url = url
        self.maxBytes = max(1024, maxBytes)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // O_NOFOLLOW: a link planted at the log's path must not get our lines appended to its target.
        let opened = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            if errno == ELOOP { throw SymlinkRefusedError(path: url.path, role: "the pipeline's log file") }
            throw LogFileError(path: url.path, reason: String(cString: strerror(errno)))
        }
        fd = Mutex(opened)
    }

    deinit { fd.withLock { if $0 >= 0 { close($0) } } }

    func append(_ line: String) {
        fd.withLock { fd in
            var st = stat()
            let bytes = Array(line.utf8)
            if fstat(fd, &st) == 0, Int(st.st_size) + bytes.count > maxBytes, st.st_size > 0 {
                rotate(&fd)
            }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }

    private func rotate(_ fd: inout Int32) {
        let old = url.path + ".1"
        rename(url.path, old)
        let newFD = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if newFD >= 0 {
            close(fd)
            fd = newFD
        }
    }

    static func timestamp(_ d: Date) -> String {
        let t = d.timeIntervalSince1970
        var secs = time_t(t.rounded(.down))
        let ms = Int((t - t.rounded(.down)) * 1000)
        var tmv = tm()
        gmtime_r(&secs, &tmv)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tmv.tm_year) + 1900, Int(tmv.tm_mon) + 1,
                      Int(tmv.tm_mday), Int(tmv.tm_hour), Int(tmv.tm_min), Int(tmv.tm_sec), ms)
    }
}

/// The log file cannot be opened (exit 73).
public struct LogFileError: ForecastError {
    public let path: String
    public let reason: String
    public var message: String { "cannot open the log file: \(reason)" }
    public var hint: String? { "check that its folder is writable, or set log_file in the pipeline" }
    public var location: ErrorLocation? { ErrorLocation(file: path) }
    public var exitStatus: ExitStatus { .cannotWrite }
}

/// Text for stdout/stderr and logs that cron mails or files keep: no control characters.
public enum ConsoleText {
    /// `s` with every control character (ESC, CR, BEL…, also newlines) replaced by a space.
    public static func clean(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// Whether `fd` is a terminal with a usable TERM: only then may callers draw progress bars
    /// or colours. Under cron stdout is a file or pipe and TERM is unset.
    public static func isInteractive(fd: Int32 = 1, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isatty(fd) == 1, let term = environment["TERM"], !term.isEmpty, term != "dumb" else { return false }
        return true
    }
}

/// Where the runner prints its one line per job (stdout) and errors (stderr).
public protocol PipelineConsole: AnyObject {
    func line(_ text: String)
    func error(_ text: String)
}

/// stdout/stderr, cleaned of control characters; `quiet` keeps only errors.
public final class StandardConsole: PipelineConsole {
    public let quiet: Bool
    /// Set when a line could not be written to stdout (a full disk, a closed pipe): the command
    /// then exits 73 rather than 0.
    public private(set) var outputFailed = false
    public init(quiet: Bool) { self.quiet = quiet }

    public func line(_ text: String) {
        guard !quiet else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { ConsoleText.clean(String($0)) }
        if !writeAll(Data((lines.joined(separator: "\n") + "\n").utf8), to: STDOUT_FILENO) { outputFailed = true }
    }

    public func error(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { ConsoleText.clean(String($0)) }
        _ = writeAll(Data((lines.joined(separator: "\n") + "\n").utf8), to: STDERR_FILENO)
    }
}

/// Collects what would be printed (tests, or embedding).
public final class RecordingConsole: PipelineConsole {
    public private(set) var lines: [String] = []
    public private(set) var errors: [String] = []
    public init() {}
    public func line(_ text: String) { lines.append(ConsoleText.clean(text)) }
    public func error(_ text: String) { errors.append(text) }
}
