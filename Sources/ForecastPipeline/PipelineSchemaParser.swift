import Foundation
import Yams

/// A typed value read from a YAML node.
enum SchemaValue {
    case text(String)
    case texts([String])
    case integer(Int)
    case number(Double)
    case cron(CronExpression)
    case path(String)
    case boolean(Bool)
}

/// Walks the node tree that `Yams.compose` returns and records every problem with the line of
/// the node it concerns.
struct PipelineSchemaParser {
    let file: String
    let folder: URL
    var problems: [PipelineError] = []
    var warnings: [PipelineError] = []

    struct Result {
        var version: Int
        var reportRoot: URL
        var logFile: URL
        var jobs: [JobConfig]
    }

    init(file: String, folder: URL) {
        self.file = file
        self.folder = folder
    }

    mutating func error(_ node: Node?, _ message: String, hint: String? = nil) {
        problems.append(PipelineError(file: file, line: node?.mark?.line, column: node?.mark?.column,
                                      message: message, hint: hint))
    }

    mutating func parse(_ yaml: String) -> Result? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let e as YamlError {
            problems.append(Self.syntaxError(e, file: file))
            return nil
        } catch {
            problems.append(PipelineError(file: file, line: nil, message: "YAML error: \(error)"))
            return nil
        }
        guard let root else {
            error(nil, "the pipeline file is empty", hint: "start from pipelines/nightly.yaml, which documents every key")
            return nil
        }
        guard let top = mappingEntries(root, context: "the top level of the file") else { return nil }

        var version = PipelineSchema.currentVersion
        var reportRoot = folder.appendingPathComponent("reports")
        var logFile: URL?
        var logFileNode: Node?
        var defaults: [(key: Node, value: Node)] = []
        var jobNodes: [Node]?
        var jobsKeyNode: Node?

        for (k, v) in top {
            guard let key = checkKey(k, allowed: PipelineSchema.topLevelKeys.map(\.key), context: "at the top level") else { continue }
            switch key {
            case "version":
                if case .integer(let n)? = value(v, kind: .integer(min: 1), key: key) {
                    if n != PipelineSchema.currentVersion {
                        error(v, "unsupported pipeline version \(n)",
                              hint: "this forecast reads version \(PipelineSchema.currentVersion)")
                    }
                    version = n
                }
            case "report_root":
                if case .path(let p)? = value(v, kind: .path, key: key) {
                    reportRoot = resolve(p)
                    if reportRoot.resolvingSymlinksInPath().path == "/" {
                        error(v, "'report_root' is the file system's root",
                              hint: "give the pipeline a folder of its own, e.g. report_root: ../reports")
                    }
                }
            case "log_file":
                if case .path(let p)? = value(v, kind: .path, key: key) {
                    logFile = resolve(p)
                    logFileNode = v
                }
            case "defaults":
                if let entries = mappingEntries(v, context: "'defaults'") {
                    for (dk, dv) in entries {
                        guard let name = checkKey(dk, allowed: PipelineSchema.jobKeys.map(\.key), context: "in 'defaults'") else { continue }
                        if name == "name" {
                            error(dk, "'name' cannot be a default: every job needs its own name")
                            continue
                        }
                        defaults.append((dk, dv))
                    }
                }
            case "jobs":
                jobsKeyNode = k
                if case .sequence(let seq) = v {
                    jobNodes = Array(seq)
                } else {
                    error(v, "'jobs' must be a list of jobs, found \(describe(v))",
                          hint: "write each job as a list item:\njobs:\n  - name: prices\n    input: ../data/prices.csv")
                }
            default: break
            }
        }
        if let logFile, let logFileNode, !Self.isInside(logFile, reportRoot) {
            error(logFileNode, "'log_file' \(logFile.path) is outside the report root \(reportRoot.path)",
                  hint: "everything a pipeline writes stays inside its report_root; see pipelines/README.md")
        }
        guard let jobNodes else {
            if jobsKeyNode == nil {
                error(root, "missing required key 'jobs'", hint: "add 'jobs:' with at least one '- name: … input: …' item")
            }
            return nil
        }
        if jobNodes.isEmpty {
            error(jobsKeyNode, "'jobs' is empty", hint: "add at least one job with 'name' and 'input'")
        }

        var jobs: [JobConfig] = []
        var firstLineOfName: [String: Int] = [:]
        var firstJobOfReportDir: [String: String] = [:]
        for jobNode in jobNodes {
            // Duplicate names are found even when a job has other problems.
            if let name = jobNode["name"]?.scalar?.string, PipelineSchema.isValidJobName(name) {
                if let earlier = firstLineOfName[name] {
                    error(jobNode, "duplicate job name '\(name)' (first defined on line \(earlier))",
                          hint: "job names must be unique: they name the report folder and the cron entry")
                    continue
                }
                firstLineOfName[name] = jobNode.mark?.line ?? 0
            }
            guard let job = parseJob(jobNode, defaults: defaults, reportRoot: reportRoot) else { continue }
            if let other = firstJobOfReportDir[job.reportDir.path] {
                error(jobNode, "jobs '\(other)' and '\(job.name)' share the report folder \(job.reportDir.path)",
                      hint: "give each job its own 'report_dir' (or leave it out: the default is <report_root>/<name>)")
                continue
            }
            firstJobOfReportDir[job.reportDir.path] = job.name
            if !FileManager.default.fileExists(atPath: job.input.path) {
                warnings.append(PipelineError(file: file, line: job.line, message:
                    "job '\(job.name)': input \(job.input.path) does not exist (yet)",
                    hint: "paths are relative to the pipeline file's folder \(folder.path)"))
            }
            jobs.append(job)
        }
        return Result(version: version, reportRoot: reportRoot,
                      logFile: logFile ?? reportRoot.appendingPathComponent("forecast.log"), jobs: jobs)
    }

    /// Whether `path` is strictly inside `root`, after resolving the symbolic links of the parts
    /// that exist (`..` and links cannot lead out).
    static func isInside(_ path: URL, _ root: URL) -> Bool {
        let p = path.standardizedFileURL.resolvingSymlinksInPath().path
        let r = root.standardizedFileURL.resolvingSymlinksInPath().path
        return p != r && p.hasPrefix(r.hasSuffix("/") ? r : r + "/")
    }
}
