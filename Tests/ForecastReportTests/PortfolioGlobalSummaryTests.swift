import Foundation
import Testing
@testable import ForecastReport

@Suite("the portfolio summary's global vs local section")
struct PortfolioGlobalSummaryTests {
    static func pair(_ global: String, _ g: Double, _ l: Double, p: Double?) -> GlobalLocalComparison {
        GlobalLocalComparison(global: global, local: String(global.dropFirst("global-".count)), globalTestMAE: g, localTestMAE: l,
                              dmPValue: p, globalSignificantlyBetter: (p ?? 1) < 0.05 && g < l,
                              localSignificantlyBetter: (p ?? 1) < 0.05 && g > l)
    }

    static func summary() -> PortfolioSummary {
        func row(_ id: String, _ pairs: [GlobalLocalComparison]) -> PortfolioSeriesResult {
            var r = PortfolioSeriesResult(id: id, status: .ok, report: "\(id)/x", skill: 0.1, seconds: 1)
            r.globalComparisons = pairs
            return r
        }
        var s = PortfolioSummary(
            name: "p", results: [
                row("a", [pair("global-gru", 1, 2, p: 0.01), pair("global-ff", 3, 3, p: nil)]),
                row("b", [pair("global-gru", 4, 2, p: 0.2), pair("global-ff", 1, 4, p: 0.04)]),
                row("c", [pair("global-gru", 1, 4, p: 0.5)]),
            ], totalSeries: 4, warnings: [], settings: "s", version: "t",
            timing: .init(startedAt: Date(timeIntervalSince1970: 0), wallSeconds: 1, jobs: 1, shards: 1, commandLine: "c"))
        s.global = PortfolioGlobalNetworks(window: 8, windowSource: "--window", embedding: "none", series: ["a", "b", "c"],
                                           trainingWindows: 90, validationWindows: 30, models: ["global-ff", "global-gru"],
                                           excluded: [.init(series: "d", reason: "constant: every one of the 20 values is 1")],
                                           failures: [], seconds: 1)
        return s
    }

    @Test("counts, significance and the geometric mean of the MAE ratio are computed from the per-series MAEs (hand count)")
    func tallies() throws {
        let s = Self.summary()
        let (perModel, overall) = PortfolioGlobalNetworks.tallies(s.globalComparisons.map(\.comparison))
        let gru = try #require(perModel.first { $0.global == "global-gru" })
        // Ratios 1/2, 4/2, 1/4: global lower on a and c; significant only on a (p 0.01).
        #expect(gru.series == 3 && gru.globalBetter == 2 && gru.globalSignificantlyBetter == 1 && gru.localSignificantlyBetter == 0)
        // (0.5 · 2 · 0.25)^(1/3) = 0.25^(1/3).
        #expect(abs(try #require(gru.geometricMeanRatio) - pow(0.25, 1.0 / 3)) < 1e-12)
        let ff = try #require(perModel.first { $0.global == "global-ff" })
        // Ratios 1 (a tie is not a win) and 1/4 (significant).
        #expect(ff.series == 2 && ff.globalBetter == 1 && ff.globalSignificantlyBetter == 1)
        #expect(abs(try #require(ff.geometricMeanRatio) - 0.5) < 1e-12)
        #expect(overall.series == 5 && overall.globalBetter == 3 && overall.globalSignificantlyBetter == 2)
        #expect(abs(try #require(overall.geometricMeanRatio) - pow(0.0625, 1.0 / 5)) < 1e-12)
    }

    @Test("summary.md and summary.json state those numbers; the sentences follow them")
    func rendered() throws {
        let s = Self.summary()
        let md = s.markdown()
        #expect(md.contains("## Global vs local networks"))
        #expect(md.contains("global-gru vs gru: the global network had the lower test MAE on **2 of 3** series (more than half); significantly better (Diebold–Mariano, 5 %) on 1, significantly worse on 0. Geometric mean of global MAE / local MAE: 0.630 (the global MAE 37.0 % lower than the local one's, typically)."))
        #expect(md.contains("global-ff vs ff: the global network had the lower test MAE on **1 of 2** series (exactly half)"))
        #expect(md.contains("| b | global-gru | gru | 4.0000 | 2.0000 | 2.000 | 0.200 |"))
        #expect(md.contains("| d | constant: every one of the 20 values is 1 |"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any])
        let global = try #require(json["global_networks"] as? [String: Any])
        let overall = try #require(global["overall"] as? [String: Any])
        #expect(overall["series"] as? Int == 5 && overall["global_better"] as? Int == 3 && overall["global_significantly_better"] as? Int == 2)
        #expect((global["per_series"] as? [Any])?.count == 5)
        #expect((global["excluded"] as? [[String: Any]])?.first?["series"] as? String == "d")

        // A portfolio where local wins: the words turn with the numbers.
        var worse = s
        worse.results = s.results.map { r in
            var r = r
            r.globalComparisons = r.globalComparisons?.map { Self.pair($0.global, $0.localTestMAE, $0.globalTestMAE, p: $0.dmPValue) }
            return r
        }
        let text = worse.markdown()
        #expect(text.contains("global-gru vs gru: the global network had the lower test MAE on **1 of 3** series (fewer than half); significantly better (Diebold–Mariano, 5 %) on 0, significantly worse on 1."))
        #expect(text.contains("higher than the local one's"))
    }

    @Test("a summary without global networks has no such section or key")
    func absentWithoutGlobal() {
        var s = Self.summary()
        s.global = nil
        #expect(!s.markdown().contains("Global vs local"))
        #expect(!s.json().contains("global_networks"))
    }
}
