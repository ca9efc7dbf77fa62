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
        /// One path, a glob pattern, or a list of paths and patterns (`input`).
        case paths
        /// `all`, a list of column names, or names separated by commas (`targets`).
        case targets
        case textList
        /// `model_spec`: one `fit --model-spec` value, or a list of them (several named models).
        case modelSpecs
        case choice([String])
        case choiceList([String])
        /// Whole number ≥ the bound.
        case integer(min: Int)
        /// Any whole number (the setting's own rules say which are usable).
        case wholeNumber
        /// Any finite number (the setting's own rules say which are usable).
        case number
        case cron
        /// `true` or `false`.
        case boolean
        case mapping
        case jobList

        var expected: String {
            switch self {
            case .identifier: "a plain name (letters, digits, '_' and '-', not starting with a digit or '-')"
            case .text: "a text value"
            case .character: "a single character"
            case .path: "a file path"
            case .paths: "a file path, a glob such as data/*.csv, or a list of them"
            case .targets: "'all', a list of column names, or names separated by commas"
            case .textList: "a list of text values"
            case .modelSpecs: "a model spec ('gru(64) > dense(1)' or 'name=spec') or a list of named ones"
            case .choice(let c): "one of: \(c.joined(separator: ", "))"
            case .choiceList(let c): "a list of: \(c.joined(separator: ", "))"
            case .integer(let m): "a whole number ≥ \(m)"
            case .wholeNumber: "a whole number"
            case .number: "a number"
            case .cron: "a cron expression such as \"30 6 * * 1-5\""
            case .boolean: "true or false"
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

    /// Keys of a job (and of `defaults:`, except `name`): its name, the run settings, the
    /// portfolio keys (`id_column`, `targets`: the spellings of `fit --id-column`, `--targets`),
    /// then the scheduling keys.
    public static let jobKeys: [(key: String, kind: ValueKind)] =
        [("name", .identifier)]
        + FitConfiguration.Key.allCases.compactMap { k in valueKind(of: k).map { (k.pipelineKey, $0) } }
        + [("id_column", .text), ("targets", .targets)]
        + [("schedule", .cron), ("retention", .integer(min: 1)), ("refit", .choice(RefitPolicy.allCases.map(\.rawValue)))]

    /// The YAML type of a run setting; nil for settings a job cannot set (the dataset name is
    /// the job's name; the interval levels are fixed).
    public static func valueKind(of key: FitConfiguration.Key) -> ValueKind? {
        switch key {
        case .input: .paths
        case .reportsDirectory: .path
        case .target, .dateColumn, .dateFormat: .text
        case .modelSpec: .modelSpecs
        case .delimiter: .character
        case .features: .textList
        case .missing: .choice(MissingPolicy.allCases.map(\.rawValue))
        case .duplicates: .choice(DuplicatePolicy.allCases.map(\.rawValue))
        case .transform: .choice(TargetTransform.allCases.map(\.rawValue))
        case .scaling: .choice(Scaling.allCases.map(\.rawValue))
        case .optimizer: .choice(OptimizerName.allCases.map(\.rawValue))
        case .loss: .choice(LossName.allCases.map(\.rawValue))
        case .initScheme: .choice(InitScheme.allCases.map(\.rawValue))
        case .models: .choiceList(ContrastModel.allCases.map(\.rawValue))
        case .window, .stride, .horizon, .hidden, .epochs, .batchSize, .patience, .ensemble, .season: .wholeNumber
        case .seed: .integer(min: 0)
        case .testFraction, .validationFraction, .learningRate, .clip: .number
        case .global: .boolean
        case .seriesEmbedding: .choice(SeriesEmbedding.allCases.map(\.rawValue))
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
