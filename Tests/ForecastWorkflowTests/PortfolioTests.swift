import ForecastCore
import ForecastReport
import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastWorkflow

/// Cheap settings for portfolio tests: baselines, ETS and a tiny windowed MLP (so a network's
/// numbers are compared too), on the quarterly samples under data/.
private func cheapConfiguration(reports: URL) -> FitConfiguration {
    var c = FitConfiguration(input: "")
    c.models = [.naive, .snaive, .ets, .ff]
    c.window = 8; c.hidden = 8; c.epochs = 3
    c.reportsDirectory = reports.path
    return c
}

/// A report folder's numbers without what differs between two runs of the same data: when it
/// ran and for how long, the command line and the input's path.
private func numbers(ofReport folder: URL) throws -> (metrics: NSDictionary, forecasts: Data) {
    let data = try Data(contentsOf: folder.appendingPathComponent("metrics.json"))
    var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    for key in ["generated_at", "duration_seconds", "command_line"] { json.removeValue(forKey: key) }
    var dataset = try #require(json["dataset"] as? [String: Any])
    dataset.removeValue(forKey: "file")
    json["dataset"] = dataset
    json["models"] = try #require(json["models"] as? [[String: Any]]).map { model in
        var m = model
        m.removeValue(forKey: "train_seconds")
        return m
    }
    return (json as NSDictionary, try Data(contentsOf: folder.appendingPathComponent("forecasts.csv")))
}

/// `fit` on one file alone, as the command line runs it; returns the report folder.
private func fitAlone(_ c: FitConfiguration) throws -> URL {
    try FitWorkflow(configuration: c, commandLine: "test", version: "test", workers: 2).run().paths.folder
}

@Suite("portfolio: many series in one run")
struct PortfolioTests {
    static let arrivals = repositoryRoot.appendingPathComponent("data/aus_arrivals.csv").path
    static let visnights = repositoryRoot.appendingPathComponent("data/visnights.csv").path

    @Test("long format: each origin's numbers equal fit on a file of that origin's rows alone, bit for bit")
    func longFormatEqualsFitAlone() throws {
        let folder = try temporaryDirectory("portfolio-long")
        let base = cheapConfiguration(reports: folder.appendingPathComponent("portfolio"))
        let portfolio = try Portfolio.make(name: "arrivals", inputs: [Self.arrivals], shape: .long(idColumn: "origin"), ingest: base)
        #expect(portfolio.series.map(\.id) == ["Japan", "NZ", "UK", "US"])
        let outcome = try PortfolioRun(portfolio: portfolio, configuration: base, jobs: 2, commandLine: "test", version: "test").run()
        #expect(outcome.exitStatus == .success)
        #expect(outcome.results.map(\.status) == Array(repeating: .ok, count: 4))

        // The reference: the file filtered by hand (this sample has no quoted fields).
        let lines = try String(contentsOfFile: Self.arrivals, encoding: .utf8).split(separator: "\n")
        #expect(lines[0] == "date,origin,arrivals")
        for result in outcome.results {
            var text = "date,arrivals\n"
            for line in lines.dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                if f[1] == result.id { text += "\(f[0]),\(f[2])\n" }
            }
            let alone = folder.appendingPathComponent("alone-\(result.id)")
            try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
            let file = alone.appendingPathComponent("aus_arrivals.csv")
            try text.write(to: file, atomically: true, encoding: .utf8)
            var c = base
            c.input = file.path
            c.reportsDirectory = alone.appendingPathComponent("reports").path
            let expected = try numbers(ofReport: try fitAlone(c))
            let got = try numbers(ofReport: outcome.folder.appendingPathComponent(try #require(result.report)))
            #expect(got.metrics == expected.metrics, "series \(result.id)")
            #expect(got.forecasts == expected.forecasts, "series \(result.id)")
        }
    }

    @Test("wide format: each column's numbers equal fit --target on that column, bit for bit")
    func wideFormatEqualsFitAlone() throws {
        let folder = try temporaryDirectory("portfolio-wide")
        let base = cheapConfiguration(reports: folder.appendingPathComponent("portfolio"))
        let columns = ["vicmetro", "nswmetro", "qldmetro"]
        let portfolio = try Portfolio.make(name: "visnights", inputs: [Self.visnights], shape: .wide(targets: columns), ingest: base)
        #expect(portfolio.series.map(\.id) == ["nswmetro", "qldmetro", "vicmetro"])
        let outcome = try PortfolioRun(portfolio: portfolio, configuration: base, jobs: 2, commandLine: "test", version: "test").run()
        #expect(outcome.exitStatus == .success)
        for result in outcome.results {
            var c = base
            c.input = Self.visnights
            c.target = result.id
            c.reportsDirectory = folder.appendingPathComponent("alone").path
            let expected = try numbers(ofReport: try fitAlone(c))
            let got = try numbers(ofReport: outcome.folder.appendingPathComponent(try #require(result.report)))
            #expect(got.metrics == expected.metrics, "series \(result.id)")
            #expect(got.forecasts == expected.forecasts, "series \(result.id)")
        }
        // The portfolio's forecasts.csv is the series' tables with a series column, in id order.
        let table = try String(contentsOf: try #require(outcome.summary).appendingPathComponent("forecasts.csv"), encoding: .utf8)
        var expected = "series," + ForecastsTable.header + "\n"
        for result in outcome.results {
            let own = try String(contentsOf: outcome.folder.appendingPathComponent(result.report!).appendingPathComponent("forecasts.csv"), encoding: .utf8)
            for line in own.split(separator: "\n").dropFirst() { expected += "\(result.id),\(line)\n" }
        }
        #expect(table == expected)
    }

    @Test("--targets all: every column but the date")
    func targetsAll() throws {
        let c = cheapConfiguration(reports: try temporaryDirectory("portfolio-all"))
        let portfolio = try Portfolio.make(name: "v", inputs: [Self.visnights], shape: .wide(targets: nil), ingest: c)
        #expect(portfolio.series.count == 20)
        #expect(portfolio.series.first?.id == "nswmetro")
        #expect(!portfolio.series.contains { $0.id == "date" })
        // A misspelt column fails before anything is fitted, naming it.
        let e = #expect(throws: PortfolioError.self) {
            try Portfolio.make(name: "v", inputs: [Self.visnights], shape: .wide(targets: ["nswmetro", "nswmetr0"]), ingest: c)
        }
        #expect(e?.exitStatus == .columnSelection)
        #expect(e?.message.hasPrefix("--targets names \"nswmetr0\", which is not a column") == true)
    }

    @Test("several files: one series per file, named by the file stem")
    func severalFiles() throws {
        let folder = try temporaryDirectory("portfolio-files")
        let airline = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        let c = cheapConfiguration(reports: folder)
        let portfolio = try Portfolio.make(name: "p", inputs: [airline, Self.visnights], shape: .files, ingest: c)
        #expect(portfolio.series.map(\.id) == ["airpassengers", "visnights"])
        // visnights has 20 numeric columns: without --target that series is skipped with ingest's reason.
        var cheap = c
        cheap.models = [.naive, .snaive]
        let outcome = try PortfolioRun(portfolio: portfolio, configuration: cheap, jobs: 1, commandLine: "test", version: "test").run()
        #expect(outcome.results.map(\.status) == [.ok, .skipped])
        #expect(outcome.results[1].reason?.contains("cannot tell which column to forecast") == true)
        #expect(outcome.exitStatus == .someSeriesSkipped)
    }

    @Test("too few points, every value missing and a constant series are skipped with their reasons; the others are fitted")
    func skipsNeverAbort() throws {
        let folder = try temporaryDirectory("portfolio-skips")
        var text = "date,shop,sales\n"
        for q in 0..<60 {
            let date = String(format: "%04d-%02d-01", 2000 + q / 4, 1 + 3 * (q % 4))
            text += "\(date),good,\(100 + q + (q % 4) * 10)\n"
            text += "\(date),flat,42\n"
            text += "\(date),missing,\n"
            if q < 5 { text += "\(date),short,\(q)\n" }
        }
        let file = folder.appendingPathComponent("shops.csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        var c = cheapConfiguration(reports: folder.appendingPathComponent("reports"))
        c.models = [.naive, .snaive, .ets]
        c.target = "sales"
        let portfolio = try Portfolio.make(name: "shops", inputs: [file.path], shape: .long(idColumn: "shop"), ingest: c)
        let outcome = try PortfolioRun(portfolio: portfolio, configuration: c, jobs: 2, commandLine: "test", version: "test").run()
        #expect(outcome.exitStatus == .someSeriesSkipped)
        let byID = Dictionary(uniqueKeysWithValues: outcome.results.map { ($0.id, $0) })
        #expect(byID["good"]?.status == .ok)
        #expect(byID["flat"]?.status == .skipped)
        #expect(byID["flat"]?.reason == "constant: every one of the 60 values is 42.0")
        #expect(byID["missing"]?.status == .skipped)
        #expect(byID["missing"]?.reason?.contains("every row has a missing value") == true, "\(byID["missing"]?.reason ?? "")")
        #expect(byID["short"]?.status == .skipped)
        #expect(byID["short"]?.reason?.isEmpty == false)
        // Only the fitted series has a report folder; the summary lists the three others.
        let folders = try FileManager.default.contentsOfDirectory(atPath: outcome.folder.path).filter { !$0.hasPrefix("2") }.sorted()
        #expect(folders == ["good", "latest"])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: try #require(outcome.summary).appendingPathComponent("summary.json"))) as? [String: Any]
        let notFitted = try #require(summary?["not_fitted"] as? [[String: Any]])
        #expect(notFitted.compactMap { $0["series"] as? String } == ["flat", "missing", "short"])
        let markdown = try String(contentsOf: outcome.summary!.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(markdown.contains("| flat | skipped | constant: every one of the 60 values is 42.0 |"))
    }

    @Test("--jobs 1 and --jobs 2 give the same numbers, bit for bit")
    func jobsDoNotChangeNumbers() throws {
        let folder = try temporaryDirectory("portfolio-jobs")
        var runs: [(summary: NSDictionary, tables: [Data])] = []
        for jobs in [1, 2] {
            let c = cheapConfiguration(reports: folder.appendingPathComponent("jobs\(jobs)"))
            let portfolio = try Portfolio.make(name: "v", inputs: [Self.visnights],
                                               shape: .wide(targets: ["nswmetro", "nswnthco", "qldmetro", "saumetro"]), ingest: c)
            let outcome = try PortfolioRun(portfolio: portfolio, configuration: c, jobs: jobs, commandLine: "test", version: "test").run()
            let summary = try #require(outcome.summary)
            runs.append((try portfolioSummaryWithoutTiming(summary.appendingPathComponent("summary.json")),
                         try outcome.results.map { try numbers(ofReport: outcome.folder.appendingPathComponent($0.report!)).forecasts }))
        }
        #expect(runs[0].summary == runs[1].summary)
        #expect(runs[0].tables == runs[1].tables)
    }

    @Test("series fitted at once share the memory budget: each of --jobs 2 plans within half of it, and says so when refused")
    func jobsShareTheMemoryBudget() throws {
        let budget = MemoryBudget(bytes: 40_000_000, source: "FORECAST_MAX_MEMORY_BYTES")
        #expect(budget.shared(by: 1).bytes == 40_000_000)
        #expect(budget.shared(by: 2).bytes == 20_000_000)
        #expect(budget.shared(by: 2).source == "FORECAST_MAX_MEMORY_BYTES shared by --jobs 2")
        let folder = try temporaryDirectory("portfolio-memory")
        // Too little for any series' windows: every series is skipped with the message of its share.
        for jobs in [1, 2] {
            let c = cheapConfiguration(reports: folder.appendingPathComponent("jobs\(jobs)"))
            let portfolio = try Portfolio.make(name: "v", inputs: [Self.visnights],
                                               shape: .wide(targets: ["nswmetro", "qldmetro"]), ingest: c)
            var run = PortfolioRun(portfolio: portfolio, configuration: c, jobs: jobs, commandLine: "test", version: "test")
            run.memoryBudget = MemoryBudget(bytes: 2_000, source: "FORECAST_MAX_MEMORY_BYTES")
            let outcome = try run.run()
            #expect(outcome.exitStatus == .someSeriesSkipped)
            for result in outcome.results {
                #expect(result.status == .skipped)
                let reason = try #require(result.reason)
                #expect(reason.contains("of FORECAST_MAX_MEMORY_BYTES"), "\(reason)")
                #expect(reason.contains("shared by --jobs 2") == (jobs == 2), "\(reason)")
                #expect(reason.contains(jobs == 2 ? "the 1 kB of" : "the 2 kB of"), "\(reason)")
            }
        }
    }

    @Test("merging 4 shards gives the one-process summary, apart from timing")
    func mergeOfFourShards() throws {
        let folder = try temporaryDirectory("portfolio-shards")
        let targets = ["nswmetro", "nswnthco", "nswsthco", "qldmetro", "qldcntrl", "saumetro", "vicmetro", "waumetro"]
        let whole = cheapConfiguration(reports: folder.appendingPathComponent("one"))
        let portfolio = try Portfolio.make(name: "v", inputs: [Self.visnights], shape: .wide(targets: targets), ingest: whole)
        let one = try PortfolioRun(portfolio: portfolio, configuration: whole, jobs: 2, commandLine: "test", version: "test").run()

        let sharded = cheapConfiguration(reports: folder.appendingPathComponent("sharded"))
        var seen: [String] = []
        var parts: [PortfolioSummary] = []
        var shardFolder: URL? = nil
        for i in 0..<4 {
            let run = PortfolioRun(portfolio: portfolio, configuration: sharded, jobs: 1,
                                   shard: ShardAssignment(index: i, count: 4), commandLine: "test --shard \(i)/4", version: "test")
            let outcome = try run.run()
            #expect(outcome.summary == nil)
            let file = try PortfolioShardFile.read(try #require(outcome.shardFile))
            #expect(file.shardIndex == i && file.shardCount == 4)
            #expect(file.fingerprint == run.fingerprint())
            seen += file.summary.results.map(\.id)
            parts.append(file.summary)
            shardFolder = outcome.folder
        }
        // Every series in exactly one shard, chosen by the hash of its id.
        #expect(seen.sorted() == targets.sorted())
        for i in 0..<4 {
            #expect(parts[i].results.allSatisfy { ShardAssignment.shard(of: $0.id, count: 4) == i })
        }
        // Shards of one run may write to different folders, but not use other settings.
        var elsewhere = sharded, otherSeed = sharded
        elsewhere.reportsDirectory = "/elsewhere"
        otherSeed.seed = 7
        let fingerprint = PortfolioRun(portfolio: portfolio, configuration: sharded, jobs: 1, commandLine: "", version: "").fingerprint()
        #expect(PortfolioRun(portfolio: portfolio, configuration: elsewhere, jobs: 1, commandLine: "", version: "").fingerprint() == fingerprint)
        #expect(PortfolioRun(portfolio: portfolio, configuration: otherSeed, jobs: 1, commandLine: "", version: "").fingerprint() != fingerprint)
        let merged = try #require(PortfolioSummary.merging(parts, commandLine: "merge"))
        let published = try merged.publish(in: try #require(shardFolder))
        #expect(try portfolioSummaryWithoutTiming(published.appendingPathComponent("summary.json"))
                == portfolioSummaryWithoutTiming(try #require(one.summary).appendingPathComponent("summary.json")))
        #expect(try Data(contentsOf: published.appendingPathComponent("forecasts.csv"))
                == Data(contentsOf: one.summary!.appendingPathComponent("forecasts.csv")))
    }
}

@Suite("portfolio: inputs, ids and shards")
struct PortfolioInputTests {
    @Test("FNV-1a 64 matches the published test vectors, so shard assignment is the same on every machine")
    func fnvVectors() {
        #expect(ShardAssignment.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(ShardAssignment.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(ShardAssignment.fnv1a("foobar") == 0x8594_4171_f739_67e8)
        #expect(ShardAssignment.shard(of: "foobar", count: 4) == Int(UInt64(0x8594_4171_f739_67e8) % 4))
        #expect(ShardAssignment("1/4") == ShardAssignment(index: 1, count: 4))
        #expect(ShardAssignment("4/4") == nil)
        #expect(ShardAssignment("-1/4") == nil)
        #expect(ShardAssignment("1/0") == nil)
    }

    @Test("a long file with quoted ids, the id column last and CRLF line ends splits into each id's rows without the id column")
    func quotedLongFormat() throws {
        let folder = try temporaryDirectory("portfolio-quoted")
        let file = folder.appendingPathComponent("q.csv")
        let text = "date;value;\"store\"\r\n2024-01-01;1;\"A;1\"\r\n2024-01-01;5;B\r\n2024-01-02;2;\"A;1\"\r\n2024-01-02;6;\"say \"\"hi\"\"\"\r\n2024-01-03;7;\r\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let table = try LongFormatTable(path: file.path, idColumn: "STORE", delimiter: nil)
        #expect(table.groups == ["A;1", "B", "say \"hi\""])
        #expect(table.rowsWithoutID == 1)
        #expect(String(decoding: table.csv(group: 0), as: UTF8.self) == "date;value\n2024-01-01;1\n2024-01-02;2\n")
        #expect(String(decoding: table.csv(group: 2), as: UTF8.self) == "date;value\n2024-01-02;6\n")
        let e = #expect(throws: PortfolioError.self) { try LongFormatTable(path: file.path, idColumn: "shop", delimiter: nil) }
        #expect(e?.exitStatus == .columnSelection)
    }

    @Test("series folders are unique slugs, never 'latest' or 'shards'")
    func folderNames() throws {
        let folder = try temporaryDirectory("portfolio-names")
        let file = folder.appendingPathComponent("n.csv")
        var text = "date,id,v\n"
        for id in ["New South Wales", "new_south wales", "latest", "Shards", "É"] { text += "2024-01-01,\(id),1\n" }
        try text.write(to: file, atomically: true, encoding: .utf8)
        let p = try Portfolio.make(name: "n", inputs: [file.path], shape: .long(idColumn: "id"), ingest: FitConfiguration(input: ""))
        #expect(p.series.map(\.id) == ["New South Wales", "Shards", "latest", "new_south wales", "É"])
        #expect(p.series.map(\.folder) == ["new-south-wales", "shards-2", "latest-2", "new-south-wales-2", "series"])
    }

    @Test("the skill histogram counts by tenths, with open bins below −1 and from 1 (hand count)")
    func skillBins() {
        let chart = PortfolioSkillChart(skills: [-1.5, -1, -0.05, 0, 0.05, 0.3, 0.99, 1, 2, .nan])
        var expected = Array(repeating: 0, count: PortfolioSkillChart.binCount)
        expected[0] = 1   // -1.5
        expected[1] = 1   // -1 in [-1, -0.9)
        expected[10] = 1  // -0.05 in [-0.1, 0)
        expected[11] = 2  // 0 and 0.05 in [0, 0.1)
        expected[14] = 1  // 0.3 in [0.3, 0.4)
        expected[20] = 1  // 0.99 in [0.9, 1)
        expected[21] = 2  // 1 and 2
        #expect(chart.counts == expected)
        #expect(chart.render().contains("9 series; 5 better than naive (skill &gt; 0), 1 exactly as good (skill 0, e.g. naive picked)"))
    }
}
