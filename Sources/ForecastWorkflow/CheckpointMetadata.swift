import ForecastIngest
import ForecastModels
import Foundation

/// What `forecast predict` needs to rebuild a model's input from a CSV, stored as the metadata of
/// every checkpoint `fit` writes (``Checkpoint/metadata``, format version 2): the run's whole
/// typed configuration (its one `Codable` encoding, as in the reproducibility block and the
/// pipeline's skip hash), the columns, the scaler and windowing fitted at training time, and the
/// model's split-conformal interval half-widths (``StoredIntervals``, key `intervals`; written
/// since fit stores them, absent in older files, which then predict without intervals; older
/// releases ignore the key, so the checkpoint format version stays 2).
public struct CheckpointMetadata: Codable, Sendable {
    /// The model's name in the contrast set (`gru`, `custom`, …).
    public var model: String
    public var toolVersion: String
    public var target: String
    public var features: [String]
    public var scaler: Scaler
    public var windowing: WindowingOptions
    public var configuration: FitConfiguration
    /// Set by `fit` after the evaluation calibrated them; nil in files written before.
    public var intervals: StoredIntervals?
    /// A global network's one-hot series embedding (``SeriesEmbedding/onehot``): which of its
    /// columns is this series'. Absent for every other network; `predict` appends the same
    /// columns to the window it builds from the CSV.
    public var oneHotSeries: OneHotSeries?

    /// The series a checkpoint of a global network with a one-hot embedding was written for:
    /// input columns D ..< D + `count` after the D features, 1 at D + `index`.
    public struct OneHotSeries: Codable, Equatable, Sendable {
        /// The series' place among the global model's series (id order), 0-based.
        public var index: Int
        /// Series in the global model (S).
        public var count: Int
        /// The series id, for messages.
        public var series: String

        public init(index: Int, count: Int, series: String) {
            self.index = index
            self.count = count
            self.series = series
        }
    }

    public init(model: String, toolVersion: String, target: String, features: [String], scaler: Scaler,
                windowing: WindowingOptions, configuration: FitConfiguration, intervals: StoredIntervals? = nil) {
        self.model = model
        self.toolVersion = toolVersion
        self.target = target
        self.features = features
        self.scaler = scaler
        self.windowing = windowing
        self.configuration = configuration
        self.intervals = intervals
    }

    /// The JSON stored in the checkpoint (sorted keys).
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads the metadata of `checkpoint`, of either format version; `path` labels errors.
    /// - Throws: ``PredictError`` (exit 31) when it is missing or not what `fit` writes.
    public init(reading checkpoint: Checkpoint, path: String) throws {
        func invalid(_ what: String) -> PredictError {
            PredictError(file: path, message: "the checkpoint's \(what) is missing or not valid; it was not written by `forecast fit`",
                         hint: "re-run `forecast fit` to make a new one", exitStatus: .checkpointUnreadable)
        }
        if checkpoint.version >= 2 {
            do { self = try JSONDecoder().decode(Self.self, from: checkpoint.metadata) } catch { throw invalid("metadata") }
            try validate(against: checkpoint, path: path)
            return
        }
        // Version 1: one string per entry, JSON inside some of them.
        guard let entries = try? JSONDecoder().decode([String: String].self, from: checkpoint.metadata) else { throw invalid("metadata") }
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            guard let text = entries[key], let value = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else {
                throw invalid("'\(key)' entry")
            }
            return value
        }
        guard let target = entries["target"] else { throw invalid("'target' entry") }
        var configuration: FitConfiguration
        if entries["configuration"] != nil {
            configuration = try decode(FitConfiguration.self, "configuration")
        } else {
            // The earliest checkpoints stored the reading settings one by one.
            configuration = FitConfiguration(input: "")
            configuration.missing = entries["missing"].flatMap(MissingPolicy.init(rawValue:)) ?? .ffill
            configuration.duplicates = entries["duplicates"].flatMap(DuplicatePolicy.init(rawValue:)) ?? .error
            configuration.dateColumn = entries["date_column"]
            configuration.dateFormat = entries["date_format"]
            configuration.delimiter = entries["delimiter"]
        }
        self.init(model: entries["model"] ?? checkpoint.spec, toolVersion: entries["tool_version"] ?? "unknown",
                  target: target, features: try decode([String].self, "features"),
                  scaler: try decode(Scaler.self, "scaler"), windowing: try decode(WindowingOptions.self, "windowing"),
                  configuration: configuration)
        try validate(against: checkpoint, path: path)
    }

    /// Checks what `predict` will compute with, against the checkpoint's header: a checkpoint is
    /// untrusted input. The windowing must lie within ``Checkpoint``'s limits and agree with the
    /// header (window = `timeSteps`, horizon = `outputDim`, one feature per input), and the scaler
    /// must have one finite offset and one finite, non-zero scale per feature (and for the target).
    /// - Throws: ``PredictError`` (exit 31) naming the field.
    public func validate(against checkpoint: Checkpoint, path: String) throws {
        func bad(_ field: String, _ reason: String) -> PredictError {
            PredictError(file: path, message: "the checkpoint's metadata field '\(field)' \(reason)",
                         hint: "the file was not written by `forecast fit` or was edited; re-run `forecast fit` to make a new one",
                         exitStatus: .checkpointUnreadable)
        }
        let w = windowing
        guard (1...Checkpoint.maximumTimeSteps).contains(w.timeSteps) else {
            throw bad("windowing.timeSteps", "is \(w.timeSteps), outside 1...\(Checkpoint.maximumTimeSteps)")
        }
        guard w.timeSteps == checkpoint.timeSteps else {
            throw bad("windowing.timeSteps", "is \(w.timeSteps), but the model's window (header 'timeSteps') is \(checkpoint.timeSteps)")
        }
        guard (1...Checkpoint.maximumFeatures).contains(w.horizon) else {
            throw bad("windowing.horizon", "is \(w.horizon), outside 1...\(Checkpoint.maximumFeatures)")
        }
        guard w.horizon == checkpoint.outputDim else {
            throw bad("windowing.horizon", "is \(w.horizon), but the model has \(checkpoint.outputDim) outputs (header 'outputDim')")
        }
        guard w.stride >= 1 else { throw bad("windowing.stride", "is \(w.stride), not a positive integer") }
        guard !features.isEmpty, features.count <= Checkpoint.maximumFeatures else {
            throw bad("features", "lists \(features.count) columns, outside 1...\(Checkpoint.maximumFeatures)")
        }
        if let e = oneHotSeries {
            guard (1...SeriesEmbedding.maximumOneHotSeries).contains(e.count), (0..<e.count).contains(e.index) else {
                throw bad("oneHotSeries", "puts the series at index \(e.index) of \(e.count), outside 0..<count with count in 1...\(SeriesEmbedding.maximumOneHotSeries)")
            }
        }
        let embedded = oneHotSeries?.count ?? 0
        guard features.count + embedded == checkpoint.inputDim else {
            throw bad("features", "lists \(features.count) columns\(embedded > 0 ? " and the series embedding \(embedded)" : ""), but the model has \(checkpoint.inputDim) inputs (header 'inputDim')")
        }
        let d = features.count
        guard scaler.featureNames.count == d else {
            throw bad("scaler.featureNames", "lists \(scaler.featureNames.count) columns, but 'features' lists \(d)")
        }
        guard scaler.offsets.count == d else { throw bad("scaler.offsets", "has \(scaler.offsets.count) values for \(d) features") }
        guard scaler.scales.count == d else { throw bad("scaler.scales", "has \(scaler.scales.count) values for \(d) features") }
        for (k, offset) in scaler.offsets.enumerated() where !offset.isFinite {
            throw bad("scaler.offsets[\(k)]", "is \(offset), not a finite number")
        }
        for (k, scale) in scaler.scales.enumerated() where !scale.isFinite || scale == 0 {
            throw bad("scaler.scales[\(k)]", "is \(scale); a scale must be finite and non-zero")
        }
        guard scaler.targetOffset.isFinite else { throw bad("scaler.targetOffset", "is \(scaler.targetOffset), not a finite number") }
        guard scaler.targetScale.isFinite, scaler.targetScale != 0 else {
            throw bad("scaler.targetScale", "is \(scaler.targetScale); a scale must be finite and non-zero")
        }
        try intervals?.validate(horizon: w.horizon, prefix: "intervals", bad)
    }
}
