import ForecastEvaluation
import Foundation
import Testing
@testable import ForecastReport

/// metrics.json gives programs stable ids beside the display names.
@Suite("metrics.json ids")
struct MetricsJSONIDTests {
    @Test("each model has its id before its display name; the pick and the comparisons name ids too")
    func idsBesideNames() throws {
        var run = SampleRun.make()
        // A model whose display name is not its id (as the seasonal naive's), and the pick.
        let gru = try #require(run.models.firstIndex { $0.name == run.pick })
        run.models[gru].name = "GRU (hidden 16)"
        run.models[gru].id = "gru"
        for i in run.comparisons.indices {
            if run.comparisons[i].model == run.pick { run.comparisons[i].model = run.models[gru].name }
            if run.comparisons[i].reference == run.pick { run.comparisons[i].reference = run.models[gru].name }
        }
        run.pick = run.models[gru].name
        let text = MetricsJSON.string(for: run)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(models.map { $0["id"] as? String } == run.models.map(\.id))
        #expect(models.map { $0["model"] as? String } == run.models.map(\.name))
        #expect(text.contains("\"id\": \"gru\",\n      \"model\": \"GRU (hidden 16)\","), "id comes first, then the name")
        #expect(json["pick_id"] as? String == "gru")
        #expect(json["pick"] as? String == "GRU (hidden 16)")
        let comparisons = try #require(json["comparisons"] as? [[String: Any]])
        #expect(comparisons.contains { $0["model_id"] as? String == "gru" })
        #expect(comparisons.contains { $0["reference_id"] as? String == "naive" })
        for (entry, c) in zip(comparisons, run.comparisons) {
            #expect(entry["model_id"] as? String == run.models.first { $0.name == c.model }?.id)
            #expect(entry["reference_id"] as? String == run.models.first { $0.name == c.reference }?.id)
        }
    }

    @Test("pick_id is null when every model failed")
    func pickIDNullWithoutPick() throws {
        var run = SampleRun.make(failAll: true)
        run.pick = nil
        let json = try #require(try JSONSerialization.jsonObject(with: MetricsJSON.data(for: run)) as? [String: Any])
        #expect(json["pick_id"] is NSNull)
    }
}
