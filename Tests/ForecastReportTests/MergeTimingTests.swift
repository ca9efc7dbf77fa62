import Foundation
import Testing
@testable import ForecastReport

/// `forecast merge`'s summary line about time: shards run one after another (or side by side)
/// took from the first shard's start to the last one's end, and "series at a time" is per shard.
@Suite struct MergeTimingTests {
    func shard(_ id: String, start: Double, wall: Double) -> PortfolioSummary {
        let r = PortfolioSeriesResult(id: id, status: .ok, report: "\(id)/x", pick: "naive", pickName: "naive", skill: 0.1,
                                      dmPValue: 0.2, beatsNaiveSignificantly: false, seconds: wall)
        return PortfolioSummary(name: "p", results: [r], totalSeries: 2, warnings: [], settings: "s", version: "t",
                                timing: .init(startedAt: Date(timeIntervalSince1970: start), wallSeconds: wall, jobs: 2, shards: 1,
                                              commandLine: "fit --shard"))
    }

    /// Two shards run one after the other (0–10 s and 30–35 s): the merged summary said
    /// "10.0 s wall time, 2 series at a time" (the longest shard); the run took 35 s.
    @Test func mergedWallTimeSpansEveryShard() throws {
        let merged = try #require(PortfolioSummary.merging([shard("b", start: 30, wall: 5), shard("a", start: 0, wall: 10)],
                                                           commandLine: "merge"))
        #expect(merged.timing.startedAt == Date(timeIntervalSince1970: 0))
        #expect(merged.timing.wallSeconds == 35)
        #expect(merged.markdown().contains(", 35.0 s wall time, 2 series at a time per shard, merged from 2 shards."), "\(merged.markdown())")
        // Side by side (0–10 s and 2–9 s): the longest shard is the wall time.
        let parallel = try #require(PortfolioSummary.merging([shard("a", start: 0, wall: 10), shard("b", start: 2, wall: 7)], commandLine: "m"))
        #expect(parallel.timing.wallSeconds == 10)
    }
}
