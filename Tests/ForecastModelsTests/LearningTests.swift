import ForecastModels
import Testing

/// Data for the learning tests: small, generated with a seed.
enum LearningData {
    /// Windows of a noisy sine: x_t = sin(2π t / period) + noise·ε, window T → next value.
    /// Returns x (T, n, 1) time-major and y (n, 1).
    static func noisySine(count n: Int, timeSteps t: Int, period: Double = 20, noise: Double = 0.1,
                          seed: UInt64) -> (x: [Float], y: [Float], count: Int) {
        var rng = SplitMix64(seed: seed)
        let length = n + t + 1
        let phase = rng.uniform(0, 2 * Double.pi)
        var series = [Float](repeating: 0, count: length)
        for i in 0..<length {
            let angle: Double = 2 * Double.pi * Double(i) / period + phase
            series[i] = Float(Double.sin(angle) + noise * rng.normal())
        }
        var x = [Float](repeating: 0, count: t * n)
        var y = [Float](repeating: 0, count: n)
        for s in 0..<n {
            for k in 0..<t { x[k * n + s] = series[s + k] }
            y[s] = series[s + t]
        }
        return (x, y, n)
    }

    /// The long-dependency task: D = 2 inputs per step, a value channel of uniform noise and a marker channel that is 1 at step T − 1 − lag only. The target is the value at the
    /// marked step: the network must carry it across `lag` steps of distractors.
    static func recall(count n: Int, timeSteps t: Int, lag: Int, amplitude: Double, seed: UInt64)
        -> (x: [Float], y: [Float], count: Int) {
        var rng = SplitMix64(seed: seed)
        let marked = t - 1 - lag
        var x = [Float](repeating: 0, count: t * n * 2)
        var y = [Float](repeating: 0, count: n)
        for s in 0..<n {
            for k in 0..<t {
                let v = Float(rng.uniform(-amplitude, amplitude))
                x[(k * n + s) * 2] = v
                x[(k * n + s) * 2 + 1] = k == marked ? 1 : 0
                if k == marked { y[s] = v }
            }
        }
        return (x, y, n)
    }
}


@Suite("Learning (small, fast)")
struct LearningTests {
    /// Mean squared error of the network's predictions.
    static func mse(_ net: Network<Float>, _ data: (x: [Float], y: [Float], count: Int)) -> Double {
        Loss.mse.value(prediction: net.predict(x: data.x, count: data.count), target: data.y)
    }

    @Test("every model fits a noisy sine", arguments: ["mlp", "rnn", "gru", "lstm"])
    func noisySine(_ model: String) throws {
        let t = 12
        let trainSet = LearningData.noisySine(count: 384, timeSteps: t, noise: 0.1, seed: 1)
        let validation = LearningData.noisySine(count: 128, timeSteps: t, noise: 0.1, seed: 2)
        let net = try Network<Float>(spec: ModelSpec.preset(model, hidden: model == "mlp" ? 32 : 16), timeSteps: t,
                                     inputDim: 1, outputDim: 1, seed: 3)
        let before = Self.mse(net, validation)
        let config = TrainingConfig(maxEpochs: 15, batchSize: 32, learningRate: 0.01, seed: 4)
        let result = train(net, train: trainSet, validation: validation, config: config)
        let after = Self.mse(net, validation)
        // The noise variance is 0.01 and the sine's variance 0.5: a fitted model sits near 0.01.
        #expect(after < 0.03, "\(model): validation MSE \(after) (before training \(before))")
        #expect(after < before / 5)
        #expect(result.bestLoss.map { abs($0 - after) <= 1e-5 * after } == true, "best weights restored: \(String(describing: result.bestLoss)) vs \(after)")
    }

    /// The contract's long-dependency test: the target is the input from 30 steps back (marked),
    /// with 30 steps of uniform distractors after it. Setting: lr 0.02, H = 16, 25 epochs of 1024
    /// windows, the same for every cell.
    ///
    /// One seed is one draw: which way a run goes depends on rounding, so on the matrix backend
    /// and the processor. A scan of seeds 1–4 with OpenBLAS and oneDNN here gave GRU 8/8 and LSTM
    /// 7/8 below 1 % of the target variance (one LSTM run at 97 %), the RNN 7/8 above 70 % (one
    /// at 16 %). The RNN's gradient 30 steps back relative to the last step ranged from 10⁻²² to
    /// 1.8 over seeds 1–6 (vanished, or chaotic weights after clipping), the gated cells' from
    /// 0.08 to 3. So the test trains seeds 1–5 of each cell and asserts on the medians.
    @Test("GRU and LSTM learn a 30-step dependency that the vanilla RNN does not")
    func longDependency() throws {
        let lag = 30, t = 32, amplitude = 2.0
        let trainSet = LearningData.recall(count: 1024, timeSteps: t, lag: lag, amplitude: amplitude, seed: 1)
        let validation = LearningData.recall(count: 256, timeSteps: t, lag: lag, amplitude: amplitude, seed: 2)
        let variance = amplitude * amplitude / 3
        var relative: [String: Double] = [:]
        var carried: [String: Double] = [:]
        for cell in ["rnn", "gru", "lstm"] {
            var errors: [Double] = [], ratios: [Double] = []
            for seed in UInt64(1)...5 {
                let net = try Network<Float>(description: "\(cell)(16) > dense(1)", timeSteps: t, inputDim: 2,
                                             outputDim: 1, seed: seed)
                let config = TrainingConfig(maxEpochs: 25, batchSize: 32, learningRate: 0.02, patience: 0,
                                            lrPlateauPatience: 0, seed: seed)
                let result = train(net, train: trainSet, validation: validation, config: config)
                #expect(result.status == .completed)
                errors.append(Self.mse(net, validation) / variance)
                let flow = net.gradientFlow(x: validation.x, y: validation.y, count: validation.count)
                ratios.append(flow[lag] / flow[0])
            }
            relative[cell] = errors.sorted()[2]
            carried[cell] = ratios.sorted()[2]
        }
        #expect(relative["gru"]! < 0.05, "GRU median relative MSE \(relative["gru"]!)")
        #expect(relative["lstm"]! < 0.05, "LSTM median relative MSE \(relative["lstm"]!)")
        #expect(relative["rnn"]! > 0.3, "RNN median relative MSE \(relative["rnn"]!)")
        // The gated cells carry the gradient 30 steps back at order 1; the RNN carries less
        // than half as much.
        #expect(carried["gru"]! > 0.1 && carried["lstm"]! > 0.1, "gated median ratios \(carried)")
        #expect(carried["rnn"]! < 0.5 * min(carried["gru"]!, carried["lstm"]!), "median ratios \(carried)")
    }

    /// The diagnostic's k = 0 value is exact: for `rnn(H) > dense(1)` with MSE over one batch,
    /// ∂L/∂h_{T−1}[b] = (2/B)(ŷ_b − y_b)·w, so its batch mean norm is (2/B)·mean|ŷ − y|·‖w‖.
    @Test("gradient flow: shape, k = 0 value, and nothing for an MLP")
    func gradientFlowValues() throws {
        let t = 10
        let data = LearningData.recall(count: 64, timeSteps: t, lag: 5, amplitude: 1, seed: 5)
        let net = try Network<Float>(description: "rnn(8) > dense(1)", timeSteps: t, inputDim: 2, outputDim: 1, seed: 1)
        let flow = net.gradientFlow(x: data.x, y: data.y, count: data.count, batchSize: 64)
        #expect(flow.count == t)
        #expect(flow.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(net.gradients.allSatisfy { $0 == 0 }, "the diagnostic leaves the gradients zero")
        let prediction = net.predict(x: data.x, count: data.count)
        let w = net.parameter(named: "layers.1.weight")!
        let wNorm = w.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let meanAbs = zip(prediction, data.y).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / 64
        let expected = 2.0 / 64 * meanAbs * wNorm
        #expect(abs(flow[0] - expected) <= 1e-5 * expected, "flow[0] \(flow[0]) vs \(expected)")
        let mlp = try Network<Float>(spec: ModelSpec.preset("mlp", hidden: 8), timeSteps: t, inputDim: 2, outputDim: 1)
        #expect(mlp.gradientFlow(x: data.x, y: data.y, count: data.count).isEmpty)
    }
}
