import Testing

/// Checks that the committed PyTorch fixture is complete and self-consistent, independently of
/// our models: shapes follow PyTorch's layouts, the loss is the MSE of the recorded prediction,
/// and the MLP case recomputes from its own weights with a plain Float64 loop (which pins the
/// flattening order t·D + d the fixture documents).
@Suite("Golden fixture")
struct GoldenFixtureTests {
    let fixture: GoldenFixture

    init() throws {
        fixture = try GoldenFixture.shared.get()
    }

    @Test func hasEveryCase() throws {
        #expect(Set(fixture.cases.map(\.name)) == Set(goldenModelCases))
        #expect(fixture.cases.count == goldenModelCases.count)
        #expect(fixture.adam.steps.count == 2)
    }

    @Test func tensorsMatchTheirShapes() throws {
        for c in fixture.cases {
            #expect(c.x.shape == [c.timeSteps, c.batch, c.inputSize], "\(c.name)")
            #expect(c.xGradient.shape == c.x.shape, "\(c.name)")
            #expect(c.target.shape == [c.batch, 1], "\(c.name)")
            #expect(c.prediction.shape == [c.batch, 1], "\(c.name)")
            #expect(Set(c.parameters.keys) == Set(c.parameterNames), "\(c.name)")
            #expect(Set(c.gradients.keys) == Set(c.parameterNames), "\(c.name)")
            for (name, p) in c.parameters {
                #expect(p.count == p.shape.reduce(1, *), "\(c.name) \(name)")
                #expect(c.gradients[name]?.shape == p.shape, "\(c.name) \(name)")
            }
        }
    }

    @Test func recurrentWeightsHavePyTorchGateLayout() throws {
        for c in fixture.cases where c.name != "mlp" {
            let gates = c.name.contains("lstm") ? 4 : c.name.contains("gru") ? 3 : 1
            let directions = c.name.hasPrefix("bi") ? 2 : 1
            let H = c.hidden
            for name in c.parameterNames where name.hasPrefix("rnn.") {
                let shape = try #require(c.parameters[name]?.shape)
                let layer = name.contains("_l1") ? 1 : 0
                let inputWidth = layer == 0 ? c.inputSize : H * directions
                if name.contains("weight_ih") { #expect(shape == [gates * H, inputWidth], "\(c.name) \(name)") }
                if name.contains("weight_hh") { #expect(shape == [gates * H, H], "\(c.name) \(name)") }
                if name.contains("bias") { #expect(shape == [gates * H], "\(c.name) \(name)") }
            }
            let hN = try #require(c.hN)
            #expect(hN.shape[0] == directions * (c.name.hasSuffix("_l2") ? 2 : 1), "\(c.name)")
            #expect(try #require(c.output).shape == [c.timeSteps, c.batch, directions * H], "\(c.name)")
            #expect((c.cN != nil) == (gates == 4), "\(c.name)")
        }
    }

    @Test func lossIsMeanSquaredErrorOfPrediction() throws {
        for c in fixture.cases {
            let mse = zip(c.prediction.data, c.target.data).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
                / Double(c.batch)
            #expect(abs(mse - c.loss) <= 1e-14 * max(1, c.loss), "\(c.name)")
        }
    }

    /// flatten (t·D + d) → fc1 ReLU → fc2 ReLU → fc3, in Float64, from the fixture's weights.
    @Test func mlpPredictionRecomputes() throws {
        let c = try fixture.case("mlp")
        func linear(_ name: String, _ input: [Double], relu: Bool) throws -> [Double] {
            let w = try #require(c.parameters[name + ".weight"])
            let b = try #require(c.parameters[name + ".bias"])
            let (rows, cols) = (w.shape[0], w.shape[1])
            return (0..<rows).map { r in
                let s = (0..<cols).reduce(b.data[r]) { $0 + w.data[r * cols + $1] * input[$1] }
                return relu ? max(0, s) : s
            }
        }
        let (T, B, D) = (c.timeSteps, c.batch, c.inputSize)
        for i in 0..<B {
            var window = [Double](repeating: 0, count: T * D)
            for t in 0..<T { for d in 0..<D { window[t * D + d] = c.x.data[(t * B + i) * D + d] } }
            let y = try linear("fc3", try linear("fc2", try linear("fc1", window, relu: true), relu: true), relu: false)
            #expect(abs(y[0] - c.prediction.data[i]) <= 1e-12 * max(1, abs(y[0])), "window \(i)")
        }
    }

    /// Inputs and weights are Float32-exact, so a Float32 model holds exactly the reference weights.
    @Test func inputsAndWeightsAreFloat32Exact() throws {
        for c in fixture.cases {
            let tensors = [c.x, c.target] + c.parameterNames.compactMap { c.parameters[$0] }
            for t in tensors {
                #expect(t.data.allSatisfy { Double(Float($0)) == $0 }, "\(c.name)")
            }
        }
    }
}
