/// Rolling-origin forecasts over a stretch of a series, on the original scale.
///
/// Row `i` is the forecast made at one origin: `origins[i]` is the index (into the full series)
/// of the step-1 target, so the forecast used actual observations y[0..<origins[i]] only, and
/// `values[i][j]` is the forecast of y[origins[i] + j] for step j + 1 (j = 0..<horizon).
/// A model's parameters stay fixed over all origins; only the observed history grows.
///
/// Shape: `values` is origins.count × horizon.
public struct RollingForecasts: Codable, Equatable, Sendable {
    public var origins: [Int]
    public var values: [[Double]]

    public init(origins: [Int], values: [[Double]]) {
        precondition(origins.count == values.count, "RollingForecasts: one row of values per origin")
        self.origins = origins
        self.values = values
    }

    /// One-step-ahead forecasts: `values[i]` is the forecast of y[origins[i]].
    public init(origins: [Int], oneStep values: [Double]) {
        self.init(origins: origins, values: values.map { [$0] })
    }

    /// Steps per row (0 when empty).
    public var horizon: Int { values.first?.count ?? 0 }

    /// True when every forecast value is finite (a diverged network yields NaN or ±∞).
    public var allFinite: Bool { values.allSatisfy { $0.allSatisfy(\.isFinite) } }

    /// Forecast of step `step` (1-based) for every origin whose target y[origin + step − 1] lies
    /// below `limit`; returns (target index, previous-actual index = origin − 1, value).
    func step(_ step: Int, targetsBelow limit: Int) -> [(target: Int, previous: Int, value: Double)] {
        var out: [(Int, Int, Double)] = []
        for (i, origin) in origins.enumerated() where step - 1 < values[i].count {
            let target = origin + step - 1
            if target < limit { out.append((target, origin - 1, values[i][step - 1])) }
        }
        return out
    }
}
