import Foundation
import Synchronization
import Testing
@testable import ForecastWorkflow
import ForecastEvaluation
import ForecastModels

/// `--ensemble k`: each network trained with k seeds, its forecasts the members' mean, one
/// checkpoint holding the k networks, and predict reproducing the mean bit for bit.
@Suite("network ensembles")
struct EnsembleTests {
    static let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path

    static func configuration(seed: UInt64, ensemble: Int) throws -> FitConfiguration {
        var c = FitConfiguration(input: csv)
        c.models = [.naive, .ff, .gru]
        c.window = 12; c.hidden = 8; c.epochs = 3
        c.seed = seed
        c.ensemble = ensemble
        c.reportsDirectory = try temporaryDirectory("ensemble").path
        return c
    }

    static func run(seed: UInt64, ensemble: Int, workers: Int = 2) throws -> FitOutcome {
        try FitWorkflow(configuration: try configuration(seed: seed, ensemble: ensemble), commandLine: "test",
                        version: "test", workers: workers).run()
    }

    @Test("an ensemble of 2 forecasts (a + b) / 2, where a and b are the single networks fitted with the two member seeds")
    func meanOfTheMembers() throws {
        let seed: UInt64 = 42
        let pair = try Self.run(seed: seed, ensemble: 2)
        // Member 0 is trained with the run's seed, member 1 with memberSeed(seed, 1); a single
        // network fitted with that seed is the same training.
        let a = try Self.run(seed: FitWorkflow.memberSeed(seed, member: 0), ensemble: 1)
        let b = try Self.run(seed: FitWorkflow.memberSeed(seed, member: 1), ensemble: 1)
        #expect(FitWorkflow.memberSeed(seed, member: 0) == seed && FitWorkflow.memberSeed(seed, member: 1) != seed)
        for name in ["ff", "gru"] {
            let m = try #require(pair.run.models.first { $0.name == name })
            let ma = try #require(a.run.models.first { $0.name == name })
            let mb = try #require(b.run.models.first { $0.name == name })
            #expect(m.status.isOK && ma.status.isOK && mb.status.isOK)
            func mean(_ x: RollingForecasts?, _ y: RollingForecasts?) -> [[Double]] {
                zip(x!.values, y!.values).map { zip($0, $1).map { ($0 + $1) / 2 } }
            }
            #expect(m.testForecasts?.values == mean(ma.testForecasts, mb.testForecasts), "\(name) test")
            #expect(m.validationForecasts?.values == mean(ma.validationForecasts, mb.validationForecasts), "\(name) validation")
            #expect(m.nextForecasts.map(\.value) == [(ma.nextForecasts[0].value + mb.nextForecasts[0].value) / 2], "\(name) next")
            #expect(m.configuration.hasSuffix(", mean of 2 seeds"), "\(m.configuration)")
            #expect(m.parameters == ma.parameters, "parameters are one network's")
            #expect(m.trainLoss == ma.trainLoss, "the loss curves shown are the first member's")
        }
    }

    @Test("the ensemble checkpoint holds every member (version 3) and predict equals fit's mean bit for bit; one thread or two, the same numbers")
    func checkpointAndPredict() throws {
        let outcome = try Self.run(seed: 7, ensemble: 3)
        let single = try Self.run(seed: 7, ensemble: 3, workers: 1)
        for name in ["ff", "gru"] {
            let m = try #require(outcome.run.models.first { $0.name == name })
            let path = outcome.paths.folder.appendingPathComponent(FitWorkflow.checkpointFileName(model: name)).path
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(Array(bytes[4..<8]) == [3, 0, 0, 0])
            let checkpoint = try Checkpoint.read(from: path)
            #expect(checkpoint.members == 3 && checkpoint.parameters.count == 3 * m.parameters)
            #expect(try checkpoint.makeNetworks().count == 3)
            let p = try Prediction.run(checkpointPath: path, csvPath: Self.csv)
            #expect(p.points.map(\.value.bitPattern) == m.nextForecasts.map(\.value.bitPattern), "\(name)")
            let s = try #require(single.run.models.first { $0.name == name })
            #expect(s.testForecasts == m.testForecasts && s.nextForecasts.map(\.value) == m.nextForecasts.map(\.value), "\(name): workers")
        }
    }

    @Test("an ensemble checkpoint with a members field that does not fit its version, its size or its parameters is refused (31)")
    func untrustedMembers() throws {
        let net = try Network<Float>(spec: ModelSpec(parsing: "gru(4) > dense(1)"), timeSteps: 5, inputDim: 1, outputDim: 1, seed: 1)
        let other = try Network<Float>(spec: ModelSpec(parsing: "gru(4) > dense(1)"), timeSteps: 5, inputDim: 1, outputDim: 1, seed: 2)
        let pair = Checkpoint(networks: [net, other])
        let decoded = try Checkpoint.decode(pair.encoded())
        #expect(decoded == pair)
        #expect(try decoded.makeNetworks().map { $0.copyParameters() } == [net.copyParameters(), other.copyParameters()])
        #expect(throws: CheckpointError.self) { try decoded.makeNetwork() }
        // One network: version 2, no members in the header, exactly as before ensembles.
        let one = Checkpoint(network: net).encoded()
        #expect(Array(one[4..<8]) == [2, 0, 0, 0] && !String(decoding: one, as: UTF8.self).contains("members"))

        var tooMany = pair
        tooMany.members = 65
        #expect(throws: CheckpointError.self) { try Checkpoint.decode(tooMany.encoded()).validate() }
        var mismatch = pair
        mismatch.members = 3
        #expect(throws: CheckpointError.self) { try Checkpoint.decode(mismatch.encoded()).validate() }
        // A version-2 file that declares members, and a version-3 file of one member (CRC redone,
        // so only the members rule can refuse them).
        func resealed(_ bytes: [UInt8], version: UInt8) -> [UInt8] {
            var body = Array(bytes.dropLast(4))
            body[4] = version
            var crc = CRC32.checksum(body).littleEndian
            return body + withUnsafeBytes(of: &crc) { Array($0) }
        }
        func refusal(_ bytes: [UInt8]) -> CheckpointError? {
            do { _ = try Checkpoint.decode(bytes); return nil } catch { return error as? CheckpointError }
        }
        #expect(refusal(resealed(pair.encoded(), version: 3)) == nil, "resealing alone changes nothing")
        #expect(refusal(resealed(pair.encoded(), version: 2))?.kind == .invalidField(field: "members", reason: "is 2 in a version 2 file (version 3 holds 2 or more members, earlier versions one)"))
        #expect(refusal(resealed(Checkpoint(network: net).encoded(), version: 3))?.kind == .invalidField(field: "members", reason: "is 1 in a version 3 file (version 3 holds 2 or more members, earlier versions one)"))
    }

    @Test("progress plans one training per seed, named with its seed, and each is started and finished once")
    func progressNamesTheSeeds() throws {
        let events = Mutex<[FitProgress]>([])
        _ = try FitWorkflow(configuration: try Self.configuration(seed: 3, ensemble: 2), commandLine: "test", version: "test",
                            progress: { p in events.withLock { $0.append(p) } }).run()
        let seen = events.withLock { $0 }
        guard case .plan(let plan)? = seen.first else { Issue.record("no plan first"); return }
        #expect(plan.map(\.name) == ["ff seed 1/2", "ff seed 2/2", "gru seed 1/2", "gru seed 2/2"])
        let started = seen.compactMap { if case .started(let i) = $0 { return i } else { return nil } }
        let finished = seen.compactMap { if case .finished(let i, _) = $0 { return i } else { return nil } }
        #expect(started.sorted() == [0, 1, 2, 3] && finished.sorted() == [0, 1, 2, 3])
    }
}
