import ForecastModels
import Testing

/// Finite-difference gradient checks in Float64 (the contract's test 1): every parameter tensor
/// and the input, relative error < 1e-6.
@Suite("Gradient checks (Float64, central differences)")
struct GradientCheckTests {
    static let cases: [(String, Int, Int, Int)] = [
        // (model description, T, D, outputs)
        ("flatten > dense(4, tanh) > dense(3, sigmoid) > dense(2)", 3, 2, 2),
        ("flatten > dense(5, relu) > dense(5, relu) > dense(1)", 4, 2, 1),
        ("rnn(4) > dense(2)", 5, 3, 2),
        ("rnn(4, relu) > dense(1)", 5, 3, 1),
        ("gru(4) > dense(2)", 5, 3, 2),
        ("lstm(4) > dense(2)", 5, 3, 2),
        ("birnn(3, sum) > dense(2)", 4, 2, 2),
        ("bigru(3, sum) > dense(2)", 4, 2, 2),
        ("bigru(3, concat) > dense(2)", 4, 2, 2),
        ("bilstm(3, sum) > dense(1)", 4, 2, 1),
        ("bilstm(3, concat) > dense(2)", 4, 2, 2),
        ("gru(3, layers: 2) > dense(1)", 4, 2, 1),
        ("lstm(3, layers: 2) > dense(1)", 4, 2, 1),
        ("rnn(3, layers: 2) > dense(1)", 4, 2, 1),
        ("dense(3, tanh) > bigru(3, concat) > lstm(3) > dense(2)", 4, 2, 2),
        ("dense(3, relu) > bilstm(3, sum) > rnn(3) > dense(4, tanh) > dense(1)", 4, 2, 1),
        ("dense(3, sigmoid) > flatten > dense(2)", 3, 2, 2),
    ]

    @Test("analytic gradients match finite differences", arguments: cases)
    func gradients(_ c: (String, Int, Int, Int)) throws {
        let (description, t, d, outputs) = c
        for scheme in [InitScheme.pytorch, .glorotOrthogonal] {
            let net = try Network<Double>(description: description, timeSteps: t, inputDim: d, outputDim: outputs,
                                          seed: 7, initScheme: scheme)
            let report = checkGradients(net, batch: 3, seed: 11)
            #expect(report.errors.count == net.parameterViews.count + 1)
            for (name, error) in report.errors.sorted(by: { $0.key < $1.key }) {
                #expect(error < 1e-6, "\(description) [\(scheme)] \(name): relative error \(error)")
                #expect(report.norms[name]! > 0, "\(description) \(name): zero gradient, check is vacuous")
            }
        }
    }

    @Test("the MLP preset passes the gradient check")
    func mlpPreset() throws {
        let net = try Network<Double>(spec: ModelSpec.preset("mlp", hidden: 6), timeSteps: 5, inputDim: 2,
                                      outputDim: 1, seed: 3)
        let report = checkGradients(net, batch: 4, seed: 5)
        #expect(report.worst.error < 1e-6, "worst \(report.worst)")
    }

    @Test("the checker catches a 1 % error in a single gradient entry")
    func detectsErrors() throws {
        let net = try Network<Double>(description: "gru(3) > dense(1)", timeSteps: 3, inputDim: 2, outputDim: 1, seed: 1)
        let view = try #require(net.view(named: "layers.0.weight_hh_l0"))
        let report = checkGradients(net, batch: 2, seed: 2) { $0[view.offset + 4] *= 1.01 }
        #expect(report.errors["layers.0.weight_hh_l0"]! > 1e-4)
        #expect(report.errors["layers.0.weight_ih_l0"]! < 1e-6)
    }

    @Test("backward accumulates into the gradients (+=) until zeroGrad")
    func accumulates() throws {
        let net = try Network<Double>(description: "gru(3) > dense(1)", timeSteps: 3, inputDim: 2, outputDim: 1, seed: 1)
        var rng = SplitMix64(seed: 2)
        let x = (0..<(3 * 2 * 2)).map { _ in rng.normal() }
        net.zeroGrad()
        _ = net.forward(x: x, batch: 2)
        _ = net.backward(dOutput: [1, 1])
        let first = net.gradient(named: "layers.0.weight_hh_l0")!
        _ = net.forward(x: x, batch: 2)
        _ = net.backward(dOutput: [1, 1])
        let second = net.gradient(named: "layers.0.weight_hh_l0")!
        #expect(first.contains { $0 != 0 })
        for (a, b) in zip(first, second) {
            #expect(abs(b - 2 * a) <= 1e-12 * max(1, abs(a)))
        }
        net.zeroGrad()
        #expect(net.gradients.allSatisfy { $0 == 0 })
    }

    @Test("gradients are right with given initial states h₀, c₀", arguments: ["lstm(3, layers: 2) > dense(1)", "bigru(3, concat) > dense(1)", "rnn(3) > dense(1)"])
    func initialStates(_ description: String) throws {
        let net = try Network<Double>(description: description, timeSteps: 4, inputDim: 2, outputDim: 1, seed: 5)
        var rng = SplitMix64(seed: 6)
        let count = description.hasPrefix("lstm") ? 2 * 3 * 3 : (description.hasPrefix("bi") ? 2 * 3 * 3 : 3 * 3)
        var states = ["layers.0.h_0": (0..<count).map { _ in rng.normal() }]
        if description.hasPrefix("lstm") { states["layers.0.c_0"] = (0..<count).map { _ in rng.normal() } }
        try net.setInitialStates(states, batch: 3)
        let report = checkGradients(net, batch: 3, seed: 7)
        #expect(report.worst.error < 1e-6, "\(description): worst \(report.worst)")
    }
}
