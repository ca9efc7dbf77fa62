import ForecastCore
import ForecastEvaluation
import ForecastModels
import Foundation

/// The combination `combo` as `forecast fit` saves it: `model-combo.json`, a data-only JSON
/// document (format `forecast-combination-model`, version 1) that lists its members' model files,
/// which lie in the same folder. `predict` predicts each member from its own file and takes the
/// equal-weight mean per step, members in the stored order (the order `fit` summed them in, so the
/// mean is the fit's bit for bit); the intervals are the combination's own, calibrated at fit time.
///
/// Fields (snake_case): `format`, `version`; `model` (`combo`); `members`, each `{model, file}`
/// (`{"model": "ets", "file": "model-ets.json"}`: the file name `fit` gives that model, nothing
/// else is accepted, so an edited file cannot point outside its folder); `target`, `tool_version`,
/// `configuration` (the run's `FitConfiguration`, for the horizon); `intervals` (``StoredIntervals``).
/// Cost: one prediction per member.
public struct CombinationCheckpoint: JSONModelFile, Equatable, Sendable {
    public static let formatName = "forecast-combination-model"
    public static let formatVersion = 1
    /// The most members a file may list (every statistical model and network of the contrast set fits).
    public static let maximumMembers = 16

    public struct Member: Codable, Equatable, Sendable {
        /// The member's name in the contrast set (`ets`, `theta`, `gru`, `custom`…).
        public var model: String
        /// Its model file, a name in the combination file's folder.
        public var file: String
    }

    public var format: String
    public var version: Int
    public var model: String
    public var members: [Member]
    public var target: String
    public var toolVersion: String
    public var configuration: FitConfiguration
    public var intervals: StoredIntervals?

    enum CodingKeys: String, CodingKey {
        case format, version, model, members, target, toolVersion = "tool_version", configuration, intervals
    }

    /// The file of the combination `result` of `run` whose members are in `files` (model name →
    /// file name written beside it); nil when it is not a working combination or a member has no file.
    init?(_ result: ModelResult, in run: RunResult, files: [String: String], toolVersion: String,
          configuration: FitConfiguration) {
        // The evaluator names the members in its configuration text, in the order it summed them.
        let prefix = "mean of "
        guard result.kind == .combination, result.status.isOK, result.configuration.hasPrefix(prefix) else { return nil }
        let names = result.configuration.dropFirst(prefix.count).components(separatedBy: ", ")
        var members: [Member] = []
        for name in names {
            guard let file = files[name], file == Self.fileName(ofMember: name) else { return nil }
            members.append(Member(model: name, file: file))
        }
        guard members.count >= 2 else { return nil }
        format = Self.formatName
        version = Self.formatVersion
        model = result.id
        self.members = members
        target = run.dataset.target
        self.toolVersion = toolVersion
        self.configuration = configuration
        intervals = StoredIntervals(result, in: run)
    }

    /// The file `fit` writes for a member (a statistical model's `.json`, a network's `.ckpt`),
    /// nil for a name that cannot be a member.
    static func fileName(ofMember name: String) -> String? {
        if let m = ContrastModel(rawValue: name) {
            if m.isStatistical { return FitWorkflow.statisticalCheckpointFileName(model: name) }
            if m.isNetwork { return FitWorkflow.checkpointFileName(model: name) }
            return nil
        }
        return name == "custom" ? FitWorkflow.checkpointFileName(model: name) : nil
    }

    public static var readableVersions: ClosedRange<Int> { formatVersion...formatVersion }

    public func validate(path: String) throws {
        func bad(_ name: String, _ reason: String) -> PredictError { StatisticalCheckpoint.field(path, name, reason) }
        guard model == ContrastModel.combo.rawValue else { throw bad("model", "is '\(model)', not 'combo'") }
        guard (2...Self.maximumMembers).contains(members.count) else {
            throw bad("members", "lists \(members.count) models, outside 2...\(Self.maximumMembers)")
        }
        for (i, m) in members.enumerated() {
            guard let expected = Self.fileName(ofMember: m.model) else {
                throw bad("members[\(i)].model", "is '\(m.model)', not a statistical model or a network")
            }
            guard m.file == expected else { throw bad("members[\(i)].file", "is '\(m.file)'; the \(m.model) model's file is '\(expected)'") }
            if members[..<i].contains(where: { $0.model == m.model }) { throw bad("members[\(i)].model", "is '\(m.model)', listed twice") }
        }
        guard !target.isEmpty else { throw bad("target", "is empty") }
        if let problem = configuration.problems().first(where: { $0.key != .input }) {
            throw bad("configuration.\(problem.key.rawValue)", problem.message)
        }
        guard configuration.horizon <= StatisticalCheckpoint.maximumHorizon else {
            throw bad("configuration.horizon", "is \(configuration.horizon), more than \(StatisticalCheckpoint.maximumHorizon)")
        }
        try intervals?.validate(horizon: configuration.horizon, prefix: "intervals", bad)
    }

    /// The mean of the members' predictions from `csvPath`, each read from its file beside `checkpointPath`.
    /// - Throws: a member's own error (naming its file), or ``PredictError`` (exit 31) when a
    ///   member's file holds another model, another target or fewer steps.
    func forecast(checkpointPath: String, csvPath: String) throws -> Prediction {
        let folder = URL(fileURLWithPath: checkpointPath).deletingLastPathComponent()
        let h = configuration.horizon
        var predictions: [Prediction] = []
        for m in members {
            let path = folder.appendingPathComponent(m.file).path
            func mismatch(_ what: String) -> PredictError {
                PredictError(file: path, message: "the combination \(checkpointPath) lists this file as its \(m.model) member, but \(what)",
                             hint: "keep the model files of one `forecast fit` run together, or re-run `forecast fit`",
                             exitStatus: .checkpointUnreadable)
            }
            // A member is never itself a combination (an edited file could otherwise list itself forever).
            if case .combination = try ModelFile.kind(of: path) { throw mismatch("it is a combination file") }
            let p = try Prediction.run(checkpointPath: path, csvPath: csvPath)
            guard p.modelID == m.model else { throw mismatch("it holds the \(p.modelID) model") }
            guard p.target == target else { throw mismatch("its target is '\(p.target)', not '\(target)'") }
            guard p.points.count >= h else { throw mismatch("it forecasts \(p.points.count) steps, not \(h)") }
            predictions.append(p)
        }
        // Summed from 0 in member order, then divided: the evaluator's arithmetic, so the numbers agree bit for bit.
        let values = (0..<h).map { j in predictions.reduce(0) { $0 + $1.points[j].value } / Double(predictions.count) }
        let first = predictions[0]
        let dates = first.points.allSatisfy { $0.date != nil } ? first.points.map { $0.date! } : nil
        var combined = Prediction(model: "\(model) (mean of \(members.map(\.model).joined(separator: ", ")))", modelID: model, target: target,
                                  lastDate: first.lastDate, horizon: h, intervalLevels: intervals?.levels.map(\.level),
                                  points: Prediction.points(values, dates: dates, intervals: intervals))
        // The members read the same CSV with the same settings: they start from the same values.
        combined.dataNote = first.dataNote
        return combined
    }
}
