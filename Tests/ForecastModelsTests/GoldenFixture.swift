import Foundation

/// A tensor from the PyTorch golden fixture: `data` is the row-major flattening of `shape`.
/// Values are float64 reference results; weights, inputs and targets are exactly
/// representable in Float32 (the generator rounds them before computing).
struct GoldenTensor: Decodable, Sendable {
    let shape: [Int]
    let data: [Double]

    var count: Int { data.count }

    /// The values narrowed to the scalar type under test.
    func values<S: BinaryFloatingPoint>(as _: S.Type = S.self) -> [S] {
        data.map { S($0) }
    }
}

/// One model case of `Fixtures/golden.json`, written by `scripts/golden/make_golden.py`.
///
/// Shapes: `x` (T, B, D) time-major; `target`, `prediction` (B, 1); `output` (T, B, H·directions)
/// the recurrent module's full sequence output (top layer); `hN`, `cN` (layers·directions, B, H).
/// Parameters and gradients carry PyTorch names and layouts (`rnn.weight_ih_l0`, `head.bias`,
/// `fc1.weight`, …); see the generator's docstring for gate order and head placement.
struct GoldenCase: Decodable, Sendable {
    let name: String
    /// The model in our `ModelSpec` syntax, e.g. `gru(4, layers: 2) > dense(1)`.
    let spec: String
    let timeSteps: Int
    let batch: Int
    let inputSize: Int
    let hidden: Int
    /// PyTorch's `named_parameters()` order.
    let parameterNames: [String]
    let parameters: [String: GoldenTensor]
    let gradients: [String: GoldenTensor]
    let x: GoldenTensor
    let xGradient: GoldenTensor
    let target: GoldenTensor
    let prediction: GoldenTensor
    /// MSE, mean over the B predictions.
    let loss: Double
    let output: GoldenTensor?
    let hN: GoldenTensor?
    let cN: GoldenTensor?
}

/// One `torch.optim.Adam` step: the gradients it consumed and the parameters it produced.
struct GoldenAdamStep: Decodable, Sendable {
    let loss: Double
    let gradients: [String: GoldenTensor]
    let parameters: [String: GoldenTensor]
}

/// Two Adam steps of a `gru(4) > dense(1)` model on one fixed batch.
struct GoldenAdam: Decodable, Sendable {
    let spec: String
    let timeSteps: Int
    let batch: Int
    let inputSize: Int
    let hidden: Int
    let lr: Double
    let beta1: Double
    let beta2: Double
    let eps: Double
    let parameterNames: [String]
    let x: GoldenTensor
    let target: GoldenTensor
    let parameters0: [String: GoldenTensor]
    let steps: [GoldenAdamStep]
}

/// The whole golden fixture.
struct GoldenFixture: Decodable, Sendable {
    let generator: String
    let torch: String
    let seed: Int
    let cases: [GoldenCase]
    let adam: GoldenAdam

    enum LoadError: Error, CustomStringConvertible {
        case missingResource
        case unknownCase(String)
        var description: String {
            switch self {
            case .missingResource:
                return "Fixtures/golden.json not in the test bundle (regenerate with scripts/golden/make_golden.py)"
            case .unknownCase(let name):
                return "golden.json has no case named \(name)"
            }
        }
    }

    /// Decoded once per test process (≈160 kB of JSON).
    static let shared: Result<GoldenFixture, Error> = Result { try load() }

    static func load() throws -> GoldenFixture {
        guard let url = Bundle.module.url(forResource: "golden", withExtension: "json", subdirectory: "Fixtures")
        else { throw LoadError.missingResource }
        return try JSONDecoder().decode(GoldenFixture.self, from: Data(contentsOf: url))
    }

    func `case`(_ name: String) throws -> GoldenCase {
        guard let found = cases.first(where: { $0.name == name }) else { throw LoadError.unknownCase(name) }
        return found
    }
}

/// Agreement of a computed tensor with a golden one under the combined tolerance
/// `|a − b| ≤ rtol · max(|b|, floor)`, with `floor = floorFraction · max_j |b_j|`.
///
/// The floor (by default 10 % of the tensor's largest entry) keeps entries that are small only
/// through cancellation from demanding more digits than the scalar type carries: e.g. the LSTM
/// head-weight gradient 3.8e-4 is the sum of batch terms 0.044, −0.029, −0.014, so Float32
/// rounding of those terms alone (≈ 6e-8 · 0.09) is already 1.4e-5 of the result.
struct GoldenComparison: CustomStringConvertible {
    /// Largest `|a − b| / max(|b|, floor)` over the tensor.
    let maxRelativeError: Double
    /// Index of that worst entry.
    let worstIndex: Int
    let count: Int

    init<S: BinaryFloatingPoint>(_ actual: [S], _ expected: GoldenTensor, floorFraction: Double = 0.1) {
        precondition(actual.count == expected.count, "size \(actual.count) vs golden \(expected.count)")
        let scale = expected.data.reduce(0) { max($0, abs($1)) }
        let floor = max(scale * floorFraction, Double.leastNormalMagnitude)
        var worst = 0.0
        var worstIndex = 0
        for (i, (a, b)) in zip(actual, expected.data).enumerated() {
            let err = abs(Double(a) - b) / max(abs(b), floor)
            if err > worst || err.isNaN { worst = err; worstIndex = i }
        }
        maxRelativeError = worst
        self.worstIndex = worstIndex
        count = actual.count
    }

    var description: String {
        String(format: "max rel err %.3g at [%d] of %d", maxRelativeError, worstIndex, count)
    }
}
