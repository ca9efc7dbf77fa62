import ForecastEvaluation
import Foundation
import Testing
@testable import ForecastReport

@Suite struct MetricsJSONTests {
    func parse(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("a statistical model: kind statistical, its spec as configuration, epochs null, train_seconds given")
    func statisticalModel() throws {
        let json = try parse(MetricsJSON.string(for: SampleRun.make(statistical: true)))
        #expect(json["pick"] as? String == "ets")
        let models = try #require(json["models"] as? [[String: Any]])
        let ets = try #require(models.first { $0["model"] as? String == "ets" })
        #expect(ets["kind"] as? String == "statistical")
        #expect(ets["configuration"] as? String == "ETS(A,N,N)")
        #expect(ets["epochs"] is NSNull)
        #expect(ets["train_seconds"] as? Double == 0.02)
        #expect(ets["params"] as? Int == 3)
    }

    @Test func topLevelSchemaInStableOrder() throws {
        let run = SampleRun.make()
        let text = MetricsJSON.string(for: run)
        let json = try parse(text)
        #expect(json["schema_version"] as? Int == 1)
        #expect(json["pick"] as? String == "GRU")
        #expect(json["generated_at"] as? String == "2025-11-25T07:00:00Z")
        #expect(json["seed"] as? Int == 42)
        let keys = ["schema_version", "generated_at", "duration_seconds", "tool_version", "command_line", "seed", "dataset",
                    "pick", "pick_reason", "selection_metric", "next_forecast", "beats_naive", "models", "comparisons"]
        // Keys appear in this order at the top level (two-space indentation).
        let positions = keys.map { text.range(of: "\n  \"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.map { $0! } == positions.map { $0! }.sorted())
        let dataset = try #require(json["dataset"] as? [String: Any])
        #expect(dataset["frequency"] as? String == "business-daily")
        #expect(dataset["first_date"] as? String == "2024-01-01")
        #expect((dataset["split"] as? [String: Int]) == ["train": 180, "validation": 60, "test": 60])
        #expect(dataset["season"] is NSNull)
        let beats = try #require(json["beats_naive"] as? [String: Any])
        #expect(beats["significant"] as? Bool == true)
        let next = try #require((json["next_forecast"] as? [[String: Any]])?.first)
        #expect(next["date"] as? String == "2025-02-24")
    }

    @Test func modelEntriesCarryTheRunsNumbersAndNullsForFailures() throws {
        let run = SampleRun.make()
        let text = MetricsJSON.string(for: run)
        let json = try parse(text)
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == run.models.map(\.name))
        let required = ["model", "status", "mae", "rmse", "smape", "mase", "diracc", "skill", "params", "train_seconds"]
        for (entry, model) in zip(models, run.models) {
            for key in required { #expect(entry[key] != nil, "\(model.name) lacks \(key)") }
            #expect(entry["params"] as? Int == model.parameters)
            if let t = model.test {
                // Parsed values agree (corelibs' JSON parser is not always correctly rounded, so
                // allow 1e-15 relative) and the text holds Swift's shortest round-trip form exactly.
                #expect(entry["status"] as? String == "ok")
                let pairs: [(String, Double?)] = [("mae", t.mae), ("rmse", t.rmse), ("smape", t.smape), ("mase", t.mase),
                                                  ("diracc", t.directionalAccuracy), ("skill", t.skill)]
                for (key, value) in pairs {
                    let v = try #require(value)
                    let parsed = try #require(entry[key] as? Double, "\(model.name).\(key)")
                    #expect(abs(parsed - v) <= 1e-15 * abs(v), "\(model.name).\(key)")
                    #expect(text.contains("\"\(key)\": \(v),"), "\(model.name).\(key) text")
                }
            } else {
                #expect(entry["status"] as? String == "failed")
                #expect(entry["failure_reason"] as? String == model.status.failureReason)
                for key in ["mae", "rmse", "smape", "mase", "diracc", "skill", "validation"] {
                    #expect(entry[key] is NSNull, "\(model.name).\(key) should be null")
                }
            }
        }
        let naive = try #require(models.first { $0["model"] as? String == "naive" })
        #expect(naive["train_seconds"] is NSNull && naive["dm_p_value"] is NSNull)
        let gru = try #require(models.first { $0["model"] as? String == "GRU" })
        #expect(text.contains("\"dm_p_value\": \(run.models.first { $0.name == "GRU" }!.dmVsNaive!.pValue),"))
        #expect(gru["train_seconds"] as? Double == 9.7)
    }

    @Test func valuesAreEncodedSafely() throws {
        #expect(JSONValue.double(.nan).serialized() == "null")
        #expect(JSONValue.double(.infinity).serialized() == "null")
        #expect(JSONValue.double(2).serialized() == "2.0")
        #expect(JSONValue.double(1e-5).serialized() == "1e-05")
        #expect(JSONValue.string("a\"b\\c\n\u{1}é").serialized() == "\"a\\\"b\\\\c\\n\\u0001é\"")
        let parsed = try JSONSerialization.jsonObject(with: Data(JSONValue.array([.double(1e-5), .double(0.1), .double(123456.789)]).serialized().utf8)) as? [Double]
        #expect(parsed?.count == 3)
        #expect(zip(parsed ?? [], [1e-5, 0.1, 123456.789]).allSatisfy { abs($0 - $1) <= 1e-15 * $1 })
    }

    @Test func multiStepEntriesHavePerStepMetrics() throws {
        let run = SampleRun.make(horizon: 3)
        let json = try parse(MetricsJSON.string(for: run))
        let gru = try #require((json["models"] as? [[String: Any]])?.first { $0["model"] as? String == "GRU" })
        let steps = try #require(gru["per_step"] as? [[String: Any]])
        #expect(steps.map { $0["step"] as? Int } == [1, 2, 3])
        let mae = run.models.first { $0.name == "GRU" }!.testMetrics[1].mae
        #expect(abs((steps[1]["mae"] as? Double ?? 0) - mae) <= 1e-15 * mae)
        #expect((json["next_forecast"] as? [Any])?.count == 3)
    }
}
