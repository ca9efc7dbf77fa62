import ForecastIngest
import ForecastModels
import ForecastWorkflow
import Foundation
import Yams

extension PipelineSchemaParser {
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
        if let portfolioProblem = applyPortfolio(nodeOfKey, to: &job) {
            error(portfolioProblem.node, portfolioProblem.message, hint: portfolioProblem.hint)
            ok = false
        }
        // A model spec without a models list runs beside the baselines only.
        if nodeOfKey["model_spec"] != nil && nodeOfKey["models"] == nil { job.fit.models = ContrastModel.baselines }
        // Retention deletes inside a job's folder: it must be the report root's, never above it.
        if !Self.isInside(job.reportDir, reportRoot) {
            error(nodeOfKey["report_dir"] ?? node, "job '\(name)': 'report_dir' \(job.reportDir.path) is outside the report root \(reportRoot.path)",
                  hint: "a job's folder must be inside report_root (the default is <report_root>/<name>); see pipelines/README.md")
            ok = false
        }
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
        // `input` may list several files or patterns: the first stands for the job's input, the
        // list is kept for a portfolio (``applyPortfolio``).
        switch (key, value) {
        case ("input", .path(let p)):
            job.fit.input = resolve(p).path
            job.portfolio = PortfolioInput(inputs: [job.fit.input], shape: job.portfolio?.shape ?? .files)
            return
        case ("input", .texts(let l)):
            job.portfolio = PortfolioInput(inputs: l.map { resolve($0).path }, shape: job.portfolio?.shape ?? .files)
            job.fit.input = job.portfolio!.inputs[0]
            return
        case ("id_column", .text(let s)):
            job.portfolio = PortfolioInput(inputs: job.portfolio?.inputs ?? [], shape: .long(idColumn: s))
            return
        case ("targets", .text):
            job.portfolio = PortfolioInput(inputs: job.portfolio?.inputs ?? [], shape: .wide(targets: nil))
            return
        case ("targets", .texts(let l)):
            job.portfolio = PortfolioInput(inputs: job.portfolio?.inputs ?? [], shape: .wide(targets: l))
            return
        default: break
        }
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
        case (.modelSpec, .texts(let l)): try? c.setModelSpecs(l)  // value(_:kind:key:) refused what throws
        case (.delimiter, .text(let s)): c.delimiter = s
        case (.features, .texts(let l)): c.features = l
        case (.missing, .text(let s)): c.missing = MissingPolicy(rawValue: s) ?? c.missing
        case (.duplicates, .text(let s)): c.duplicates = DuplicatePolicy(rawValue: s) ?? c.duplicates
        case (.transform, .text(let s)): c.transform = TargetTransform(rawValue: s) ?? c.transform
        case (.scaling, .text(let s)): c.scaling = Scaling(rawValue: s) ?? c.scaling
        case (.optimizer, .text(let s)): c.optimizer = OptimizerName(rawValue: s) ?? c.optimizer
        case (.loss, .text(let s)): c.loss = LossName(rawValue: s) ?? c.loss
        case (.initScheme, .text(let s)): c.initScheme = InitScheme(rawValue: s) ?? c.initScheme
        case (.models, .texts(let l)): c.models = l.compactMap(ContrastModel.init(rawValue:))
        case (.window, .integer(let n)): c.window = n
        case (.stride, .integer(let n)): c.stride = n
        case (.horizon, .integer(let n)): c.horizon = n
        case (.hidden, .integer(let n)): c.hidden = n
        case (.epochs, .integer(let n)): c.epochs = n
        case (.batchSize, .integer(let n)): c.batchSize = n
        case (.patience, .integer(let n)): c.patience = n
        case (.ensemble, .integer(let n)): c.ensemble = n
        case (.season, .integer(let n)): c.season = n
        case (.seed, .integer(let n)): c.seed = UInt64(n)
        case (.testFraction, .number(let x)): c.testFraction = x
        case (.validationFraction, .number(let x)): c.validationFraction = x
        case (.learningRate, .number(let x)): c.learningRate = x
        case (.clip, .number(let x)): c.clip = x
        case (.global, .boolean(let b)): c.global = b ? true : nil
        case (.seriesEmbedding, .text(let s)): c.seriesEmbedding = SeriesEmbedding(rawValue: s).flatMap { $0 == .none ? nil : $0 }
        default: break
        }
    }

    func resolve(_ path: String) -> URL {
        URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL
    }

    /// Decides whether the job is a portfolio, with `forecast fit`'s rules: `id_column` (long
    /// format), `targets` (wide format), or several files / a glob (one series per file); the
    /// first two exclude each other, and `targets` excludes `target`. Leaves `job.portfolio`
    /// nil for a single series. Returns the first problem, placed at the key that caused it.
    func applyPortfolio(_ nodeOfKey: [String: Node], to job: inout JobConfig) -> (node: Node, message: String, hint: String?)? {
        let inputs = (job.portfolio?.inputs).flatMap { $0.isEmpty ? nil : $0 } ?? [job.fit.input]
        let idNode = nodeOfKey["id_column"], targetsNode = nodeOfKey["targets"]
        if let idNode, let targetsNode {
            let later = (targetsNode.mark?.line ?? 0) >= (idNode.mark?.line ?? 0) ? targetsNode : idNode
            return (later, "'id_column' (long format) and 'targets' (wide format) cannot be used together",
                    "keep 'id_column' for a file with one row per (id, date), 'targets' for one column per series")
        }
        if let targetsNode, let targetNode = nodeOfKey["target"] {
            let later = (targetsNode.mark?.line ?? 0) >= (targetNode.mark?.line ?? 0) ? targetsNode : targetNode
            return (later, "'target' names one series' column; with 'targets' each listed column is a series",
                    "drop 'target'")
        }
        let shape = job.portfolio?.shape ?? .files
        if shape == .files && inputs.count == 1 && !PortfolioInput.isPattern(inputs[0]) {
            job.portfolio = nil
            if job.fit.isGlobal, let node = nodeOfKey["global"] {
                return (node, "'global' trains one network on the windows of many series, but this job has one series",
                        "give several files or a glob as 'input', or 'id_column' or 'targets'; or drop 'global'")
            }
            return nil
        }
        job.portfolio = PortfolioInput(inputs: inputs, shape: shape)
        return nil
    }
}
