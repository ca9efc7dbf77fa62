import ForecastEvaluation
import Foundation

/// What a portfolio keeps of one series' run: the leaderboard row, not the run itself (the
/// run's report folder holds the rest). A few hundred bytes, so a portfolio of any size holds
/// all of them; it is also the unit of a shard file (Codable, numbers in shortest round-trip
/// form, so a merge reproduces them exactly).
public struct PortfolioSeriesResult: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// Fitted and reported.
        case ok
        /// Not fitted: too few points, every value missing, a constant series, or another data
        /// problem (``reason`` says which).
        case skipped
        /// Fitted, but no model gave a forecast (``reason`` says so); the report was written.
        case noForecast = "no_forecast"
    }

    /// The first forecast after the last row, with its 80 % interval when the run has one.
    public struct Next: Codable, Equatable, Sendable {
        /// As the series' report prints it (`2024-05-01`).
        public var date: String
        public var value: Double
        /// nil when 80 % was not asked for, or the interval is unbounded.
        public var lower80: Double?
        public var upper80: Double?
        public init(date: String, value: Double, lower80: Double?, upper80: Double?) {
            self.date = date
            self.value = value
            self.lower80 = lower80
            self.upper80 = upper80
        }
    }

    /// The series id (id value, column name or file stem).
    public var id: String
    public var status: Status
    public var reason: String?
    /// The run folder, relative to the portfolio folder (`japan/2026-12-07T063000Z`); nil when skipped.
    public var report: String?
    public var rows: Int?
    public var frequency: String?
    /// The picked model's stable id (`ets`, `gru`…) and its display name (`ets ETS(A,N,A)`).
    public var pick: String?
    public var pickName: String?
    /// Test MASE of the pick (one step ahead), the season m of its scale (nil: the naive scale)
    /// and the scale itself (in-sample MAE of the seasonal naive on the training part, = MAE / MASE).
    public var testMASE: Double?
    public var maseSeason: Int?
    public var maseScale: Double?
    /// 1 − MAE / MAE of naive on the test part.
    public var skill: Double?
    /// Diebold–Mariano test of the pick against naive on the test part.
    public var dmPValue: Double?
    /// The pick is better than naive and the difference is significant at 5 %.
    public var beatsNaiveSignificantly: Bool
    public var next: Next?
    /// Wall-clock seconds of the series (ingest to published report). Timing: differs run to run.
    public var seconds: Double
    /// Test MASE of every model of the run by stable model id (nil in shard files of older
    /// versions); `forecast run` writes it to the job's history.
    public var modelTestMASE: [String: Double]?
    /// The instant of ``next``'s date (nil when there is no forecast).
    public var nextTimestamp: Date?
    /// `forecast run` only: the previous run's next forecast of this series scored against the
    /// value observed since (actual − forecast, in the series' units), and |that| over the
    /// series' MASE scale (the in-sample MAE of its seasonal naive, or naive, on its training
    /// part); nil when no earlier forecast's date is observed yet.
    public var liveError: Double?
    public var liveScaledError: Double?
    /// Set when `forecast run` carried this result over from an earlier run because the
    /// series' rows and the settings were unchanged: that run's start (ISO 8601). nil for a
    /// series fitted in this run.
    public var unchangedSince: String?
    /// Each global network (`--global`) against its local twin on this series; nil in a run
    /// without global networks.
    public var globalComparisons: [GlobalLocalComparison]?

    public init(id: String, status: Status, reason: String? = nil, report: String? = nil, rows: Int? = nil,
                frequency: String? = nil, pick: String? = nil, pickName: String? = nil, testMASE: Double? = nil,
                maseSeason: Int? = nil, maseScale: Double? = nil, skill: Double? = nil, dmPValue: Double? = nil,
                beatsNaiveSignificantly: Bool = false, next: Next? = nil, seconds: Double) {
        self.id = id
        self.status = status
        self.reason = reason
        self.report = report
        self.rows = rows
        self.frequency = frequency
        self.pick = pick
        self.pickName = pickName
        self.testMASE = testMASE
        self.maseSeason = maseSeason
        self.maseScale = maseScale
        self.skill = skill
        self.dmPValue = dmPValue
        self.beatsNaiveSignificantly = beatsNaiveSignificantly
        self.next = next
        self.seconds = seconds
    }

    /// A skipped series.
    public static func skipped(_ id: String, reason: String, seconds: Double) -> PortfolioSeriesResult {
        PortfolioSeriesResult(id: id, status: .skipped, reason: reason, seconds: seconds)
    }

    /// The row of a finished run whose report folder is `report` (relative to the portfolio folder).
    public init(id: String, run: RunResult, report: String, seconds: Double) {
        let pick = run.pickedModel
        let test = pick?.test
        let finite = { (x: Double?) in x.flatMap { $0.isFinite ? $0 : nil } }
        var next: Next? = nil
        if let f = pick?.nextForecasts.first, f.value.isFinite {
            let band = f.intervals.first { abs($0.level - 0.8) < 1e-9 && $0.isBounded }
            next = Next(date: run.dataset.frequency.format(f.date), value: f.value,
                        lower80: band?.lower, upper80: band?.upper)
        }
        let comparison = run.comparisons.first { $0.label == "pick vs naive" }?.result
        let mase = finite(test?.mase)
        self.init(id: id, status: pick == nil ? .noForecast : .ok,
                  reason: pick == nil ? "no model gave a forecast; the report lists the reasons" : nil,
                  report: report, rows: run.dataset.rows, frequency: run.dataset.frequency.name,
                  pick: pick?.id, pickName: pick?.displayName, testMASE: mase,
                  maseSeason: run.dataset.season.season,
                  maseScale: mase.flatMap { m in m > 0 ? finite(test.map { $0.mae / m }) : nil },
                  skill: finite(test?.skill), dmPValue: finite(comparison?.pValue),
                  beatsNaiveSignificantly: comparison?.firstIsSignificantlyBetter(level: MarkdownReport.significanceLevel) ?? false,
                  next: next, seconds: seconds)
        var byModel: [String: Double] = [:]
        for m in run.models { if let x = finite(m.testMetrics.first?.mase) { byModel[m.id] = x } }
        modelTestMASE = byModel
        nextTimestamp = next == nil ? nil : pick?.nextForecasts.first?.date
        let twins = GlobalLocalComparison.all(in: run)
        globalComparisons = twins.isEmpty ? nil : twins
    }
}
