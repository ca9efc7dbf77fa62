import ForecastCore
import ForecastIngest
import ForecastModels
import Foundation
import Testing
@_spi(Fuzzing) @testable import ForecastWorkflow

/// `predict` on crafted checkpoints (valid CRC, hostile contents) and on data the model cannot
/// use: a refusal with the right exit status, never a trap and never a NaN forecast with exit 0.
@Suite("predict with untrusted checkpoints and inputs")
struct UntrustedPredictionTests {
    static let fixture = CheckpointCompatibilityTests.versionOne.path
    static let prices = repositoryRoot.appendingPathComponent("data/prices.csv").path

    /// The version-1 fixture, re-encoded as version 2 after `edit` changed its metadata and/or header.
    static func crafted(_ edit: (inout Checkpoint, inout CheckpointMetadata) -> Void) throws -> String {
        var checkpoint = try Checkpoint.read(from: fixture)
        var meta = try CheckpointMetadata(reading: checkpoint, path: fixture)
        edit(&checkpoint, &meta)
        checkpoint.metadata = meta.encoded()
        let path = try temporaryDirectory("untrusted").appendingPathComponent("crafted.ckpt").path
        try Data(checkpoint.encoded()).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// What `Prediction.run` threw (nil when it returned), after checking it did not return NaN.
    static func predictError(_ checkpoint: String, csv: String = prices) -> (any ForecastError)? {
        do {
            let p = try Prediction.run(checkpointPath: checkpoint, csvPath: csv)
            Issue.record("predicted \(p.points.map(\.value)) (exit 0)")
            return nil
        } catch let e as any ForecastError {
            return e
        } catch {
            Issue.record("not a ForecastError: \(error)")
            return nil
        }
    }

    /// The metadata refusal of `CheckpointMetadata(reading:)` for a crafted file, or nil if accepted.
    static func metadataError(_ path: String) throws -> PredictError? {
        let checkpoint = try Checkpoint.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: path))), path: path)
        do {
            _ = try CheckpointMetadata(reading: checkpoint, path: path)
            return nil
        } catch let e as PredictError {
            return e
        }
    }

    @Test("a zero or non-finite scaler scale is refused (it printed nan with exit 0)")
    func zeroScale() throws {
        let zero = try Self.crafted { _, m in m.scaler.scales[0] = 0 }
        let e = Self.predictError(zero)
        #expect(e?.exitCode == 31)
        #expect(e?.message.contains("scaler.scales[0]") == true, "\(String(describing: e))")
        let target = try Self.crafted { _, m in m.scaler.targetScale = 0 }
        #expect(Self.predictError(target)?.message.contains("scaler.targetScale") == true)
        // Infinity cannot be written as JSON; the largest Double is as useless as a scale of 0 is.
        let huge = try Self.crafted { _, m in m.scaler.offsets[0] = .greatestFiniteMagnitude; m.scaler.scales[0] = 1e-300 }
        #expect(Self.predictError(huge) != nil)
    }

    @Test("a NaN weight is refused with exit 31 (it printed nan with exit 0)")
    func nanWeight() throws {
        let path = try Self.crafted { c, _ in c.parameters[3] = .nan }
        let e = Self.predictError(path)
        #expect(e?.exitCode == 31)
        #expect(e?.message.contains("'parameters' value 3 is nan") == true, "\(String(describing: e))")
    }

    @Test("windowing inconsistent with the header is refused by name (it trapped in windowing)")
    func inconsistentWindowing() throws {
        let steps = try Self.crafted { c, m in c.timeSteps = m.windowing.timeSteps + 1 }
        #expect(try Self.metadataError(steps)?.message.contains("windowing.timeSteps") == true)
        let horizon = try Self.crafted { _, m in m.windowing.horizon = 3 }
        let e = try Self.metadataError(horizon)
        #expect(e?.exitCode == 31 && e?.message.contains("windowing.horizon") == true, "\(String(describing: e))")
        let big = try Self.crafted { _, m in m.windowing.horizon = 100_000_000 }
        #expect(try Self.metadataError(big)?.message.contains("windowing.horizon") == true)
        let stride = try Self.crafted { _, m in m.windowing.stride = 0 }
        #expect(try Self.metadataError(stride)?.message.contains("windowing.stride") == true)
    }

    @Test("features inconsistent with the header or the scaler are refused by name")
    func inconsistentFeatures() throws {
        let features = try Self.crafted { _, m in m.features = ["price", "volume"] }
        #expect(try Self.metadataError(features)?.message.contains("features") == true)
        let offsets = try Self.crafted { _, m in m.scaler.offsets = [] }
        #expect(try Self.metadataError(offsets)?.message.contains("scaler.offsets") == true)
        let names = try Self.crafted { _, m in m.scaler.featureNames = ["price", "volume"]; m.scaler.offsets = [0, 0]; m.scaler.scales = [1, 1] }
        #expect(try Self.metadataError(names)?.message.contains("scaler.featureNames") == true)
    }

    @Test("a value that overflows the model's scale is refused with exit 14, naming it (it printed -nan with exit 0)")
    func overflowingInput() throws {
        var lines = try String(contentsOfFile: Self.prices, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[lines.count - 1] = "1989-03-31,1e40"
        let csv = try temporaryDirectory("untrusted").appendingPathComponent("huge.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let e = Self.predictError(Self.fixture, csv: csv.path)
        #expect(e?.exitCode == 14)
        #expect(e?.message.contains("1e+40") == true && e?.message.contains("1989-03-31") == true, "\(String(describing: e))")
        #expect(e?.message.contains("price") == true && e?.hint != nil)
    }
}

@Suite("predict with untrusted checkpoints: the paths that trapped")
struct UntrustedPredictionTrapTests {
    @Test("header sizes that aborted (timeSteps 1e9) or trapped (outputDim 1e8) are refused with exit 31",
          arguments: [(1_000_000_000, 1, "'timeSteps'"), (24, 100_000_000, "'outputDim'")])
    func absurdHeader(timeSteps: Int, outputDim: Int, field: String) throws {
        let path = try UntrustedPredictionTests.crafted { c, m in
            c.timeSteps = timeSteps; c.outputDim = outputDim
            m.windowing.timeSteps = timeSteps; m.windowing.horizon = outputDim
        }
        let e = UntrustedPredictionTests.predictError(path)
        #expect(e?.exitCode == 31 && e?.message.contains(field) == true, "\(String(describing: e))")
    }

    @Test("a model whose layer is 1e8 wide (abort 134) is refused with exit 31")
    func absurdLayer() throws {
        let path = try UntrustedPredictionTests.crafted { c, _ in c.spec = "flatten > dense(100000000) > dense(1)" }
        let e = UntrustedPredictionTests.predictError(path)
        #expect(e?.exitCode == 31 && e?.message.contains("100000000 units") == true, "\(String(describing: e))")
    }
}

@Suite("checkpoint fuzz seeds")
struct CheckpointFuzzSeedTests {
    /// The small seeds of `Fuzz/corpus-checkpoint` (byte 0 is the fuzzer's control byte) must reach
    /// the forecast, so the fuzzer starts from inputs that exercise the whole path.
    @Test(arguments: ["v2-gru2-small.bin", "v2-ff-small.bin"])
    func seedsReachTheForecast(name: String) throws {
        let url = repositoryRoot.appendingPathComponent("Fuzz/corpus-checkpoint/\(name)")
        let bytes = Array(try Data(contentsOf: url).dropFirst())
        let checkpoint = try Checkpoint.decode(bytes, path: name)
        try checkpoint.validate(path: name)
        let meta = try CheckpointMetadata(reading: checkpoint, path: name)
        let series = Series(target: (0..<40).map { 100 + 10 * sin(Double($0) / 5) }, name: meta.target)
        let p = try Prediction.forecast(checkpoint: checkpoint, metadata: meta, series: series, checkpointPath: name, csvPath: "x.csv")
        #expect(p.points.count == 1 && p.points[0].value.isFinite)
    }
}
