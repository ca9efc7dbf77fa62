import ForecastIngest
import ForecastModels
import Foundation
import Testing
@testable import ForecastWorkflow

@Suite("checkpoints across format versions")
struct CheckpointCompatibilityTests {
    /// `model-rnn.ckpt` written by `forecast fit data/prices.csv` (defaults, seed 42) with the
    /// release before format version 2 (commit 8a46bcc). That run's metrics.json gave the rnn's
    /// next forecast for 1989-04-03 as 380.58921349450765.
    static let versionOne = repositoryRoot.appendingPathComponent("Tests/ForecastWorkflowTests/Fixtures/checkpoint-v1-rnn-prices.ckpt")

    @Test("a version-1 checkpoint still loads and predicts what its release's fit computed")
    func versionOneStillPredicts() throws {
        let checkpoint = try Checkpoint.read(from: Self.versionOne.path)
        #expect(checkpoint.version == 1)
        let meta = try CheckpointMetadata(reading: checkpoint, path: Self.versionOne.path)
        #expect(meta.model == "rnn" && meta.target == "price" && meta.features == ["price"])
        // That release's default contrast set (before ets and theta joined it).
        #expect(meta.configuration.models == [.naive, .snaive, .drift, .ff, .rnn, .gru, .lstm] && meta.configuration.seed == 42)
        #expect(meta.configuration.missing == .ffill && meta.configuration.transform == .diff)
        let csv = repositoryRoot.appendingPathComponent("data/prices.csv").path
        let p = try Prediction.run(checkpointPath: Self.versionOne.path, csvPath: csv)
        #expect(p.model == "rnn")
        #expect(p.points.map(\.date) == ["1989-04-03"])
        #expect(p.points.map(\.value) == [380.58921349450765])
    }

    @Test("fit writes version 2 for one network: the typed metadata reads back as the run's configuration")
    func versionTwoCarriesTheTypedConfiguration() throws {
        let reports = try temporaryDirectory()
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.window = 12; c.hidden = 8; c.epochs = 2; c.models = [.naive, .gru]; c.loss = .huber; c.ensemble = 1
        c.reportsDirectory = reports.path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let path = outcome.paths.folder.appendingPathComponent(FitWorkflow.checkpointFileName(model: "gru")).path
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes[4..<8]) == [2, 0, 0, 0])
        let checkpoint = try Checkpoint.decode(bytes, path: path)
        let meta = try CheckpointMetadata(reading: checkpoint, path: path)
        #expect(meta.configuration == c)
        #expect(meta.model == "gru" && meta.toolVersion == "test")
        // The metadata is plain JSON (no JSON inside strings).
        let object = try #require(try JSONSerialization.jsonObject(with: checkpoint.metadata) as? [String: Any])
        #expect(object["configuration"] is [String: Any] && object["scaler"] is [String: Any])
    }

    @Test("a version-2 checkpoint whose configuration breaks the rules is refused with exit 31")
    func invalidConfigurationIsRefused() throws {
        let checkpoint = try Checkpoint.read(from: Self.versionOne.path)
        var meta = try CheckpointMetadata(reading: checkpoint, path: Self.versionOne.path)
        meta.configuration.missing = .drop
        meta.configuration.window = 0
        var edited = checkpoint
        edited.metadata = meta.encoded()
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("edited.ckpt").path
        try Data(edited.encoded()).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Prediction.run(checkpointPath: path, csvPath: repositoryRoot.appendingPathComponent("data/prices.csv").path)
            Issue.record("expected a refusal")
        } catch let e as PredictError {
            #expect(e.exitCode == 31)
            #expect(e.message.contains("window must be at least 1"))
        }
    }
}
