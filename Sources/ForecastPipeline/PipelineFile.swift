import Foundation
import Yams

/// A parsed and validated pipeline file (`pipelines/*.yaml`).
///
/// ```yaml
/// version: 1
/// report_root: ../reports          # relative to this file's folder
/// defaults: { epochs: 20, seed: 7 }
/// jobs:
///   - name: prices
///     input: ../data/prices.csv
///     target: price
///     schedule: "30 6 * * 1-5"
/// ```
///
/// Every relative path resolves against the folder holding the pipeline file, so the current
/// working directory (arbitrary under cron) never matters. Loading is all-or-nothing: any problem
/// throws `PipelineFileErrors` listing every problem with its YAML line.
public struct PipelineFile: Sendable {
    /// Absolute, standardized path of the pipeline file.
    public let url: URL
    /// Folder relative paths resolve against.
    public var folder: URL { url.deletingLastPathComponent() }
    public let version: Int
    /// Folder holding `index.md`, the lock file and (by default) each job's report folder and the log.
    public let reportRoot: URL
    /// Detailed, timestamped log of every run.
    public let logFile: URL
    public let jobs: [JobConfig]
    /// Problems that do not stop a run, e.g. an input file that does not exist yet.
    public let warnings: [PipelineError]

    /// Reads and validates the pipeline file at `path` (relative paths are taken from the current
    /// directory).
    public static func load(path: String) throws -> PipelineFile {
        try load(URL(fileURLWithPath: path))
    }

    /// Reads and validates the pipeline file at `url`.
    public static func load(_ url: URL) throws -> PipelineFile {
        let abs = url.standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: abs.path, isDirectory: &isDir) else {
            throw PipelineFileErrors([PipelineError(file: url.path, line: nil,
                message: "pipeline file not found",
                hint: "give the path of a .yaml file such as pipelines/nightly.yaml")])
        }
        guard !isDir.boolValue else {
            throw PipelineFileErrors([PipelineError(file: url.path, line: nil,
                message: "is a folder, not a pipeline file", hint: "give the path of a .yaml file inside it")])
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: abs.path))?[.size] as? NSNumber,
           size.int64Value > Int64(maximumSize) {
            throw PipelineFileErrors([tooLarge(file: url.path, bytes: size.int64Value)])
        }
        guard let data = FileManager.default.contents(atPath: abs.path) else {
            throw PipelineFileErrors([PipelineError(file: url.path, line: nil,
                message: "cannot read the pipeline file", hint: "check its permissions")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineFileErrors([PipelineError(file: url.path, line: nil,
                message: "the pipeline file is not UTF-8 text", hint: "save it as UTF-8")])
        }
        return try parse(yaml: text, url: abs, displayPath: url.path)
    }

    /// Validates `yaml` as if read from `url` (which fixes the folder for relative paths).
    /// `displayPath` is the file name used in messages (default: `url.path`).
    public static func parse(yaml: String, url: URL, displayPath: String? = nil) throws -> PipelineFile {
        let file = displayPath ?? url.path
        // Untrusted text: bound what reaches the YAML parser, whose recursion follows the nesting.
        guard yaml.utf8.count <= maximumSize else {
            throw PipelineFileErrors([tooLarge(file: file, bytes: Int64(yaml.utf8.count))])
        }
        if let crossing = YAMLNestingScan.firstCrossing(yaml, limit: maximumNesting) {
            throw PipelineFileErrors([PipelineError(file: file, line: crossing.line, column: crossing.column,
                message: "nesting deeper than \(maximumNesting) levels (lists and mappings inside each other)",
                hint: "a pipeline file needs at most 4 levels (jobs, a job, its keys, a list); flatten the structure")])
        }
        var parser = PipelineSchemaParser(file: displayPath ?? url.path, folder: url.standardizedFileURL.deletingLastPathComponent())
        let result = parser.parse(yaml)
        let problems = parser.problems.uniqued()
        guard problems.isEmpty, let result else {
            throw PipelineFileErrors(problems.isEmpty
                ? [PipelineError(file: parser.file, line: nil, message: "invalid pipeline file")] : problems)
        }
        return PipelineFile(url: url.standardizedFileURL, version: result.version,
                            reportRoot: result.reportRoot, logFile: result.logFile,
                            jobs: result.jobs, warnings: parser.warnings)
    }

    /// The largest pipeline file read (1 MiB); a pipeline file is a few kilobytes.
    public static let maximumSize = 1 << 20
    /// The deepest nesting of lists and mappings accepted (the schema uses 4 levels). Deeper
    /// text is refused before it reaches the YAML parser, whose recursion follows the nesting.
    public static let maximumNesting = 16

    private static func tooLarge(file: String, bytes: Int64) -> PipelineError {
        PipelineError(file: file, line: nil,
                      message: "the pipeline file has \(bytes) bytes, more than the \(maximumSize) (1 MiB) accepted",
                      hint: "a pipeline file lists jobs and settings; data belongs in the CSV files it names")
    }

    /// Parses untrusted bytes as a pipeline file placed at `url` (for the fuzz target): the same
    /// checks as ``load(_:)`` after the file is read, without touching the disk.
    @_spi(Fuzzing) public static func parse(bytes: [UInt8], url: URL) throws -> PipelineFile {
        guard bytes.count <= maximumSize else {
            throw PipelineFileErrors([tooLarge(file: url.path, bytes: Int64(bytes.count))])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PipelineFileErrors([PipelineError(file: url.path, line: nil,
                message: "the pipeline file is not UTF-8 text", hint: "save it as UTF-8")])
        }
        return try parse(yaml: text, url: url)
    }

    /// The jobs named in `names` in file order, or every job when `names` is empty.
    /// Throws `UnknownJobError` (exit 64) for a name the file does not define.
    public func jobs(named names: [String]) throws -> [JobConfig] {
        guard !names.isEmpty else { return jobs }
        for n in names where !jobs.contains(where: { $0.name == n }) {
            throw UnknownJobError(name: n, available: jobs.map(\.name), file: url.path)
        }
        return jobs.filter { names.contains($0.name) }
    }

    /// The lock file serialising runs that share this report root.
    public var lockFile: URL { reportRoot.appendingPathComponent(".forecast.lock") }
    /// `index.md` listing every job.
    public var indexFile: URL { reportRoot.appendingPathComponent("index.md") }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

/// A cheap pass over YAML text that finds where the nesting of collections first exceeds a
/// limit, before the text reaches the (recursive) YAML parser. It counts flow collections
/// (`[`, `{` outside quoted scalars, comments and block scalars) and block levels (each deeper
/// indentation, and each `- ` or `? ` of a compact nested entry such as `- - x`). Block levels
/// are counted by indentation, so a sequence written at its key's column counts one level less
/// than YAML nests it: the count is at most the real depth and at least half of it.
enum YAMLNestingScan {
    struct Crossing: Equatable {
        var line: Int
        var column: Int
    }

    /// The 1-based line and column (in Unicode scalars) where the depth first exceeds `limit`, or nil.
    static func firstCrossing(_ text: String, limit: Int) -> Crossing? {
        let b = Array(text.utf8)
        let n = b.count
        var i = 0
        var line = 1
        var lineStart = 0
        func column(_ at: Int) -> Int {
            var c = 1
            var k = lineStart
            while k < at { if b[k] & 0xC0 != 0x80 { c += 1 }; k += 1 }
            return c
        }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        func isBreak(_ c: UInt8) -> Bool { c == 0x0A || c == 0x0D }
        func isBlankOrEnd(_ k: Int) -> Bool { k >= n || isSpace(b[k]) || isBreak(b[k]) }

        var blockStack: [Int] = []     // columns (byte offsets in the line) of the open block levels
        var flow = 0                   // open flow collections
        var quote: UInt8 = 0           // 0, or the quote character of the open quoted scalar
        var blockScalarOwner: Int?     // a block scalar's lines are indented more than this...
        var blockScalarIndent: Int?    // ...and at least as much as its first non-blank line
        var flowValueStart = true      // inside a flow collection across lines: whether a node may start

        // Moves past the end of the current line.
        func nextLine() {
            while i < n, !isBreak(b[i]) { i += 1 }
            if i < n, b[i] == 0x0D { i += 1; if i < n, b[i] == 0x0A { i += 1 } } else if i < n { i += 1 }
            line += 1
            lineStart = i
        }

        while i < n {
            // At the start of a line.
            lineStart = i
            var indent = 0
            while i < n, b[i] == 0x20 { i += 1; indent += 1 }
            let blank = i >= n || isBreak(b[i]) || (b[i] == 0x23 && quote == 0)
            if let owner = blockScalarOwner {
                let isBlank = i >= n || isBreak(b[i])
                if isBlank || indent >= (blockScalarIndent ?? owner + 1) {
                    if !isBlank && blockScalarIndent == nil { blockScalarIndent = indent }
                    nextLine()
                    continue
                }
                blockScalarOwner = nil
                blockScalarIndent = nil
            }
            if quote == 0 && flow == 0 {
                if blank { nextLine(); continue }
                // Directives and document markers hold no nesting.
                if indent == 0, b[i] == 0x25 { nextLine(); continue }
                if indent == 0, n - i >= 3,
                   (b[i] == 0x2D && b[i + 1] == 0x2D && b[i + 2] == 0x2D) || (b[i] == 0x2E && b[i + 1] == 0x2E && b[i + 2] == 0x2E),
                   isBlankOrEnd(i + 3) {
                    blockStack.removeAll()
                    i += 3
                    // Content after '--- ' is a node at the top level; scan it as the rest of a line.
                } else {
                    while let top = blockStack.last, top > indent { blockStack.removeLast() }
                    if blockStack.last != indent { blockStack.append(indent) }
                    if blockStack.count + flow > limit { return Crossing(line: line, column: column(i)) }
                }
            }
            // The rest of the line.
            var valueStart = flow > 0 ? flowValueStart : true
            var ownerColumn = indent
            while i < n, !isBreak(b[i]) {
                let c = b[i]
                if quote == 0x22 {
                    if c == 0x5C { i += i + 1 < n && !isBreak(b[i + 1]) ? 2 : 1; continue }
                    if c == 0x22 { quote = 0; valueStart = false }
                    i += 1; continue
                }
                if quote == 0x27 {
                    if c == 0x27 {
                        if i + 1 < n, b[i + 1] == 0x27 { i += 2; continue }
                        quote = 0; valueStart = false
                    }
                    i += 1; continue
                }
                if isSpace(c) { i += 1; continue }
                if c == 0x23, i == lineStart || isSpace(b[i - 1]) {
                    while i < n, !isBreak(b[i]) { i += 1 }
                    break
                }
                if valueStart && (c == 0x26 || c == 0x21) {
                    // An anchor or a tag: the node itself follows.
                    while i < n, !isSpace(b[i]), !isBreak(b[i]), ![0x5B, 0x5D, 0x7B, 0x7D, 0x2C].contains(b[i]) { i += 1 }
                    continue
                }
                if flow > 0 {
                    switch c {
                    case 0x5B, 0x7B:
                        flow += 1
                        if blockStack.count + flow > limit { return Crossing(line: line, column: column(i)) }
                        valueStart = true
                    case 0x5D, 0x7D:
                        flow -= 1
                        valueStart = false
                    case 0x2C, 0x3A, 0x3F:
                        valueStart = true
                    case 0x22, 0x27:
                        if valueStart { quote = c } else { valueStart = false }
                    default:
                        valueStart = false
                    }
                    i += 1
                    continue
                }
                // Block context.
                if (c == 0x2D || c == 0x3F) && valueStart && isBlankOrEnd(i + 1) {
                    // '- ' or '? ': an entry; what follows on the line is one level deeper.
                    ownerColumn = i - lineStart
                    i += 1
                    while i < n, isSpace(b[i]) { i += 1 }
                    if i < n, !isBreak(b[i]), b[i] != 0x23 {
                        blockStack.append(i - lineStart)
                        if blockStack.count + flow > limit { return Crossing(line: line, column: column(i)) }
                    }
                    continue
                }
                if c == 0x3A && isBlankOrEnd(i + 1) {
                    valueStart = true
                    i += 1
                    continue
                }
                if valueStart {
                    switch c {
                    case 0x5B, 0x7B:
                        flow = 1
                        if blockStack.count + flow > limit { return Crossing(line: line, column: column(i)) }
                        i += 1
                        valueStart = true
                        continue
                    case 0x22, 0x27:
                        quote = c
                        i += 1
                        continue
                    case 0x7C, 0x3E:
                        // A block scalar: its text is every following line indented more than its owner.
                        blockScalarOwner = ownerColumn
                        blockScalarIndent = nil
                        while i < n, !isBreak(b[i]) { i += 1 }
                        continue
                    default:
                        // The start of a key or plain scalar: a key's value nests under the key's column.
                        ownerColumn = i - lineStart
                        valueStart = false
                    }
                }
                i += 1
            }
            if flow > 0 { flowValueStart = valueStart }
            if i < n { nextLine() }
        }
        return nil
    }
}
