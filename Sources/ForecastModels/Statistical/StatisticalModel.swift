/// A univariate statistical model whose parameters were estimated on a training series and are
/// now fixed. The state is filtered through actual values, so forecasts from any origin use every
/// actual value before it (statsforecast's `forward`; Hyndman et al. 2008, ch. 2).
public protocol FittedStatisticalModel: Sendable {
    /// Name shown in reports, e.g. `ETS(M,Ad,M)` or `DOTM`.
    var specName: String { get }
    /// Number of estimated parameters (used for information criteria), including initial states.
    var parameterCount: Int { get }
    /// In-sample one-step-ahead fitted values for the training series: `fitted[t]` forecasts
    /// `y[t]` from `y[0..<t]`. Length = training length.
    var fitted: [Double] { get }
    /// Forecasts of steps 1...horizon after the last training value.
    func forecast(horizon: Int) -> [Double]
    /// Multi-step forecasts from many origins with the parameters fixed. `series` starts with the
    /// training series (the same values the model was fitted on) and may continue past it; the
    /// state is filtered through it from the start. For each origin `o` in `origins` (the number
    /// of values of `series` seen, 1 <= o <= series.count) returns the forecasts of
    /// `series[o], series[o+1], …` for steps 1...horizon (entries past the end of `series` are
    /// still forecast). Result: (origins.count, horizon). Complexity O(series.count · horizon).
    func forecasts(along series: [Double], origins: Range<Int>, horizon: Int) -> [[Double]]
}
