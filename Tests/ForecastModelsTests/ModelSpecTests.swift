import ForecastModels
import Testing

@Suite("Model descriptions")
struct ModelSpecTests {
    @Test("the documented examples parse to the expected layers")
    func examples() throws {
        let mlp = try ModelSpec(parsing: "flatten > dense(64,relu) > dense(64,relu) > dense(1)")
        #expect(mlp.layers == [.flatten, .dense(units: 64, activation: .relu), .dense(units: 64, activation: .relu),
                               .dense(units: 1, activation: .identity)])
        let composed = try ModelSpec(parsing: "dense(32,relu) > bigru(64,sum) > gru(64) > dense(1)")
        #expect(composed.layers == [
            .dense(units: 32, activation: .relu),
            .recurrent(.init(cell: .gru, units: 64, bidirectional: true, merge: .sum)),
            .recurrent(.init(cell: .gru, units: 64)),
            .dense(units: 1, activation: .identity),
        ])
        let stacked = try ModelSpec(parsing: "  LSTM( 64 , layers: 2, dropout: 0.1 ) > dense(1)")
        #expect(stacked.layers.first == .recurrent(.init(cell: .lstm, units: 64, layers: 2, dropout: 0.1)))
        let relu = try ModelSpec(parsing: "birnn(8, relu, concat) > dense(2, activation: tanh)")
        #expect(relu.layers == [.recurrent(.init(cell: .rnn, units: 8, bidirectional: true, merge: .concat, activation: .relu)),
                                .dense(units: 2, activation: .tanh)])
    }

    @Test("the canonical description parses back to the same spec", arguments: [
        "flatten > dense(64, relu) > dense(64, relu) > dense(1)",
        "dense(32, relu) > bigru(64, sum) > gru(64) > dense(1)",
        "lstm(64, layers: 2, dropout: 0.1) > dense(1)",
        "birnn(8, relu, concat) > dropout(0.25) > dense(3, sigmoid)",
        "gru(16)",
    ])
    func roundTrip(_ text: String) throws {
        let spec = try ModelSpec(parsing: text)
        #expect(spec.description == text)
        #expect(try ModelSpec(parsing: spec.description) == spec)
    }

    @Test("presets")
    func presets() throws {
        #expect(try ModelSpec.preset("mlp", hidden: 64).description == "flatten > dense(64, relu) > dense(64, relu) > dense(1)")
        #expect(try ModelSpec.preset("ff", hidden: 64) == ModelSpec.preset("mlp", hidden: 64))
        #expect(try ModelSpec.preset("gru", hidden: 32).description == "gru(32) > dense(1)")
        #expect(try ModelSpec.preset("LSTM", hidden: 8, outputs: 3).description == "lstm(8) > dense(3)")
        #expect(try ModelSpec.preset("bigru", hidden: 4).description == "bigru(4, sum) > dense(1)")
        let error = #expect(throws: ModelSpecError.self) { try ModelSpec.preset("transformer", hidden: 8) }
        #expect(error?.exitCode == 64)
        #expect(error?.description.contains("transformer") == true)
    }

    /// (text, column of the error, a phrase the message must contain)
    static let invalid: [(String, Int, String)] = [
        ("", 1, "layer"),
        ("gru(64) >", 10, "layer name"),
        ("gru(64 > dense(1)", 8, "',' or ')'"),
        ("foo(3) > dense(1)", 1, "unknown layer 'foo'"),
        ("gru(0) > dense(1)", 5, "positive integer"),
        ("bigru(64, avg) > dense(1)", 11, "merge"),
        ("gru(64, concat) > dense(1)", 9, "unexpected argument"),
        ("dense(8, swish) > gru(4) > dense(1)", 10, "activation"),
        ("dropout(1.5) > gru(4) > dense(1)", 9, "[0, 1)"),
        ("gru(4, layers: 0) > dense(1)", 16, "positive integer"),
        ("dense(1)", 1, "flatten"),
        ("gru(8) > dense(4) > gru(4) > dense(1)", 21, "time axis"),
        ("flatten > gru(4) > dense(1)", 11, "time axis"),
        ("gru(4) > flatten > dense(1)", 10, "flatten"),
        ("gru(4) dense(1)", 8, "'>'"),
        ("dense(4) > dropout(0.1)", 1, "nothing later reduces"),
    ]

    @Test("errors name the column and what was expected", arguments: invalid)
    func errors(_ c: (String, Int, String)) {
        let (text, column, phrase) = c
        let error = #expect(throws: ModelSpecError.self) { try ModelSpec(parsing: text) }
        #expect(error?.column == column, "\(text): \(String(describing: error))")
        #expect(error?.description.contains(phrase) == true, "\(text): \(String(describing: error))")
        #expect(error?.exitCode == 64)
    }

    @Test("a network rejects a spec whose last layer is not outputDim wide")
    func outputWidth() {
        let error = #expect(throws: ModelSpecError.self) {
            try Network<Float>(description: "gru(8) > dense(2)", timeSteps: 4, inputDim: 1, outputDim: 1)
        }
        #expect(error?.description.contains("dense(1)") == true)
        #expect(throws: ModelSpecError.self) {
            try Network<Float>(description: "gru(8) > dense(1)", timeSteps: 0, inputDim: 1, outputDim: 1)
        }
    }
}
