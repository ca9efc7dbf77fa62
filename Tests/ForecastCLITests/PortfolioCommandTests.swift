import ArgumentParser
import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastCLI

@Suite("forecast fit with many series, and forecast merge (the built binary)")
struct PortfolioCommandTests {
    static let visnights = repositoryRoot.appendingPathComponent("data/visnights.csv").path
    static let arrivals = repositoryRoot.appendingPathComponent("data/aus_arrivals.csv").path

    @Test("four --shard runs and forecast merge give the summary of one run; a missing shard fails merge with exit 10")
    func shardsAndMerge() throws {
        let dir = try temporaryDirectory("forecast-portfolio")
        let common = ["--targets", "nswmetro,qldmetro,vicmetro,waumetro,saumetro", "--models", "naive,snaive,ets"]
        let one = try runForecast(["fit", Self.visnights, "--reports", dir.appendingPathComponent("one").path] + common)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stderr.contains("series 5/5 "), "\(one.stderr)")  // one log line per series off a terminal
        let sharded = dir.appendingPathComponent("sharded")
        for i in 0..<4 {
            let r = try runForecast(["fit", Self.visnights, "--reports", sharded.path, "--shard", "\(i)/4"] + common)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let merge = try runForecast(["merge", sharded.appendingPathComponent("visnights").path])
        #expect(merge.status == 0, "\(merge.stderr)")
        let merged = sharded.appendingPathComponent("visnights/latest/summary.json")
        let single = dir.appendingPathComponent("one/visnights/latest/summary.json")
        #expect(try portfolioSummaryWithoutTiming(merged) == portfolioSummaryWithoutTiming(single))

        try FileManager.default.removeItem(at: sharded.appendingPathComponent("visnights/shards/shard-2-of-4.json"))
        let incomplete = try runForecast(["merge", sharded.appendingPathComponent("visnights").path])
        #expect(incomplete.status == 10)
        #expect(incomplete.stderr.contains("shard(s) 2 of 4 missing"), "\(incomplete.stderr)")
    }

    @Test("a skipped series makes exit 46; the others are fitted and the summary says why")
    func skippedSeriesExit() throws {
        let dir = try temporaryDirectory("forecast-portfolio-skip")
        let csv = dir.appendingPathComponent("two.csv")
        var text = "date,a,b\n"
        for q in 0..<80 { text += String(format: "%04d-%02d-01,%d,7\n", 1990 + q / 4, 1 + 3 * (q % 4), 10 + q % 4 + q) }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        let r = try runForecast(["fit", csv.path, "--targets", "all", "--models", "naive,snaive", "--reports", dir.path, "--jobs", "1"])
        #expect(r.status == 46, "\(r.stderr)")
        #expect(r.stderr.contains("series 2/2 b: skipped: constant"), "\(r.stderr)")
        let summary = try String(contentsOf: dir.appendingPathComponent("two/latest/summary.md"), encoding: .utf8)
        #expect(summary.contains("| b | skipped | constant: every one of the 80 values is 7.0 |"))
    }

    @Test("portfolio options that cannot work together are usage errors before anything is read")
    func invalidOptions() {
        for (arguments, message) in [
            (["a.csv", "--id-column", "s", "--targets", "all"], "--id-column (long format) and --targets (wide format) cannot be used together"),
            (["a.csv", "--shard", "4/4"], "--shard must be i/n with 0 ≤ i < n, e.g. 0/4 (got '4/4')"),
            (["a.csv", "--jobs", "0"], "--jobs must be at least 1 (got 0)"),
            (["a.csv", "--targets", "a,b", "--target", "a"], "--target names one series' column; with --targets each listed column is a series (drop --target)"),
        ] {
            do {
                _ = try Fit.parse(arguments)
                Issue.record("\(arguments) should not validate")
            } catch {
                #expect(Fit.message(for: error) == message)
                #expect(Fit.exitCode(for: error).rawValue == 64)
            }
        }
    }
}
