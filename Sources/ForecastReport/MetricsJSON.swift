import ForecastEvaluation
import ForecastIngest
import Foundation

/// `metrics.json`: the report's numbers for dashboards and scripts, in a stable schema
/// (documented in the README; bump `schemaVersion` on any incompatible change). Keys are
/// snake_case and always present — null where a value does not exist (failed model, MASE
/// without a scale, unbounded interval, …) — and appear in a fixed order. The same text is
/// printed by `--json`.
///
/// Top level: schema_version, generated_at (ISO 8601 UTC), duration_seconds, tool_version,
/// command_line, seed, dataset {file, sha256, rows, first_date, last_date, frequency, target,
/// features, missing_values, missing_policy, gaps, transform, scaling, window, horizon, season,
/// split {train, validation, test}}, pick, pick_id, pick_reason, selection_metric ("validation_mae"),
/// next_forecast [the pick's {step, date, value, intervals [{level, lower, upper}]}],
/// beats_naive {statistic, p_value, significant, note} | null, models [...], comparisons
/// [{label, model, model_id, reference, reference_id, n, statistic, p_value, note}].
///
/// Names (`pick`, `model`, `reference`) are for people and may change between versions
/// ("seasonal naive (m=12)"); ids (`pick_id`, `id`, `model_id`, `reference_id`) are what a
/// program matches on: the `--models` spelling (`snaive`) or a custom model's name
/// (``ModelResult/id``). The ids were added within schema version 1 (an addition, not a change).
///
/// Each model: id, model, kind, status ("ok" | "failed"), failure_reason, mae, rmse, smape (percent),
/// mase, diracc (fraction 0…1), skill, n — test part, one step ahead — then dm_statistic,
/// dm_p_value (vs naive), params, configuration, epochs, train_seconds, validation {same metric
/// keys} | null, per_step [{step, metric keys}], intervals [{level, half_width [per step],
/// test_coverage [per step]}], next_forecast [...].
public enum MetricsJSON {
    public static let schemaVersion = 1

    /// The JSON document as UTF-8 text, pretty-printed with two-space indentation and a final newline.
    public static func string(for run: RunResult) -> String {
        document(for: run).serialized() + "\n"
    }

    public static func data(for run: RunResult) -> Data { Data(string(for: run).utf8) }

    static func document(for run: RunResult) -> JSONValue {
        let d = run.dataset
        let f = d.frequency
        let pick = run.pickedModel
        // A comparison names its models; their ids come from the run's results.
        func id(of name: String) -> JSONValue {
            run.models.first { $0.name == name }.map { .string($0.id) } ?? .null
        }
        var beatsNaive: JSONValue = .null
        if let c = run.comparisons.first(where: { $0.label == "pick vs naive" }) {
            beatsNaive = .object([
                ("statistic", .number(c.result?.statistic)),
                ("p_value", .number(c.result?.pValue)),
                ("significant", c.result.map { .bool($0.firstIsSignificantlyBetter(level: MarkdownReport.significanceLevel)) } ?? .null),
                ("note", c.note.map(JSONValue.string) ?? .null),
            ])
        }
        return .object([
            ("schema_version", .int(schemaVersion)),
            ("generated_at", .string(Format.iso8601(run.startedAt))),
            ("duration_seconds", .number(run.durationSeconds)),
            ("tool_version", .string(run.reproducibility.version)),
            ("command_line", .string(run.reproducibility.commandLine)),
            ("seed", .unsigned(run.reproducibility.seed)),
            ("dataset", .object([
                ("file", .string(d.filePath)),
                ("sha256", .string(d.sha256)),
                ("rows", .int(d.rows)),
                ("first_date", .string(f.format(d.firstDate))),
                ("last_date", .string(f.format(d.lastDate))),
                ("frequency", .string(f.name)),
                ("target", .string(d.target)),
                ("features", .array(d.features.map(JSONValue.string))),
                ("missing_values", .int(d.missingCount)),
                ("missing_policy", .string(d.missingPolicy)),
                ("gaps", .int(d.gapCount)),
                ("transform", .string(d.transform)),
                ("scaling", .string(d.scaling)),
                ("window", .int(d.window)),
                ("horizon", .int(d.horizon)),
                ("season", d.season.season.map(JSONValue.int) ?? .null),
                ("split", .object([("train", .int(d.trainCount)), ("validation", .int(d.validationCount)), ("test", .int(d.testCount))])),
            ])),
            ("pick", run.pick.map(JSONValue.string) ?? .null),
            ("pick_id", pick.map { .string($0.id) } ?? .null),
            ("pick_reason", .string(run.pickReason)),
            ("selection_metric", .string("validation_mae")),
            ("next_forecast", .array((pick?.nextForecasts ?? []).map { next($0, f) })),
            ("beats_naive", beatsNaive),
            ("models", .array(run.models.map { model($0, f) })),
            ("comparisons", .array(run.comparisons.map { c in
                .object([
                    ("label", .string(c.label)),
                    ("model", .string(c.model)),
                    ("model_id", id(of: c.model)),
                    ("reference", .string(c.reference)),
                    ("reference_id", id(of: c.reference)),
                    ("n", c.result.map { .int($0.count) } ?? .null),
                    ("statistic", .number(c.result?.statistic)),
                    ("p_value", .number(c.result?.pValue)),
                    ("note", c.note.map(JSONValue.string) ?? .null),
                ])
            })),
        ])
    }

    static func metricFields(_ m: ForecastMetrics?) -> [(String, JSONValue)] {
        [
            ("mae", .number(m?.mae)),
            ("rmse", .number(m?.rmse)),
            ("smape", .number(m?.smape)),
            ("mase", .number(m?.mase)),
            ("diracc", .number(m?.directionalAccuracy)),
            ("skill", .number(m?.skill)),
            ("n", m.map { .int($0.count) } ?? .null),
        ]
    }

    static func model(_ m: ModelResult, _ f: Frequency) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .string(m.id)),
            ("model", .string(m.name)),
            ("kind", .string(m.kind.rawValue)),
            ("status", .string(m.status.isOK ? "ok" : "failed")),
            ("failure_reason", m.status.failureReason.map(JSONValue.string) ?? .null),
        ]
        fields += metricFields(m.test)
        fields += [
            ("dm_statistic", .number(m.dmVsNaive?.statistic)),
            ("dm_p_value", .number(m.dmVsNaive?.pValue)),
            ("params", .int(m.parameters)),
            ("configuration", .string(m.configuration)),
            ("epochs", m.epochsRun.map(JSONValue.int) ?? .null),
            ("train_seconds", .number(m.trainSeconds)),
            ("validation", m.validation.map { .object(metricFields($0)) } ?? .null),
            ("per_step", .array(m.testMetrics.enumerated().map { step, metrics in
                .object([("step", .int(step + 1))] + metricFields(metrics))
            })),
            ("intervals", .array(m.intervals.map { c in
                .object([
                    ("level", .number(c.level)),
                    ("half_width", .array(c.halfWidth.map { .number($0) })),
                    ("test_coverage", .array(c.testCoverage.map { .number($0) })),
                ])
            })),
            ("next_forecast", .array(m.nextForecasts.map { next($0, f) })),
        ]
        return .object(fields)
    }

    static func next(_ n: NextForecast, _ f: Frequency) -> JSONValue {
        .object([
            ("step", .int(n.step)),
            ("date", .string(f.format(n.date))),
            ("value", .number(n.value)),
            ("intervals", .array(n.intervals.map { b in
                .object([("level", .number(b.level)), ("lower", .number(b.lower)), ("upper", .number(b.upper))])
            })),
        ])
    }
}

/// A JSON value with ordered object keys (Foundation's encoder sorts or scrambles them).
indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case unsigned(UInt64)
    /// Non-finite numbers have no JSON form and are written as null.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func number(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .null }

    static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    func serialized(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .unsigned(let u): return String(u)
        case .double(let x):
            guard x.isFinite else { return "null" }
            // Swift's description is the shortest text that round-trips; JSON has no "+" exponent
            // sign issue ("1e-05" is valid JSON).
            if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) + ".0" }
            return "\(x)"
        case .string(let s): return JSONValue.quote(s)
        case .array(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ if case .object = $0 { return false }; if case .array = $0 { return false }; return true }) {
                return "[" + items.map { $0.serialized() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { pad + $0.serialized(indent: indent + 1) }.joined(separator: ",\n") + "\n" + end + "]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { pad + JSONValue.quote($0.0) + ": " + $0.1.serialized(indent: indent + 1) }.joined(separator: ",\n") + "\n" + end + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
}
