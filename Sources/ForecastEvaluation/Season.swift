import ForecastIngest

/// What a data frequency says about seasonality.
public enum SeasonDefault: Codable, Hashable, Sendable {
    /// No season: the naive forecast is the MASE reference.
    case none
    /// A season that is used whenever the training part is long enough (monthly 12, …).
    case known(Int)
    /// A season that is used only if the seasonal naive forecast beats the naive forecast on the
    /// training part (business-daily 5, weekly 52).
    case ifHelps(Int)

    /// The season `frequency` suggests for the seasonal naive baseline and MASE: its
    /// `defaultSeason` — known for monthly 12, quarterly 4, daily 7 and hourly 24; business-daily 5
    /// and weekly 52 only if the seasonal naive beats the naive on the training part; none for
    /// the others (minutely, yearly, irregular, unknown).
    public init(_ frequency: Frequency) {
        guard let m = frequency.defaultSeason else { self = .none; return }
        switch frequency {
        case .businessDaily, .weekly: self = .ifHelps(m)
        default: self = .known(m)
        }
    }
}

/// The season used by the seasonal naive baseline and by MASE, and why.
public struct SeasonChoice: Codable, Equatable, Sendable {
    /// Season length in observations (≥ 2), or nil for none.
    public var season: Int?
    /// One sentence for the report, e.g. "12 (monthly data)".
    public var reason: String

    public init(season: Int?, reason: String) {
        self.season = season
        self.reason = reason
    }
}

/// Chooses the season m.
///
/// 1. `override` (`--season m`) wins: m ≥ 2 is used when the training part has more than m points;
///    m ≤ 1 means no season.
/// 2. Otherwise the frequency default: `.known(m)` is used when the training part has more than m
///    points; `.ifHelps(m)` only when the in-sample MAE of the seasonal naive forecast is strictly
///    lower than that of the naive forecast over the same targets t = m…n−1 of the training part.
/// 3. Otherwise none.
///
/// Only the training part is read, so the choice never peeks at validation or test data.
/// Complexity O(n).
public func chooseSeason(frequencyDefault: SeasonDefault, override: Int?, trainingSeries: [Double]) -> SeasonChoice {
    let n = trainingSeries.count
    if let m = override {
        if m <= 1 { return SeasonChoice(season: nil, reason: "none (--season \(m))") }
        guard n > m else {
            return SeasonChoice(season: nil, reason: "none: --season \(m) is not shorter than the training part (\(n) points)")
        }
        return SeasonChoice(season: m, reason: "\(m) (--season \(m))")
    }
    switch frequencyDefault {
    case .none:
        return SeasonChoice(season: nil, reason: "none (no season known for this frequency)")
    case .known(let m):
        guard n > m else {
            return SeasonChoice(season: nil, reason: "none: season \(m) is not shorter than the training part (\(n) points)")
        }
        return SeasonChoice(season: m, reason: "\(m) (usual season for this frequency)")
    case .ifHelps(let m):
        guard n > m else {
            return SeasonChoice(season: nil, reason: "none: candidate season \(m) is not shorter than the training part (\(n) points)")
        }
        var seasonalError = 0.0, naiveError = 0.0
        for t in m..<n {
            seasonalError += abs(trainingSeries[t] - trainingSeries[t - m])
            naiveError += abs(trainingSeries[t] - trainingSeries[t - 1])
        }
        let count = Double(n - m)
        let seasonal = seasonalError / count, naive = naiveError / count
        let figures = "MAE \(shortNumber(seasonal)) vs \(shortNumber(naive)) on the training part"
        return seasonal < naive
            ? SeasonChoice(season: m, reason: "\(m): the seasonal naive forecast beats the naive one (\(figures))")
            : SeasonChoice(season: nil, reason: "none: a season of \(m) does not help, the seasonal naive forecast is not better than the naive one (\(figures))")
    }
}

/// A number with 4 significant digits, for sentences.
func shortNumber(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
    return String(format: "%.4g", x)
}
