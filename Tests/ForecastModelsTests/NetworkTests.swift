import CForecastKernels
import ForecastModels
import Testing

@Suite("Network structure, initialisation, forward")
struct NetworkTests {
    static func randomInput(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(rng.normal()) }
    }

    @Test("parameters carry PyTorch's names and shapes, in one contiguous buffer")
    func names() throws {
        let net = try Network<Float>(description: "dense(8, relu) > bigru(16, concat) > lstm(4, layers: 2) > dense(1)",
                                     timeSteps: 5, inputDim: 3, outputDim: 1)
        let expected: [(String, [Int])] = [
            ("layers.0.weight", [8, 3]), ("layers.0.bias", [8]),
            ("layers.1.weight_ih_l0", [48, 8]), ("layers.1.weight_hh_l0", [48, 16]),
            ("layers.1.bias_ih_l0", [48]), ("layers.1.bias_hh_l0", [48]),
            ("layers.1.weight_ih_l0_reverse", [48, 8]), ("layers.1.weight_hh_l0_reverse", [48, 16]),
            ("layers.1.bias_ih_l0_reverse", [48]), ("layers.1.bias_hh_l0_reverse", [48]),
            ("layers.2.weight_ih_l0", [16, 32]), ("layers.2.weight_hh_l0", [16, 4]),
            ("layers.2.bias_ih_l0", [16]), ("layers.2.bias_hh_l0", [16]),
            ("layers.2.weight_ih_l1", [16, 4]), ("layers.2.weight_hh_l1", [16, 4]),
            ("layers.2.bias_ih_l1", [16]), ("layers.2.bias_hh_l1", [16]),
            ("layers.3.weight", [1, 4]), ("layers.3.bias", [1]),
        ]
        #expect(net.parameterViews.map(\.name) == expected.map(\.0))
        #expect(net.parameterViews.map(\.shape) == expected.map(\.1))
        var offset = 0
        for view in net.parameterViews {
            #expect(view.offset == offset)
            offset += view.count
        }
        #expect(net.parameterCount == offset)
        #expect(net.parameters.count == offset && net.gradients.count == offset)
    }

    @Test("the MLP's parameter count grows with the window", arguments: [(8, 1), (32, 4), (64, 8)])
    func mlpCount(_ c: (Int, Int)) throws {
        let (t, d) = c
        let net = try Network<Float>(spec: ModelSpec.preset("mlp", hidden: 64), timeSteps: t, inputDim: d, outputDim: 1)
        #expect(net.parameterCount == t * d * 64 + 64 + 64 * 64 + 64 + 64 + 1)
    }

    @Test("default initialisation: Glorot bounds, orthogonal recurrent blocks, LSTM forget bias 1")
    func glorotOrthogonal() throws {
        let h = 12, d = 5
        let net = try Network<Double>(description: "lstm(12) > dense(1)", timeSteps: 3, inputDim: d, outputDim: 1, seed: 9)
        let wih = net.parameter(named: "layers.0.weight_ih_l0")!
        let limit = (6.0 / Double(d + h)).squareRoot()
        #expect(wih.allSatisfy { abs($0) <= limit })
        #expect(wih.map { abs($0) }.max()! > 0.8 * limit)
        let whh = net.parameter(named: "layers.0.weight_hh_l0")!
        for gate in 0..<4 {
            for i in 0..<h {
                for j in 0..<h {
                    var dot = 0.0
                    for k in 0..<h { dot += whh[gate * h * h + i * h + k] * whh[gate * h * h + j * h + k] }
                    #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12, "gate \(gate) rows \(i), \(j)")
                }
            }
        }
        let bih = net.parameter(named: "layers.0.bias_ih_l0")!
        let bhh = net.parameter(named: "layers.0.bias_hh_l0")!
        #expect(Array(bih[h..<(2 * h)]) == [Double](repeating: 1, count: h))
        #expect(bih.enumerated().allSatisfy { ($0.offset >= h && $0.offset < 2 * h) || $0.element == 0 })
        #expect(bhh.allSatisfy { $0 == 0 })
    }

    @Test("PyTorch initialisation: U(±1/√H) for recurrent, U(±1/√in) for dense")
    func pytorchInit() throws {
        let net = try Network<Float>(description: "gru(16) > dense(1)", timeSteps: 3, inputDim: 2, outputDim: 1,
                                     seed: 1, initScheme: .pytorch)
        for name in ["layers.0.weight_ih_l0", "layers.0.weight_hh_l0", "layers.0.bias_ih_l0", "layers.0.bias_hh_l0"] {
            let v = net.parameter(named: name)!
            #expect(v.allSatisfy { abs($0) <= 0.25 }, "\(name)")
            #expect(v.map { abs($0) }.max()! > 0.15, "\(name) spans the range")
        }
        let head = net.parameter(named: "layers.1.weight")! + net.parameter(named: "layers.1.bias")!
        #expect(head.allSatisfy { abs($0) <= 0.25 })
    }

    @Test("the seed decides the weights")
    func seeds() throws {
        let a = try Network<Float>(description: "bilstm(6) > dense(2)", timeSteps: 4, inputDim: 3, outputDim: 2, seed: 42)
        let b = try Network<Float>(description: "bilstm(6) > dense(2)", timeSteps: 4, inputDim: 3, outputDim: 2, seed: 42)
        let c = try Network<Float>(description: "bilstm(6) > dense(2)", timeSteps: 4, inputDim: 3, outputDim: 2, seed: 43)
        #expect(a.copyParameters() == b.copyParameters())
        #expect(a.copyParameters() != c.copyParameters())
        // Float and Double networks with one seed start from the same values (up to rounding).
        let d = try Network<Double>(description: "bilstm(6) > dense(2)", timeSteps: 4, inputDim: 3, outputDim: 2, seed: 42)
        #expect(zip(a.copyParameters(), d.copyParameters()).allSatisfy { $0 == Float($1) })
    }

    @Test("SplitMix64 reproduces the reference sequence")
    func splitMix() {
        // Reference values of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 1_234_567)
        #expect(g.next() == 6_457_827_717_110_365_317)
        #expect(g.next() == 3_203_168_211_198_807_973)
        #expect(g.next() == 9_817_491_932_198_370_423)
        var u = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            let x = u.nextUnit()
            #expect(x >= 0 && x < 1)
            let i = u.nextIndex(below: 7)
            #expect(i >= 0 && i < 7)
        }
    }

    @Test("setting parameters by name, with errors for unknown names and wrong sizes")
    func setByName() throws {
        let net = try Network<Float>(description: "rnn(3) > dense(1)", timeSteps: 2, inputDim: 2, outputDim: 1)
        try net.setParameter(named: "layers.1.weight", to: [1, 2, 3])
        #expect(net.parameter(named: "layers.1.weight") == [1, 2, 3])
        let view = net.view(named: "layers.1.weight")!
        #expect(Array(net.parameters[view.offset..<(view.offset + 3)]) == [1, 2, 3])
        #expect(throws: NetworkError.self) { try net.setParameter(named: "layers.1.weight", to: [1, 2]) }
        let unknown = #expect(throws: NetworkError.self) { try net.setParameter(named: "weight_ih_l0", to: [1]) }
        #expect(unknown?.description.contains("layers.0.weight_ih_l0") == true, "lists the valid names")
        #expect(net.parameter(named: "nope") == nil && net.gradient(named: "nope") == nil)
    }

    @Test("a hand-computed vanilla RNN step")
    func rnnByHand() throws {
        // T = 2, B = 1, D = 1, H = 1, output = h_2 (no head): h1 = tanh(w x1 + b), h2 = tanh(w x2 + u h1 + b).
        let net = try Network<Double>(description: "rnn(1)", timeSteps: 2, inputDim: 1, outputDim: 1)
        try net.setParameter(named: "layers.0.weight_ih_l0", to: [0.5])
        try net.setParameter(named: "layers.0.weight_hh_l0", to: [-0.7])
        try net.setParameter(named: "layers.0.bias_ih_l0", to: [0.1])
        try net.setParameter(named: "layers.0.bias_hh_l0", to: [0.2])
        let out = net.forward(x: [1.5, -2], batch: 1)
        let h1 = Double.tanh(0.5 * 1.5 + 0.3)
        let h2 = Double.tanh(0.5 * -2 - 0.7 * h1 + 0.3)
        #expect(abs(out[0] - h2) < 1e-15)
        #expect(net.finalHiddenStates()["layers.0.h_n"] == [h2])
    }

    @Test("bidirectional final states: forward h_T and backward state after the whole sequence")
    func bidirectionalFinalStates() throws {
        let t = 4, b = 3, d = 2, h = 5
        let concat = try Network<Double>(description: "bigru(5, concat)", timeSteps: t, inputDim: d, outputDim: 2 * h, seed: 3)
        let sum = try Network<Double>(description: "bigru(5, sum)", timeSteps: t, inputDim: d, outputDim: h, seed: 3)
        let x = Self.randomInput(t * b * d, seed: 1).map(Double.init)
        let outC = concat.forward(x: x, batch: b)
        let outS = sum.forward(x: x, batch: b)
        let hn = concat.finalHiddenStates()["layers.0.h_n"]!
        #expect(hn.count == 2 * b * h)
        for r in 0..<b {
            for j in 0..<h {
                #expect(outC[r * 2 * h + j] == hn[r * h + j])
                #expect(outC[r * 2 * h + h + j] == hn[b * h + r * h + j])
                #expect(abs(outS[r * h + j] - (hn[r * h + j] + hn[b * h + r * h + j])) < 1e-15)
            }
        }
        // The backward direction's final state after reading x_T … x_1 equals a forward GRU run
        // on the time-reversed input with the reverse weights.
        let forwardOnly = try Network<Double>(description: "gru(5)", timeSteps: t, inputDim: d, outputDim: h)
        for suffix in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"] {
            try forwardOnly.setParameter(named: "layers.0." + suffix, to: concat.parameter(named: "layers.0." + suffix + "_reverse")!)
        }
        var reversed = x
        for step in 0..<t {
            for i in 0..<(b * d) { reversed[step * b * d + i] = x[(t - 1 - step) * b * d + i] }
        }
        let hBackward = forwardOnly.forward(x: reversed, batch: b)
        #expect(zip(hBackward, hn[(b * h)...]).allSatisfy { abs($0 - $1) < 1e-14 })
    }

    @Test("sequence outputs: forward h_t per step, backward state after reading T−1 … t",
          arguments: ["bilstm(4, sum) > dense(1)", "bigru(4, concat) > dense(1)", "gru(4) > dense(1)"])
    func sequenceOutputs(_ description: String) throws {
        let t = 5, b = 2, d = 3, h = 4
        let dirs = description.hasPrefix("bi") ? 2 : 1
        let x = Self.randomInput(t * b * d, seed: 4).map(Double.init)
        func network(_ steps: Int) throws -> Network<Double> {
            try Network<Double>(description: description, timeSteps: steps, inputDim: d, outputDim: 1, seed: 2)
        }
        let net = try network(t)
        _ = net.forward(x: x, batch: b)
        let output = try #require(net.sequenceOutputs()["layers.0.output"])
        #expect(output.count == t * b * dirs * h)
        for step in 0..<t {
            // The forward direction's h_step is the final state of a run over steps 0…step; the
            // backward direction's output at step is the final state of a run over step…T−1.
            let prefix = try network(step + 1), suffix = try network(t - step)
            _ = prefix.forward(x: Array(x[0..<((step + 1) * b * d)]), batch: b)
            _ = suffix.forward(x: Array(x[(step * b * d)...]), batch: b)
            let hp = prefix.finalHiddenStates()["layers.0.h_n"]!, hs = suffix.finalHiddenStates()["layers.0.h_n"]!
            for r in 0..<b {
                for j in 0..<h {
                    #expect(abs(output[(step * b + r) * dirs * h + j] - hp[r * h + j]) < 1e-14)
                    if dirs == 2 {
                        #expect(abs(output[(step * b + r) * 2 * h + h + j] - hs[(b + r) * h + j]) < 1e-14)
                    }
                }
            }
        }
    }

    @Test("LSTM final states h_n and c_n in PyTorch's (layers·directions, B, H) layout")
    func lstmStates() throws {
        let net = try Network<Float>(description: "lstm(3, layers: 2) > dense(1)", timeSteps: 4, inputDim: 2, outputDim: 1, seed: 2)
        _ = net.forward(x: Self.randomInput(4 * 5 * 2, seed: 2), batch: 5)
        let states = net.finalHiddenStates()
        #expect(states["layers.0.h_n"]?.count == 2 * 5 * 3)
        #expect(states["layers.0.c_n"]?.count == 2 * 5 * 3)
        #expect(states["layers.0.h_n"]!.allSatisfy { abs($0) < 1 })
    }

    @Test("h_0/c_0: running 3 + 3 steps with the carried state equals running 6", arguments: ["lstm(4, layers: 2)", "gru(4)", "rnn(4, relu)"])
    func carriedState(_ description: String) throws {
        let b = 3, d = 2, h = 4
        let levels = description.contains("layers: 2") ? 2 : 1
        let long = try Network<Double>(description: description, timeSteps: 6, inputDim: d, outputDim: h, seed: 1)
        let short = try Network<Double>(description: description, timeSteps: 3, inputDim: d, outputDim: h, seed: 1)
        let x = Self.randomInput(6 * b * d, seed: 3).map(Double.init)
        let whole = long.forward(x: x, batch: b)
        _ = short.forward(x: Array(x[0..<(3 * b * d)]), batch: b)
        let first = short.finalHiddenStates()
        var carried = ["layers.0.h_0": first["layers.0.h_n"]!]
        if let c = first["layers.0.c_n"] { carried["layers.0.c_0"] = c }
        #expect(carried["layers.0.h_0"]!.count == levels * b * h)
        try short.setInitialStates(carried, batch: b)
        let second = short.forward(x: Array(x[(3 * b * d)...]), batch: b)
        #expect(zip(second, whole).allSatisfy { abs($0 - $1) < 1e-14 })
        short.clearInitialStates()
        #expect(short.forward(x: Array(x[(3 * b * d)...]), batch: b) != second)
        #expect(throws: NetworkError.self) { try short.setInitialStates(["layers.0.h_0": [1, 2]], batch: b) }
        #expect(throws: NetworkError.self) { try short.setInitialStates(["layers.1.h_0": carried["layers.0.h_0"]!], batch: b) }
    }

    @Test("predict in batches equals one forward over everything")
    func predictBatches() throws {
        let t = 6, n = 37, d = 2
        let net = try Network<Float>(description: "dense(4, tanh) > gru(5) > dense(2)", timeSteps: t, inputDim: d, outputDim: 2, seed: 4)
        let x = Self.randomInput(t * n * d, seed: 5)
        let whole = net.forward(x: x, batch: n)
        for batchSize in [1, 8, 16, 64] {
            let p = net.predict(x: x, count: n, batchSize: batchSize)
            #expect(p.count == n * 2)
            #expect(zip(p, whole).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "batch size \(batchSize)")
        }
    }

    @Test("dropout is active only in training mode and is seeded")
    func dropout() throws {
        let make = { try Network<Float>(description: "gru(8, layers: 2, dropout: 0.5) > dropout(0.3) > dense(1)",
                                        timeSteps: 5, inputDim: 1, outputDim: 1, seed: 6) }
        let a = try make(), b = try make()
        let x = Self.randomInput(5 * 4, seed: 7)
        let eval1 = a.forward(x: x, batch: 4), eval2 = a.forward(x: x, batch: 4)
        #expect(eval1 == eval2)
        a.isTraining = true
        b.isTraining = true
        let train1 = a.forward(x: x, batch: 4), train2 = a.forward(x: x, batch: 4)
        #expect(train1 != eval1 && train1 != train2)
        #expect(b.forward(x: x, batch: 4) == train1, "same seed, same masks")
        #expect(a.predict(x: x, count: 4) == eval1, "predict switches dropout off")
        #expect(a.isTraining)
    }

    @Test("Float and Double forward passes agree; fast Float kernels stay accurate", arguments: [
        "lstm(16) > dense(1)", "gru(16) > dense(1)", "rnn(16) > dense(1)", "bilstm(8, concat) > dense(3, sigmoid) > dense(1)",
    ])
    func floatMatchesDouble(_ description: String) throws {
        let t = 12, b = 9, d = 3
        let f = try Network<Float>(description: description, timeSteps: t, inputDim: d, outputDim: 1, seed: 8)
        let g = try Network<Double>(description: description, timeSteps: t, inputDim: d, outputDim: 1, seed: 8)
        try g.setParameters(f.copyParameters().map(Double.init))
        let x = Self.randomInput(t * b * d, seed: 9).map { $0 * 2 }
        let yf = f.forward(x: x, batch: b), yd = g.forward(x: x.map(Double.init), batch: b)
        #expect(zip(yf, yd).allSatisfy { abs(Double($0) - $1) < 1e-5 })
        let gf = f.backward(dOutput: [Float](repeating: 1, count: b))
        let gd = g.backward(dOutput: [Double](repeating: 1, count: b))
        #expect(zip(gf, gd).allSatisfy { abs(Double($0) - $1) < 1e-5 })
        #expect(zip(f.gradients, g.gradients).allSatisfy { abs(Double($0) - $1) < 1e-4 * max(1, abs($1)) })
    }
}

@Suite("Float kernels")
struct FastMathTests {
    @Test("exp, tanh and sigmoid against libm")
    func accuracy() {
        var worstExp = 0.0, worstTanh = 0.0, worstTanhRelative = 0.0, worstSigmoid = 0.0
        var x: Float = -87
        while x < 88 {
            let e = Double(FastMath.exp(x)), r = Double.exp(Double(x))
            worstExp = max(worstExp, abs(e - r) / r)
            x += 0.0137
        }
        x = -12
        while x < 12 {
            let t = Double(FastMath.tanh(x)), r = Double.tanh(Double(x))
            worstTanh = max(worstTanh, abs(t - r))
            if abs(r) > 1e-30 { worstTanhRelative = max(worstTanhRelative, abs(t - r) / abs(r)) }
            worstSigmoid = max(worstSigmoid, abs(Double(FastMath.sigmoid(x)) - 1 / (1 + Double.exp(-Double(x)))))
            x += 0.000731
        }
        #expect(worstExp < 2e-7, "exp relative error \(worstExp)")
        #expect(worstTanh < 3e-7, "tanh absolute error \(worstTanh)")
        #expect(worstTanhRelative < 2e-6, "tanh relative error \(worstTanhRelative)")
        #expect(worstSigmoid < 2e-7, "sigmoid absolute error \(worstSigmoid)")
    }

    @Test("saturation, infinities and NaN")
    func edges() {
        #expect(FastMath.sigmoid(1000) == 1 && FastMath.sigmoid(-1000) >= 0 && FastMath.sigmoid(-1000) < 1e-37)
        #expect(FastMath.tanh(500) == 1 && FastMath.tanh(-500) == -1)
        #expect(FastMath.tanh(.infinity) == 1 && FastMath.sigmoid(-.infinity) >= 0)
        #expect(FastMath.exp(.nan).isNaN && FastMath.tanh(.nan).isNaN && FastMath.sigmoid(.nan).isNaN)
        #expect(FastMath.exp(0) == 1 && FastMath.tanh(0) == 0)
        var v: [Float] = [-3, 0, 2.5, .nan, 40]
        var out = [Float](repeating: 0, count: 5)
        v.withUnsafeMutableBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Float.sigmoidVector(src.baseAddress!, into: dst.baseAddress!, count: 5)
            }
        }
        #expect(abs(out[0] - 0.047_425_87) < 1e-7 && out[1] == 0.5 && out[3].isNaN && out[4] == 1)
    }

    @Test("the C vector kernels compute exactly FastMath's scalar formulas and ReLU's definition")
    func vectorKernels() {
        // 16·64 + 7 values: full vectors of every width (16, 8, 4 lanes) and a scalar tail;
        // lanes from tiny to saturating, plus NaN, ±∞ and 0.
        var rng = SplitMix64(seed: 3)
        var x = (0..<(16 * 64 + 7)).map { i in Float(rng.uniform(-100, 100) * (i % 3 == 0 ? 0.01 : i % 3 == 1 ? 0.2 : 1)) }
        for (i, special) in [Float.nan, .infinity, -.infinity, 0, -0.0, 1e-30].enumerated() {
            x[37 * i] = special
            x[x.count - 1 - i] = special
        }
        var sig = [Float](repeating: 0, count: x.count), tanh = sig
        x.withUnsafeBufferPointer { src in
            sig.withUnsafeMutableBufferPointer { Float.sigmoidVector(src.baseAddress!, into: $0.baseAddress!, count: src.count) }
            tanh.withUnsafeMutableBufferPointer { Float.tanhVector(src.baseAddress!, into: $0.baseAddress!, count: src.count) }
        }
        var mismatches = 0
        for i in x.indices where !same(sig[i], FastMath.sigmoid(x[i])) || !same(tanh[i], FastMath.tanh(x[i])) {
            mismatches += 1
        }
        #expect(mismatches == 0)
        // ReLU forward (in place) and backward through its output.
        var relu = x
        relu.withUnsafeMutableBufferPointer { Float.reluVector($0.baseAddress!, count: $0.count) }
        let dy = x.indices.map { Float($0 % 7) - 3 }
        var dx = [Float](repeating: .nan, count: x.count)
        relu.withUnsafeBufferPointer { y in
            dy.withUnsafeBufferPointer { g in
                dx.withUnsafeMutableBufferPointer { Float.reluBackward(output: y.baseAddress!, gradient: g.baseAddress!, into: $0.baseAddress!, count: y.count) }
            }
        }
        for i in x.indices {
            #expect(same(relu[i], x[i] < 0 ? 0 : x[i]), "relu(\(x[i]))")
            #expect(same(dx[i], relu[i] > 0 ? dy[i] : 0), "relu'(\(x[i]))")
        }
    }

    @Test("every copy of the C kernels this processor runs gives FastMath's bits, LSTM step included")
    func kernelCopies() {
        var rng = SplitMix64(seed: 5)
        var x = (0..<(16 * 8 + 13)).map { i in Float(rng.uniform(-30, 30) * (i % 2 == 0 ? 0.05 : 1)) }
        for (i, special) in [Float.nan, .infinity, -.infinity, 0, -0.0].enumerated() { x[29 * i] = special }
        // One LSTM step, B = 3, H = 37: vector columns of every width plus a scalar tail.
        let batch = 3, h = 37
        let pre = (0..<(batch * 4 * h)).map { _ in Float(rng.uniform(-4, 4)) }
        let bias = (0..<(4 * h)).map { _ in Float(rng.uniform(-1, 1)) }
        let cPrev = (0..<(batch * h)).map { _ in Float(rng.uniform(-2, 2)) }
        var expectedGates = pre, expectedC = cPrev, expectedT = cPrev, expectedH = cPrev
        for b in 0..<batch {
            for j in 0..<h {
                let r = b * 4 * h + j
                let i = FastMath.sigmoid(pre[r] + bias[j]), f = FastMath.sigmoid(pre[r + h] + bias[h + j])
                let g = FastMath.tanhFast(pre[r + 2 * h] + bias[2 * h + j])
                let o = FastMath.sigmoid(pre[r + 3 * h] + bias[3 * h + j])
                (expectedGates[r], expectedGates[r + h], expectedGates[r + 2 * h], expectedGates[r + 3 * h]) = (i, f, g, o)
                let c = (i * g).addingProduct(f, cPrev[b * h + j])
                expectedC[b * h + j] = c
                expectedT[b * h + j] = FastMath.tanhFast(c)
                expectedH[b * h + j] = o * FastMath.tanhFast(c)
            }
        }
        var copiesRun = 0
        for variant in 0..<3 {
            var sig = [Float](repeating: 0, count: x.count), tanh = sig
            guard fk_variant_activations(Int32(variant), x, &sig, &tanh, x.count) == 1 else { continue }
            copiesRun += 1
            let bad = x.indices.filter { !same(sig[$0], FastMath.sigmoid(x[$0])) || !same(tanh[$0], FastMath.tanh(x[$0])) }
            #expect(bad.isEmpty, "copy \(variant): activations differ at \(bad.prefix(5))")
            var gates = pre, c = cPrev, t = cPrev, hOut = cPrev
            _ = fk_variant_lstm_forward(Int32(variant), &gates, bias, cPrev, &c, &t, &hOut, batch, h)
            for (name, got, want) in [("gates", gates, expectedGates), ("c", c, expectedC), ("tanh c", t, expectedT),
                                      ("h", hOut, expectedH)] {
                let differing = got.indices.filter { got[$0].bitPattern != want[$0].bitPattern }
                #expect(differing.isEmpty, "copy \(variant): \(name) differs at \(differing.prefix(5))")
            }
        }
        #expect(copiesRun >= 1) // the baseline copy runs everywhere
    }

    @Test("OpenBLAS and oneDNN products agree for every transpose combination")
    func matrixBackends() {
        var rng = SplitMix64(seed: 11)
        let m = 37, n = 70, k = 29
        let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
        let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
        let c0 = (0..<(m * n)).map { _ in Float(rng.uniform(-1, 1)) }
        for transA in [false, true] {
            for transB in [false, true] {
                var results: [[Float]] = []
                for backend in MatrixBackend.allCases {
                    var c = c0
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                backend.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5,
                                              a: ap.baseAddress!, lda: transA ? m : k, b: bp.baseAddress!,
                                              ldb: transB ? k : n, beta: 2, c: cp.baseAddress!, ldc: n)
                            }
                        }
                    }
                    results.append(c)
                }
                // Reference in Double.
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0.0
                        for p in 0..<k {
                            let av = Double(transA ? a[p * m + i] : a[i * k + p])
                            let bv = Double(transB ? b[j * k + p] : b[p * n + j])
                            sum += av * bv
                        }
                        let expected = 0.5 * sum + 2 * Double(c0[i * n + j])
                        for r in results { worst = max(worst, abs(Double(r[i * n + j]) - expected)) }
                    }
                }
                #expect(worst < 1e-5, "transA \(transA) transB \(transB): worst error \(worst)")
            }
        }
    }

    @Test("a product's bits do not depend on where its operands sit in memory (run-to-run determinism)")
    func matrixProductsIgnoreAlignment() {
        // Models train on their own threads, so buffer addresses (and their alignment) differ
        // between runs; the results must not.
        var rng = SplitMix64(seed: 5)
        for (m, n, k) in [(64, 256, 64), (64, 64, 256), (2048, 256, 4), (37, 70, 29)] {
            let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
            let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
            for backend in MatrixBackend.allCases {
                for (transA, transB) in [(false, true), (true, false), (false, false)] {
                    var reference: [Float]?
                    for offset in 0..<6 {
                        let pa = UnsafeMutablePointer<Float>.allocate(capacity: a.count + 16)
                        let pb = UnsafeMutablePointer<Float>.allocate(capacity: b.count + 16)
                        let pc = UnsafeMutablePointer<Float>.allocate(capacity: m * n + 16)
                        defer { pa.deallocate(); pb.deallocate(); pc.deallocate() }
                        let (ao, bo, co) = (offset, (offset * 3) % 7, (offset * 5) % 11)
                        (pa + ao).update(from: a, count: a.count)
                        (pb + bo).update(from: b, count: b.count)
                        (pc + co).update(repeating: 0.25, count: m * n)
                        backend.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                                      a: pa + ao, lda: transA ? m : k, b: pb + bo, ldb: transB ? k : n,
                                      beta: 1, c: pc + co, ldc: n)
                        let c = Array(UnsafeBufferPointer(start: pc + co, count: m * n))
                        if let reference {
                            #expect(c.map(\.bitPattern) == reference.map(\.bitPattern),
                                    "\(backend) \(m)×\(n)×\(k) transA \(transA) transB \(transB) offset \(offset)")
                        } else {
                            reference = c
                        }
                    }
                }
            }
        }
    }

    /// Bit-identical, or both NaN (the sign of a NaN may differ).
    private func same(_ a: Float, _ b: Float) -> Bool {
        a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
    }
}
