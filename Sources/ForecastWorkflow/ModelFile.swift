import ForecastCore
import ForecastModels
import Foundation

/// The model files `fit` writes beside its report, told apart by content: a network checkpoint
/// (binary, magic `FCST`; ``CheckpointMetadata``) or a data-only JSON document whose `format`
/// names its kind — ``StatisticalCheckpoint``, ``BaselineCheckpoint``, ``CombinationCheckpoint``.
/// The JSON kinds share this reader: a size limit, then the `format` and `version` fields checked
/// before the rest is decoded, and decoding errors named by field (exit 31).
enum ModelFile {
    enum Kind {
        case network
        /// The file's bytes, read once.
        case statistical(Data), baseline(Data), combination(Data)
    }

    /// Which kind of file `path` holds. A file whose first non-blank byte is not `{` (or that
    /// cannot be opened) is left to the network reader, which says why it cannot use it.
    /// - Throws: ``PredictError`` (exit 31) for a JSON file that is too large, not JSON, or of
    ///   no format `fit` writes.
    static func kind(of path: String) throws -> Kind {
        guard startsWithBrace(path) else { return .network }
        let data = try readJSON(path)
        switch try header(data, path: path).format {
        case StatisticalCheckpoint.formatName: return .statistical(data)
        case BaselineCheckpoint.formatName: return .baseline(data)
        case CombinationCheckpoint.formatName: return .combination(data)
        case let other:
            let names = [StatisticalCheckpoint.formatName, BaselineCheckpoint.formatName, CombinationCheckpoint.formatName]
            throw StatisticalCheckpoint.field(path, "format", other.map { "is '\($0)', not one of \(names.map { "'\($0)'" }.joined(separator: ", "))" } ?? "is missing")
        }
    }

    /// Whether the first non-blank byte of the file is `{`; false when it cannot be read.
    static func startsWithBrace(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 256) else { return false }
        let first = head.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return first == UInt8(ascii: "{")
    }

    /// The bytes of a JSON model file, at most ``StatisticalCheckpoint/maximumBytes``.
    static func readJSON(_ path: String) throws -> Data {
        let limit = StatisticalCheckpoint.maximumBytes
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > limit {
            throw StatisticalCheckpoint.invalid(path, "is \(size) bytes, more than the \(limit) a model file may have")
        }
        guard attributes?[.type] as? FileAttributeType != .typeDirectory,
              let data = FileManager.default.contents(atPath: path) else {
            throw PredictError(file: path, message: "the checkpoint cannot be read",
                               hint: "check the path given to --model (reports/<dataset>/latest/model-<name>.json) and its permissions",
                               exitStatus: .checkpointUnreadable)
        }
        guard data.count <= limit else {
            throw StatisticalCheckpoint.invalid(path, "is \(data.count) bytes, more than the \(limit) a model file may have")
        }
        return data
    }

    struct Header: Decodable { var format: String?; var version: Int? }

    static func header(_ data: Data, path: String) throws -> Header {
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw StatisticalCheckpoint.invalid(path, "is not a JSON object" + StatisticalCheckpoint.syntaxProblem(data))
        }
        return header
    }

    /// Decodes a file of `format` whose version is one of `versions`; fields are checked by the caller.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String, format: String,
                                     versions: ClosedRange<Int>) throws -> T {
        let header = try header(data, path: path)
        guard header.format == format else {
            throw StatisticalCheckpoint.field(path, "format", header.format.map { "is '\($0)', not '\(format)'" } ?? "is missing")
        }
        guard let version = header.version, versions.contains(version) else {
            let readable = versions.count == 1 ? "version \(versions.lowerBound)" : "versions \(versions.lowerBound) to \(versions.upperBound)"
            throw PredictError(file: path,
                               message: "the checkpoint is format version \(header.version.map(String.init) ?? "(none)"); this forecast reads \(readable)",
                               hint: "re-run `forecast fit` with this version to make a new one", exitStatus: .checkpointUnreadable)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let e as DecodingError {
            throw StatisticalCheckpoint.describe(e, path: path, data: data)
        } catch {
            throw StatisticalCheckpoint.invalid(path, "could not be read: \(error)")
        }
    }
}

/// A data-only model file (``StatisticalCheckpoint``, ``BaselineCheckpoint``,
/// ``CombinationCheckpoint``): one encoding, one reader (``ModelFile``'s checks of size, format
/// and version, then the type's own ``validate(path:)``).
public protocol JSONModelFile: Codable {
    /// The `format` field naming the kind.
    static var formatName: String { get }
    /// The versions this code reads.
    static var readableVersions: ClosedRange<Int> { get }
    /// Checks every field of a decoded, untrusted file. - Throws: ``PredictError`` (exit 31).
    func validate(path: String) throws
}

extension JSONModelFile {
    /// The file's text: pretty-printed JSON with sorted keys and a final newline. Doubles are
    /// written in their shortest round-trip form, so they read back bit for bit.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }

    /// Parses and validates an untrusted file; `path` labels errors.
    /// - Throws: ``PredictError`` (exit 31) naming the first bad field.
    public static func decode(_ data: Data, path: String) throws -> Self {
        let stored = try ModelFile.decode(Self.self, from: data, path: path, format: formatName, versions: readableVersions)
        try stored.validate(path: path)
        return stored
    }

    /// The checks every kind shares: the target and feature columns, the stored configuration
    /// against `fit`'s own rules, and a horizon `predict` may forecast.
    static func validateColumnsAndConfiguration(target: String, features: [String], configuration: FitConfiguration,
                                                path: String) throws {
        func bad(_ name: String, _ reason: String) -> PredictError { StatisticalCheckpoint.field(path, name, reason) }
        guard !target.isEmpty else { throw bad("target", "is empty") }
        guard !features.isEmpty, features.count <= Checkpoint.maximumFeatures else {
            throw bad("features", "lists \(features.count) columns, outside 1...\(Checkpoint.maximumFeatures)")
        }
        if let problem = configuration.problems().first(where: { $0.key != .input }) {
            throw bad("configuration.\(problem.key.rawValue)", problem.message)
        }
        guard configuration.horizon <= StatisticalCheckpoint.maximumHorizon else {
            throw bad("configuration.horizon", "is \(configuration.horizon), more than \(StatisticalCheckpoint.maximumHorizon)")
        }
    }
}
