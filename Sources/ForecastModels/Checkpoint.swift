import ForecastCore
import Foundation

/// A trained model on disk: its description, window shape, the caller's metadata (what it
/// needs to use the model again, e.g. scaler and feature columns, as a JSON object) and the
/// Float32 parameters.
///
/// File format, version 2 (all integers little-endian):
///
/// | offset | size | content |
/// |---|---|---|
/// | 0 | 4 | magic `FCST` |
/// | 4 | 4 | format version, UInt32 (2) |
/// | 8 | 4 | header length L, UInt32 |
/// | 12 | L | header, UTF-8 JSON with sorted keys: `spec`, `timeSteps`, `inputDim`, `outputDim` |
/// | 12 + L | 4 | metadata length M, UInt32 |
/// | 16 + L | M | metadata, the caller's UTF-8 JSON object, stored verbatim |
/// | 16 + L + M | 8 | parameter count P, UInt64 |
/// | 24 + L + M | 4·P | parameters, IEEE-754 binary32 in ``Network/parameters`` order |
/// | 24 + L + M + 4P | 4 | CRC-32 (IEEE 802.3, as zlib) of every preceding byte |
///
/// Version 3 is version 2 for an ensemble of `members` networks of the same description (one
/// per seed): the header adds `members` (≥ 2), and the parameters are the members' parameters one
/// after the other, P = members · (one network's count). A single network is still written as
/// version 2, byte for byte as before.
///
/// Version 1 files (written before 2026-12) are still read: their header held the metadata as
/// a `metadata` object of strings, which ``metadata`` then holds as that object's JSON, with
/// ``formatVersion`` 1 so the caller knows the shape.
///
/// ``encoded()`` gives the bytes; the report publisher writes them into a run folder that appears
/// whole or not at all, so a reader never sees a torn checkpoint.
public struct Checkpoint: Equatable, Sendable {
    public static let magic: [UInt8] = Array("FCST".utf8)
    /// The version this code writes.
    public static let formatVersion: UInt32 = 2
    /// The versions this code reads.
    public static let readableVersions: ClosedRange<UInt32> = 1...3
    /// The version of a checkpoint holding an ensemble (``members`` ≥ 2).
    public static let ensembleFormatVersion: UInt32 = 3
    /// The most networks an ensemble checkpoint may hold.
    public static let maximumMembers = 64

    /// The model description (``ModelSpec`` text).
    public var spec: String
    public var timeSteps: Int
    public var inputDim: Int
    public var outputDim: Int
    /// Whatever the caller needs to use the model again, as a UTF-8 JSON object.
    public var metadata: Data
    /// Every member's parameters, member after member (``members`` · one network's count).
    public var parameters: [Float]
    /// Networks in the ensemble (1: a single network).
    public var members: Int = 1
    /// The format version the checkpoint was read from (``formatVersion`` for a new one).
    public var version: UInt32

    public init(spec: String, timeSteps: Int, inputDim: Int, outputDim: Int, metadata: Data = Data("{}".utf8),
                parameters: [Float]) {
        self.spec = spec
        self.timeSteps = timeSteps
        self.inputDim = inputDim
        self.outputDim = outputDim
        self.metadata = metadata
        self.parameters = parameters
        self.version = Self.formatVersion
    }

    /// A checkpoint of `network`'s current parameters.
    public init(network: Network<Float>, metadata: Data = Data("{}".utf8)) {
        self.init(spec: network.spec.description, timeSteps: network.timeSteps, inputDim: network.inputDim,
                  outputDim: network.outputDim, metadata: metadata, parameters: network.copyParameters())
    }

    /// A checkpoint of an ensemble: `networks` share one description and sizes (the first's),
    /// their parameters stored in order.
    public init(networks: [Network<Float>], metadata: Data = Data("{}".utf8)) {
        precondition(!networks.isEmpty, "Checkpoint: an ensemble has at least one network")
        self.init(network: networks[0], metadata: metadata)
        self.parameters = networks.flatMap { $0.copyParameters() }
        self.members = networks.count
        if networks.count > 1 { self.version = Self.ensembleFormatVersion }
    }

    private struct Header: Codable {
        var spec: String
        var timeSteps: Int
        var inputDim: Int
        var outputDim: Int
        /// Absent (1) for a single network.
        var members: Int?
    }

    /// Version 1's header, with the metadata inside as strings.
    private struct HeaderVersion1: Codable {
        var spec: String
        var timeSteps: Int
        var inputDim: Int
        var outputDim: Int
        var metadata: [String: String]
    }

    /// The file's bytes (always the current ``formatVersion``).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = Header(spec: spec, timeSteps: timeSteps, inputDim: inputDim, outputDim: outputDim,
                            members: members > 1 ? members : nil)
        let json = (try? encoder.encode(header)).map { [UInt8]($0) } ?? []
        var bytes: [UInt8] = []
        bytes.reserveCapacity(28 + json.count + metadata.count + 4 * parameters.count)
        bytes += Self.magic
        Self.append(members > 1 ? Self.ensembleFormatVersion : Self.formatVersion, to: &bytes)
        Self.append(UInt32(json.count), to: &bytes)
        bytes += json
        Self.append(UInt32(metadata.count), to: &bytes)
        bytes += metadata
        Self.append(UInt64(parameters.count), to: &bytes)
        for p in parameters { Self.append(p.bitPattern, to: &bytes) }
        Self.append(CRC32.checksum(bytes), to: &bytes)
        return bytes
    }

    /// Parses checkpoint bytes; `path` only labels errors.
    /// - Throws: ``CheckpointError`` (exit code 31) for a wrong magic, an unknown format
    ///   version, truncation, a checksum mismatch or an unreadable header.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> Checkpoint {
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else {
            throw CheckpointError(path: path, kind: .notACheckpoint)
        }
        guard bytes.count >= 12 else { throw CheckpointError(path: path, kind: .truncated) }
        let version: UInt32 = read(bytes, at: 4)
        guard readableVersions.contains(version) else {
            throw CheckpointError(path: path, kind: .unsupportedVersion(found: version, supported: formatVersion))
        }
        let headerLength = Int(read(bytes, at: 8) as UInt32)
        var offset = 12 + headerLength
        guard bytes.count >= offset else { throw CheckpointError(path: path, kind: .truncated) }
        let headerBytes = bytes[12..<offset]
        var metadataRange: Range<Int>?
        if version >= 2 {
            guard bytes.count >= offset + 4 else { throw CheckpointError(path: path, kind: .truncated) }
            let metadataLength = Int(read(bytes, at: offset) as UInt32)
            guard bytes.count >= offset + 4 + metadataLength else { throw CheckpointError(path: path, kind: .truncated) }
            metadataRange = (offset + 4)..<(offset + 4 + metadataLength)
            offset += 4 + metadataLength
        }
        guard bytes.count >= offset + 8 else { throw CheckpointError(path: path, kind: .truncated) }
        let count64: UInt64 = read(bytes, at: offset)
        let dataStart = offset + 8
        guard count64 <= UInt64((bytes.count - dataStart) / 4) else { throw CheckpointError(path: path, kind: .truncated) }
        let count = Int(count64)
        let end = dataStart + 4 * count
        guard bytes.count >= end + 4 else { throw CheckpointError(path: path, kind: .truncated) }
        guard bytes.count == end + 4 else { throw CheckpointError(path: path, kind: .trailingBytes(bytes.count - end - 4)) }
        let stored: UInt32 = read(bytes, at: end)
        let actual = CRC32.checksum(bytes[0..<end])
        guard stored == actual else { throw CheckpointError(path: path, kind: .checksumMismatch) }
        var checkpoint: Checkpoint
        do {
            if let metadataRange {
                let header = try JSONDecoder().decode(Header.self, from: Data(headerBytes))
                checkpoint = Checkpoint(spec: header.spec, timeSteps: header.timeSteps, inputDim: header.inputDim,
                                        outputDim: header.outputDim, metadata: Data(bytes[metadataRange]), parameters: [])
                checkpoint.members = header.members ?? 1
            } else {
                let header = try JSONDecoder().decode(HeaderVersion1.self, from: Data(headerBytes))
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                checkpoint = Checkpoint(spec: header.spec, timeSteps: header.timeSteps, inputDim: header.inputDim,
                                        outputDim: header.outputDim, metadata: try encoder.encode(header.metadata), parameters: [])
            }
        } catch {
            throw CheckpointError(path: path, kind: .invalidHeader(String(describing: error)))
        }
        checkpoint.version = version
        // Version 3 is the ensemble form and the only one that may declare members.
        guard (version == Self.ensembleFormatVersion) == (checkpoint.members != 1) else {
            throw CheckpointError(path: path, kind: .invalidField(
                field: "members", reason: "is \(checkpoint.members) in a version \(version) file (version 3 holds 2 or more members, earlier versions one)"))
        }
        var parameters = [Float](repeating: 0, count: count)
        for i in 0..<count {
            parameters[i] = Float(bitPattern: read(bytes, at: dataStart + 4 * i))
        }
        checkpoint.parameters = parameters
        return checkpoint
    }

    /// Reads and verifies a checkpoint file: its format (``decode(_:path:)``) and its contents
    /// (``validate(path:)``).
    /// - Throws: ``CheckpointError`` (exit code 31).
    public static func read(from path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(path: path, kind: .unreadable)
        }
        let checkpoint = try decode([UInt8](data), path: path)
        try checkpoint.validate(path: path)
        return checkpoint
    }

    // MARK: Limits of an untrusted checkpoint

    /// The largest window length a checkpoint may declare.
    public static let maximumTimeSteps = 100_000
    /// The most input features, and the most outputs (horizon), a checkpoint may declare.
    public static let maximumFeatures = 10_000
    /// The widest layer (dense units, recurrent hidden size) a model description may have.
    public static let maximumLayerWidth = 65_536
    /// The most layers, counting each level of a recurrent stack.
    public static let maximumLayers = 256
    /// The most parameters (2^27, 512 MiB of Float32).
    public static let maximumParameters = 1 << 27
    /// The most activation values one sample's forward pass may store (2^27).
    public static let maximumActivations = 1 << 27
    /// The longest model description.
    public static let maximumSpecLength = 4_096

    /// Checks a decoded checkpoint before anything is built from it: a checkpoint is untrusted
    /// input (its CRC only proves it is whole). The header's sizes must lie within the limits
    /// above, the model description must parse, stay within the limits and produce `outputDim`
    /// values, the parameter count must be exactly what it needs, and every parameter must be
    /// finite. Nothing is allocated in proportion to a declared size.
    /// - Throws: ``CheckpointError`` (exit 31) naming the field.
    public func validate(path: String = "<checkpoint>") throws {
        func bad(_ field: String, _ reason: String) -> CheckpointError {
            CheckpointError(path: path, kind: .invalidField(field: field, reason: reason))
        }
        guard (1...Self.maximumTimeSteps).contains(timeSteps) else {
            throw bad("timeSteps", "is \(timeSteps), outside 1...\(Self.maximumTimeSteps)")
        }
        guard (1...Self.maximumFeatures).contains(inputDim) else {
            throw bad("inputDim", "is \(inputDim), outside 1...\(Self.maximumFeatures)")
        }
        guard (1...Self.maximumFeatures).contains(outputDim) else {
            throw bad("outputDim", "is \(outputDim), outside 1...\(Self.maximumFeatures)")
        }
        guard timeSteps * inputDim <= Self.maximumActivations else {
            throw bad("inputDim", "is \(inputDim): windows of \(timeSteps) × \(inputDim) values exceed \(Self.maximumActivations)")
        }
        guard spec.count <= Self.maximumSpecLength else {
            throw bad("spec", "has \(spec.count) characters, more than \(Self.maximumSpecLength)")
        }
        let model: ModelSpec
        do { model = try ModelSpec(parsing: spec) } catch {
            throw bad("spec", "'\(spec)' is not a valid model description: \(error)")
        }
        let needed = try Self.parameterCount(of: model, timeSteps: timeSteps, inputDim: inputDim, outputDim: outputDim,
                                             fail: { bad("spec", $0) })
        guard (1...Self.maximumMembers).contains(members) else {
            throw bad("members", "is \(members), outside 1...\(Self.maximumMembers)")
        }
        let total = needed.multipliedReportingOverflow(by: members)
        guard !total.overflow, total.partialValue <= Self.maximumParameters else {
            throw bad("members", "\(members) networks of \(needed) parameters exceed \(Self.maximumParameters)")
        }
        guard parameters.count == total.partialValue else {
            throw bad("parameters", "holds \(parameters.count) values, but '\(spec)' needs \(needed)\(members > 1 ? " for each of \(members) members" : "")")
        }
        if let i = parameters.firstIndex(where: { !$0.isFinite }) {
            throw bad("parameters", "value \(i) is \(parameters[i]), not a finite number")
        }
    }

    /// The parameter count `spec` needs for these sizes, computed without building anything;
    /// `fail` makes the error for a layer beyond the limits or a last layer of the wrong width.
    static func parameterCount(of spec: ModelSpec, timeSteps: Int, inputDim: Int, outputDim: Int,
                               fail: (String) -> CheckpointError) throws -> Int {
        do {
            return try NetworkFootprint(spec, timeSteps: timeSteps, inputDim: inputDim, outputDim: outputDim).parameters
        } catch {
            throw fail(error.message)
        }
    }

    /// Rebuilds every member of the ensemble (one network for a single-network checkpoint), in
    /// stored order, after ``validate(path:)``.
    public func makeNetworks() throws -> [Network<Float>] {
        try validate()
        let each = parameters.count / members
        return try (0..<members).map { m in
            var single = self
            single.members = 1
            single.parameters = Array(parameters[(m * each)..<((m + 1) * each)])
            return try single.makeNetwork()
        }
    }

    /// Rebuilds the network and loads the parameters, after ``validate(path:)``; for an ensemble
    /// use ``makeNetworks()``.
    /// - Throws: ``CheckpointError`` if the spec does not parse, a size is beyond the limits, the
    ///   parameter count differs, a parameter is not finite, or the checkpoint holds several members.
    public func makeNetwork() throws -> Network<Float> {
        try validate()
        guard members == 1 else {
            throw CheckpointError(path: "<checkpoint>", kind: .invalidHeader("the checkpoint holds an ensemble of \(members) networks"))
        }
        let net: Network<Float>
        do {
            net = try Network<Float>(spec: ModelSpec(parsing: spec), timeSteps: timeSteps, inputDim: inputDim,
                                     outputDim: outputDim)
        } catch {
            throw CheckpointError(path: "<checkpoint>", kind: .invalidHeader("model '\(spec)': \(error)"))
        }
        guard net.parameterCount == parameters.count else {
            throw CheckpointError(path: "<checkpoint>",
                                  kind: .invalidHeader("model '\(spec)' has \(net.parameterCount) parameters, the file \(parameters.count)"))
        }
        try? net.setParameters(parameters)
        return net
    }

    private static func append<T: FixedWidthInteger>(_ v: T, to bytes: inout [UInt8]) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { bytes += $0 }
    }

    private static func read<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size {
            v |= T(bytes[offset + i]) << (8 * i)
        }
        return v
    }
}

/// Why a checkpoint could not be read (exit code 31).
public struct CheckpointError: ForecastError, Equatable {
    public enum Kind: Equatable, Sendable {
        case unreadable
        case notACheckpoint
        case unsupportedVersion(found: UInt32, supported: UInt32)
        case truncated
        case trailingBytes(Int)
        case checksumMismatch
        case invalidHeader(String)
        /// A field that parses but cannot be used: out of bounds, inconsistent or not finite.
        case invalidField(field: String, reason: String)
    }

    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public var exitStatus: ExitStatus { .checkpointUnreadable }

    public var location: ErrorLocation? { ErrorLocation(file: path) }

    public var message: String {
        switch kind {
        case .unreadable: "checkpoint cannot be read (missing or no permission)"
        case .notACheckpoint: "not a forecast checkpoint (the file does not start with 'FCST')"
        case let .unsupportedVersion(found, supported): "checkpoint format version \(found); this program reads versions 1 to \(supported)"
        case .truncated: "checkpoint is truncated"
        case let .trailingBytes(n): "checkpoint has \(n) unexpected bytes after its end"
        case .checksumMismatch: "checkpoint checksum mismatch, the file is corrupted"
        case let .invalidHeader(reason): "checkpoint header is invalid: \(reason)"
        case let .invalidField(field, reason): "checkpoint field '\(field)' \(reason)"
        }
    }

    public var hint: String? {
        switch kind {
        case .unreadable: "check the path given to --model"
        case .notACheckpoint: "pass a file written by 'forecast fit' (model-<name>.ckpt)"
        case .unsupportedVersion: "retrain the model with this version"
        case .truncated: "the file was cut short; retrain or restore it"
        case .trailingBytes, .checksumMismatch: "the file is corrupted; retrain or restore it"
        case .invalidHeader: "retrain the model with this version"
        case .invalidField: "the file was not written by 'forecast fit' or was edited; retrain the model"
        }
    }
}

/// CRC-32 (IEEE 802.3 polynomial 0xEDB88320 reflected, initial value and final XOR 0xFFFFFFFF),
/// the checksum of zlib, gzip and PNG. `checksum("123456789") == 0xCBF43926`.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes {
                crc = t[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
