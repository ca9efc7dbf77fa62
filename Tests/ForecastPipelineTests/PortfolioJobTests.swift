import ForecastReport
import ForecastWorkflow
import Foundation
import Testing
@testable import ForecastPipeline

private func parsed(_ yaml: String) throws -> PipelineFile {
    try PipelineFile.parse(yaml: yaml, url: URL(fileURLWithPath: "/tmp/pipes/p.yaml"), displayPath: "p.yaml")
}

private func problems(_ yaml: String) -> [PipelineError] {
    do {
        _ = try parsed(yaml)
        return []
    } catch let e as PipelineFileErrors {
        return e.problems
    } catch {
        Issue.record("unexpected error type \(error)")
        return []
    }
}

/// Monthly rows from 2020-01: `value(i)` for i = 0..<n.
private func monthly(_ n: Int, _ value: (Int) -> Double) -> [(date: String, value: Double)] {
    (0..<n).map { i in
        let y = 2020 + i / 12, m = i % 12 + 1
        return (String(format: "%04d-%02d-01", y, m), value(i))
    }
}

/// A long-format file: `state,date,visitors`, the states' rows interleaved by date.
private func longCSV(_ series: [(id: String, rows: [(date: String, value: Double)])]) -> String {
    var out = "state,date,visitors\n"
    let n = series.map(\.rows.count).max() ?? 0
    for i in 0..<n {
        for s in series where i < s.rows.count { out += "\(s.id),\(s.rows[i].date),\(s.rows[i].value)\n" }
    }
    return out
}

/// Two seasonal series and a constant one (which the portfolio skips for its data).
private func statesData(extraVIC: Bool = false) -> String {
    let nsw = monthly(48) { i in 100 + Double(i % 4) * 7 + Double(i) * 0.5 + Double((i * 37) % 11) }
    var vic = monthly(48) { i in 50 + Double(i % 3) * 4 - Double(i) * 0.2 + Double((i * 13) % 7) }
    if extraVIC { vic.append(("2024-01-01", 61.5)) }
    let tas = monthly(48) { _ in 5 }
    return longCSV([("NSW", nsw), ("VIC", vic), ("TAS", tas)])
}

private let portfolioYAML = """
report_root: ../reports
defaults:
  models: [naive, snaive, drift]
  window: 4
jobs:
  - name: states
    input: ../data/states.csv
    id_column: state
  - name: a
    input: ../data/a.csv
"""

@Suite struct PortfolioJobTests {
    // MARK: - YAML

    @Test func portfolioKeysGiveTheShapesOfTheCommandLine() throws {
        let p = try parsed("""
        jobs:
          - name: long
            input: ../data/arrivals.csv
            id_column: origin
          - name: wide_all
            input: ../data/visnights.csv
            targets: all
          - name: wide_list
            input: ../data/visnights.csv
            targets: [nswmetro, vicmetro]
          - name: wide_commas
            input: ../data/visnights.csv
            targets: "nswmetro, vicmetro"
          - name: files
            input: [../data/a.csv, ../data/b.csv]
          - name: glob
            input: ../data/stores/*.csv
          - name: single
            input: ../data/a.csv
        """)
        let jobs = Dictionary(uniqueKeysWithValues: p.jobs.map { ($0.name, $0) })
        #expect(jobs["long"]?.portfolio == PortfolioInput(inputs: ["/tmp/data/arrivals.csv"], shape: .long(idColumn: "origin")))
        #expect(jobs["wide_all"]?.portfolio?.shape == .wide(targets: nil))
        #expect(jobs["wide_list"]?.portfolio?.shape == .wide(targets: ["nswmetro", "vicmetro"]))
        #expect(jobs["wide_commas"]?.portfolio?.shape == .wide(targets: ["nswmetro", "vicmetro"]))
        #expect(jobs["files"]?.portfolio == PortfolioInput(inputs: ["/tmp/data/a.csv", "/tmp/data/b.csv"], shape: .files))
        #expect(jobs["files"]?.input.path == "/tmp/data/a.csv")
        #expect(jobs["glob"]?.portfolio == PortfolioInput(inputs: ["/tmp/data/stores/*.csv"], shape: .files))
        #expect(jobs["single"]?.portfolio == nil, "one plain file without id_column or targets is one series")
    }

    @Test func portfolioKeysComeFromDefaultsInEitherOrder() throws {
        // `id_column` from defaults, `input` from the job: the shape survives the order keys are applied in.
        let p = try parsed("""
        defaults:
          id_column: origin
        jobs:
          - name: long
            input: ../data/arrivals.csv
        """)
        #expect(p.jobs[0].portfolio?.shape == .long(idColumn: "origin"))
    }

    @Test func portfolioKeyProblemsNameTheirLineAndColumn() {
        let both = problems("""
        jobs:
          - name: a
            input: x.csv
            id_column: state
            targets: all
        """)
        #expect(both.count == 1)
        #expect(both.first?.line == 5 && both.first?.column == 5, "at the later of the two keys")
        #expect(both.first?.message.contains("'id_column' (long format) and 'targets' (wide format) cannot be used together") == true)
        #expect(both.first?.exitCode == 40)

        let target = problems("""
        jobs:
          - name: a
            input: x.csv
            targets: [a, b]
            target: a
        """)
        #expect(target.count == 1 && target.first?.line == 5)
        #expect(target.first?.message.contains("with 'targets' each listed column is a series") == true)

        let empty = problems("""
        jobs:
          - name: a
            input: x.csv
            targets: "a,,b"
        """)
        #expect(empty.count == 1 && empty.first?.line == 4 && empty.first?.column == 14)
        #expect(empty.first?.message.contains("empty column name") == true)

        let wrong = problems("""
        jobs:
          - name: a
            input: {file: x.csv}
            id_column: [a]
        """)
        #expect(wrong.map(\.line) == [3, 4])
        #expect(wrong.first?.message.contains("'input' must be a file path, a glob such as data/*.csv, or a list of them") == true)
        #expect(wrong.last?.message.contains("'id_column' must be a text value") == true)

        let tilde = problems("""
        jobs:
          - name: a
            input: [x.csv, ~/y.csv]
        """)
        #expect(tilde.count == 1 && tilde.first?.line == 3 && tilde.first?.column == 20, "the list item with '~'")
    }

    @Test func globsExpandInByteOrderAndAnEmptyGlobFails() throws {
        let dir = try TempDir()
        try dir.write("d/b.csv", "x")
        try dir.write("d/a.csv", "x")
        try dir.write("d/c.txt", "x")
        let input = PortfolioInput(inputs: [dir.file("d/*.csv").path, dir.file("d/a.csv").path], shape: .files)
        #expect(try input.files() == [dir.file("d/a.csv").path, dir.file("d/b.csv").path], "no repeat of a.csv")
        let none = PortfolioInput(inputs: [dir.file("e/*.csv").path], shape: .files)
        #expect(throws: PortfolioError.self) { try none.files() }
    }

    // MARK: - Fingerprints of one series

    @Test func aLongSeriesFingerprintIsItsOwnRows() throws {
        let dir = try TempDir()
        let data = try dir.write("long.csv", "state,date,v\nA,2020-01-01,1\nB,2020-01-01,5\nA,2020-02-01,2\nB,2020-02-01,6\n")
        func prints() throws -> [String: JobFingerprint] {
            var job = JobConfig(name: "p", input: data, reportDir: dir.file("reports/p"))
            job.portfolio = PortfolioInput(inputs: [data.path], shape: .long(idColumn: "state"))
            let p = try Portfolio.make(name: "p", inputs: [data.path], shape: .long(idColumn: "state"), ingest: job.fit)
            let run = PortfolioRun(portfolio: p, configuration: job.fit, jobs: 1, commandLine: "", version: "t")
            return try Dictionary(uniqueKeysWithValues: p.series.map { ($0.id, try SeriesFingerprint.of($0, in: p, run: run, job: job)) })
        }
        let before = try prints()
        // The hash is of what A's fit reads: the header and A's rows, the id column cut out.
        #expect(before["A"]?.inputSHA256 == sha256Hex(of: Data("date,v\n2020-01-01,1\n2020-02-01,2\n".utf8)))
        try "state,date,v\nA,2020-01-01,1\nB,2020-01-01,5\nA,2020-02-01,2\nB,2020-02-01,7\nB,2020-03-01,8\n"
            .write(to: data, atomically: true, encoding: .utf8)
        let after = try prints()
        #expect(after["A"] == before["A"], "B's rows changed, A's did not")
        #expect(after["B"]?.inputSHA256 != before["B"]?.inputSHA256)
        #expect(after["B"]?.configurationSHA256 == before["B"]?.configurationSHA256)
    }

    @Test func aWideSeriesFingerprintIsItsOwnColumnWithTheDates() throws {
        let dir = try TempDir()
        let data = try dir.write("wide.csv", "date,x,y\n2020-01-01,1,10\n2020-02-01,2,20\n")
        func prints(_ targets: [String]? = nil) throws -> [String: JobFingerprint] {
            var job = JobConfig(name: "p", input: data, reportDir: dir.file("reports/p"))
            job.portfolio = PortfolioInput(inputs: [data.path], shape: .wide(targets: targets))
            let p = try Portfolio.make(name: "p", inputs: [data.path], shape: .wide(targets: targets), ingest: job.fit)
            let run = PortfolioRun(portfolio: p, configuration: job.fit, jobs: 1, commandLine: "", version: "t")
            return try Dictionary(uniqueKeysWithValues: p.series.map { ($0.id, try SeriesFingerprint.of($0, in: p, run: run, job: job)) })
        }
        let before = try prints()
        #expect(before["x"]?.inputSHA256 == sha256Hex(of: Data("date,x\n2020-01-01,1\n2020-02-01,2\n".utf8)))
        try "date,x,y\n2020-01-01,1,10\n2020-02-01,2,99\n".write(to: data, atomically: true, encoding: .utf8)
        let changedY = try prints()
        #expect(changedY["x"] == before["x"], "a value of y changed, x's column did not")
        #expect(changedY["y"]?.inputSHA256 != before["y"]?.inputSHA256)
        try "date,x,y\n2020-01-01,1,10\n2020-02-01,2,99\n2020-03-01,3,30\n".write(to: data, atomically: true, encoding: .utf8)
        let newRow = try prints()
        #expect(newRow["x"]?.inputSHA256 != changedY["x"]?.inputSHA256 && newRow["y"]?.inputSHA256 != changedY["y"]?.inputSHA256,
                "a new date is a new row of every series")
        // With `targets: [x]`, y is no series: it stays in x's bytes (a feature may read it).
        let onlyX = try prints(["x"])
        #expect(onlyX["x"]?.inputSHA256 == sha256Hex(of: Data("date,x,y\n2020-01-01,1,10\n2020-02-01,2,99\n2020-03-01,3,30\n".utf8)))
    }

    // MARK: - forecast run

    @Test func unchangedSeriesAreCarriedOverAndTheChangedOneRefitted() throws {
        let p = try Project(portfolioYAML)
        try p.dir.write("data/states.csv", statesData())
        let ex = FileWritingExecutor()
        let console = RecordingConsole()
        let first = try p.run(ex, jobs: ["states"], console: console)
        let folder = p.reports.appendingPathComponent("states")
        #expect(first.results.map(\.status) == [.ok])
        #expect(first.results[0].someSeriesSkipped, "TAS is constant")
        #expect(first.exitCode == 46)
        #expect(ex.calls.isEmpty, "a portfolio job does not go through the single-series executor")
        let summary1 = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("latest/summary.json"))) as! [String: Any]
        let counts1 = summary1["counts"] as! [String: Any]
        #expect(counts1["fitted"] as? Int == 2 && counts1["skipped"] as? Int == 1 && counts1["unchanged"] as? Int == 0)
        let state1 = try #require(JobState.load(from: folder))
        #expect(state1.series?.keys.sorted() == ["NSW", "VIC"], "skipped series have no report to carry")
        let nswReport = try #require(state1.series?["NSW"]?.result.report)
        let vicReport1 = try #require(state1.series?["VIC"]?.result.report)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(nswReport + "/report.md").path))
        let since = timestamp(try #require(state1.series?["NSW"]?.lastSuccess))

        // History: one line per (series, model) for the fitted series, one line for the skipped one.
        let rows1 = try RunHistory(url: folder.appendingPathComponent("history.csv")).read()
        #expect(rows1.map { $0.series ?? "-" } == ["NSW", "TAS", "VIC"])
        #expect(rows1.map(\.status) == [.ok, .skipped, .ok])
        #expect(Set(rows1[0].testMASE.keys) == ["naive", "snaive", "drift"])
        #expect(rows1[0].pick.map { rows1[0].testMASE.keys.contains($0) } == true)
        #expect(rows1[0].forecast?.date == day("2024-01-01"), "the month after the last row")
        #expect(rows1[1].message?.contains("constant") == true)

        // VIC gains a row; NSW and TAS do not change.
        try p.dir.write("data/states.csv", statesData(extraVIC: true))
        let second = try p.run(ex, jobs: ["states"], start: day("2024-05-03 06:30:00"))
        #expect(second.results.map(\.status) == [.ok])
        let state2 = try #require(JobState.load(from: folder))
        #expect(state2.series?["NSW"] == state1.series?["NSW"], "NSW carried over as it was")
        #expect(state2.series?["VIC"]?.result.report != vicReport1, "VIC refitted into a new folder")
        #expect(state2.series?["VIC"]?.result.rows == 49)
        let summary2 = try String(contentsOf: folder.appendingPathComponent("latest/summary.md"), encoding: .utf8)
        #expect(summary2.contains("(1 unchanged since their last run, not refitted"))
        #expect(summary2.contains("[report](../\(nswReport)/report.md) (unchanged since \(since))"))
        let json2 = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("latest/summary.json"))) as! [String: Any]
        #expect((json2["counts"] as! [String: Any])["unchanged"] as? Int == 1)
        let rows2 = try RunHistory(url: folder.appendingPathComponent("history.csv")).read().filter { $0.runStarted > day("2024-05-03") }
        #expect(rows2.map { "\($0.series ?? "-"):\($0.status.rawValue)" } == ["NSW:skipped", "TAS:skipped", "VIC:ok"])
        #expect(rows2[0].message == "unchanged since \(since); not refitted")
        // The carried series' old folder survives, and the portfolio's forecasts.csv still has its rows.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(nswReport).path))
        let forecasts = try String(contentsOf: folder.appendingPathComponent("latest/forecasts.csv"), encoding: .utf8)
        #expect(forecasts.contains("\nNSW,") && forecasts.contains("\nVIC,"))
        let log = try String(contentsOf: p.reports.appendingPathComponent("forecast.log"), encoding: .utf8)
        #expect(log.contains("series NSW: unchanged since \(since), not refitted"))

        // Nothing changed: the job is skipped as a whole, no new summary.
        let latest = RunFolders.latestTarget(in: folder)
        let third = try p.run(ex, jobs: ["states"], start: day("2024-05-04 06:30:00"))
        #expect(third.results.map(\.status) == [.skipped])
        #expect(third.exitCode == 0, "a skipped job reports no skipped series")
        #expect(RunFolders.latestTarget(in: folder) == latest)

        // --force refits every series.
        let forced = try p.run(ex, force: true, jobs: ["states"], start: day("2024-05-05 06:30:00"))
        #expect(forced.results.map(\.status) == [.ok])
        #expect(JobState.load(from: folder)?.series?["NSW"]?.result.report != nswReport)
    }

    @Test func aRefittedSeriesScoresItsPreviousForecastAsLiveError() throws {
        let p = try Project(portfolioYAML)
        try p.dir.write("data/states.csv", statesData())
        let ex = FileWritingExecutor()
        _ = try p.run(ex, jobs: ["states"])
        let folder = p.reports.appendingPathComponent("states")
        let rows1 = try RunHistory(url: folder.appendingPathComponent("history.csv")).read()
        let vic1 = try #require(rows1.first { $0.series == "VIC" })
        let forecast = try #require(vic1.forecast)
        #expect(forecast.date == day("2024-01-01"))
        #expect(rows1.allSatisfy { $0.liveError == nil }, "nothing to score on the first run")

        // VIC's value for 2024-01-01 arrives: the run scores the forecast made for it.
        try p.dir.write("data/states.csv", statesData(extraVIC: true))
        _ = try p.run(ex, jobs: ["states"], start: day("2024-05-03 06:30:00"))
        let rows2 = try RunHistory(url: folder.appendingPathComponent("history.csv")).read().filter { $0.runStarted > day("2024-05-03") }
        let vic2 = try #require(rows2.first { $0.series == "VIC" })
        let error = try #require(vic2.liveError)
        #expect(abs(error - (61.5 - forecast.value)) < 1e-9 * max(1, abs(error)))
        // The scale: the test MASE's own, the (seasonal) naive's in-sample MAE on VIC's training
        // part, as the summary states it (`mase_scale`); not the naive MAE over the whole series.
        let state = try #require(JobState.load(from: folder))
        let report = try #require(state.series?["VIC"]?.result.report)
        let board = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("latest/summary.json"))) as! [String: Any]
        let vicEntry = try #require((board["leaderboard"] as? [[String: Any]])?.first { $0["series"] as? String == "VIC" })
        let scale = try #require(vicEntry["mase_scale"] as? Double)
        #expect(abs((vic2.liveScaledError ?? .nan) - abs(error) / scale) < 1e-9 * abs(error) / scale)
        #expect(rows2.first { $0.series == "NSW" }?.liveError == nil, "NSW was carried over, not refitted")

        // The series' report has the live-error section; the summary names the count and the median.
        let text = try String(contentsOf: folder.appendingPathComponent(report + "/report.md"), encoding: .utf8)
        #expect(text.contains("## How the last forecast did"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(report + "/drift.svg").path))
        let summary = try String(contentsOf: folder.appendingPathComponent("latest/summary.md"), encoding: .utf8)
        let scaled = String(format: "%.3f", abs(error) / scale)
        #expect(summary.contains("checked against the value observed since for **1** series"), "\(summary)")
        #expect(summary.contains("the median error is \(scaled), \(abs(error) / scale < 1 ? 1 : 0) of 1 below 1"), "\(summary)")
        let json2 = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("latest/summary.json"))) as! [String: Any]
        let vicRow = try #require((json2["leaderboard"] as? [[String: Any]])?.first { $0["series"] as? String == "VIC" })
        #expect((vicRow["live_error"] as? Double).map { abs($0 - error) < 1e-12 } == true)
    }

    @Test func theIndexHasOneRowPerPortfolioBesideTheSingleSeriesRows() throws {
        let p = try Project(portfolioYAML)
        try p.dir.write("data/states.csv", statesData())
        let s = try p.run(FileWritingExecutor())
        #expect(s.results.map(\.status) == [.ok, .ok])
        #expect(s.exitCode == 46, "no job failed, a series was skipped")
        let index = try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(index.contains("| a | 2024-05-02T06:30:0"), "the single-series job keeps its row")
        #expect(index.split(separator: "\n").filter { $0.hasPrefix("| states |") }.count == 1, "the portfolio is not in the single-series table")
        #expect(index.contains("## Portfolios"))
        #expect(index.contains("| job | last run | status | series | fitted | unchanged | skipped | beat naive | next run | summary |"))
        let row = try #require(index.split(separator: "\n").first { $0.hasPrefix("| states |") })
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(Array(cells[2...7]) == ["ok", "3", "2", "0", "1", cells[7]])
        #expect(Int(cells[7]).map { (0...2).contains($0) } == true, "beat naive counts fitted series")
        #expect(cells.last == "[summary](states/latest/summary.md)")
        #expect(FileManager.default.fileExists(atPath: p.reports.appendingPathComponent("states/latest/summary.md").path))
    }

    @Test func aPortfolioWhoseInputIsMissingFailsAloneWithItsReason() throws {
        let p = try Project(portfolioYAML)
        let s = try p.run(FileWritingExecutor())
        #expect(s.results.map(\.status) == [.failed, .ok])
        #expect(s.exitCode == 42)
        #expect(s.results[0].message?.contains("states.csv") == true)
        let index = try String(contentsOf: p.reports.appendingPathComponent("index.md"), encoding: .utf8)
        let row = try #require(index.split(separator: "\n").first { $0.hasPrefix("| states |") })
        #expect(row.hasSuffix("| **failed** | – | – | – | – | – | by hand | – |"))
        #expect(index.contains("- **states**: "), "listed under the failures with its reason")
    }

    // MARK: - Exit codes

    @Test func skippedSeriesGive46UnlessSomethingWorseHappened() {
        func result(_ status: JobStatus, skippedSeries: Bool = false) -> JobResult {
            JobResult(job: "j", status: status, duration: 0, row: HistoryRow(runStarted: Date(), job: "j", status: status),
                      runFolder: nil, someSeriesSkipped: skippedSeries)
        }
        #expect(PipelineRunSummary(results: [result(.ok), result(.skipped)]).exitCode == 0)
        #expect(PipelineRunSummary(results: [result(.ok, skippedSeries: true), result(.ok)]).exitCode == 46)
        #expect(PipelineRunSummary(results: [result(.ok, skippedSeries: true), result(.failed)]).exitCode == 42)
        #expect(PipelineRunSummary(results: [result(.ok, skippedSeries: true)], indexFailure: "disk full").exitCode == 73)
        #expect(PipelineRunSummary(results: [result(.failed)]).exitCode == 43)
    }

    // MARK: - History

    @Test func aHistoryWithoutTheSeriesColumnStillReadsAndGainsIt() throws {
        let dir = try TempDir()
        let old = RunHistory.headerVersion2 + "\n2024-05-01,j,ok,1,,,naive,true,0.9,,,,,,,\n"
        let url = try dir.write("history.csv", old)
        let h = RunHistory(url: url)
        let rows = try h.read()
        #expect(rows.count == 1 && rows[0].pick == "naive" && rows[0].series == nil)
        var a = HistoryRow(runStarted: day("2024-05-02"), job: "j", status: .ok, pick: "ets", testMASE: ["ets": 0.8, "naive": 1])
        a.series = "NSW"
        var b = HistoryRow(runStarted: day("2024-05-02"), job: "j", status: .ok, pick: "theta", testMASE: ["theta": 0.7])
        b.series = "VIC"
        try h.append(contentsOf: [a, b])
        let text = try dir.read("history.csv")
        #expect(text.hasPrefix(RunHistory.header + "\n2024-05-01,j,ok,1,,,naive,true,0.9,,,,,,,\n"))
        #expect(text.contains("\n2024-05-02,j,ok,0.0,,,ets,true,0.8,,,,,,,,NSW\n"))
        // VIC's one model ("theta") sorts after NSW's last ("naive"): the series column keeps the runs apart.
        #expect(try h.read() == [rows[0], a, b])
    }
}

@Suite struct ShippedPortfolioPipelineTests {
    @Test func theShippedPortfolioExampleParsesIntoTwoPortfolioJobs() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("pipelines/portfolio.yaml")
        let p = try PipelineFile.load(url)
        #expect(p.jobs.map(\.name) == ["arrivals", "visnights"])
        #expect(p.jobs[0].portfolio?.shape == .long(idColumn: "origin"))
        #expect(p.jobs[1].portfolio?.shape == .wide(targets: ["nswmetro", "vicmetro", "qldmetro"]))
        let check = RunCommand.checkSummary(p)
        #expect(check.contains("  arrivals: portfolio of \(p.jobs[0].input.path) (id_column origin), refit full, keep 14"))
        #expect(check.contains("(targets nswmetro, vicmetro, qldmetro)"))
        // Every series of both files is found (4 origins; the 3 listed columns).
        for (job, count) in zip(p.jobs, [4, 3]) {
            let input = try #require(job.portfolio)
            let portfolio = try Portfolio.make(name: job.name, inputs: try input.files(), shape: input.shape, ingest: job.fit)
            #expect(portfolio.series.count == count, "\(job.name)")
        }
    }
}
