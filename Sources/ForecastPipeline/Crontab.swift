import ForecastCore
import Foundation
import Synchronization
import ForecastReport

/// Editing a user's crontab text: each pipeline owns one block between marker comments
///
///     # BEGIN forecast pipeline /abs/path/pipelines/nightly.yaml
///     ...
///     # END forecast pipeline /abs/path/pipelines/nightly.yaml
///
/// Installing replaces that block in place (or appends it), so repeating `--install` never
/// duplicates entries; every line outside the block is kept byte for byte. These are pure
/// functions on text; `CrontabStore` reads and writes the real crontab.
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

    /// `crontab` with the block for `pipeline` set to `body` (lines without markers): replaced
    /// where it was, or appended after a blank line.
    public static func installing(_ body: [String], for pipeline: String, into crontab: String) throws -> String {
        var lines = splitLines(crontab)
        let block = [beginMarker(for: pipeline)] + body + [endMarker(for: pipeline)]
        if let range = try blockRange(for: pipeline, in: lines) {
            lines.replaceSubrange(range, with: block)
        } else {
            if let last = lines.last, !last.trimmingCharacters(in: .whitespaces).isEmpty { lines.append("") }
            lines += block
        }
        return joinLines(lines)
    }

    /// `crontab` without the block for `pipeline`, and whether there was one. The blank line
    /// `installing` put before the block goes too.
    public static func removing(pipeline: String, from crontab: String) throws -> (text: String, removed: Bool) {
        var lines = splitLines(crontab)
        guard var range = try blockRange(for: pipeline, in: lines) else { return (crontab, false) }
        if range.lowerBound > 0 && lines[range.lowerBound - 1].isEmpty {
            range = (range.lowerBound - 1)..<range.upperBound
        }
        lines.removeSubrange(range)
        return (joinLines(lines), true)
    }

    /// Every forecast block in `crontab`, in order.
    public static func installedBlocks(in crontab: String) -> [InstalledBlock] {
        let prefix = "# BEGIN forecast pipeline "
        let lines = splitLines(crontab)
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

    /// Index range of the block including its markers; throws when the markers are unbalanced
    /// (someone edited the crontab by hand), so we never guess which lines to delete.
    static func blockRange(for pipeline: String, in lines: [String]) throws -> Range<Int>? {
        let begins = lines.indices.filter { lines[$0] == beginMarker(for: pipeline) }
        let ends = lines.indices.filter { lines[$0] == endMarker(for: pipeline) }
        if begins.isEmpty && ends.isEmpty { return nil }
        guard begins.count == 1, ends.count == 1, begins[0] < ends[0] else {
            throw CrontabError(message: "the crontab's markers for \(pipeline) are unbalanced (\(begins.count) BEGIN, \(ends.count) END)",
                               hint: "edit the crontab with 'crontab -e' so that exactly one '\(beginMarker(for: pipeline))' precedes one '\(endMarker(for: pipeline))', or delete both")
        }
        return begins[0]..<(ends[0] + 1)
    }

    static func splitLines(_ text: String) -> [String] {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// cron ignores a last line without a newline, so the text always ends with one.
    static func joinLines(_ lines: [String]) -> String {
        lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
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
public enum CrontabLines {
    public static func entries(for pipeline: PipelineFile, binary: URL, waitSeconds: Int = 1800) -> [String] {
        let cronLog = pipeline.reportRoot.appendingPathComponent("cron.log")
        var out = ["# Managed by 'forecast schedule --install'. Edit the pipeline file and install again instead of editing here."]
        for job in pipeline.jobs {
            guard let schedule = job.schedule else {
                out.append("# job \(job.name): no schedule, run it by hand")
                continue
            }
            let command = "mkdir -p \(shellQuote(pipeline.reportRoot.path))"
                + " && cd \(shellQuote(pipeline.folder.path))"
                + " && LC_ALL=C \(shellQuote(binary.path)) run \(shellQuote(pipeline.url.path))"
                + " --job \(job.name) --quiet --wait \(waitSeconds)"
                + " >> \(shellQuote(cronLog.path)) 2>&1"
            out.append("\(schedule.source) \(escapePercent(command))")
        }
        return out
    }

    /// POSIX shell single quoting: `it's` → `'it'\''s'`.
    public static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// cron turns an unescaped `%` in the command into a newline.
    static func escapePercent(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "\\%")
    }
}

/// Where a crontab is read from and written to.
public protocol CrontabStore: Sendable {
    /// The whole crontab; empty when the user has none.
    func read() throws -> String
    /// Replaces the whole crontab.
    func write(_ text: String) throws
}

/// A crontab kept in a plain file (tests; or `FORECAST_CRONTAB_FILE`). Written atomically.
public struct CrontabFile: CrontabStore {
    public let url: URL
    public init(url: URL) { self.url = url }

    public func read() throws -> String {
        guard FileManager.default.fileExists(atPath: url.path) else { return "" }
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw CrontabError(message: "cannot read crontab file \(url.path): \(error.localizedDescription)", hint: "check its permissions")
        }
    }

    public func write(_ text: String) throws {
        do {
            try AtomicFile.write(Data(text.utf8), to: url)
        } catch {
            throw CrontabError(message: "cannot write crontab file \(url.path): \(error)", hint: "check that the folder is writable")
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

    public func read() throws -> String {
        let r = try run(userArgs + ["-l"], input: nil)
        if r.status == 0 { return r.stdout }
        // `crontab -l` exits 1 with "no crontab for USER" when there is none yet.
        if r.stderr.contains("no crontab for") { return "" }
        throw CrontabError(message: "'crontab -l' failed (exit \(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))",
                           hint: "check that cron is installed and that you may use it (/etc/cron.allow, /etc/cron.deny)")
    }

    public func write(_ text: String) throws {
        let r = try run(userArgs + ["-"], input: text)
        guard r.status == 0 else {
            throw CrontabError(message: "'crontab -' refused the new crontab (exit \(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))",
                               hint: "the crontab was left unchanged")
        }
    }

    private func run(_ args: [String], input: String?) throws -> (status: Int32, stdout: String, stderr: String) {
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
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try? inp.fileHandleForWriting.close()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, o.withLock { String(decoding: $0, as: UTF8.self) }, e.withLock { String(decoding: $0, as: UTF8.self) })
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

/// `forecast schedule`: what to print, install, remove or list for one pipeline.
public struct PipelineSchedule {
    public enum Change: Equatable, Sendable { case added, replaced, unchanged }

    public let pipelinePath: String
    public let body: [String]
    public let store: any CrontabStore

    /// `binary` is the absolute path of the `forecast` executable (see `CurrentExecutable.url()`).
    public init(pipeline: PipelineFile, binary: URL, store: any CrontabStore, waitSeconds: Int = 1800) {
        self.pipelinePath = pipeline.url.path
        self.body = CrontabLines.entries(for: pipeline, binary: binary, waitSeconds: waitSeconds)
        self.store = store
    }

    /// The block exactly as `install()` writes it.
    public var preview: String {
        CrontabEditor.joinLines([CrontabEditor.beginMarker(for: pipelinePath)] + body + [CrontabEditor.endMarker(for: pipelinePath)])
    }

    /// Adds or replaces this pipeline's block; other entries are untouched.
    @discardableResult
    public func install() throws -> Change {
        let old = try store.read()
        let new = try CrontabEditor.installing(body, for: pipelinePath, into: old)
        if new == old { return .unchanged }
        let had = CrontabEditor.installedBlocks(in: old).contains { $0.pipeline == pipelinePath }
        try store.write(new)
        return had ? .replaced : .added
    }

    /// Removes the block for the pipeline at `pipelinePath` (absolute); false when there was none.
    /// Needs no valid pipeline file, so a deleted pipeline can still be unscheduled.
    @discardableResult
    public static func remove(pipelinePath: String, store: any CrontabStore) throws -> Bool {
        let old = try store.read()
        let (new, removed) = try CrontabEditor.removing(pipeline: pipelinePath, from: old)
        if removed { try store.write(new) }
        return removed
    }

    /// Every forecast block installed in `store`.
    public static func list(store: any CrontabStore) throws -> [CrontabEditor.InstalledBlock] {
        CrontabEditor.installedBlocks(in: try store.read())
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
