import ForecastEvaluation
import ForecastIngest
import Foundation

/// `forecasts.csv`: every forecast a run made, as a table a program can load — the rolling-origin
/// backtest on the validation and test parts and the forecasts past the last row, for every
/// working model (what statsforecast's `cross_validation` and Darts' `historical_forecasts` give).
///
/// One row per (part, origin, target date, model); columns:
///
///     part,fold,origin,date,step,actual,model,forecast,lower_80,upper_80,lower_95,upper_95
///
/// - `part`: `validation`, `test` or `future`; `fold`: the validation fold of the origin (1…k,
///   `RunResult.validationFolds`), empty for the test part and the future.
/// - `origin`: the date of the last actual value the forecast used; `date`: the date forecast,
///   `step` (1…horizon) ahead of the origin. Dates as in the report (`2024-05-01`, with a time
///   for sub-daily data; `row N` for a file without dates).
/// - `actual`: the observed value, empty past the end of the data.
/// - `model`: the model's stable id (`naive`, `snaive`, `ets`, `gru`…), as in `metrics.json`.
/// - `forecast` and the split-conformal bounds at 80 % and 95 % (empty when that level was not
///   asked for with `--intervals`, or is unbounded for lack of validation points); lower bounds
///   cut at `RunResult.intervalFloor` as everywhere in the report.
///
/// Numbers are written in their shortest round-trip form, so `pandas.read_csv` reads the file
/// without options and gets exactly the run's values. Size O(models · (validation + test) · horizon).
public enum ForecastsTable {
    public static let header = "part,fold,origin,date,step,actual,model,forecast,lower_80,upper_80,lower_95,upper_95"

    /// The table for `run`, whose series had `values` at `dates` (the cleaned target, original
    /// scale; `dates` stamped by `Frequency.rowStamp` for a file without dates).
    public static func csv(run: RunResult, values: [Double], dates: [Date]) -> String {
        let f = run.dataset.frequency
        let n = min(values.count, dates.count)
        guard n > 0 else { return header + "\n" }
        func date(_ t: Int) -> String { f.format(t < n ? dates[t] : f.advance(dates[n - 1], by: t - (n - 1))) }
        func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }
        var out = header + "\n"
        for model in run.models where model.status.isOK {
            // Half-widths per step at the two levels the columns name.
            func widths(_ level: Double) -> [Double]? {
                model.intervals.first { abs($0.level - level) < 1e-9 }?.halfWidth
            }
            let (w80, w95) = (widths(0.8), widths(0.95))
            func bounds(_ value: Double, step j: Int) -> String {
                [w80, w95].map { w -> String in
                    guard let w, j < w.count, w[j].isFinite else { return "," }
                    return number(IntervalBound.lower(value, halfWidth: w[j], floor: run.intervalFloor)) + "," + number(value + w[j])
                }.joined(separator: ",")
            }
            for (part, forecasts) in [("validation", model.validationForecasts), ("test", model.testForecasts)] {
                guard let forecasts else { continue }
                for (i, origin) in forecasts.origins.enumerated() where origin >= 1 && i < forecasts.values.count {
                    let fold = part == "validation" ? (run.validationFolds.firstIndex { $0.contains(origin) }.map { "\($0 + 1)" } ?? "") : ""
                    for (j, value) in forecasts.values[i].enumerated() {
                        let t = origin + j
                        out += "\(part),\(fold),\(date(origin - 1)),\(date(t)),\(j + 1),\(t < n ? number(values[t]) : ""),"
                            + "\(model.id),\(number(value)),\(bounds(value, step: j))\n"
                    }
                }
            }
            for next in model.nextForecasts {
                out += "future,,\(date(n - 1)),\(f.format(next.date)),\(next.step),,\(model.id),\(number(next.value)),"
                    + "\(bounds(next.value, step: next.step - 1))\n"
            }
        }
        return out
    }
}
