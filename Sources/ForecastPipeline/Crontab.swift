import ForecastCore
import Foundation
import Synchronization
import ForecastReport

/// Editing a user's crontab: each pipeline owns one block between marker comments
///
///     # BEGIN forecast pipeline /abs/path/pipelines/nightly.yaml
///     ...
///     # END forecast pipeline /abs/path/pipelines/nightly.yaml
///
/// Installing replaces that block in place, or adds it (after a blank line that belongs to the
/// block) at the end: before a last line that has no newline, which cron ignores and which stays
/// as it is. Every byte outside the block is kept: the text is edited as bytes split at LF only,
/// so CRLF lines, text that is not UTF-8 and a missing final newline all survive, and removing
/// gives back exactly the bytes there were before installing. These are pure functions;
/// `CrontabStore` reads and writes the real crontab.
public enum CrontabEditor {
    public static func beginMarker(for pipeline: String) -> String { "# BEGIN forecast pipeline \(pipeline)" }
    public static func endMarker(for pipeline: String) -> String { "# END forecast pipeline \(pipeline)" }

    /// A pipeline's block as found in a crontab.
    public struct InstalledBlock: Equatable, Sendable {
        /// Absolute path of the pipeline file named in the markers.
        public let pipeline: String
        /// The lines between the markers.
        public let lines: [String]
        /// The lines that are cron entries (not comments or blank).
        public var entries: [String] { lines.filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    /// `crontab` with the block for `pipeline` set to `body` (lines without markers).
    public static func installing(_ body: [String], for pipeline: String, into crontab: String) throws -> String {
        String(decoding: try installing(body, for: pipeline, into: Array(crontab.utf8)), as: UTF8.self)
    }

    /// `crontab` with the block for `pipeline` set to `body`: replaced where it was, or added.
    /// Throws `CrontabValueError` when the pipeline or a line holds a character that would end or
    /// split a crontab line, so nothing we write can become a line of its own.
    public static func installing(_ body: [String], for pipeline: String, into crontab: [UInt8]) throws -> [UInt8] {
        try CrontabText.check(pipeline, as: .pipelinePath)
        for line in body { try CrontabText.check(line, as: .line) }
        let block = Array(([beginMarker(for: pipeline)] + body + [endMarker(for: pipeline)]).map { $0 + "\n" }.joined().utf8)
        let lines = CrontabText.lines(crontab)
        if let found = try blockLines(for: pipeline, in: crontab, lines) {
            var out = crontab
            out.replaceSubrange(lines[found.first].start..<lines[found.last].next, with: block)
            return out
        }
        // A last line without a newline stays last (and unterminated): cron ignores it, and
        // ending it would make it an entry.
        let at = crontab.last == 0x0A || crontab.isEmpty ? crontab.count : lines[lines.count - 1].start
        return Array(crontab[..<at]) + (at > 0 ? [0x0A] : []) + block + Array(crontab[at...])
    }

    /// `crontab` without the block for `pipeline`, and whether there was one.
    public static func removing(pipeline: String, from crontab: String) throws -> (text: String, removed: Bool) {
        let (bytes, removed) = try removing(pipeline: pipeline, from: Array(crontab.utf8))
        return (removed ? String(decoding: bytes, as: UTF8.self) : crontab, removed)
    }

    /// `crontab` without the block for `pipeline` and the blank line just before it (the one
    /// `installing` adds), and whether there was one. Also finds the block an older forecast
    /// wrote for a path with a line break, injected lines and all.
    public static func removing(pipeline: String, from crontab: [UInt8]) throws -> (bytes: [UInt8], removed: Bool) {
        let lines = CrontabText.lines(crontab)
        guard let found = try blockLines(for: pipeline, in: crontab, lines) else { return (crontab, false) }
        var lo = lines[found.first].start
        if found.first > 0 && lines[found.first - 1].isEmpty { lo = lines[found.first - 1].start }
        var out = crontab
        out.removeSubrange(lo..<lines[found.last].next)
        return (out, true)
    }

    /// Every forecast block in `crontab`, in order.
    public static func installedBlocks(in crontab: String) -> [InstalledBlock] {
        installedBlocks(in: Array(crontab.utf8))
    }

    /// Every forecast block in `crontab`, in order.
    public static func installedBlocks(in crontab: [UInt8]) -> [InstalledBlock] {
        let prefix = "# BEGIN forecast pipeline "
        let lines = CrontabText.lines(crontab).map { String(decoding: $0.text(in: crontab), as: UTF8.self) }
        var blocks: [InstalledBlock] = []
        var i = 0
        while i < lines.count {
            if lines[i].hasPrefix(prefix) {
                let path = String(lines[i].dropFirst(prefix.count))
                if let end = lines[(i + 1)...].firstIndex(of: endMarker(for: path)) {
                    blocks.append(InstalledBlock(pipeline: path, lines: Array(lines[(i + 1)..<end])))
                    i = end
                }
            }
            i += 1
        }
        return blocks
    }

    /// First and last line of the block including its markers; throws when the markers are
    /// unbalanced (someone edited the crontab by hand), so we never guess which lines to delete.
    static func blockLines(for pipeline: String, in crontab: [UInt8], _ lines: [CrontabText.Line]) throws -> (first: Int, last: Int)? {
        let begin = CrontabText.markerLines(beginMarker(for: pipeline))
        let end = CrontabText.markerLines(endMarker(for: pipeline))
        let begins = lines.indices.filter { CrontabText.matches(begin, crontab, lines, at: $0) }
        let ends = lines.indices.filter { CrontabText.matches(end, crontab, lines, at: $0) }
        if begins.isEmpty && ends.isEmpty { return nil }
        guard begins.count == 1, ends.count == 1, begins[0] + begin.count <= ends[0] else {
            let shown = CrontabText.displayed(pipeline)
            throw CrontabError(message: "the crontab's markers for \(shown) are unbalanced (\(begins.count) BEGIN, \(ends.count) END)",
                               hint: "edit the crontab with 'crontab -e' so that exactly one '\(beginMarker(for: shown))' precedes one '\(endMarker(for: shown))', or delete both")
        }
        return (begins[0], ends[0] + end.count - 1)
    }
}

/// What may go into a crontab line, and how it is written there.
///
/// cron splits its file at LF and ends a command at an unescaped `%`; `crontab -e` editors and
/// terminals also break or hide text at CR, NEL, U+2028 and U+2029, and at other control
/// characters. So a value holding any control character (Unicode general category Cc, which
/// includes tab, CR, LF and NEL) or a line or paragraph separator is refused, never written or
/// escaped. Everything else is written as one single-quoted `/bin/sh` word, with `%` escaped
/// for cron.
public enum CrontabText {
    /// Whether cron or a person reading the crontab could see `scalar` as a line break or a
    /// terminal control sequence.
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// The first forbidden character of `value`, if any.
    public static func forbiddenScalar(in value: String) -> Unicode.Scalar? {
        value.unicodeScalars.first(where: isForbidden)
    }

    /// `value` for display on one line: forbidden characters as `\n`, `\r`, `\t` or `\u{XXXX}`.
    public static func displayed(_ value: String) -> String {
        var out = ""
        for s in value.unicodeScalars {
            switch s {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += isForbidden(s) ? "\\u{\(String(s.value, radix: 16, uppercase: true))}" : String(s)
            }
        }
        return out
    }

    /// Throws `CrontabValueError` when `value` holds a forbidden character.
    public static func check(_ value: String, as what: CrontabValueError.Value, pipelineFile: String? = nil) throws {
        if let bad = forbiddenScalar(in: value) {
            throw CrontabValueError(value: what, text: value, character: bad, pipelineFile: pipelineFile)
        }
    }

    /// `value` as one `/bin/sh` word inside a cron command: single-quoted (`it's` → `'it'\''s'`),
    /// and each `%` preceded by a backslash, since cron makes an unescaped `%` the end of the
    /// command. Cron turns `\%` into `%` and leaves other backslashes alone, so a `%` after an
    /// odd run of backslashes is written outside the quotes (`'a\'\%'b'` for `a\%b`): cron cannot
    /// pass on a lone backslash right before a `%`.
    public static func cronShellWord(_ value: String) -> String {
        var out = "'"
        var backslashes = 0
        for ch in value.unicodeScalars {
            switch ch {
            case "'": out += "'\\''"
            case "%": out += backslashes % 2 == 0 ? "\\%" : "'\\%'"
            default: out.unicodeScalars.append(ch)
            }
            backslashes = ch == "\\" ? backslashes + 1 : 0
        }
        return out + "'"
    }

    /// One line of a crontab's bytes: `start..<end` without its LF, `next` where the next one
    /// starts (`end + 1`, or `end` for a last line without a newline).
    struct Line {
        let start: Int, end: Int, next: Int
        var isEmpty: Bool { start == end }
        func text(in bytes: [UInt8]) -> ArraySlice<UInt8> {
            // A marker or entry line saved by a CRLF editor still reads as itself.
            end > start && bytes[end - 1] == 0x0D ? bytes[start..<(end - 1)] : bytes[start..<end]
        }
    }

    static func lines(_ bytes: [UInt8]) -> [Line] {
        var out: [Line] = []
        var start = 0
        while start < bytes.count {
            if let lf = bytes[start...].firstIndex(of: 0x0A) {
                out.append(Line(start: start, end: lf, next: lf + 1))
                start = lf + 1
            } else {
                out.append(Line(start: start, end: bytes.count, next: bytes.count))
                start = bytes.count
            }
        }
        return out
    }

    /// A marker as the lines it occupies (several only for a path with LF, which an older
    /// forecast wrote unchecked).
    static func markerLines(_ marker: String) -> [[UInt8]] {
        Array(marker.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    static func matches(_ marker: [[UInt8]], _ bytes: [UInt8], _ lines: [Line], at i: Int) -> Bool {
        guard i + marker.count <= lines.count else { return false }
        return marker.indices.allSatisfy { j in
            let line = lines[i + j]
            return bytes[line.start..<line.end].elementsEqual(marker[j]) || line.text(in: bytes).elementsEqual(marker[j])
        }
    }
}

/// The crontab lines that run a pipeline's scheduled jobs.
///
/// One line per job with a `schedule`:
///
///     30 6 * * 1-5 mkdir -p '/r' && cd '/p' && LC_ALL=C '/bin/forecast' run '/p/nightly.yaml' --job prices --quiet --wait 1800 >> '/r/cron.log' 2>&1
///
/// Absolute paths everywhere and `cd` to the pipeline's folder, so cron's minimal environment
/// (no HOME, PATH=/usr/bin:/bin, C locale) does not matter. Overlap is handled by the binary's own
/// flock on `<report_root>/.forecast.lock`: `--wait` makes a job whose schedule collides with a
/// still-running one queue for up to `waitSeconds` instead of failing.
///
/// Every value is checked (`CrontabText`) and every path is one quoted shell word, so a path
/// can neither add a line nor change the command; a command cron would cut short is refused.
public enum CrontabLines {
    /// The longest command Debian's cron takes whole: Vixie cron reads a command into a
    /// 1000-byte buffer (`MAX_COMMAND`, with its terminating NUL) and cuts or refuses anything
    /// longer; one byte less keeps clear of the boundary.
    public static let maxCommandBytes = 998

    public static func entries(for pipeline: PipelineFile, binary: URL, waitSeconds: Int = 1800) throws -> [String] {
        let file = pipeline.url.path
        try CrontabText.check(file, as: .pipelinePath)
        try CrontabText.check(binary.path, as: .binary, pipelineFile: file)
        try CrontabText.check(pipeline.reportRoot.path, as: .reportRoot, pipelineFile: file)
        let cronLog = pipeline.reportRoot.appendingPathComponent("cron.log")
        var out = ["# Managed by 'forecast schedule --install'. Edit the pipeline file and install again instead of editing here."]
        for job in pipeline.jobs {
            try CrontabText.check(job.name, as: .jobName, pipelineFile: file)
            guard let schedule = job.schedule else {
                out.append("# job \(job.name): no schedule, run it by hand")
                continue
            }
            // The parsed fields hold only digits, names and `*,-/@`: written with single spaces.
            let when = schedule.source.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            try CrontabText.check(when, as: .schedule, pipelineFile: file)
            let command = "mkdir -p \(CrontabText.cronShellWord(pipeline.reportRoot.path))"
                + " && cd \(CrontabText.cronShellWord(pipeline.folder.path))"
                + " && LC_ALL=C \(CrontabText.cronShellWord(binary.path)) run \(CrontabText.cronShellWord(file))"
                + " --job \(shellWordIfNeeded(job.name)) --quiet --wait \(waitSeconds)"
                + " >> \(CrontabText.cronShellWord(cronLog.path)) 2>&1"
            let bytes = command.utf8.count
            guard bytes <= maxCommandBytes else {
                throw CrontabValueError(commandBytes: bytes, job: job.name, pipelineFile: file)
            }
            out.append("\(when) \(command)")
        }
        return out
    }

    /// POSIX shell single quoting: `it's` → `'it'\''s'`.
    public static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A job name as written (names are `[A-Za-z_][A-Za-z0-9_-]*`), quoted if it is anything else.
    static func shellWordIfNeeded(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" }
        return plain && !s.hasPrefix("-") ? s : CrontabText.cronShellWord(s)
    }
}

/// Where a crontab is read from and written to: as bytes, so that whatever the user's crontab
/// holds (CRLF, text that is not UTF-8) is written back unchanged.
public protocol CrontabStore: Sendable {
    /// The whole crontab; empty when the user has none.
    func readBytes() throws -> [UInt8]
    /// Replaces the whole crontab.
    func writeBytes(_ bytes: [UInt8]) throws
}

extension CrontabStore {
    /// The whole crontab as text (bytes that are not UTF-8 read as U+FFFD).
    public func read() throws -> String { String(decoding: try readBytes(), as: UTF8.self) }
    /// Replaces the whole crontab with `text`.
    public func write(_ text: String) throws { try writeBytes(Array(text.utf8)) }
}

/// A crontab kept in a plain file (tests; or `FORECAST_CRONTAB_FILE`). Written atomically.
public struct CrontabFile: CrontabStore {
    public let url: URL
    public init(url: URL) { self.url = url }

    public func readBytes() throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            throw CrontabError(message: "cannot read crontab file \(CrontabText.displayed(url.path)): \(error.localizedDescription)", hint: "check its permissions")
        }
    }

    public func writeBytes(_ bytes: [UInt8]) throws {
        do {
            try AtomicFile.write(Data(bytes), to: url)
        } catch {
            throw CrontabError(message: "cannot write crontab file \(CrontabText.displayed(url.path)): \(error)", hint: "check that the folder is writable")
        }
    }
}

/// The real crontab, through the `crontab` command (`crontab -l`, `crontab -`), optionally of
/// another user (`crontab -u USER`, root only).
public struct CrontabCommand: CrontabStore {
    public let executable: String
    public let user: String?

    /// `executable` defaults to the first `crontab` found on PATH, /usr/bin or /bin.
    public init(executable: String? = nil, user: String? = nil) {
        self.executable = executable ?? CrontabCommand.locate() ?? "/usr/bin/crontab"
        self.user = user
    }

    static func locate() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"]
        return dirs.map { $0 + "/crontab" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private var userArgs: [String] { user.map { ["-u", $0] } ?? [] }

    public func readBytes() throws -> [UInt8] {
        let r = try run(userArgs + ["-l"], input: nil)
        if r.status == 0 { return r.stdout }
        // `crontab -l` exits 1 with "no crontab for USER" when there is none yet.
        if r.stderr.contains("no crontab for") { return [] }
        throw CrontabError(message: "'crontab -l' failed (exit \(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))",
                           hint: "check that cron is installed and that you may use it (/etc/cron.allow, /etc/cron.deny)")
    }

    public func writeBytes(_ bytes: [UInt8]) throws {
        let r = try run(userArgs + ["-"], input: bytes)
        guard r.status == 0 else {
            // Debian's crontab refuses a last line without a newline, which forecast keeps as it was.
            let unterminated = bytes.last != 0x0A && r.stderr.contains("newline")
            throw CrontabError(message: "'crontab -' refused the new crontab (exit \(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))",
                               hint: unterminated
                                ? "the crontab was left unchanged; its last line has no newline, so cron ignores it (Debian's cron ignores the whole crontab): end or delete that line with 'crontab -e', then install again"
                                : "the crontab was left unchanged")
        }
    }

    private func run(_ args: [String], input: [UInt8]?) throws -> (status: Int32, stdout: [UInt8], stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CrontabError(message: "the crontab command was not found (\(executable))",
                               hint: "install cron: apt-get install cron")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        do { try p.run() } catch {
            throw CrontabError(message: "cannot start \(executable): \(error.localizedDescription)", hint: "install cron: apt-get install cron")
        }
        // Read both pipes while writing so a large crontab cannot deadlock.
        let group = DispatchGroup()
        let o = Mutex(Data()), e = Mutex(Data())
        DispatchQueue.global().async(group: group) { o.withLock { $0 = out.fileHandleForReading.readDataToEndOfFile() } }
        DispatchQueue.global().async(group: group) { e.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        if let input { inp.fileHandleForWriting.write(Data(input)) }
        try? inp.fileHandleForWriting.close()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, o.withLock { Array($0) }, e.withLock { String(decoding: $0, as: UTF8.self) })
    }
}

/// Chooses the crontab `forecast schedule` edits.
public enum CrontabStores {
    /// The store `forecast schedule` uses: the file named by `FORECAST_CRONTAB_FILE` if set
    /// (tests, dry runs), otherwise the `crontab` command, for the user named by
    /// `FORECAST_CRONTAB_USER` if set.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> any CrontabStore {
        if let file = env["FORECAST_CRONTAB_FILE"], !file.isEmpty { return CrontabFile(url: URL(fileURLWithPath: file)) }
        let user = env["FORECAST_CRONTAB_USER"].flatMap { $0.isEmpty ? nil : $0 }
        return CrontabCommand(user: user)
    }
}

/// The crontab could not be read or written (exit 44).
public struct CrontabError: ForecastError {
    public let message: String
    public let hint: String?
    public var location: ErrorLocation? { ErrorLocation(file: "crontab") }
    public var exitStatus: ExitStatus { .crontabFailed }
}

/// A value that cannot be written to a crontab safely (exit 40, nothing is written): it holds a
/// character that would end or split the line (see `CrontabText`), or the command is longer than
/// cron keeps.
public struct CrontabValueError: ForecastError, Equatable {
    /// Which value it is, for the message and the hint.
    public enum Value: Sendable, Equatable {
        case pipelinePath, binary, reportRoot, jobName, schedule, line
    }

    public let message: String
    public let hint: String?
    /// The pipeline file (shown escaped) and the key, when the value comes from it.
    public let location: ErrorLocation?
    public var exitStatus: ExitStatus { .invalidPipeline }

    /// `text`, the `value`, holds `character`.
    public init(value: Value, text: String, character: Unicode.Scalar, pipelineFile: String? = nil) {
        let code = "U+" + String(repeating: "0", count: max(0, 4 - String(character.value, radix: 16).count))
            + String(character.value, radix: 16, uppercase: true)
        let name: String = switch character {
        case "\n": "line feed"
        case "\r": "carriage return"
        case "\t": "tab"
        case "\u{2028}": "line separator"
        case "\u{2029}": "paragraph separator"
        default: "control character"
        }
        let what: String, key: String?, hint: String
        switch value {
        case .pipelinePath:
            (what, key) = ("the pipeline file's path", nil)
            hint = "rename or move the pipeline file or its folders so that the path has no control characters, line or paragraph separators, then install again"
        case .binary:
            (what, key) = ("the forecast binary's path", nil)
            hint = "install forecast at a path without control characters (such as /usr/local/bin/forecast) and schedule with that binary"
        case .reportRoot:
            (what, key) = ("the report_root folder", "report_root")
            hint = "set report_root in the pipeline file to a folder whose path has no control characters, line or paragraph separators"
        case .jobName:
            (what, key) = ("the job name", "name")
            hint = "rename the job: names are letters, digits, '_' and '-'"
        case .schedule:
            (what, key) = ("the schedule", "schedule")
            hint = "write the schedule on one line, its fields separated by spaces"
        case .line:
            (what, key) = ("a crontab line", nil)
            hint = "this is a bug in forecast; please report it with the command line"
        }
        let kind = name == "control character" ? "a control character (\(code))" : "a control character (\(code), \(name))"
        message = "\(what) \"\(CrontabText.displayed(text))\" holds \(kind), which a crontab line cannot carry safely; nothing was written"
        self.hint = hint
        location = pipelineFile.map { ErrorLocation(file: CrontabText.displayed($0), option: key) }
    }

    /// The command for `job` would be `commandBytes` long, more than cron keeps.
    public init(commandBytes: Int, job: String, pipelineFile: String) {
        message = "the crontab command for job '\(job)' would be \(commandBytes) bytes long, more than the \(CrontabLines.maxCommandBytes) bytes cron takes whole (it would cut the command short or drop it); nothing was written"
        hint = "move the pipeline, its report_root or the forecast binary to shorter paths"
        location = ErrorLocation(file: CrontabText.displayed(pipelineFile))
    }
}

/// `forecast schedule`: what to print, install, remove or list for one pipeline.
public struct PipelineSchedule {
    public enum Change: Equatable, Sendable { case added, replaced, unchanged }

    public let pipelinePath: String
    public let body: [String]
    public let store: any CrontabStore

    /// `binary` is the absolute path of the `forecast` executable (see `CurrentExecutable.url()`).
    /// Throws `CrontabValueError` when a path or value cannot be written to a crontab safely.
    public init(pipeline: PipelineFile, binary: URL, store: any CrontabStore, waitSeconds: Int = 1800) throws {
        self.pipelinePath = pipeline.url.path
        self.body = try CrontabLines.entries(for: pipeline, binary: binary, waitSeconds: waitSeconds)
        self.store = store
    }

    /// The block exactly as `install()` writes it.
    public var preview: String {
        ([CrontabEditor.beginMarker(for: pipelinePath)] + body + [CrontabEditor.endMarker(for: pipelinePath)]).map { $0 + "\n" }.joined()
    }

    /// Adds or replaces this pipeline's block; every byte outside it is kept.
    @discardableResult
    public func install() throws -> Change {
        let old = try store.readBytes()
        let new = try CrontabEditor.installing(body, for: pipelinePath, into: old)
        if new == old { return .unchanged }
        let had = try CrontabEditor.blockLines(for: pipelinePath, in: old, CrontabText.lines(old)) != nil
        try store.writeBytes(new)
        return had ? .replaced : .added
    }

    /// Removes the block for the pipeline at `pipelinePath` (absolute); false when there was none.
    /// Needs no valid pipeline file, so a deleted pipeline can still be unscheduled.
    @discardableResult
    public static func remove(pipelinePath: String, store: any CrontabStore) throws -> Bool {
        let old = try store.readBytes()
        let (new, removed) = try CrontabEditor.removing(pipeline: pipelinePath, from: old)
        if removed { try store.writeBytes(new) }
        return removed
    }

    /// Every forecast block installed in `store`.
    public static func list(store: any CrontabStore) throws -> [CrontabEditor.InstalledBlock] {
        CrontabEditor.installedBlocks(in: try store.readBytes())
    }
}

/// The running executable's absolute path (Linux: /proc/self/exe), for crontab lines.
public enum CurrentExecutable {
    public static func url() -> URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}
