/// A forecasting rule that needs no training: it reads the observed history and extrapolates.
/// All baselines work on the original scale of the target.
public protocol BaselineForecaster: Sendable {
    /// Model name used in tables and in `metrics.json` ("naive", "seasonal naive (m=12)", "drift").
    var name: String { get }
    /// The stable id programs read: the rule's `--models` spelling ("naive", "snaive", "drift").
    var id: String { get }
    /// The fewest observations `forecast(history:steps:)` needs.
    var minimumHistory: Int { get }
    /// Forecasts the `steps` values following `history` (history = y[0..<t] gives y[t], …,
    /// y[t+steps−1]). Precondition: history.count ≥ minimumHistory.
    func forecast(history: ArraySlice<Double>, steps: Int) -> [Double]
}

extension BaselineForecaster {
    /// Rolling-origin forecasts: for each origin t the forecast of y[t…t+steps−1] from y[0..<t].
    /// Precondition: every origin ≥ minimumHistory and ≤ series.count. Complexity O(origins × steps).
    public func rollingForecasts(series: [Double], origins: [Int], steps: Int) -> RollingForecasts {
        RollingForecasts(origins: origins, values: origins.map { t in
            precondition(t >= minimumHistory && t <= series.count, "\(name): origin \(t) out of range")
            return forecast(history: series[0..<t], steps: steps)
        })
    }

    /// Rolling-origin forecasts with one origin per index of `targets` (e.g. the validation or
    /// the test part).
    public func rollingForecasts(series: [Double], targets: Range<Int>, steps: Int) -> RollingForecasts {
        rollingForecasts(series: series, origins: Array(targets), steps: steps)
    }

    /// The forecasts beyond the last observation, from the whole series.
    public func nextForecasts(series: [Double], steps: Int) -> [Double] {
        forecast(history: series[...], steps: steps)
    }
}

/// ŷ[t+j] = y[t−1] for every step: the last observed value.
public struct NaiveForecaster: BaselineForecaster {
    public init() {}
    public var name: String { "naive" }
    public var id: String { "naive" }
    public var minimumHistory: Int { 1 }
    public func forecast(history: ArraySlice<Double>, steps: Int) -> [Double] {
        precondition(history.count >= 1)
        return Array(repeating: history[history.endIndex - 1], count: steps)
    }
}

/// ŷ[t+j] = y[t+j − m·(⌊j/m⌋ + 1)]: the value one season earlier (the last observed season,
/// repeated for steps beyond one season).
public struct SeasonalNaiveForecaster: BaselineForecaster {
    /// Season length m ≥ 2, in observations.
    public let season: Int
    public init(season: Int) {
        precondition(season >= 2, "a season has at least 2 observations")
        self.season = season
    }
    public var name: String { "seasonal naive (m=\(season))" }
    public var id: String { "snaive" }
    public var minimumHistory: Int { season }
    public func forecast(history: ArraySlice<Double>, steps: Int) -> [Double] {
        precondition(history.count >= season)
        let t = history.endIndex
        return (0..<steps).map { j in history[t + j - season * (j / season + 1)] }
    }
}

/// ŷ[t+j] = y[t−1] + (j+1)·(y[t−1] − y[0])/(t−1): the line through the first and the last
/// observation, extended. With a single observation it is the naive forecast.
public struct DriftForecaster: BaselineForecaster {
    public init() {}
    public var name: String { "drift" }
    public var id: String { "drift" }
    public var minimumHistory: Int { 1 }
    public func forecast(history: ArraySlice<Double>, steps: Int) -> [Double] {
        precondition(history.count >= 1)
        let last = history[history.endIndex - 1]
        let slope = history.count > 1
            ? (last - history[history.startIndex]) / Double(history.count - 1) : 0
        return (0..<steps).map { j in last + Double(j + 1) * slope }
    }
}
