/// Why an ETS model could not be fitted or built. Every data-dependent failure is one of these.
public enum ETSError: Error, Equatable, Sendable {
    /// The series holds a NaN or an infinity at this index.
    case nonFiniteValue(index: Int)
    /// Too few observations for the model: `count` given, more than `required` needed.
    case tooShort(count: Int, required: Int)
    /// The season length is below 1.
    case invalidSeasonLength(Int)
    /// A seasonal component was asked for with season length 1 or with no more observations
    /// than one season.
    case seasonNotPossible(seasonLength: Int, count: Int)
    /// Multiplicative error or season on a series with a zero or negative value.
    case multiplicativeNeedsPositiveData
    /// Additive error with multiplicative season: excluded, as AutoETS's default `restrict`.
    case forbiddenCombination(ETSSpec)
    /// Parameters or initial states do not fit the spec (missing β for a trend, wrong number
    /// of seasonal states, …), or the heuristic start point violates the bounds.
    case invalidParameters(String)
    /// No spec could be fitted to the series.
    case noModelFitted
}

/// The three components of an innovations state-space exponential smoothing model
/// (Hyndman, Koehler, Ord & Snyder 2008, table 2.1), without multiplicative trend.
/// `description` is the usual taxonomy string, e.g. `ETS(M,Ad,M)`.
public struct ETSSpec: Hashable, Sendable, CustomStringConvertible {
    public enum ErrorKind: String, Hashable, Sendable, CaseIterable {
        case additive = "A", multiplicative = "M"
    }
    public enum TrendKind: String, Hashable, Sendable, CaseIterable {
        case none = "N", additive = "A", additiveDamped = "Ad"
    }
    public enum SeasonKind: String, Hashable, Sendable, CaseIterable {
        case none = "N", additive = "A", multiplicative = "M"
    }

    public var error: ErrorKind
    public var trend: TrendKind
    public var season: SeasonKind

    public init(error: ErrorKind, trend: TrendKind, season: SeasonKind) {
        self.error = error
        self.trend = trend
        self.season = season
    }

    /// Parses `ETS(M,Ad,M)`, statsforecast's and R's spelling (`Ad` for the damped trend).
    /// Returns nil for anything else, including multiplicative trend.
    public init?(_ text: String) {
        guard text.hasPrefix("ETS("), text.hasSuffix(")") else { return nil }
        let parts = text.dropFirst(4).dropLast().split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let error = ErrorKind(rawValue: String(parts[0])),
              let season = SeasonKind(rawValue: String(parts[2])) else { return nil }
        let trend: TrendKind
        switch parts[1] {
        case "N": trend = .none
        case "A": trend = .additive
        case "Ad": trend = .additiveDamped
        default: return nil
        }
        self.init(error: error, trend: trend, season: season)
    }

    public var description: String { "ETS(\(error.rawValue),\(trend.rawValue),\(season.rawValue))" }

    public var hasTrend: Bool { trend != .none }
    public var isDamped: Bool { trend == .additiveDamped }
    public var isSeasonal: Bool { season != .none }

    /// False for the combinations AutoETS's default `restrict` excludes: additive error with
    /// multiplicative season (multiplicative trend is not offered at all).
    public var isAllowed: Bool { !(error == .additive && season == .multiplicative) }

    /// True when the spec divides by the data or its fitted values, so needs data > 0.
    public var needsPositiveData: Bool { error == .multiplicative || season == .multiplicative }

    /// Every allowed spec, in AutoETS's search order (error A, M; trend N, A; season N, A, M;
    /// damped before undamped). Ties in the criterion keep the first.
    public static let searchOrder: [ETSSpec] = {
        var specs: [ETSSpec] = []
        for error in [ErrorKind.additive, .multiplicative] {
            for trends in [[TrendKind.none], [.additiveDamped, .additive]] {
                for season in SeasonKind.allCases {
                    for trend in trends {
                        let spec = ETSSpec(error: error, trend: trend, season: season)
                        if spec.isAllowed { specs.append(spec) }
                    }
                }
            }
        }
        return specs
    }()
}

/// Smoothing parameters of an ETS model. `beta` is set exactly when the spec has a trend,
/// `gamma` when it has a season and `phi` when the trend is damped.
public struct ETSParameters: Hashable, Sendable {
    /// Level smoothing, in (0, 1).
    public var alpha: Double
    /// Trend smoothing.
    public var beta: Double?
    /// Seasonal smoothing.
    public var gamma: Double?
    /// Damping of the trend.
    public var phi: Double?

    public init(alpha: Double, beta: Double? = nil, gamma: Double? = nil, phi: Double? = nil) {
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.phi = phi
    }
}

/// The state vector x₀ before the first observation (Hyndman et al. 2008, §2.2).
///
/// `seasonal` has m entries (empty without a season) in statsforecast's and R's order:
/// `seasonal[j]` is s₋ⱼ, so `seasonal[m - 1]` is the seasonal state applied to the first
/// observation and `seasonal[0]` the one applied to observation m. They are normalised to sum
/// to 0 (additive) or m (multiplicative) when estimated.
public struct ExponentialSmoothingState: Hashable, Sendable {
    public var level: Double
    /// Slope; nil without a trend.
    public var trend: Double?
    public var seasonal: [Double]

    public init(level: Double, trend: Double? = nil, seasonal: [Double] = []) {
        self.level = level
        self.trend = trend
        self.seasonal = seasonal
    }
}
