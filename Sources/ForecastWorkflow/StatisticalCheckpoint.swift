import ForecastCore
import ForecastEvaluation
import ForecastIngest
import ForecastModels
import Foundation

/// A statistical model (`ets`, `theta`) as `forecast fit` saves it beside the report:
/// `model-<name>.json`, a data-only JSON document (format `forecast-statistical-model`, version 2;
/// version 1, without `intervals`, is still read) that `forecast predict` reads back, refiltering
/// the CSV's target with the fixed parameters.
///
/// Fields (snake_case; absent where the family or spec has no such value):
/// - `format`, `version`: the format's name and version; other versions are refused.
/// - `model` (`ets` | `theta`, the name in the contrast set), `family` (the same), `spec`
///   (`ETS(M,Ad,M)`; `STM`, `OTM`, `DSTM`, `DOTM`), `season_length` (m the model uses, 1 without season).
/// - `parameters`: ETS `alpha`, and `beta` with a trend, `gamma` with a season, `phi` when damped;
///   Theta `initial_level` (ℓ₀, deseasonalised units), `alpha`, `theta`.
/// - `initial_states` (ETS): `level`, `trend` (with a trend), `seasonal` (m states in statsforecast's
///   and R's order, index j holding s₋ⱼ, so the last applies to the first value; empty without season).
/// - `seasonal_decomposition` (Theta, when the training part was found seasonal): `kind`
///   (`multiplicative` | `additive`) and the m `indices` in phase order, phase 0 at the first value.
/// - `training`: `count` of values fitted on, `first_date` and `last_date` (UTC,
///   `yyyy-MM-ddTHH:mm:ssZ`; absent for a dateless series) and `values_sha256`, the SHA-256 of
///   those values as little-endian IEEE-754 doubles.
/// - `target`, `features` (the columns read, so that rows are dropped or filled alike),
///   `tool_version`, `configuration` (the run's `FitConfiguration`, for reading the CSV and the horizon).
/// - `intervals` (version 2): the model's split-conformal half-widths per level and step, and the
///   floor bounds are cut at (``StoredIntervals``); absent in version 1, which predicts without intervals.
///
/// The state of an ETS or Theta model is the whole history filtered from the first value (and
/// Theta's seasonal indices and trend line come from the training values), so `predict` needs the
/// training values themselves: the CSV must start with the training rows unchanged — same first
/// and last training dates, same values (checked against `values_sha256`) — and may continue past
/// them. The forecast is from its last row, equal bit for bit to fit's next forecast on the same data.
public struct StatisticalCheckpoint: JSONModelFile, Equatable, Sendable {
    public static let formatName = "forecast-statistical-model"
    /// The version `fit` writes; `predict` reads ``readableVersions``.
    public static let formatVersion = 2
    public static let readableVersions: ClosedRange<Int> = 1...2
    /// The largest file `predict` reads (a model holds a few numbers and m seasonal values).
    public static let maximumBytes = 64 << 20
    /// The longest season a file may declare.
    public static let maximumSeasonLength = 1_000_000
    /// The longest horizon a file may ask for (the network checkpoints' output limit).
    public static let maximumHorizon = Checkpoint.maximumFeatures

    public enum Family: String, Codable, Sendable { case ets, theta }

    public struct InitialStates: Codable, Equatable, Sendable {
        public var level: Double
        public var trend: Double?
        public var seasonal: [Double]
    }

    public struct Decomposition: Codable, Equatable, Sendable {
        public var kind: String
        public var indices: [Double]
    }

    public struct TrainingSpan: Codable, Equatable, Sendable {
        public var count: Int
        public var firstDate: String?
        public var lastDate: String?
        public var valuesSHA256: String

        enum CodingKeys: String, CodingKey {
            case count, firstDate = "first_date", lastDate = "last_date", valuesSHA256 = "values_sha256"
        }
    }

    public var format: String
    public var version: Int
    public var model: String
    public var family: Family
    public var spec: String
    public var seasonLength: Int
    public var parameters: [String: Double]
    public var initialStates: InitialStates?
    public var seasonalDecomposition: Decomposition?
    public var training: TrainingSpan
    public var target: String
    public var features: [String]
    public var toolVersion: String
    public var configuration: FitConfiguration
    public var intervals: StoredIntervals?

    enum CodingKeys: String, CodingKey {
        case format, version, model, family, spec, seasonLength = "season_length", parameters
        case initialStates = "initial_states", seasonalDecomposition = "seasonal_decomposition"
        case training, target, features, toolVersion = "tool_version", configuration, intervals
    }

    /// The checkpoint of a model fitted on `training` (dated by `trainingDates` when the series has dates).
    init(model: String, fitted: FittedStatistical, training: ArraySlice<Double>, trainingDates: [Date]?,
         target: String, features: [String], toolVersion: String, configuration: FitConfiguration) {
        format = Self.formatName
        version = Self.formatVersion
        self.model = model
        switch fitted {
        case .ets(let m):
            family = .ets
            spec = m.spec.description
            seasonLength = m.seasonLength
            var p = ["alpha": m.parameters.alpha]
            p["beta"] = m.parameters.beta
            p["gamma"] = m.parameters.gamma
            p["phi"] = m.parameters.phi
            parameters = p
            initialStates = InitialStates(level: m.initialState.level, trend: m.initialState.trend,
                                          seasonal: m.initialState.seasonal)
            seasonalDecomposition = nil
        case .theta(let m):
            family = .theta
            spec = m.variant.rawValue
            seasonLength = m.seasonLength
            parameters = ["initial_level": m.parameters.initialLevel, "alpha": m.parameters.alpha, "theta": m.parameters.theta]
            initialStates = nil
            seasonalDecomposition = m.decomposition.map { Decomposition(kind: $0.kind.rawValue, indices: $0.indices) }
        }
        self.training = TrainingSpan(count: training.count, firstDate: trainingDates?.first.map(Self.dateText),
                                     lastDate: trainingDates?.last.map(Self.dateText), valuesSHA256: Self.digest(training))
        self.target = target
        self.features = features
        self.toolVersion = toolVersion
        self.configuration = configuration
    }

    /// UTC `yyyy-MM-ddTHH:mm:ssZ` (proleptic Gregorian, whole seconds), how dates are stored and compared.
    static func dateText(_ date: Date) -> String {
        let t = UTCDateTime(date)
        return "\(t.dayText)T\(UTCDateTime.padded(t.hour, 2)):\(UTCDateTime.padded(t.minute, 2)):\(UTCDateTime.padded(t.second, 2))Z"
    }

    /// SHA-256 of `values` as little-endian IEEE-754 doubles, lowercase hex.
    static func digest(_ values: ArraySlice<Double>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 8)
        for v in values {
            withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return sha256Hex(of: Data(bytes))
    }
}

// MARK: - Reading an untrusted file

extension StatisticalCheckpoint {
    /// Reads and validates a file written by `fit` (``validate(path:)``).
    /// - Throws: ``PredictError`` with exit 31 naming the field when the file is unreadable, too
    ///   large, not this format or version, or holds a value that is missing, of the wrong type,
    ///   not finite, out of range or inconsistent with the spec.
    public static func read(from path: String) throws -> StatisticalCheckpoint {
        try decode(try ModelFile.readJSON(path), path: path)
    }

    /// Checks every field against the format and the spec: finite numbers within the estimation's
    /// ranges, as many seasonal values as the season, the parameter names the spec has, and the
    /// configuration passing `fit`'s own rules. O(m).
    /// - Throws: ``PredictError`` (exit 31) naming the first bad field.
    public func validate(path: String) throws {
        func bad(_ name: String, _ reason: String) -> PredictError { Self.field(path, name, reason) }
        guard let contrast = ContrastModel(rawValue: model), contrast.isStatistical else {
            throw bad("model", "is '\(model)', not one of \(ContrastModel.statistical.map(\.rawValue).joined(separator: ", "))")
        }
        guard contrast.rawValue == family.rawValue else { throw bad("family", "is '\(family.rawValue)' but 'model' is '\(model)'") }
        guard (1...Self.maximumSeasonLength).contains(seasonLength) else {
            throw bad("season_length", "is \(seasonLength), outside 1...\(Self.maximumSeasonLength)")
        }
        guard training.count >= 1, training.count <= Int(Int32.max) else {
            throw bad("training.count", "is \(training.count), outside 1...\(Int32.max)")
        }
        let hex = training.valuesSHA256.utf8
        guard hex.count == 64, hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw bad("training.values_sha256", "is not 64 lowercase hexadecimal digits")
        }
        guard (training.firstDate == nil) == (training.lastDate == nil) else {
            throw bad(training.firstDate == nil ? "training.first_date" : "training.last_date", "is missing while the other training date is given")
        }
        for (name, text) in [("training.first_date", training.firstDate), ("training.last_date", training.lastDate)] {
            if let text, text.isEmpty || text.count > 64 { throw bad(name, "is not a date") }
        }
        try Self.validateColumnsAndConfiguration(target: target, features: features, configuration: configuration, path: path)
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) where !value.isFinite {
            throw bad("parameters.\(name)", "is \(value), not a finite number")
        }
        switch family {
        case .ets: try validateETS(bad)
        case .theta: try validateTheta(bad)
        }
        if version < 2, intervals != nil { throw bad("intervals", "is given in a version \(version) file, which has none") }
        try intervals?.validate(horizon: configuration.horizon, prefix: "intervals", bad)
    }

    private func requireParameters(_ names: [String], _ bad: (String, String) -> PredictError) throws {
        for name in names where parameters[name] == nil { throw bad("parameters.\(name)", "is missing for \(spec)") }
        if let extra = parameters.keys.sorted().first(where: { !names.contains($0) }) {
            throw bad("parameters.\(extra)", "is not a parameter of \(spec) (it has \(names.joined(separator: ", ")))")
        }
    }

    private func requireRange(_ name: String, _ range: ClosedRange<Double>, open lower: Bool = false,
                              _ bad: (String, String) -> PredictError) throws {
        guard let v = parameters[name] else { return }
        guard range.contains(v), !(lower && v == range.lowerBound) else {
            throw bad("parameters.\(name)", "is \(v), outside \(lower ? "(" : "[")\(range.lowerBound), \(range.upperBound)]")
        }
    }

    private func validateETS(_ bad: (String, String) -> PredictError) throws {
        guard let s = ETSSpec(spec), s.isAllowed else { throw bad("spec", "is '\(spec)', not an allowed ETS(error,trend,season) model") }
        if s.isSeasonal && seasonLength < 2 { throw bad("season_length", "is \(seasonLength); \(spec) needs a season of at least 2") }
        if !s.isSeasonal && seasonLength != 1 { throw bad("season_length", "is \(seasonLength); \(spec) has no season, so it is 1") }
        var names = ["alpha"]
        if s.hasTrend { names.append("beta") }
        if s.isSeasonal { names.append("gamma") }
        if s.isDamped { names.append("phi") }
        try requireParameters(names, bad)
        // The smoothing weights as estimated lie in [1e-4, 0.9999] and φ in [0.8, 0.98].
        try requireRange("alpha", 0...1, open: true, bad)
        try requireRange("beta", 0...1, bad)
        try requireRange("gamma", 0...1, bad)
        try requireRange("phi", 0...1, open: true, bad)
        if seasonalDecomposition != nil { throw bad("seasonal_decomposition", "is given, but an ETS model has none") }
        guard let states = initialStates else { throw bad("initial_states", "is missing") }
        guard states.level.isFinite else { throw bad("initial_states.level", "is \(states.level), not a finite number") }
        if s.hasTrend {
            guard let trend = states.trend else { throw bad("initial_states.trend", "is missing for \(spec)") }
            guard trend.isFinite else { throw bad("initial_states.trend", "is \(trend), not a finite number") }
        } else if states.trend != nil {
            throw bad("initial_states.trend", "is given, but \(spec) has no trend")
        }
        let m = s.isSeasonal ? seasonLength : 0
        guard states.seasonal.count == m else {
            throw bad("initial_states.seasonal", "has \(states.seasonal.count) values; \(spec) with season_length \(seasonLength) has \(m)")
        }
        for (k, v) in states.seasonal.enumerated() where !v.isFinite || (s.season == .multiplicative && v < 0) {
            throw bad("initial_states.seasonal[\(k)]", "is \(v), not a finite\(s.season == .multiplicative ? " non-negative" : "") number")
        }
    }

    private func validateTheta(_ bad: (String, String) -> PredictError) throws {
        guard let variant = ThetaVariant(rawValue: spec) else {
            throw bad("spec", "is '\(spec)', not one of \(ThetaVariant.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try requireParameters(["initial_level", "alpha", "theta"], bad)
        try requireRange("alpha", 0...1, open: true, bad)
        if variant.estimatesTheta {
            try requireRange("theta", 1...Double.greatestFiniteMagnitude, bad)
        } else if parameters["theta"] != 2 {
            throw bad("parameters.theta", "is \(parameters["theta"]!); \(spec) has θ = 2")
        }
        if initialStates != nil { throw bad("initial_states", "is given, but a Theta model has none") }
        if let d = seasonalDecomposition {
            guard d.kind == SeasonalDecomposition.Kind.multiplicative.rawValue || d.kind == SeasonalDecomposition.Kind.additive.rawValue else {
                throw bad("seasonal_decomposition.kind", "is '\(d.kind)', not multiplicative or additive")
            }
            guard seasonLength >= 2, d.indices.count == seasonLength else {
                throw bad("seasonal_decomposition.indices", "has \(d.indices.count) values for season_length \(seasonLength)")
            }
            for (k, v) in d.indices.enumerated() where !v.isFinite || (d.kind == "multiplicative" && v == 0) {
                throw bad("seasonal_decomposition.indices[\(k)]", "is \(v), not a finite\(d.kind == "multiplicative" ? " non-zero" : "") number")
            }
        }
    }

    static func field(_ path: String, _ name: String, _ reason: String) -> PredictError {
        PredictError(file: path, message: "the checkpoint's field '\(name)' \(reason)",
                     hint: "the file was not written by `forecast fit` or was edited; re-run `forecast fit` to make a new one",
                     exitStatus: .checkpointUnreadable)
    }

    static func invalid(_ path: String, _ reason: String) -> PredictError {
        PredictError(file: path, message: "the checkpoint \(reason)",
                     hint: "give a model-<name>.json or model-<name>.ckpt written by `forecast fit`",
                     exitStatus: .checkpointUnreadable)
    }

    /// What is wrong with text that does not parse as JSON, for the message: the parser's own
    /// words and, for a number no Double can hold (`1e999`), the key it follows. Empty if it parses.
    static func syntaxProblem(_ data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data)
            return ""
        } catch {
            guard let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String else { return "" }
            var text = ": " + detail
            if detail.hasPrefix("Number "), let number = detail.split(separator: " ").dropFirst().first,
               let json = String(data: data, encoding: .utf8), let at = json.range(of: String(number)),
               let key = json[..<at.lowerBound].components(separatedBy: "\"").dropLast().last(where: { !$0.isEmpty && !$0.contains(":") }) {
                text += " (the value of '\(key)')"
            }
            return text
        }
    }

    /// A decoding error as the field it is about (`parameters.alpha`, `initial_states.seasonal[3]`).
    static func describe(_ error: DecodingError, path: String, data: Data) -> PredictError {
        func name(_ codingPath: [any CodingKey]) -> String {
            var out = ""
            for key in codingPath {
                if let index = key.intValue { out += "[\(index)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out
        }
        switch error {
        case .keyNotFound(let key, let context):
            return field(path, name(context.codingPath + [key]), "is missing")
        case .valueNotFound(_, let context):
            return field(path, name(context.codingPath), "is null")
        case .typeMismatch(let type, let context):
            return field(path, name(context.codingPath), "is not of the expected type (\(type))")
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? invalid(path, "is not valid JSON" + syntaxProblem(data))
                : field(path, name(context.codingPath), "is not valid: \(context.debugDescription)")
        @unknown default:
            return invalid(path, "could not be read: \(error)")
        }
    }
}

// MARK: - Forecasting from a CSV

extension StatisticalCheckpoint {
    /// The model rebuilt from the stored parameters over `training`, the CSV's first
    /// `training.count` values (already checked against `values_sha256`).
    /// - Throws: ``PredictError`` (exit 31) when the stored values do not make a model, or when
    ///   Theta's seasonal decomposition of those values is not the stored one.
    func rebuild(training: [Double], path: String) throws -> any FittedStatisticalModel {
        switch family {
        case .ets:
            guard let s = ETSSpec(spec), let states = initialStates else { throw Self.field(path, "spec", "is not valid") }
            let p = ETSParameters(alpha: parameters["alpha"] ?? .nan, beta: parameters["beta"], gamma: parameters["gamma"],
                                  phi: parameters["phi"])
            do {
                return try ETS.model(spec: s, seasonLength: seasonLength, parameters: p,
                                     initialStates: ExponentialSmoothingState(level: states.level, trend: states.trend,
                                                                               seasonal: states.seasonal),
                                     y: training)
            } catch {
                throw Self.invalid(path, "does not describe a usable \(spec) model: \(StatisticalModelFit.failureText(error, model: .ets))")
            }
        case .theta:
            guard let variant = ThetaVariant(rawValue: spec) else { throw Self.field(path, "spec", "is not valid") }
            let p = ThetaParameters(initialLevel: parameters["initial_level"] ?? .nan, alpha: parameters["alpha"] ?? .nan,
                                    theta: parameters["theta"] ?? .nan)
            let model: ThetaModel
            do {
                model = try Theta.model(variant: variant, parameters: p, y: training, seasonLength: seasonLength)
            } catch {
                throw Self.invalid(path, "does not describe a usable \(spec) model: \(StatisticalModelFit.failureText(error, model: .theta))")
            }
            // The indices are estimated from the training values again; the stored ones must agree.
            let rebuilt = model.decomposition.map { Decomposition(kind: $0.kind.rawValue, indices: $0.indices) }
            guard rebuilt == seasonalDecomposition else {
                throw Self.field(path, "seasonal_decomposition",
                                 "does not match the seasonal decomposition of the \(training.count) training values (\(rebuilt.map { "\($0.kind), \($0.indices.count) indices" } ?? "none"))")
            }
            return model
        }
    }

    /// The next `configuration.horizon` forecasts after the last row of `series`, whose first
    /// `training.count` rows must be the training rows (see the type's documentation).
    /// - Throws: ``PredictError``: exit 32 when the CSV does not start with the training rows,
    ///   exit 31 when the stored model is unusable, exit 14 when the forecast is not finite.
    func forecast(series: Series, checkpointPath: String, csvPath: String) throws -> Prediction {
        let n = training.count
        func mismatch(_ message: String) -> PredictError {
            PredictError(file: csvPath, message: message,
                         hint: "the \(model) model in \(checkpointPath) filters the whole series from its first row: give the CSV it was fitted on (\(n) training rows\(training.firstDate.map { " from \($0)" } ?? "")), unchanged, possibly with rows added at the end; or re-run `forecast fit`",
                         exitStatus: .checkpointColumnsMismatch)
        }
        guard series.count >= n else {
            throw mismatch("the CSV has \(series.count) rows, fewer than the \(n) the model was fitted on")
        }
        switch (training.firstDate, training.lastDate, series.dates) {
        case (let first?, let last?, let dates?):
            let firstHere = Self.dateText(dates[0]), lastHere = Self.dateText(dates[n - 1])
            guard firstHere == first else {
                throw mismatch("the CSV starts on \(firstHere), but the model's training series starts on \(first)")
            }
            guard lastHere == last else {
                throw mismatch("row \(n) of the CSV is dated \(lastHere), but the model's last training row is dated \(last): rows were added or removed inside the training span")
            }
        case (.some, _, nil):
            throw mismatch("the CSV has no date column, but the model was fitted on a dated series")
        case (nil, _, .some):
            throw mismatch("the CSV has a date column, but the model was fitted on a series without dates")
        default:
            break
        }
        let trainingValues = Array(series.target[0..<n])
        guard Self.digest(trainingValues[...]) == training.valuesSHA256 else {
            throw mismatch("the first \(n) values of '\(target)' differ from those the model was fitted on (their SHA-256 does not match)")
        }
        let fitted = try rebuild(training: trainingValues, path: checkpointPath)
        let h = configuration.horizon
        let values = StatisticalModelFit.nextForecast(fitted, along: series.target, horizon: h)
        guard values.count == h, values.allSatisfy(\.isFinite) else {
            let largest = series.target.indices.max { abs(series.target[$0]) < abs(series.target[$1]) } ?? 0
            let place = series.dates.map { "on \(series.frequency.format($0[largest]))" } ?? "in row \(largest + 1)"
            throw PredictError(file: csvPath,
                               message: "the \(spec) forecast from this CSV is not a finite number (its largest value is \(series.target[largest]) \(place))",
                               hint: "check the values after the training rows (a unit or typing error?), or re-run `forecast fit`",
                               exitStatus: .nonNumericValue)
        }
        let frequency = series.frequency
        let last = series.dates?.last
        let dates = last.map { last in (1...h).map { frequency.format(frequency.advance(last, by: $0)) } }
        return Prediction(model: "\(model) \(spec)", modelID: model, target: target, lastDate: last.map { frequency.format($0) },
                          horizon: h, intervalLevels: intervals?.levels.map(\.level),
                          points: Prediction.points(values, dates: dates, intervals: intervals))
    }
}
