import Foundation

extension Prediction {
    /// What `forecast predict` prints: a first line naming the model, target and last row, then
    /// one tab-separated line per step — date (`t+k` without dates), forecast, and per stored
    /// level `80% [lower, upper]` or `95% unbounded (too few validation points)`; a last line says
    /// when the file stores no intervals. Numbers with 6 significant digits.
    public var text: String {
        var out = "model \(model), target \(target), last row \(lastDate ?? "n/a")\n"
        for point in points {
            var fields = [point.date ?? "t+\(point.step)", String(format: "%.6g", point.value)]
            for b in point.intervals {
                if let lower = b.lower, let upper = b.upper {
                    fields.append("\(Self.percent(b.level))% " + String(format: "[%.6g, %.6g]", lower, upper))
                } else {
                    fields.append("\(Self.percent(b.level))% unbounded (too few validation points)")
                }
            }
            out += fields.joined(separator: "\t") + "\n"
        }
        if let dataNote { out += "note: " + dataNote + "\n" }
        if let note { out += note + "\n" }
        return out
    }

    /// `forecast predict --json`: one object, keys sorted, numbers in shortest round-trip form.
    ///
    ///     {"horizon": 3, "interval_levels": [0.8, 0.95], "last_date": "1960-12-01",
    ///      "model": "ets", "name": "ets ETS(M,N,M)", "note": null, "data_note": null,
    ///      "steps": [{"date": "1961-01-01", "forecast": 437.13, "lower_80": 416.2, "lower_95": null,
    ///                 "step": 1, "upper_80": 458.06, "upper_95": null}, …],
    ///      "target": "passengers"}
    ///
    /// `model` is the stable id (`snaive`, `ets`, `gru`, `combo`), `name` as the report shows it.
    /// Every step has `lower_80`, `upper_80`, `lower_95`, `upper_95` (null when unbounded or not
    /// stored), and `lower_<p>`/`upper_<p>` for any other level the fit asked for (`--intervals`);
    /// `interval_levels` lists the stored levels ([] for a file that stores none, `note` says so);
    /// `data_note` says when the target's last values were missing and filled (``dataNote``).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(JSONDocument(prediction: self))
    }

    /// `80`, `95`, `97.5`: a level as the percentage that names it.
    static func percent(_ level: Double) -> String { String(format: "%g", level * 100) }

    private struct JSONDocument: Encodable {
        var prediction: Prediction

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ text: String) { stringValue = text }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        struct Step: Encodable {
            var point: PredictedPoint
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(point.step, forKey: Key("step"))
                try c.encode(point.date, forKey: Key("date"))
                try c.encode(point.value, forKey: Key("forecast"))
                var names = ["80", "95"]
                for b in point.intervals where !names.contains(Prediction.percent(b.level)) { names.append(Prediction.percent(b.level)) }
                for name in names {
                    let b = point.intervals.first { Prediction.percent($0.level) == name }
                    try c.encode(b?.lower, forKey: Key("lower_\(name)"))
                    try c.encode(b?.upper, forKey: Key("upper_\(name)"))
                }
            }
        }

        func encode(to encoder: any Encoder) throws {
            let p = prediction
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(p.modelID, forKey: Key("model"))
            try c.encode(p.model, forKey: Key("name"))
            try c.encode(p.target, forKey: Key("target"))
            try c.encode(p.lastDate, forKey: Key("last_date"))
            try c.encode(p.horizon, forKey: Key("horizon"))
            try c.encode(p.intervalLevels ?? [], forKey: Key("interval_levels"))
            try c.encode(p.note, forKey: Key("note"))
            try c.encode(p.dataNote, forKey: Key("data_note"))
            try c.encode(p.points.map(Step.init), forKey: Key("steps"))
        }
    }
}
