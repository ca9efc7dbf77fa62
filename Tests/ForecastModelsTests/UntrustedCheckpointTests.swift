import Foundation
import Testing
@testable import ForecastModels

/// Checkpoints are untrusted input: a file with a valid CRC but absurd or inconsistent contents
/// must be refused (exit 31, naming the field) before anything is allocated from it.
@Suite("untrusted checkpoints")
struct UntrustedCheckpointTests {
    /// Writes `checkpoint` (with a valid CRC) and reads it back; the refusal, or nil if accepted.
    static func refusal(_ checkpoint: Checkpoint) throws -> CheckpointError? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("untrusted-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("crafted.ckpt").path
        try Data(checkpoint.encoded()).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Checkpoint.read(from: path)
            return nil
        } catch let e as CheckpointError {
            #expect(e.exitCode == 31)
            #expect(e.rendered.hasPrefix(path + ": error: "))
            return e
        }
    }

    @Test("absurd sizes in the header are refused by name (they aborted or trapped when building the network)",
          arguments: [
              ("gru(2) > dense(1)", 1_000_000_000, 1, 1, "'timeSteps'"),
              ("gru(2) > dense(1)", 0, 1, 1, "'timeSteps'"),
              ("gru(2) > dense(1)", 3, 20_000, 1, "'inputDim'"),
              ("gru(2) > dense(1)", 3, -1, 1, "'inputDim'"),
              ("gru(2) > dense(100000000)", 3, 1, 100_000_000, "'outputDim'"),
          ])
    func absurdHeaderSizes(spec: String, timeSteps: Int, inputDim: Int, outputDim: Int, field: String) throws {
        let e = try Self.refusal(Checkpoint(spec: spec, timeSteps: timeSteps, inputDim: inputDim, outputDim: outputDim,
                                            parameters: [1, 2, 3]))
        #expect(e?.message.contains(field) == true, "\(String(describing: e))")
    }

    @Test("a model description beyond the limits is refused before any allocation",
          arguments: [
              ("flatten > dense(100000000) > dense(1)", "100000000 units"),
              ("flatten > dense(60000, relu) > dense(60000) > dense(1)", "more than 134217728 parameters"),
              ("gru(1, layers: 100000) > dense(1)", "100000 levels"),
              ("gru(4) > dense(2)", "but outputDim is 1"),
          ])
    func absurdSpec(spec: String, expected: String) throws {
        let e = try Self.refusal(Checkpoint(spec: spec, timeSteps: 4, inputDim: 2, outputDim: 1, parameters: [0]))
        #expect(e?.message.contains("'spec'") == true && e?.message.contains(expected) == true, "\(String(describing: e))")
    }

    @Test("the parameter count must be exactly what the description needs")
    func wrongParameterCount() throws {
        // gru(2), D = 1: 3·2·1 + 3·2·2 + 2·3·2 = 30; dense(1): 2 + 1.
        let e = try Self.refusal(Checkpoint(spec: "gru(2) > dense(1)", timeSteps: 3, inputDim: 1, outputDim: 1, parameters: [1, 2]))
        #expect(e?.message == "checkpoint field 'parameters' holds 2 values, but 'gru(2) > dense(1)' needs 33")
    }

    @Test("a NaN or infinite weight is refused, on reading and when building the network")
    func nonFiniteWeights() throws {
        let net = try Network<Float>(description: "gru(2) > dense(1)", timeSteps: 3, inputDim: 1, outputDim: 1, seed: 1)
        var checkpoint = Checkpoint(network: net)
        #expect(try Self.refusal(checkpoint) == nil)
        checkpoint.parameters[5] = .nan
        #expect(try Self.refusal(checkpoint)?.message == "checkpoint field 'parameters' value 5 is nan, not a finite number")
        #expect(throws: CheckpointError.self) { try checkpoint.makeNetwork() }
        checkpoint.parameters[5] = -.infinity
        #expect(try Self.refusal(checkpoint)?.message.contains("value 5 is -inf") == true)
    }

    @Test("a checkpoint of every model kind written by fit still reads and rebuilds",
          arguments: ["flatten > dense(8, relu) > dense(2)", "dense(3, relu) > bilstm(4, concat) > dense(2)",
                      "rnn(3, relu, layers: 2, dropout: 0.1) > dense(2)", "bigru(5, sum) > gru(3) > dense(2)"])
    func validCheckpointsStillLoad(spec: String) throws {
        let net = try Network<Float>(description: spec, timeSteps: 5, inputDim: 3, outputDim: 2, seed: 3)
        let checkpoint = Checkpoint(network: net)
        #expect(try Self.refusal(checkpoint) == nil)
        #expect(try checkpoint.makeNetwork().parameterCount == net.parameterCount)
    }
}

@Suite("model description: duplicate arguments")
struct ModelSpecDuplicateArgumentTests {
    @Test("an argument given twice is refused at its second occurrence",
          arguments: [
              ("gru(4, layers: 1, layers: 2) > dense(1)", 19, "'layers'"),
              ("gru(4, num_layers: 1, layers: 2) > dense(1)", 23, "'layers'"),
              ("lstm(4, dropout: 0.1, dropout: 0.2) > dense(1)", 23, "'dropout'"),
              ("gru(4, hidden: 8) > dense(1)", 8, "'units'"),
              ("flatten > dense(4, relu, activation: tanh)", 26, "'activation'"),
              ("flatten > dense(4, units: 5)", 20, "'units'"),
              ("bigru(4, sum, merge: concat) > dense(1)", 15, "'merge'"),
              ("rnn(4, relu, tanh) > dense(1)", 14, "'activation'"),
          ])
    func duplicateArgument(text: String, column: Int, name: String) {
        do {
            let spec = try ModelSpec(parsing: text)
            Issue.record("accepted as \(spec)")
        } catch let e as ModelSpecError {
            #expect(e.column == column, "\(e)")
            #expect(e.message.contains("duplicate") && e.message.contains(name), "\(e)")
            #expect(e.exitCode == 64)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func distinctArgumentsStillParse() throws {
        #expect(try ModelSpec(parsing: "bigru(4, concat, layers: 2, dropout: 0.1) > dense(1)").description
            == "bigru(4, concat, layers: 2, dropout: 0.1) > dense(1)")
        #expect(try ModelSpec(parsing: "rnn(4, relu, layers: 2) > dense(1)").description == "rnn(4, relu, layers: 2) > dense(1)")
    }
}

@Suite("untrusted checkpoints: the parameter count without building")
struct CheckpointParameterCountTests {
    @Test("the count computed from the description equals the built network's",
          arguments: ["flatten > dense(8, relu) > dense(2)", "dense(3, relu) > bilstm(4, concat) > dense(2)",
                      "rnn(3, relu, layers: 2, dropout: 0.1) > dense(2)", "bigru(5, sum) > gru(3) > dense(2)",
                      "dense(4) > dropout(0.2) > lstm(6, layers: 3) > dense(7, tanh) > dense(2)",
                      "birnn(2, concat, layers: 2) > dropout(0.1) > bigru(3, concat) > dense(2)"])
    func matchesTheNetwork(spec: String) throws {
        let net = try Network<Float>(description: spec, timeSteps: 7, inputDim: 3, outputDim: 2)
        let count = try Checkpoint.parameterCount(of: ModelSpec(parsing: spec), timeSteps: 7, inputDim: 3, outputDim: 2,
                                                  fail: { CheckpointError(path: "x", kind: .invalidField(field: "spec", reason: $0)) })
        #expect(count == net.parameterCount)
    }

    @Test("the limits hold at their edges")
    func edges() throws {
        let atLimit = Checkpoint(spec: "flatten > dense(1)", timeSteps: Checkpoint.maximumTimeSteps, inputDim: 1, outputDim: 1,
                                 parameters: [Float](repeating: 0, count: Checkpoint.maximumTimeSteps + 1))
        try atLimit.validate()
        var over = atLimit
        over.timeSteps += 1
        #expect(throws: CheckpointError.self) { try over.validate() }
        let longSpec = Checkpoint(spec: "flatten > " + String(repeating: "dropout(0.1) > ", count: 400) + "dense(1)",
                                  timeSteps: 1, inputDim: 1, outputDim: 1, parameters: [0, 0])
        #expect((try? longSpec.validate()) == nil)
    }
}
