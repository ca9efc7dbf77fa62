import ForecastCore
import ForecastIngest
import ForecastModels
import Foundation

/// The models of the contrast set, named as on the `forecast fit --models` command line and in
/// a pipeline job's `models:` list.
public enum ContrastModel: String, CaseIterable, Codable, Sendable {
    case naive, snaive, drift, ets, theta, ff, rnn, gru, lstm, combo

    /// The baselines, which every run scores beside the other models.
    public static let baselines: [ContrastModel] = [.naive, .snaive, .drift]

    /// The statistical models, fitted on the training part (``StatisticalModelFit``).
    public static let statistical: [ContrastModel] = [.ets, .theta]

    /// Whether the model is a statistical model (ETS, Theta).
    public var isStatistical: Bool { Self.statistical.contains(self) }

    /// Whether the model is a trained network (neither a baseline rule, a statistical model nor
    /// the combination).
    public var isNetwork: Bool { !Self.baselines.contains(self) && !isStatistical && self != .combo }
}

/// Everything that defines one `forecast fit` run, typed. The command line (`forecast fit`) and a
/// pipeline job (`forecast run`) each fill one of these over the defaults below, and both check
/// it with the same ``validate()``; checkpoint loading reads it back. Its `Codable` encoding is
/// the one description of a run: the report's reproducibility block lists it (``settings``),
/// the pipeline hashes it to skip unchanged jobs, and checkpoints store it.
///
/// Adding a setting: a property here (with its default), a case in ``Key`` (its spellings), a
/// check in ``validate()`` if it has one, its `@Option` in the CLI's option groups, its YAML
/// reading in `PipelineSchema`, and its use. ARCHITECTURE.md has the checklist.
public struct FitConfiguration: Codable, Equatable, Sendable {
    // Ingest
    public var input: String
    /// One character; nil detects it from the first lines.
    public var delimiter: String? = nil
    public var dateColumn: String? = nil
    public var dateFormat: String? = nil
    public var target: String? = nil
    public var features: [String]? = nil
    public var missing: MissingPolicy = .ffill
    public var duplicates: DuplicatePolicy = .error

    // Windowing
    /// Time steps per input window; nil: derived from the data
    /// (``WindowingOptions/defaultTimeSteps(season:trainingPoints:)``: two seasons, or 32, at most
    /// a quarter of the training points).
    public var window: Int? = nil
    public var stride: Int = 1
    /// Steps ahead to forecast.
    public var horizon: Int = 1
    public var transform: TargetTransform = .diff
    public var scaling: Scaling = .zscore
    public var testFraction: Double = 0.2
    public var validationFraction: Double = 0.1

    // Models and training
    /// The contrast set, in report order.
    public var models: [ContrastModel] = ContrastModel.allCases
    /// Extra model given as a layer string, e.g. `bigru(64,sum) > dense(1)`; named `custom`.
    public var modelSpec: String? = nil
    /// Extra models under names of the user's choosing (`--model-spec deep='lstm(32) > dense(1)'`),
    /// in the order given, after ``modelSpec``'s; nil when there are none (so that the encoding of
    /// a configuration without them, which pipelines hash and checkpoints store, is unchanged).
    public var namedModelSpecs: [NamedModelSpec]? = nil
    public var hidden: Int = 64
    public var epochs: Int = 100
    public var batchSize: Int = 64
    public var learningRate: Double = 1e-3
    public var optimizer: OptimizerName = .adam
    public var loss: LossName = .mse
    /// Global gradient-norm clip; 0 turns clipping off.
    public var clip: Double = 1.0
    /// Early-stopping patience in epochs; 0 turns early stopping off.
    public var patience: Int = 10
    /// Seeds per network (`--ensemble k`): each network is trained k times from the seeds
    /// `FitWorkflow.memberSeed` derives from ``seed`` and its forecasts are the mean of the k;
    /// nil: ``defaultEnsembleSize``.
    public var ensemble: Int? = nil
    /// The ensemble size of a run that does not set one (see Benchmarks/README.md, "Network
    /// ensembles", for the accuracy gained against the time spent).
    public static let defaultEnsembleSize = 3
    /// The most seeds per network.
    public static let maximumEnsembleSize = 16
    /// Seeds per network in this run.
    public var ensembleSize: Int { ensemble ?? Self.defaultEnsembleSize }
    public var initScheme: InitScheme = .glorotOrthogonal
    public var seed: UInt64 = 42
    /// Season length for seasonal naive, ETS, Theta and MASE; nil infers it from the frequency.
    public var season: Int? = nil
    /// Coverage levels of the split-conformal prediction intervals, in percent.
    public var intervals: [Double] = [80, 95]

    // Portfolios
    /// `--global`: besides each series' own networks, one global twin of every network
    /// (`global-<name>`) trained once on the windows of all the portfolio's series pooled, then
    /// evaluated per series (``GlobalNetworks``). Portfolio runs only. nil (off) leaves the
    /// encoding of runs without it unchanged, so their pipeline hashes and checkpoints stay as they were.
    public var global: Bool? = nil
    /// `--series-embedding`: what the global networks are told about which series a window
    /// comes from; nil is ``SeriesEmbedding/none``.
    public var seriesEmbedding: SeriesEmbedding? = nil
    /// Whether the run trains global networks.
    public var isGlobal: Bool { global ?? false }

    // Output
    public var reportsDirectory: String = "reports"
    /// Name of the dataset in report paths; nil takes the input file's base name.
    public var datasetName: String? = nil

    public init(input: String) { self.input = input }
}


/// How a global network tells the series apart (`--series-embedding`, `series_embedding`).
public enum SeriesEmbedding: String, Codable, CaseIterable, Sendable {
    /// The windows' own features only: one function for every series.
    case none
    /// S extra input columns per time step (S = series in the global model), 1 in the column of
    /// the window's series and 0 elsewhere, so the network can learn a level or shape per series.
    case onehot

    /// The most series a one-hot embedding takes: beyond it the extra columns would outnumber
    /// the data's many times over (and a checkpoint holds at most 4096 inputs).
    public static let maximumOneHotSeries = 256
}

/// A network given as a layer string under a name of the user's choosing: `--model-spec
/// deep='lstm(32) > dense(1)'` on the command line, `model_spec: deep=lstm(32) > dense(1)` in a
/// pipeline job. The name is the model's id everywhere (report, metrics.json, history.csv,
/// forecasts.csv) and names its checkpoint (`model-deep.ckpt`), so it must be a plain id
/// (``nameProblem(_:)``) and differ from the built-in models' ids.
public struct NamedModelSpec: Codable, Equatable, Sendable {
    public var name: String
    public var spec: String

    public init(name: String, spec: String) {
        self.name = name
        self.spec = spec
    }

    /// Reads `name=spec`, or nil for a plain layer string. The layer grammar has no `=`, so text
    /// with one names its model, unless what comes before the `=` holds a layer's own characters
    /// (`(`, `>`, `:`): that is a mistyped spec, which the spec parser reports better.
    public init?(argument text: String) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !name.contains(where: { "(>:".contains($0) }) else { return nil }
        self.init(name: name, spec: text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces))
    }

    /// The ids of the built-in models, which a custom model may not take: the contrast set's and
    /// `custom`, the name of an unnamed spec.
    public static let reservedNames: [String] = ContrastModel.allCases.map(\.rawValue) + ["custom"]

    /// The longest name: it becomes part of a file name and of table cells.
    public static let maximumNameLength = 40

    /// The form a name must have, for error hints.
    public static let nameForm = "lowercase letters, digits, '-' and '_', starting with a letter, at most \(maximumNameLength) characters"

    /// Why `name` cannot name a model, or nil when it can.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "has an empty model name before '='" }
        let scalars = name.unicodeScalars
        let allowed = scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
        guard allowed, let first = scalars.first, ("a"..."z").contains(first), name.count <= maximumNameLength else {
            return "'\(name)' is not a usable model name"
        }
        if reservedNames.contains(name) { return "'\(name)' is the id of a built-in model" }
        return nil
    }
}

extension FitConfiguration {
    /// Every extra model given as a layer string, with the name it runs under: ``modelSpec`` as
    /// `custom`, then ``namedModelSpecs``.
    public var customModels: [NamedModelSpec] {
        (modelSpec.map { [NamedModelSpec(name: "custom", spec: $0)] } ?? []) + (namedModelSpecs ?? [])
    }

    /// Sets the extra models from `--model-spec` values (or a pipeline's `model_spec` items): a
    /// plain layer string becomes ``modelSpec`` (the model `custom`), each `name=spec` an entry
    /// of ``namedModelSpecs``, in order. Names are checked by ``validate()``.
    /// - Throws: when two values have no name: both would be `custom`.
    public mutating func setModelSpecs(_ texts: [String]) throws(FitConfigurationError) {
        var unnamed: String? = nil
        var named: [NamedModelSpec] = []
        for text in texts {
            if let n = NamedModelSpec(argument: text) {
                named.append(n)
            } else if unnamed == nil {
                unnamed = text
            } else {
                throw FitConfigurationError(.modelSpec, "gives two specs without a name; both would be the model 'custom'",
                                            hint: "name each extra model: name=spec, e.g. deep='lstm(32) > dense(1)' (names: \(NamedModelSpec.nameForm))")
            }
        }
        modelSpec = unnamed
        namedModelSpecs = named.isEmpty ? nil : named
    }

    /// The `--model-spec` values that give ``customModels``, as the command line spells them.
    public var modelSpecArguments: [String] {
        (modelSpec.map { [$0] } ?? []) + (namedModelSpecs ?? []).map { "\($0.name)=\($0.spec)" }
    }
}

extension FitConfiguration {
    /// Every setting of a run, with its command-line option and its pipeline key. Errors name a
    /// setting by key, and each front end spells it its own way.
    public enum Key: String, CaseIterable, Sendable {
        case input, delimiter, dateColumn, dateFormat, target, features, missing, duplicates
        case window, stride, horizon, transform, scaling, testFraction, validationFraction
        case models, modelSpec, hidden, epochs, batchSize, learningRate, optimizer, loss, clip
        case patience, ensemble, initScheme, seed, season, intervals, reportsDirectory, datasetName
        case global, seriesEmbedding

        /// The pipeline file's spelling: snake_case (`batch_size`).
        public var pipelineKey: String {
            switch self {
            case .reportsDirectory: return "report_dir"
            case .initScheme: return "init"
            default:
                var out = ""
                for c in rawValue {
                    if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
                }
                return out
            }
        }

        /// The command line's spelling: `--batch-size`.
        public var optionName: String {
            switch self {
            case .input: return "FILE.csv"
            case .reportsDirectory: return "--reports"
            default: return "--" + pipelineKey.replacingOccurrences(of: "_", with: "-")
            }
        }
    }
}

/// A setting of a run that cannot be used (exit 64). ``key`` names the setting; the front end
/// that read it turns it into the option or the YAML line the user wrote.
public struct FitConfigurationError: ForecastError, Equatable {
    public var key: FitConfiguration.Key
    public var message: String
    public var hint: String?
    /// How the front end spells the setting; the command line's by default.
    public var spelling: String

    public init(_ key: FitConfiguration.Key, _ message: String, hint: String? = nil) {
        self.key = key
        self.message = message
        self.hint = hint
        self.spelling = key.optionName
    }

    public var exitStatus: ExitStatus { .usage }
    public var location: ErrorLocation? { ErrorLocation(option: spelling) }
}

extension FitConfiguration {
    /// Checks every setting and the combinations, for the command line, pipeline jobs and
    /// checkpoint loading alike. Throws the first problem found.
    public func validate() throws(FitConfigurationError) {
        if let problem = problems().first { throw problem }
    }

    /// Every problem, in ``Key`` order (a pipeline check lists them all).
    public func problems() -> [FitConfigurationError] {
        var out: [FitConfigurationError] = []
        func check(_ ok: Bool, _ key: Key, _ message: @autoclosure () -> String, hint: String? = nil) {
            if !ok { out.append(FitConfigurationError(key, message(), hint: hint)) }
        }
        check(!input.isEmpty, .input, "no input file given")
        if let d = delimiter {
            check([",", ";", "|", "\t"].contains(d), .delimiter,
                  "must be ',', ';', 'tab' or '|' (got '\(d == "\t" ? "tab" : d)')")
        }
        if let f = features {
            check(!f.isEmpty && !f.contains { $0.trimmingCharacters(in: .whitespaces).isEmpty }, .features,
                  "has an empty column name in '\(f.joined(separator: ","))'",
                  hint: "give names separated by commas, e.g. close,volume")
        }
        if let window { check(window >= 1, .window, "must be at least 1 (got \(window))") }
        check(stride >= 1, .stride, "must be at least 1 (got \(stride))")
        check(horizon >= 1, .horizon, "must be at least 1 (got \(horizon))")
        check(testFraction > 0 && testFraction < 1, .testFraction, "must be between 0 and 1 (got \(testFraction))")
        check(validationFraction > 0 && validationFraction < 1, .validationFraction,
              "must be between 0 and 1 (got \(validationFraction))")
        check(!models.isEmpty || !customModels.isEmpty, .models, "is empty and no model spec is given: nothing to fit")
        check(Set(models).count == models.count, .models, "lists a model twice")
        // An unnamed spec's messages read as before; a named one's start with its name.
        func checkSpec(_ text: String, subject: String) {
            do {
                let spec = try ModelSpec(parsing: text)
                // The head must give one value per forecast step: checked here, before any data is read.
                let last = spec.layers.last { if case .dropout = $0 { return false } else { return true } }
                if case let .dense(units, _)? = last, units != horizon {
                    out.append(FitConfigurationError(.modelSpec, "\(subject)ends in dense(\(units)), which gives \(units) value\(units == 1 ? "" : "s") per window, but --horizon is \(horizon)",
                                                     hint: "end the description with dense(\(horizon)), one output per forecast step"))
                }
            } catch let e as ModelSpecError {
                out.append(FitConfigurationError(.modelSpec, "\(subject)column \(e.column): \(e.message)", hint: e.hint))
            } catch {
                out.append(FitConfigurationError(.modelSpec, "\(subject)\(error)"))
            }
        }
        if let text = modelSpec { checkSpec(text, subject: "") }
        var names: Set<String> = []
        for model in namedModelSpecs ?? [] {
            if let problem = NamedModelSpec.nameProblem(model.name) {
                out.append(FitConfigurationError(.modelSpec, problem,
                                                 hint: "write name=spec with a name of \(NamedModelSpec.nameForm), other than \(NamedModelSpec.reservedNames.joined(separator: ", ")); e.g. deep='lstm(32) > dense(1)'"))
            } else if !names.insert(model.name).inserted {
                out.append(FitConfigurationError(.modelSpec, "names two models '\(model.name)'", hint: "give each extra model its own name"))
            } else if isGlobal && model.name.hasPrefix(GlobalNetworks.namePrefix) {
                out.append(FitConfigurationError(.modelSpec, "'\(model.name)' starts with '\(GlobalNetworks.namePrefix)', the prefix of the global networks' names under --global",
                                                 hint: "give the model another name"))
            } else {
                checkSpec(model.spec, subject: "\(model.name): ")
            }
        }
        check(hidden >= 1, .hidden, "must be at least 1 (got \(hidden))")
        check(epochs >= 1, .epochs, "must be at least 1 (got \(epochs))")
        check(batchSize >= 1, .batchSize, "must be at least 1 (got \(batchSize))")
        check(learningRate > 0 && learningRate.isFinite, .learningRate, "must be greater than 0 (got \(learningRate))")
        check(clip >= 0 && clip.isFinite, .clip, "must be 0 (off) or positive (got \(clip))")
        check(patience >= 0, .patience, "must be 0 (off) or a whole number of epochs (got \(patience))")
        if let ensemble {
            check((1...Self.maximumEnsembleSize).contains(ensemble), .ensemble,
                  "must be between 1 and \(Self.maximumEnsembleSize) seeds per network (got \(ensemble))")
        }
        if let s = season { check(s >= 1, .season, "must be at least 1 (got \(s))") }
        if isGlobal {
            check(models.contains(where: \.isNetwork) || !customModels.isEmpty, .global,
                  "trains a global twin of each network of the run, but the models (\(models.map(\.rawValue).joined(separator: ","))) include no network",
                  hint: "add ff, rnn, gru or lstm to the models (or a model spec), or drop --global")
        }
        if let embedding = seriesEmbedding, embedding != .none {
            check(isGlobal, .seriesEmbedding, "\(embedding.rawValue) is an input of the global networks, but global networks are off",
                  hint: "turn them on (fit --global, or global: true in a pipeline job), or drop the series embedding")
        }
        check(!intervals.isEmpty && intervals.allSatisfy { $0 > 0 && $0 < 100 }, .intervals,
              "levels must be percentages between 0 and 100")
        return out
    }

    /// The encoding every derived description uses: JSON with sorted keys, unset values left out.
    public func canonicalJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain values cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

    /// The settings as `key = value` lines for the report's reproducibility block: every
    /// property of the encoding, in ``Key`` order, spelled as pipeline keys.
    public var settings: [(key: String, value: String)] {
        guard let object = try? JSONSerialization.jsonObject(with: canonicalJSON()) as? [String: Any] else { return [] }
        func text(_ v: Any) -> String {
            switch v {
            case let list as [Any]: return list.map(text).joined(separator: ",")
            case let s as String: return s == "\t" ? "tab" : s
            case let n as NSNumber: return "\(n)"
            default: return "\(v)"
            }
        }
        // One model_spec line per extra model, as given (a spec's own commas are not a list).
        return Key.allCases.flatMap { k -> [(key: String, value: String)] in
            if k == .modelSpec { return modelSpecArguments.map { (k.pipelineKey, $0) } }
            // JSONSerialization reads a Bool back as a number; the setting is written as YAML spells it.
            if k == .global { return global.map { [(k.pipelineKey, $0 ? "true" : "false")] } ?? [] }
            return object[k.rawValue].map { [(k.pipelineKey, text($0))] } ?? []
        }
    }
}
