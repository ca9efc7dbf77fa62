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
    /// forecast date is now observed; nil when no earlier forecast can be checked yet.
    public static func latest(history: [HistoryRow], actuals: [(date: Date, value: Double)], season: Int = 1) -> LiveScore? {
        scores(history: history, actuals: actuals, season: season).max { a, b in
            (a.forecast.date, a.runStarted) < (b.forecast.date, b.runStarted)
        }
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

    /// A self-contained SVG line chart (no scripts, no external fonts) of live scaled error and
    /// the pick's test MASE per run, with a dashed reference line at 1 (the naive forecast).
    public static func svg(_ points: [DriftPoint], width: Int = 640, height: Int = 240) -> String {
        let left = 48.0, right = 12.0, top = 16.0, bottom = 36.0
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        let values = points.flatMap { [$0.liveScaledError, $0.pickTestMASE].compactMap { $0 } }
        let yMax = max(1.2, (values.max() ?? 1) * 1.1)
        func x(_ i: Int) -> Double { points.count <= 1 ? left + w / 2 : left + w * Double(i) / Double(points.count - 1) }
        func y(_ v: Double) -> Double { top + h * (1 - v / yMax) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func polyline(_ key: KeyPath<DriftPoint, Double?>, color: String) -> String {
            var segments: [[String]] = [[]]
            var dots = ""
            for (i, p) in points.enumerated() {
                if let v = p[keyPath: key] {
                    segments[segments.count - 1].append("\(f(x(i))),\(f(y(v)))")
                    dots += "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(v)))\" r=\"2.5\" fill=\"\(color)\"/>"
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            let lines = segments.filter { $0.count > 1 }.map {
                "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\($0.joined(separator: " "))\"/>"
            }.joined()
            return lines + dots
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"11\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + h))\" stroke=\"#444\"/>"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + h))\" x2=\"\(f(left + w))\" y2=\"\(f(top + h))\" stroke=\"#444\"/>"
        for tick in stride(from: 0.0, through: yMax, by: yMax > 3 ? 1.0 : 0.5) {
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(String(format: "%.1f", tick))</text>"
        }
        s += "<line x1=\"\(f(left))\" y1=\"\(f(y(1)))\" x2=\"\(f(left + w))\" y2=\"\(f(y(1)))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        s += polyline(\.pickTestMASE, color: "#1f77b4")
        s += polyline(\.liveScaledError, color: "#d62728")
        if let first = points.first, let last = points.last {
            s += "<text x=\"\(f(left))\" y=\"\(height - 20)\">\(timestamp(first.runStarted))</text>"
            s += "<text x=\"\(f(left + w))\" y=\"\(height - 20)\" text-anchor=\"end\">\(timestamp(last.runStarted))</text>"
        }
        s += "<text x=\"\(f(left))\" y=\"\(height - 4)\" fill=\"#d62728\">● live scaled error</text>"
        s += "<text x=\"\(f(left + 140))\" y=\"\(height - 4)\" fill=\"#1f77b4\">● test MASE of the pick</text>"
        s += "<text x=\"\(f(left + 300))\" y=\"\(height - 4)\" fill=\"#999\">- - naive = 1</text>"
        return s + "</svg>\n"
    }

    /// The report section "How the last forecast did": the latest live score, a link to the
    /// chart file (written by the caller from `svg`), and the recent runs as a table.
    public static func markdownSection(latest: LiveScore?, points: [DriftPoint], chartFile: String?) -> String {
        let n = tableNumber
        var md = "## How the last forecast did\n\n"
        if let s = latest {
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
