import ForecastIngest
import ForecastModels
import ForecastWorkflow
import Foundation
import Yams

/// The keys a pipeline file accepts, with their types. A job's keys are the run settings of
/// ``FitConfiguration/Key`` in their YAML spelling plus the scheduling keys; the settings' rules
/// (ranges, combinations) are ``FitConfiguration/validate()``'s, the same as the command line's.
public enum PipelineSchema {
    /// The type of a key's value, as named in error messages.
    public enum ValueKind: Equatable, Sendable {
        case identifier
        case text
        case character
        case path
        case textList
        case choice([String])
        case choiceList([String])
        /// Whole number ≥ the bound.
        case integer(min: Int)
        /// Any whole number (the setting's own rules say which are usable).
        case wholeNumber
        /// Any finite number (the setting's own rules say which are usable).
        case number
        case cron
        case mapping
        case jobList

        var expected: String {
            switch self {
            case .identifier: "a plain name (letters, digits, '_' and '-', not starting with a digit or '-')"
            case .text: "a text value"
            case .character: "a single character"
            case .path: "a file path"
            case .textList: "a list of text values"
            case .choice(let c): "one of: \(c.joined(separator: ", "))"
            case .choiceList(let c): "a list of: \(c.joined(separator: ", "))"
            case .integer(let m): "a whole number ≥ \(m)"
            case .wholeNumber: "a whole number"
            case .number: "a number"
            case .cron: "a cron expression such as \"30 6 * * 1-5\""
            case .mapping: "a mapping of key: value pairs"
            case .jobList: "a list of jobs (each starting with '- name:')"
            }
        }
    }

    /// Keys of the top level of the file.
    public static let topLevelKeys: [(key: String, kind: ValueKind)] = [
        ("version", .integer(min: 1)),
        ("report_root", .path),
        ("log_file", .path),
        ("defaults", .mapping),
        ("jobs", .jobList),
    ]

    /// Keys of a job (and of `defaults:`, except `name`): its name, the run settings, then the
    /// scheduling keys.
    public static let jobKeys: [(key: String, kind: ValueKind)] =
        [("name", .identifier)]
        + FitConfiguration.Key.allCases.compactMap { k in valueKind(of: k).map { (k.pipelineKey, $0) } }
        + [("schedule", .cron), ("retention", .integer(min: 1)), ("refit", .choice(RefitPolicy.allCases.map(\.rawValue)))]

    /// The YAML type of a run setting; nil for settings a job cannot set (the dataset name is
    /// the job's name; the interval levels are fixed).
    public static func valueKind(of key: FitConfiguration.Key) -> ValueKind? {
        switch key {
        case .input, .reportsDirectory: .path
        case .target, .dateColumn, .dateFormat, .modelSpec: .text
        case .delimiter: .character
        case .features: .textList
        case .missing: .choice(MissingPolicy.allCases.map(\.rawValue))
        case .duplicates: .choice(DuplicatePolicy.allCases.map(\.rawValue))
        case .transform: .choice(TargetTransform.allCases.map(\.rawValue))
        case .scaling: .choice(Scaling.allCases.map(\.rawValue))
        case .optimizer: .choice(OptimizerChoice.allCases.map(\.rawValue))
        case .loss: .choice(LossChoice.allCases.map(\.rawValue))
        case .initScheme: .choice(InitScheme.allCases.map(\.rawValue))
        case .models: .choiceList(ContrastModel.allCases.map(\.rawValue))
        case .window, .stride, .horizon, .hidden, .epochs, .batchSize, .patience, .season: .wholeNumber
        case .seed: .integer(min: 0)
        case .testFraction, .validationFraction, .learningRate, .clip: .number
        case .intervals, .datasetName: nil
        }
    }

    /// The only supported `version:`.
    public static let currentVersion = 1

    /// `name` must match `^[A-Za-z_][A-Za-z0-9_-]*$`: it becomes a folder name and part of a
    /// crontab line, so no `/`, `..`, spaces or shell characters.
    public static func isValidJobName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !s.isEmpty else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        func rest(_ c: Unicode.Scalar) -> Bool { letter(c) || ("0"..."9").contains(c) || c == "-" }
        return letter(first) && s.unicodeScalars.allSatisfy(rest)
    }
}

/// A typed value read from a YAML node.
enum SchemaValue {
    case text(String)
    case texts([String])
    case integer(Int)
    case number(Double)
    case cron(CronExpression)
    case path(String)
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
                if case .path(let p)? = value(v, kind: .path, key: key) { reportRoot = resolve(p) }
            case "log_file":
                if case .path(let p)? = value(v, kind: .path, key: key) { logFile = resolve(p) }
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

    // MARK: - Jobs

    mutating func parseJob(_ node: Node, defaults: [(key: Node, value: Node)], reportRoot: URL) -> JobConfig? {
        guard let entries = mappingEntries(node, context: "a job") else { return nil }
        var own: [String: (key: Node, value: Node)] = [:]
        for (k, v) in entries {
            guard let key = checkKey(k, allowed: PipelineSchema.jobKeys.map(\.key), context: "in a job") else { continue }
            own[key] = (k, v)
        }
        let line = node.mark?.line ?? 0
        guard let nameEntry = own["name"] else {
            error(node, "job has no 'name'", hint: "add 'name: my_job' (letters, digits, '_' and '-')")
            return nil
        }
        guard case .text(let name)? = value(nameEntry.value, kind: .identifier, key: "name") else { return nil }

        // The job's own keys override `defaults:`; `models` and `model_spec` replace each other.
        var merged: [(key: String, keyNode: Node, value: Node)] = []
        let ownModelChoice = own["models"] != nil || own["model_spec"] != nil
        if own["models"] != nil && own["model_spec"] != nil {
            error(own["model_spec"]!.key, "job '\(name)' sets both 'models' and 'model_spec'",
                  hint: "use 'models' for a list of model kinds or 'model_spec' for a detailed spec, not both")
        }
        for (k, v) in defaults {
            let key = k.scalar!.string
            if own[key] != nil { continue }
            if ownModelChoice && (key == "models" || key == "model_spec") { continue }
            merged.append((key, k, v))
        }
        if !ownModelChoice && defaults.contains(where: { $0.key.scalar?.string == "models" })
            && defaults.contains(where: { $0.key.scalar?.string == "model_spec" }) {
            let spec = defaults.first(where: { $0.key.scalar?.string == "model_spec" })!.key
            error(spec, "'defaults' sets both 'models' and 'model_spec'", hint: "keep one of them")
        }
        for (k, v) in entries {
            if let key = k.scalar?.string, own[key] != nil, key != "name" { merged.append((key, k, v)) }
        }

        guard own["input"] != nil || defaults.contains(where: { $0.key.scalar?.string == "input" }) else {
            error(node, "job '\(name)' has no 'input'", hint: "add 'input: ../data/prices.csv' (relative to the pipeline file's folder)")
            return nil
        }
        var job = JobConfig(name: name, input: folder, reportDir: reportRoot.appendingPathComponent(name), line: line)
        let firstProblem = problems.count
        var ok = true
        var nodeOfKey: [String: Node] = [:]
        for (key, keyNode, v) in merged {
            let kind = PipelineSchema.jobKeys.first(where: { $0.key == key })!.kind
            guard let val = value(v, kind: kind, key: key) else { ok = false; continue }
            apply(key, val, to: &job)
            nodeOfKey[key] = keyNode
        }
        // A model spec without a models list runs beside the baselines only.
        if nodeOfKey["model_spec"] != nil && nodeOfKey["models"] == nil { job.fit.models = ContrastModel.baselines }
        // The same rules as the command line's, reported at the key that set the value (a key
        // whose value had the wrong type was not applied, so it is not reported twice).
        for problem in job.fit.problems() {
            error(nodeOfKey[problem.key.pipelineKey] ?? node, "'\(problem.key.pipelineKey)' \(problem.message)", hint: problem.hint)
            ok = false
        }
        // One job's problems in file order, whichever check found them.
        problems[firstProblem...].sort { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) }
        return ok ? job : nil
    }

    func apply(_ key: String, _ value: SchemaValue, to job: inout JobConfig) {
        if let setting = FitConfiguration.Key.allCases.first(where: { $0.pipelineKey == key }) {
            set(setting, value, in: &job.fit)
            return
        }
        switch (key, value) {
        case ("schedule", .cron(let c)): job.schedule = c
        case ("retention", .integer(let n)): job.retention = n
        case ("refit", .text(let s)): job.refit = RefitPolicy(rawValue: s) ?? .full
        default: break
        }
    }

    /// Writes one run setting read from YAML (already checked against its ``PipelineSchema/ValueKind``).
    func set(_ key: FitConfiguration.Key, _ value: SchemaValue, in c: inout FitConfiguration) {
        switch (key, value) {
        case (.input, .path(let p)): c.input = resolve(p).path
        case (.reportsDirectory, .path(let p)): c.reportsDirectory = resolve(p).path
        case (.target, .text(let s)): c.target = s
        case (.dateColumn, .text(let s)): c.dateColumn = s
        case (.dateFormat, .text(let s)): c.dateFormat = s
        case (.modelSpec, .text(let s)): c.modelSpec = s
        case (.delimiter, .text(let s)): c.delimiter = s
        case (.features, .texts(let l)): c.features = l
        case (.missing, .text(let s)): c.missing = MissingPolicy(rawValue: s) ?? c.missing
        case (.duplicates, .text(let s)): c.duplicates = DuplicatePolicy(rawValue: s) ?? c.duplicates
        case (.transform, .text(let s)): c.transform = TargetTransform(rawValue: s) ?? c.transform
        case (.scaling, .text(let s)): c.scaling = Scaling(rawValue: s) ?? c.scaling
        case (.optimizer, .text(let s)): c.optimizer = OptimizerChoice(rawValue: s) ?? c.optimizer
        case (.loss, .text(let s)): c.loss = LossChoice(rawValue: s) ?? c.loss
        case (.initScheme, .text(let s)): c.initScheme = InitScheme(rawValue: s) ?? c.initScheme
        case (.models, .texts(let l)): c.models = l.compactMap(ContrastModel.init(rawValue:))
        case (.window, .integer(let n)): c.window = n
        case (.stride, .integer(let n)): c.stride = n
        case (.horizon, .integer(let n)): c.horizon = n
        case (.hidden, .integer(let n)): c.hidden = n
        case (.epochs, .integer(let n)): c.epochs = n
        case (.batchSize, .integer(let n)): c.batchSize = n
        case (.patience, .integer(let n)): c.patience = n
        case (.season, .integer(let n)): c.season = n
        case (.seed, .integer(let n)): c.seed = UInt64(n)
        case (.testFraction, .number(let x)): c.testFraction = x
        case (.validationFraction, .number(let x)): c.validationFraction = x
        case (.learningRate, .number(let x)): c.learningRate = x
        case (.clip, .number(let x)): c.clip = x
        default: break
        }
    }

    func resolve(_ path: String) -> URL {
        URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL
    }

    // MARK: - Typed values

    /// Reads `node` as `kind`, recording a problem (and returning nil) when it does not fit.
    mutating func value(_ node: Node, kind: PipelineSchema.ValueKind, key: String) -> SchemaValue? {
        func wrong() -> SchemaValue? {
            error(node, "'\(key)' must be \(kind.expected), found \(describe(node))")
            return nil
        }
        switch kind {
        case .identifier:
            guard let s = plainText(node) else { return wrong() }
            guard PipelineSchema.isValidJobName(s) else {
                error(node, "job name '\(s)' is not a plain identifier",
                      hint: "use letters, digits, '_' and '-' only, starting with a letter or '_' (no '/', '..', spaces)")
                return nil
            }
            return .text(s)
        case .text:
            guard let s = plainText(node), !s.isEmpty else { return wrong() }
            return .text(s)
        case .character:
            guard let s = plainText(node), s.count == 1 else { return wrong() }
            return .text(s)
        case .path:
            guard let s = plainText(node), !s.isEmpty else { return wrong() }
            if s.hasPrefix("~") {
                error(node, "'\(key)': '~' is not expanded (cron runs without HOME)",
                      hint: "write the path relative to the pipeline file's folder, or absolute")
                return nil
            }
            return .path(s)
        case .textList:
            guard case .sequence(let seq) = node, !seq.isEmpty else { return wrong() }
            var out: [String] = []
            for item in seq {
                guard let s = plainText(item), !s.isEmpty else {
                    error(item, "each item of '\(key)' must be a text value, found \(describe(item))")
                    return nil
                }
                out.append(s)
            }
            return .texts(out)
        case .choice(let choices):
            guard let s = plainText(node) else { return wrong() }
            guard choices.contains(s) else {
                error(node, "'\(key)' must be one of \(choices.joined(separator: ", ")); found '\(s)'",
                      hint: nearest(s, in: choices).map { "did you mean '\($0)'?" })
                return nil
            }
            return .text(s)
        case .choiceList(let choices):
            guard case .sequence(let seq) = node, !seq.isEmpty else { return wrong() }
            var out: [String] = []
            for item in seq {
                guard let s = plainText(item), choices.contains(s) else {
                    let found = plainText(item).map { "'\($0)'" } ?? describe(item)
                    error(item, "each item of '\(key)' must be one of \(choices.joined(separator: ", ")); found \(found)",
                          hint: plainText(item).flatMap { nearest($0, in: choices) }.map { "did you mean '\($0)'?" })
                    return nil
                }
                if out.contains(s) {
                    error(item, "'\(s)' is listed twice in '\(key)'")
                    return nil
                }
                out.append(s)
            }
            return .texts(out)
        case .integer(let minimum):
            guard let scalar = node.scalar, resolvedTag(node) == .int, let n = Int(scalar.string.replacingOccurrences(of: "_", with: "")) ?? node.int else {
                return wrong()
            }
            guard n >= minimum else {
                error(node, "'\(key)' must be at least \(minimum), found \(n)")
                return nil
            }
            return .integer(n)
        case .wholeNumber:
            guard let scalar = node.scalar, resolvedTag(node) == .int, let n = Int(scalar.string.replacingOccurrences(of: "_", with: "")) ?? node.int else {
                return wrong()
            }
            return .integer(n)
        case .number:
            guard node.scalar != nil, resolvedTag(node) == .int || resolvedTag(node) == .float, let x = node.float, x.isFinite else {
                return wrong()
            }
            return .number(x)
        case .cron:
            guard let s = plainText(node) else { return wrong() }
            do {
                return .cron(try CronExpression(s))
            } catch let e as CronExpressionError {
                error(node, "invalid schedule '\(s)': \(e.message)", hint: e.hint)
                return nil
            } catch {
                return wrong()
            }
        case .mapping, .jobList:
            return wrong()
        }
    }

    /// The tag the resolver gave the node (`!!int`, `!!str`, …); Yams keeps `Tag.name` internal.
    func resolvedTag(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.description) }

    /// The text of a scalar that is not null; numbers and booleans are accepted as their text
    /// (a column may well be called `2024`).
    func plainText(_ node: Node) -> String? {
        guard let scalar = node.scalar, resolvedTag(node) != .null else { return nil }
        return scalar.string
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s):
            if resolvedTag(node) == .null { return "nothing (null)" }
            return "'\(s.string)'"
        }
    }

    /// The pairs of a mapping node, or nil (with a problem) when it is not a mapping or has
    /// duplicate or non-text keys.
    mutating func mappingEntries(_ node: Node, context: String) -> [(key: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(context) must be a mapping of 'key: value' lines, found \(describe(node))")
            return nil
        }
        var seen: [String: Int] = [:]
        var entries: [(key: Node, value: Node)] = []
        var ok = true
        for (k, v) in mapping {
            guard let key = k.scalar?.string else {
                error(k, "keys must be plain words, found \(describe(k))")
                ok = false
                continue
            }
            if let first = seen[key] {
                error(k, "duplicate key '\(key)' (first on line \(first))", hint: "remove one of them")
                ok = false
                continue
            }
            seen[key] = k.mark?.line ?? 0
            entries.append((k, v))
        }
        return ok ? entries : nil
    }

    /// The key's text if it is allowed; otherwise records "unknown key" with a spelling hint.
    mutating func checkKey(_ k: Node, allowed: [String], context: String) -> String? {
        guard let key = k.scalar?.string else { return nil }
        guard allowed.contains(key) else {
            let suggestion = nearest(key, in: allowed).map { "did you mean '\($0)'? " } ?? ""
            error(k, "unknown key '\(key)' \(context)",
                  hint: "\(suggestion)valid keys: \(allowed.joined(separator: ", "))")
            return nil
        }
        return key
    }

    /// The closest candidate within edit distance 2, for "did you mean" hints.
    func nearest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.filter { $0.1 <= 2 }
        return scored.min(by: { $0.1 < $1.1 })?.0
    }

    static func syntaxError(_ e: YamlError, file: String) -> PipelineError {
        switch e {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let ctx = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return PipelineError(file: file, line: mark.line, column: mark.column,
                                 message: "YAML syntax: \(problem)\(ctx)",
                                 hint: "check indentation (spaces, not tabs) and quoting; quote values containing ': ' or starting with '*' or '@'")
        case .reader(let problem, _, _, _):
            return PipelineError(file: file, line: nil, message: "YAML: \(problem)", hint: "save the file as UTF-8 text")
        default:
            return PipelineError(file: file, line: nil, message: "YAML: \(e)")
        }
    }
}

/// Levenshtein distance (small words only).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    for i in 1...a.count {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[b.count]
}
