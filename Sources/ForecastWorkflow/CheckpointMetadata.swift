import ForecastIngest
import ForecastModels
import Foundation

/// What `forecast predict` needs to rebuild a model's input from a CSV, stored as the metadata of
/// every checkpoint `fit` writes (``Checkpoint/metadata``, format version 2): the run's whole
/// typed configuration (its one `Codable` encoding, as in the reproducibility block and the
/// pipeline's skip hash), the columns, and the scaler and windowing fitted at training time.
public struct CheckpointMetadata: Codable, Sendable {
    /// The model's name in the contrast set (`gru`, `custom`, …).
    public var model: String
    public var toolVersion: String
    public var target: String
    public var features: [String]
    public var scaler: Scaler
    public var windowing: WindowingOptions
    public var configuration: FitConfiguration

    public init(model: String, toolVersion: String, target: String, features: [String], scaler: Scaler,
                windowing: WindowingOptions, configuration: FitConfiguration) {
        self.model = model
        self.toolVersion = toolVersion
        self.target = target
        self.features = features
        self.scaler = scaler
        self.windowing = windowing
        self.configuration = configuration
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
    }
}
