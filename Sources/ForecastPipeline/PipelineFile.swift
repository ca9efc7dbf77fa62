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
