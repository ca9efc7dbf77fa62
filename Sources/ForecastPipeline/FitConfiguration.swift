import Foundation

/// Everything that defines one `forecast fit` run: the same values come from the command line
/// (`forecast fit`) or from a pipeline job (`forecast run`). Plain values only, so a run can be
/// written into the report's reproducibility block and hashed for skip-when-unchanged.
public struct FitConfiguration: Codable, Equatable, Sendable {
    // Ingest
    public var input: String
    public var delimiter: String? = nil
    public var dateColumn: String? = nil
    public var dateFormat: String? = nil
    public var target: String? = nil
    public var features: [String]? = nil
    public var missing: String = "ffill"
    public var duplicates: String = "error"

    // Windowing
    public var window: Int = 32
    public var stride: Int = 1
    public var horizon: Int = 1
    public var transform: String = "diff"
    public var scaling: String = "zscore"
    public var testFraction: Double = 0.2
    public var validationFraction: Double = 0.1

    // Models and training
    /// Models of the contrast set: naive, snaive, drift, ff, rnn, gru, lstm.
    public var models: [String] = ["naive", "snaive", "drift", "ff", "rnn", "gru", "lstm"]
    /// Extra model given as a layer string, e.g. `bigru(64,sum) > dense(1)`; named `custom`.
    public var modelSpec: String? = nil
    public var hidden: Int = 64
    public var epochs: Int = 100
    public var batchSize: Int = 64
    public var learningRate: Double = 1e-3
    public var optimizer: String = "adam"
    public var loss: String = "mse"
    public var clip: Double = 1.0
    public var patience: Int = 10
    public var initScheme: String = "glorot"
    public var seed: UInt64 = 42
    /// Season length for seasonal naive and MASE; nil infers it from the frequency.
    public var season: Int? = nil
    /// Coverage levels of the split-conformal prediction intervals, in percent.
    public var intervals: [Double] = [80, 95]

    // Output
    public var reportsDirectory: String = "reports"
    /// Name of the dataset in report paths; nil takes the input file's base name.
    public var datasetName: String? = nil

    public init(input: String) { self.input = input }
}
