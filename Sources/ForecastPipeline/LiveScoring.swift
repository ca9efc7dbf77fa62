import ForecastEvaluation
import ForecastIngest
import ForecastReport
import Foundation

/// A past forecast checked against the value that was later observed: the live error, the
/// one that matters (test-set MASE only says how a model did on data it was selected on).
public struct LiveScore: Equatable, Sendable {
    /// When the forecasting run started.
    public var runStarted: Date
    public var model: String?
    public var forecast: ForecastPoint
    public var actual: Double
    /// actual − forecast, in the series' units.
    public var error: Double { actual - forecast.value }
    /// |error| / naive in-sample MAE (the MASE denominator); nil when the scale is 0 or unknown.
    public var scaledError: Double?
    /// Whether the actual fell inside the forecast's interval; nil without an interval.
    public var insideInterval: Bool? {
        guard let lo = forecast.lower, let hi = forecast.upper else { return nil }
        return actual >= lo && actual <= hi
    }
}

/// Scoring past forecasts in `history.csv` against the series as it is now.
public enum LiveScoring {
    /// Mean |y[t] − y[t−season]| over `values`: the in-sample MAE of the (seasonal) naive
    /// forecast, which makes live errors comparable with test MASE. Nil with too few values or
    /// a constant series. O(n).
    public static func naiveScale(_ values: [Double], season: Int = 1) -> Double? {
        let m = max(1, season)
        guard values.count > m else { return nil }
        var sum = 0.0
        for t in m..<values.count { sum += abs(values[t] - values[t - m]) }
        let mae = sum / Double(values.count - m)
        return mae > 0 ? mae : nil
    }

    /// The scale test MASE used in `run`: the in-sample MAE of the seasonal naive (period
    /// `season`, naive below 2) on the training part, the first `pointsPerPart.train` values of
    /// `target` (the run's target, original units, one value per point). Dividing a live error
    /// by it puts the live error on the same scale as the run's test MASE. Nil when the run does
    /// not say how long its training part is, or the scale is 0. O(training points).
    public static func maseScale(of run: RunResult, target: [Double], season: Int?) -> Double? {
        guard let train = run.dataset.pointsPerPart?.train, train <= target.count,
              let scale = ForecastEvaluation.maseScale(training: Array(target.prefix(train)), season: season),
              scale > 0, scale.isFinite else { return nil }
        return scale
    }

    /// Every successful run's forecast whose date now has an observed value in `actuals`,
    /// oldest run first. `actuals` are (timestamp, value) in the series' original units,
    /// e.g. the target column of today's input; the scale is the naive in-sample MAE of them
    /// (``naiveScale(_:season:)``).
    /// - Complexity: O(rows + actuals).
    public static func scores(history: [HistoryRow], actuals: [(date: Date, value: Double)], season: Int = 1) -> [LiveScore] {
        scores(history: history, actuals: actuals, scale: naiveScale(actuals.map(\.value), season: season))
    }

    /// As ``scores(history:actuals:season:)``, each |error| divided by `scale` (no scaled error
    /// when nil), e.g. the run's MASE scale (``maseScale(of:target:season:)``). O(rows + actuals).
    public static func scores(history: [HistoryRow], actuals: [(date: Date, value: Double)], scale: Double?) -> [LiveScore] {
        var byDate: [Date: Double] = [:]
        for a in actuals { byDate[a.date] = a.value }
        return history.compactMap { row in
            guard row.status == .ok, let f = row.forecast, let actual = byDate[f.date] else { return nil }
            return LiveScore(runStarted: row.runStarted, model: row.pick, forecast: f, actual: actual,
                             scaledError: scale.map { abs(actual - f.value) / $0 })
        }
    }

    /// "Yesterday's forecast against today's actual": the score of the most recent run whose
    /// forecast date is now observed, among the forecasts not yet superseded by a score: those
    /// of the last run that recorded a live error and of the runs after it (an earlier one was
    /// scored, or passed over, by that run; scoring it again, e.g. in a `--force` run on
    /// unchanged input, would record one forecast's error as two runs'). Nil when none of them
    /// can be checked yet, and nil when the newest forecast's date is in `unobserved` (a row
    /// whose value is missing in the input: an invented value must not score it, and an older
    /// score would pass for it).
    public static func latest(history: [HistoryRow], actuals: [(date: Date, value: Double)], season: Int = 1,
                              unobserved: Set<Date> = []) -> LiveScore? {
        latest(history: history, actuals: actuals, scale: naiveScale(actuals.map(\.value), season: season), unobserved: unobserved)
    }

    /// As ``latest(history:actuals:season:unobserved:)``, the error divided by `scale`.
    public static func latest(history: [HistoryRow], actuals: [(date: Date, value: Double)], scale: Double?,
                              unobserved: Set<Date> = []) -> LiveScore? {
        if let date = newestForecastDate(history), unobserved.contains(date) { return nil }
        let lastScoring = history.lastIndex { $0.status == .ok && $0.liveError != nil }
        let open = lastScoring.map { Array(history[$0...]) } ?? history
        return scores(history: open, actuals: actuals, scale: scale).max { a, b in
            (a.forecast.date, a.runStarted) < (b.forecast.date, b.runStarted)
        }
    }

    /// The series' observed values as (date, value), and the dates whose value the
    /// missing-value policy filled in: only observed values score a past forecast (a trailing
    /// "n/a" carried forward is not the actual). O(n).
    public static func observedValues(of series: Series) -> (actuals: [(date: Date, value: Double)], unobserved: Set<Date>) {
        let dates = series.dates ?? []
        let filled = Set(series.filledTargetRows)
        let actuals = zip(dates, series.target).enumerated()
            .filter { !filled.contains($0.offset) }.map { (date: $0.element.0, value: $0.element.1) }
        return (actuals, Set(filled.compactMap { $0 < dates.count ? dates[$0] : nil }))
    }

    /// Test MASE (one step) per model by stable id (`snaive`, not "seasonal naive (m=12)"), as
    /// history.csv keys them.
    public static func testMASEByModel(_ run: RunResult) -> [String: Double] {
        var out: [String: Double] = [:]
        for m in run.models { if let mase = m.testMetrics.first?.mase { out[m.id] = mase } }
        return out
    }

    /// The report section scoring the newest observed earlier forecast in `history` (this
    /// job's runs, or one portfolio series' rows) against `actuals`, with its chart (`drift.svg`)
    /// of live error and MASE over recent runs, the run started at `runStarted` as the last
    /// point; and that score. The error is divided by `maseScale`, the run's MASE scale
    /// (``maseScale(of:target:season:)``; `.some(nil)`: none, no scaled error), or when it is not
    /// given by the naive in-sample MAE of `actuals`. O(history + actuals).
    public static func section(history: [HistoryRow], runStarted: Date, actuals: [(date: Date, value: Double)], season: Int,
                               pick: String?, testMASE: [String: Double], unobserved: Set<Date>,
                               maseScale: Double?? = nil) -> (section: ReportSection, score: LiveScore?) {
        let scale = maseScale ?? naiveScale(actuals.map(\.value), season: season)
        let latest = latest(history: history, actuals: actuals, scale: scale, unobserved: unobserved)
        let missing = newestForecastDate(history).flatMap { unobserved.contains($0) ? $0 : nil }
        var points = DriftChart.points(history: history, last: 29)
        points.append(DriftPoint(runStarted: runStarted, liveScaledError: latest?.scaledError,
                                 pickTestMASE: pick.flatMap { testMASE[$0] }, pick: pick))
        // The scale the live errors and MASE share (season 1: the naive forecast).
        let scaleSeason = season >= 2 ? season : nil
        let pending = latest == nil && missing == nil ? history.last { $0.status == .ok && $0.forecast != nil }
            .flatMap { r in r.forecast.map { (made: r.runStarted, date: $0.date) } } : nil
        let section = ReportSection(markdown: DriftChart.markdownSection(latest: latest, points: points, chartFile: "drift.svg",
                                                                         missingActual: missing, season: scaleSeason, pending: pending),
                                    chart: (file: "drift.svg", chart: DriftChart.chart(points, season: scaleSeason)))
        return (section, latest)
    }

    /// The date the most recent successful run forecast, if any.
    public static func newestForecastDate(_ history: [HistoryRow]) -> Date? {
        history.last { $0.status == .ok && $0.forecast != nil }?.forecast?.date
    }
}

/// One run on the drift chart.
public struct DriftPoint: Equatable, Sendable {
    public var runStarted: Date
    /// The live scaled error recorded by that run (its predecessor's forecast, scored).
    public var liveScaledError: Double?
    /// Test MASE of the model picked by that run.
    public var pickTestMASE: Double?
    /// The model that run picked; nil when unknown.
    public var pick: String? = nil
}

/// Live error and MASE over the recent runs, so drift is visible in the report: a live error
/// climbing above the test MASE means the model has stopped generalising to new data.
public enum DriftChart {
    /// The last `count` successful runs, oldest first.
    public static func points(history: [HistoryRow], last count: Int = 30) -> [DriftPoint] {
        let ok = history.filter { $0.status == .ok }
        return ok.suffix(max(0, count)).map { r in
            DriftPoint(runStarted: r.runStarted, liveScaledError: r.liveScaledError,
                       pickTestMASE: r.pick.flatMap { r.testMASE[$0] }, pick: r.pick)
        }
    }

    /// Short x labels for runs: the UTC day (`2024-05-01`) when no two runs share a day, else
    /// month, day and time (`05-01 07:00`, with seconds if minutes repeat too); never the full
    /// run stamp.
    static func runLabels(_ dates: [Date]) -> [String] {
        let times = dates.map { UTCDateTime($0) }
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let days = times.map { "\($0.year)-\(pad($0.month))-\(pad($0.day))" }
        if Set(days).count == days.count { return days }
        let minutes = times.map { "\(pad($0.month))-\(pad($0.day)) \(pad($0.hour)):\(pad($0.minute))" }
        if Set(minutes).count == minutes.count { return minutes }
        return times.map { "\(pad($0.month))-\(pad($0.day)) \(pad($0.hour)):\(pad($0.minute)):\(pad($0.second))" }
    }

    /// What 1 means on this chart: both values are errors divided by the in-sample MAE of the
    /// naive forecast (seasonal naive with period `season`), the MASE scale.
    static func scaleNote(season: Int?) -> String {
        "1 = mean in-sample error of the \(reference(season)) forecast\(season.map { $0 >= 2 ? " (m = \($0))" : "" } ?? ""), the MASE scale"
    }

    /// "naive" or "seasonal naive": the forecast whose in-sample error is the scale.
    static func reference(_ season: Int?) -> String {
        (season ?? 1) >= 2 ? "seasonal naive" : "naive"
    }

    /// Live scaled error and the pick's test MASE per run, runs evenly spaced and labelled by
    /// date, with a dashed line at 1 (the in-sample error of the naive forecast the values are
    /// scaled by), drawn by the report's one chart type. A run without a live score breaks the
    /// line. When a run picked the very forecast the scale comes from (naive, or seasonal naive
    /// with a season), the subtitle says that 1 is its own typical error, not a bar it could clear.
    public static func chart(_ points: [DriftPoint], season: Int? = nil) -> SVGLineChart {
        let xs = points.indices.map(Double.init)
        var subtitle = scaleNote(season: season)
        // The scale is the in-sample error of naive (seasonal naive with a season): a pick that is
        // that very forecast is measured against itself.
        // Picks are stable ids (`snaive`); histories of older versions hold the display name.
        let scaleModel = { (pick: String) in (season ?? 1) >= 2 ? pick == "snaive" || pick.hasPrefix("seasonal naive") : pick == "naive" }
        if points.contains(where: { $0.pick.map(scaleModel) ?? false }) {
            subtitle += ". Where the pick is \(reference(season)) itself, its scaled error is its own error over its own typical error: 1 is not a bar it can beat"
        }
        var chart = SVGLineChart(
            title: "Live error and test MASE over recent runs",
            subtitle: subtitle,
            description: "",
            xAxis: .positions(names: runLabels(points.map(\.runStarted)), label: "run (oldest to newest)"),
            yLabel: "error ÷ \(reference(season)) in-sample MAE")
        chart.series.append(.init(name: "test MASE of the pick", xs: xs, ys: points.map { $0.pickTestMASE ?? .nan },
                                  color: SVGLineChart.palette[0], markers: true))
        chart.series.append(.init(name: "live scaled error", xs: xs, ys: points.map { $0.liveScaledError ?? .nan },
                                  color: SVGLineChart.palette[1], markers: true))
        if let first = xs.first, let last = xs.last {
            chart.series.append(.init(name: "1 = \(reference(season)) in-sample MAE", xs: [first, last], ys: [1, 1],
                                      color: "#999999", dash: "4 3", width: 1))
        }
        chart.description = "Per run: the scaled error of the previous forecast against its actual value, and the test MASE of the model the run picked; "
            + subtitle + "."
        return chart
    }

    /// The report section "How the last forecast did": the latest live score, a link to the
    /// chart file (written by the caller from `svg`), and the recent runs as a table.
    public static func markdownSection(latest: LiveScore?, points: [DriftPoint], chartFile: String?,
                                       missingActual: Date? = nil, season: Int? = nil,
                                       pending: (made: Date, date: Date)? = nil) -> String {
        let scale = MASEScale.label(season: season)
        let n = tableNumber
        var md = "## How the last forecast did\n\n"
        if let missingActual {
            md += "The last forecast was for \(timestamp(missingActual)), and that value is missing in today's input "
                + "(the missing-value policy filled it for training only): it is not scored, and no live error is recorded for this run.\n\n"
        } else if let s = latest {
            let interval = tableInterval(s.forecast)
            let inside = s.insideInterval.map { $0 ? "yes" : "**no**" } ?? "–"
            md += "| forecast made | for | model | forecast | interval | actual | error | scaled error | inside interval |\n"
            md += "|---|---|---|---:|---|---:|---:|---:|---|\n"
            md += "| \(timestamp(s.runStarted)) | \(timestamp(s.forecast.date)) | \(s.model ?? "–") | \(n(s.forecast.value)) | \(interval) | \(n(s.actual)) | \(n(s.error)) | \(n(s.scaledError)) | \(inside) |\n\n"
            md += "The scaled error divides |error| by the mean absolute in-sample error of the \((season ?? 1) >= 2 ? "seasonal naive forecast (m = \(season!))" : "naive forecast") (the MASE scale, \(scale)): "
                + "below 1 means this one forecast missed by less than that forecast typically does; it is one value, not a test against naive.\n\n"
        } else if let pending {
            md += "The last forecast, made \(timestamp(pending.made)) for \(timestamp(pending.date)), cannot be checked yet: "
                + "today's input has no value for \(timestamp(pending.date)). No live error is recorded for this run.\n\n"
        } else {
            md += "No earlier forecast can be checked yet: the first forecast is scored once its date appears in the data.\n\n"
        }
        if points.count >= 2 {
            if let chartFile { md += "![Live scaled error and test MASE over recent runs](\(chartFile))\n\n" }
            md += "| run | live scaled error | test MASE of the pick (\(scale)) |\n|---|---:|---:|\n"
            for p in points.reversed().prefix(10) {
                md += "| \(timestamp(p.runStarted)) | \(n(p.liveScaledError)) | \(n(p.pickTestMASE)) |\n"
            }
            md += "\n"
        }
        return md
    }
}
