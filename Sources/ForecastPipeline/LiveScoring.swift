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

    /// Every successful run's forecast whose date now has an observed value in `actuals`,
    /// oldest run first. `actuals` are (timestamp, value) in the series' original units,
    /// e.g. the target column of today's input; the scale is computed from them.
    /// - Complexity: O(rows + actuals).
    public static func scores(history: [HistoryRow], actuals: [(date: Date, value: Double)], season: Int = 1) -> [LiveScore] {
        var byDate: [Date: Double] = [:]
        for a in actuals { byDate[a.date] = a.value }
        let scale = naiveScale(actuals.map(\.value), season: season)
        return history.compactMap { row in
            guard row.status == .ok, let f = row.forecast, let actual = byDate[f.date] else { return nil }
            return LiveScore(runStarted: row.runStarted, model: row.pick, forecast: f, actual: actual,
                             scaledError: scale.map { abs(actual - f.value) / $0 })
        }
    }

    /// "Yesterday's forecast against today's actual": the score of the most recent run whose
    /// forecast date is now observed; nil when no earlier forecast can be checked yet, and nil
    /// when the newest forecast's date is in `unobserved` (a row whose value is missing in the
    /// input: an invented value must not score it, and an older score would pass for it).
    public static func latest(history: [HistoryRow], actuals: [(date: Date, value: Double)], season: Int = 1,
                              unobserved: Set<Date> = []) -> LiveScore? {
        if let date = newestForecastDate(history), unobserved.contains(date) { return nil }
        return scores(history: history, actuals: actuals, season: season).max { a, b in
            (a.forecast.date, a.runStarted) < (b.forecast.date, b.runStarted)
        }
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
}

/// Live error and MASE over the recent runs, so drift is visible in the report: a live error
/// climbing above the test MASE means the model has stopped generalising to new data.
public enum DriftChart {
    /// The last `count` successful runs, oldest first.
    public static func points(history: [HistoryRow], last count: Int = 30) -> [DriftPoint] {
        let ok = history.filter { $0.status == .ok }
        return ok.suffix(max(0, count)).map { r in
            DriftPoint(runStarted: r.runStarted, liveScaledError: r.liveScaledError,
                       pickTestMASE: r.pick.flatMap { r.testMASE[$0] })
        }
    }

    /// Live scaled error and the pick's test MASE per run, with a dashed reference line at 1
    /// (the naive forecast), drawn by the report's one chart type. A run without a live score
    /// breaks the line.
    public static func chart(_ points: [DriftPoint]) -> SVGLineChart {
        let xs = points.map { $0.runStarted.timeIntervalSince1970 }
        var chart = SVGLineChart(
            title: "Live error and test MASE over recent runs",
            description: "Per run: the scaled error of the previous forecast against its actual value, and the test MASE of the model the run picked. Below 1 beats the naive forecast.",
            xAxis: .dates, yLabel: "scaled error")
        chart.series.append(.init(name: "test MASE of the pick", xs: xs, ys: points.map { $0.pickTestMASE ?? .nan },
                                  color: SVGLineChart.palette[0], markers: true))
        chart.series.append(.init(name: "live scaled error", xs: xs, ys: points.map { $0.liveScaledError ?? .nan },
                                  color: SVGLineChart.palette[1], markers: true))
        if let first = xs.first, let last = xs.last {
            chart.series.append(.init(name: "naive = 1", xs: [first, last], ys: [1, 1], color: "#999999", dash: "4 3", width: 1))
        }
        return chart
    }

    /// The report section "How the last forecast did": the latest live score, a link to the
    /// chart file (written by the caller from `svg`), and the recent runs as a table.
    public static func markdownSection(latest: LiveScore?, points: [DriftPoint], chartFile: String?,
                                       missingActual: Date? = nil) -> String {
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
            md += "The scaled error divides |error| by the naive forecast's mean absolute error, like MASE: below 1 beats the naive forecast.\n\n"
        } else {
            md += "No earlier forecast can be checked yet: the first forecast is scored once its date appears in the data.\n\n"
        }
        if points.count >= 2 {
            if let chartFile { md += "![Live scaled error and test MASE over recent runs](\(chartFile))\n\n" }
            md += "| run | live scaled error | test MASE (pick) |\n|---|---:|---:|\n"
            for p in points.reversed().prefix(10) {
                md += "| \(timestamp(p.runStarted)) | \(n(p.liveScaledError)) | \(n(p.pickTestMASE)) |\n"
            }
            md += "\n"
        }
        return md
    }
}
