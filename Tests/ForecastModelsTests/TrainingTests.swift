import Foundation
import ForecastModels
import Testing

@Suite("Losses and optimizers")
struct OptimizerTests {
    @Test("MSE, MAE and Huber values")
    func losses() {
        let p: [Float] = [1, -2, 0.5, 3], y: [Float] = [0, 0, 0.5, 0.5]
        #expect(abs(Loss.mse.value(prediction: p, target: y) - (1 + 4 + 0 + 6.25) / 4) < 1e-12)
        #expect(abs(Loss.mae.value(prediction: p, target: y) - (1 + 2 + 0 + 2.5) / 4) < 1e-12)
        // Huber δ = 1: ½d² inside, δ(|d| − ½δ) outside.
        #expect(abs(Loss.huber(delta: 1).value(prediction: p, target: y) - (0.5 + 1.5 + 0 + 2) / 4) < 1e-12)
        #expect(Loss(parsing: "huber(0.5)") == .huber(delta: 0.5) && Loss(parsing: "MSE") == .mse)
        #expect(Loss(parsing: "huber(-1)") == nil && Loss(parsing: "l3") == nil)
    }

    @Test("Adam follows PyTorch's bias-corrected update")
    func adam() {
        var p: [Float] = [0.5, -1, 2]
        let grads: [[Float]] = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [-0.3, 0.1, 0.2]]
        let adam = Adam(parameterCount: 3, learningRate: 0.01)
        var ref = p.map(Double.init), m = [0.0, 0, 0], v = [0.0, 0, 0]
        for (step, g) in grads.enumerated() {
            g.withUnsafeBufferPointer { gb in
                p.withUnsafeMutableBufferPointer { adam.step(parameters: $0, gradients: gb) }
            }
            let t = Double(step + 1)
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                let mHat = m[i] / (1 - Double.pow(0.9, t)), vHat = v[i] / (1 - Double.pow(0.999, t))
                ref[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        #expect(adam.stepCount == 3)
        #expect(zip(p, ref).allSatisfy { abs(Double($0) - $1) < 1e-6 }, "\(p) vs \(ref)")
    }

    @Test("SGD with momentum and plain SGD")
    func sgd() {
        var p: [Float] = [1, 1]
        let sgd = SGD(parameterCount: 2, learningRate: 0.1, momentum: 0.9)
        for g: [Float] in [[1, -1], [1, -1]] {
            g.withUnsafeBufferPointer { gb in p.withUnsafeMutableBufferPointer { sgd.step(parameters: $0, gradients: gb) } }
        }
        // b₁ = g, b₂ = 0.9·g + g: p = 1 − 0.1·(1 + 1.9) = 0.71.
        #expect(abs(p[0] - 0.71) < 1e-6 && abs(p[1] - 1.29) < 1e-6)
        var q: [Float] = [1]
        let plain = SGD(parameterCount: 1, learningRate: 0.5, momentum: 0)
        [Float(2)].withUnsafeBufferPointer { gb in q.withUnsafeMutableBufferPointer { plain.step(parameters: $0, gradients: gb) } }
        #expect(q == [0])
    }
}

@Suite("Training loop")
struct TrainingTests {
    static let t = 8

    static func data(_ n: Int, seed: UInt64) -> (x: [Float], y: [Float], count: Int) {
        LearningData.noisySine(count: n, timeSteps: t, noise: 0.05, seed: seed)
    }

    @Test("same seed and data give bit-identical weights and predictions", arguments: ["gru(8, layers: 2, dropout: 0.2) > dense(1)", "mlp"])
    func determinism(_ model: String) throws {
        let trainSet = Self.data(200, seed: 1), validation = Self.data(50, seed: 2)
        func run() throws -> ([Float], [Float], TrainingResult) {
            let spec = model == "mlp" ? try ModelSpec.preset("mlp", hidden: 16) : try ModelSpec(parsing: model)
            let net = try Network<Float>(spec: spec, timeSteps: Self.t, inputDim: 1, outputDim: 1, seed: 11)
            let result = train(net, train: trainSet, validation: validation,
                               config: TrainingConfig(maxEpochs: 3, batchSize: 16, learningRate: 0.01, seed: 5))
            return (net.copyParameters(), net.predict(x: validation.x, count: validation.count), result)
        }
        let (w1, p1, r1) = try run()
        let (w2, p2, r2) = try run()
        #expect(w1.map(\.bitPattern) == w2.map(\.bitPattern))
        #expect(p1.map(\.bitPattern) == p2.map(\.bitPattern))
        #expect(r1.epochs.map(\.trainLoss) == r2.epochs.map(\.trainLoss))
        #expect(r1.epochs.map(\.gradNorm) == r2.epochs.map(\.gradNorm))
    }

    @Test("the shuffle seed changes the result; fixed batches ignore it")
    func shuffleSeed() throws {
        let trainSet = Self.data(100, seed: 1)
        func weights(seed: UInt64, shuffle: Bool) throws -> [Float] {
            let net = try Network<Float>(description: "rnn(4) > dense(1)", timeSteps: Self.t, inputDim: 1, outputDim: 1, seed: 1)
            _ = train(net, train: trainSet, config: TrainingConfig(maxEpochs: 2, batchSize: 10, shuffle: shuffle, seed: seed))
            return net.copyParameters()
        }
        #expect(try weights(seed: 1, shuffle: true) != weights(seed: 2, shuffle: true))
        #expect(try weights(seed: 1, shuffle: false) == weights(seed: 2, shuffle: false))
    }

    @Test("epoch records: losses, gradient norms before clipping, learning rate, time")
    func records() throws {
        let trainSet = Self.data(120, seed: 3), validation = Self.data(40, seed: 4)
        let net = try Network<Float>(description: "lstm(6) > dense(1)", timeSteps: Self.t, inputDim: 1, outputDim: 1, seed: 2)
        var seen: [EpochRecord] = []
        let result = train(net, train: trainSet, validation: validation,
                           config: TrainingConfig(maxEpochs: 4, batchSize: 32, learningRate: 0.01, clipNorm: 0.05)) { seen.append($0) }
        #expect(result.status == .completed)
        #expect(seen == result.epochs && seen.map(\.epoch) == [1, 2, 3, 4])
        for r in seen {
            #expect(r.trainLoss.isFinite && r.trainLoss > 0 && r.validationLoss! > 0 && r.seconds >= 0)
            #expect(r.gradNorm > 0 && r.maxGradNorm >= r.gradNorm)
            #expect(r.learningRate == 0.01)
        }
        #expect(seen.last!.trainLoss < seen.first!.trainLoss)
        #expect(result.totalSeconds >= seen.reduce(0) { $0 + $1.seconds } * 0.99)
        #expect(net.gradients.allSatisfy { $0 == 0 })
    }

    @Test("early stopping restores the best epoch's weights; the learning rate drops on a plateau")
    func earlyStopping() throws {
        // Few samples, many epochs and a large step: the validation loss soon stops improving.
        let trainSet = Self.data(24, seed: 5), validation = Self.data(24, seed: 6)
        let net = try Network<Float>(description: "gru(12) > dense(1)", timeSteps: Self.t, inputDim: 1, outputDim: 1, seed: 3)
        let config = TrainingConfig(maxEpochs: 300, batchSize: 8, learningRate: 0.05, patience: 6,
                                    lrPlateauPatience: 3, lrPlateauFactor: 0.5)
        let result = train(net, train: trainSet, validation: validation, config: config)
        #expect(result.status == .earlyStopped)
        let best = try #require(result.bestEpoch)
        #expect(result.epochs.count == best + 6)
        let bestLoss = result.epochs[best - 1].validationLoss!
        #expect(result.epochs.allSatisfy { $0.validationLoss! >= bestLoss })
        #expect(result.bestLoss == bestLoss)
        let now = Loss.mse.value(prediction: net.predict(x: validation.x, count: validation.count, batchSize: 8),
                                 target: validation.y)
        #expect(abs(now - bestLoss) <= 1e-6 * bestLoss, "restored weights reproduce the best validation loss")
        let rates = result.epochs.map(\.learningRate)
        #expect(rates.last! < 0.05 && rates == rates.sorted(by: >))
    }

    @Test("divergence stops the run with a status, keeps finite weights, and leaves other models alone")
    func divergence() throws {
        var trainSet = Self.data(64, seed: 7)
        trainSet.y[10] = .nan
        let net = try Network<Float>(description: "gru(4) > dense(1)", timeSteps: Self.t, inputDim: 1, outputDim: 1, seed: 4)
        let initial = net.copyParameters()
        let result = train(net, train: trainSet, config: TrainingConfig(maxEpochs: 5, batchSize: 16, shuffle: false))
        guard case let .diverged(reason) = result.status else {
            Issue.record("expected divergence, got \(result.status)")
            return
        }
        #expect(reason.contains("epoch 1") && reason.contains("nan"))
        #expect(net.copyParameters() == initial, "no epoch finished: the initial weights are kept")
        #expect(net.predict(x: trainSet.x, count: 64).allSatisfy { $0.isFinite })

        // An exploding run: huge learning rate, no clipping. Whatever happens, no trap, and a
        // second model trained afterwards is unaffected.
        let wild = try Network<Float>(description: "rnn(8, relu) > dense(1)", timeSteps: Self.t, inputDim: 1, outputDim: 1, seed: 5)
        let clean = Self.data(64, seed: 8)
        let wildResult = train(wild, train: (clean.x.map { $0 * 1e18 }, clean.y.map { $0 * 1e18 }, 64),
                               config: TrainingConfig(maxEpochs: 3, learningRate: 1e6, optimizer: .sgd(momentum: 0.9), clipNorm: 0))
        if case .diverged = wildResult.status {} else { Issue.record("expected divergence, got \(wildResult.status)") }
        #expect(wild.copyParameters().allSatisfy { $0.isFinite })
        let other = try Network<Float>(description: "gru(4) > dense(1)", timeSteps: Self.t, inputDim: 1, outputDim: 1, seed: 4)
        let otherResult = train(other, train: clean, config: TrainingConfig(maxEpochs: 2, batchSize: 16))
        #expect(otherResult.status == .completed)
    }

    @Test("SGD, batch size 1, MAE and Huber all reduce the loss", arguments: [
        TrainingConfig(maxEpochs: 3, batchSize: 1, learningRate: 0.01, optimizer: .sgd(momentum: 0)),
        TrainingConfig(maxEpochs: 3, batchSize: 8, learningRate: 0.02, optimizer: .sgd(momentum: 0.9), loss: .mae),
        TrainingConfig(maxEpochs: 3, batchSize: 8, learningRate: 0.01, loss: .huber(delta: 0.1)),
    ])
    func variants(_ config: TrainingConfig) throws {
        let trainSet = Self.data(64, seed: 9)
        let net = try Network<Float>(description: "rnn(8) > dense(1)", timeSteps: Self.t, inputDim: 1, outputDim: 1, seed: 6)
        let before = config.loss.value(prediction: net.predict(x: trainSet.x, count: 64), target: trainSet.y)
        let result = train(net, train: trainSet, config: config)
        let after = config.loss.value(prediction: net.predict(x: trainSet.x, count: 64), target: trainSet.y)
        #expect(result.status == .completed)
        #expect(after < 0.7 * before, "\(config.optimizer) \(config.loss): \(before) → \(after)")
    }

    @Test("invalid inputs fail with a status instead of trapping")
    func invalid() throws {
        let net = try Network<Float>(description: "rnn(2) > dense(1)", timeSteps: 3, inputDim: 1, outputDim: 1)
        let empty = train(net, train: ([], [], 0), config: TrainingConfig())
        #expect(empty.status == .failed(reason: "no training samples"))
        let wrong = train(net, train: ([1, 2], [1], 1), config: TrainingConfig())
        if case .failed = wrong.status {} else { Issue.record("expected failure, got \(wrong.status)") }
        let zeroBatch = train(net, train: ([1, 2, 3], [1], 1), config: TrainingConfig(batchSize: 0))
        if case .failed = zeroBatch.status {} else { Issue.record("expected failure, got \(zeroBatch.status)") }
    }
}

@Suite("Checkpoints")
struct CheckpointTests {
    static func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-models-tests-\(getpid())")
        return dir.appendingPathComponent(name).path
    }

    @Test("CRC-32 of the standard check string")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test("write, read and rebuild give the same network and predictions")
    func roundTrip() throws {
        let net = try Network<Float>(description: "dense(4, relu) > bilstm(5, concat) > dense(2)", timeSteps: 6, inputDim: 3,
                                     outputDim: 2, seed: 12)
        let metadata = Data(#"{"features":["close","volume"],"scaler":{"mean":1.5,"std":0.25}}"#.utf8)
        let path = Self.tempPath("nested/model.fcst")
        try FileManager.default.createDirectory(atPath: Self.tempPath("nested"), withIntermediateDirectories: true)
        try Data(Checkpoint(network: net, metadata: metadata).encoded()).write(to: URL(fileURLWithPath: path))
        let loaded = try Checkpoint.read(from: path)
        #expect(loaded.spec == net.spec.description && loaded.timeSteps == 6 && loaded.inputDim == 3 && loaded.outputDim == 2)
        #expect(loaded.metadata == metadata)
        #expect(loaded.parameters.map(\.bitPattern) == net.copyParameters().map(\.bitPattern))
        let rebuilt = try loaded.makeNetwork()
        var rng = SplitMix64(seed: 1)
        let x = (0..<(6 * 7 * 3)).map { _ in Float(rng.normal()) }
        #expect(rebuilt.predict(x: x, count: 7) == net.predict(x: x, count: 7))
    }

    @Test("the layout: magic, version 2, header, metadata, count, parameters, CRC")
    func layout() throws {
        let checkpoint = Checkpoint(spec: "gru(2) > dense(1)", timeSteps: 3, inputDim: 1, outputDim: 1,
                                    metadata: Data(#"{"k":1}"#.utf8), parameters: [1, -2])
        let bytes = checkpoint.encoded()
        #expect(Array(bytes[0..<4]) == Array("FCST".utf8))
        #expect(Array(bytes[4..<8]) == [2, 0, 0, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[12..<(12 + headerLength)], as: UTF8.self)
        #expect(header == #"{"inputDim":1,"outputDim":1,"spec":"gru(2) > dense(1)","timeSteps":3}"#)
        let m = 12 + headerLength
        #expect(Array(bytes[m..<(m + 4)]) == [7, 0, 0, 0])
        #expect(String(decoding: bytes[(m + 4)..<(m + 11)], as: UTF8.self) == #"{"k":1}"#)
        #expect(bytes[m + 11] == 2)
        #expect(bytes.count == m + 11 + 8 + 8 + 4)
        let crc = CRC32.checksum(bytes[0..<(bytes.count - 4)])
        #expect(Array(bytes.suffix(4)) == [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)])
        #expect(try Checkpoint.decode(bytes) == checkpoint)
    }

    @Test("damaged files are rejected with exit code 31")
    func damaged() throws {
        let bytes = Checkpoint(spec: "rnn(2) > dense(1)", timeSteps: 2, inputDim: 1, outputDim: 1,
                               metadata: Data(#"{"k":"v"}"#.utf8), parameters: [Float](repeating: 0.5, count: 11)).encoded()
        func kind(_ b: [UInt8]) -> CheckpointError.Kind? {
            do {
                _ = try Checkpoint.decode(b, path: "m.fcst")
                return nil
            } catch let error as CheckpointError {
                #expect(error.exitCode == 31 && error.description.hasPrefix("m.fcst: error: "))
                return error.kind
            } catch {
                return nil
            }
        }
        var flipped = bytes
        flipped[bytes.count - 10] ^= 0x01
        #expect(kind(flipped) == .checksumMismatch)
        #expect(kind(Array(bytes.prefix(bytes.count - 1))) == .truncated)
        #expect(kind(Array(bytes.prefix(10))) == .truncated)
        #expect(kind(bytes + [0]) == .trailingBytes(1))
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        #expect(kind(magic) == .notACheckpoint)
        #expect(kind(Array("hello, world".utf8)) == .notACheckpoint)
        var version = bytes
        version[4] = 4
        #expect(kind(version) == .unsupportedVersion(found: 4, supported: 2))
        #expect(throws: CheckpointError(path: "/no/such/file.fcst", kind: .unreadable)) {
            try Checkpoint.read(from: "/no/such/file.fcst")
        }
    }

    @Test("a checkpoint whose spec or size does not match cannot build a network")
    func mismatch() {
        let wrongCount = Checkpoint(spec: "gru(2) > dense(1)", timeSteps: 3, inputDim: 1, outputDim: 1, parameters: [1, 2])
        #expect(throws: CheckpointError.self) { try wrongCount.makeNetwork() }
        let badSpec = Checkpoint(spec: "gru(2 > dense(1)", timeSteps: 3, inputDim: 1, outputDim: 1, parameters: [])
        let error = #expect(throws: CheckpointError.self) { try badSpec.makeNetwork() }
        #expect(error?.exitCode == 31)
    }
}
