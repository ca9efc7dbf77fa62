import ForecastEvaluation
@testable import ForecastIngest  // Gap has no public initializer
import Foundation

/// A realistic run built through the real evaluator: a business-daily random walk with drift,
/// four networks (one failed) with loss curves and gradient-flow records. Deterministic.
enum SampleRun {
    /// `statistical` adds an ETS model (kind `.statistical`, spec `ETS(A,N,N)`) that tracks the
    /// truth more closely than every network, so it is the pick; `failAll` fails the networks only.
    static func make(horizon: Int = 1, failAll: Bool = false, modelName: String = "GRU", dateless: Bool = false,
                     statistical: Bool = false) -> RunResult {
        let n = 300
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func noise() -> Double {  // xorshift64*, uniform in (−1, 1)
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Double((state &* 2_685_821_657_736_338_717) >> 11) / Double(1 << 53) * 2 - 1
        }
        var series: [Double] = [100]
        for t in 1..<n { series.append(series[t - 1] + 0.05 + 1.5 * noise() + 0.6 * sin(Double(t) / 9)) }
        var dates: [Date] = []
        var d = UTCDateTime(year: 2024, month: 1, day: 1).date  // a Monday
        for _ in 0..<n {
            dates.append(d)
            d = Frequency.businessDaily.advance(d, by: 1)
        }
        // A single-column CSV: rows are stamped as days from `rowNumberOrigin`, as FitWorkflow does.
        let frequency: Frequency = dateless ? .unknown : .businessDaily
        if dateless { dates = (0..<n).map(Frequency.rowStamp) }
        let split = SeriesSplit(count: n, validationFraction: 0.2, testFraction: 0.2)
        let season = chooseSeason(frequencyDefault: SeasonDefault(.businessDaily), override: nil,
                                  trainingSeries: Array(series[split.train]))
        let evaluator = RunEvaluator(series: series, dates: dates, frequency: frequency, split: split,
                                     horizon: horizon, season: season.season)

        /// Forecasts that move part of the way from y[t−1] to the truth, plus noise.
        func forecasts(_ part: Range<Int>, pull: Double, jitter: Double) -> RollingForecasts {
            RollingForecasts(origins: Array(part), values: part.map { t in
                (0..<horizon).map { j in
                    let target = min(t + j, n - 1)
                    return series[t - 1] + pull * (series[target] - series[t - 1]) + jitter * noise()
                }
            })
        }
        func curve(_ start: Double, _ end: Double, epochs: Int) -> [Double] {
            (0..<epochs).map { e in end + (start - end) * exp(-Double(e) / 6) }
        }
        func model(_ name: String, _ kind: ModelKind, params: Int, pull: Double, seconds: Double, epochs: Int,
                   gradient: [Double]?) -> ModelOutput {
            ModelOutput(
                name: name, kind: kind, parameters: params, configuration: "hidden 16", epochsRun: epochs,
                trainSeconds: seconds, trainLoss: curve(1.2, 0.05, epochs: epochs), validationLoss: curve(1.3, 0.08, epochs: epochs),
                gradientFlow: gradient,
                validationForecasts: forecasts(split.validation, pull: pull, jitter: 0.3),
                testForecasts: forecasts(split.test, pull: pull, jitter: 0.3),
                nextForecast: (0..<horizon).map { series[n - 1] + 0.3 * Double($0 + 1) })
        }
        let k = 0..<20
        var models = [
            model("FF", .feedForward, params: 337, pull: 0.35, seconds: 1.2, epochs: 30, gradient: nil),
            model("RNN", .recurrent, params: 305, pull: 0.2, seconds: 4.8, epochs: 30, gradient: k.map { 0.8 * pow(0.45, Double($0)) }),
            model(modelName, .recurrent, params: 913, pull: 0.5, seconds: 9.7, epochs: 40, gradient: k.map { 0.5 * pow(0.85, Double($0)) }),
            .failed(name: "LSTM", kind: .recurrent, reason: "diverged: loss became NaN at epoch 7", parameters: 1201,
                    epochsRun: 7, trainSeconds: 2.0, trainLoss: [1.1, 0.9, 3.0, 40, 900, 2e4, .nan], validationLoss: [1.2, 1.0, 3.5, 60, 1e3, 3e4, .nan]),
        ]
        if failAll {
            models = models.map { .failed(name: $0.name, kind: $0.kind, reason: "too little data for window 400") }
        }
        if statistical {
            var ets = model("ets", .statistical, params: 3, pull: 0.8, seconds: 0.02, epochs: 0, gradient: nil)
            (ets.configuration, ets.epochsRun, ets.trainLoss, ets.validationLoss) = ("ETS(A,N,N)", nil, [], [])
            models.insert(ets, at: 0)
        }
        let evaluation = evaluator.evaluate(models: models)
        let dataset = DatasetSummary(
            filePath: "data/prices.csv", sha256: String(repeating: "ab", count: 32), rows: n,
            firstDate: dates.first!, lastDate: dates.last!, frequency: frequency, target: "price",
            features: [], missingCount: 2, missingPolicy: "forward fill",
            gaps: [Gap(after: dates[40], before: dates[41], missingPeriods: 1, line: 43)],  // row 41 after the header
            transform: "none", scaling: "z-score fitted on the training part", window: 20, horizon: horizon,
            trainCount: split.train.count, validationCount: split.validation.count, testCount: split.test.count,
            season: season)
        let repro = Reproducibility(
            version: "0.1.0", commandLine: "forecast fit data/prices.csv --seed 42 --horizon \(horizon)", seed: 42,
            hyperParameters: [HyperParameter("hidden", "16"), HyperParameter("learning-rate", "0.001"), HyperParameter("epochs", "40")])
        return RunResult(dataset: dataset, evaluation: evaluation, reproducibility: repro,
                         startedAt: Date(timeIntervalSince1970: 1_764_054_000), durationSeconds: 18.4)
    }
}
