import ForecastReport
import Foundation
import Synchronization
import Testing
@testable import ForecastPipeline

/// What `forecast run` writes is true of the run's numbers: a single-series job run twice
/// (a new row between the runs) through the real executor, its history, report and log
/// checked against values recomputed from the files it wrote.
@Suite struct RunAuditTests {
    /// airpassengers without its last `drop` rows, in a pipeline with one quick job.
    struct AirJob {
        let dir: TempDir
        let pipeline: URL
        let rows: [Substring]

        init(models: String = "[naive, snaive, theta]", extra: String = "", drop: Int = 1) throws {
            dir = try TempDir()
            let text = try String(contentsOf: TinyProject.repositoryRoot.appendingPathComponent("data/airpassengers.csv"), encoding: .utf8)
            rows = text.split(separator: "\n")
            try dir.write("data/air.csv", rows.dropLast(drop).joined(separator: "\n") + "\n")
            pipeline = try dir.write("pipelines/p.yaml", """
            report_root: ../reports
            jobs:
              - name: air
                input: ../data/air.csv
                target: passengers
                date_column: date
                window: 12
                season: 12
                epochs: 2
                ensemble: 1
                models: \(models)
            \(extra)
            """)
        }

        /// The rows dropped at first, appended one by one.
        func append(_ k: Int) throws {
            let h = try FileHandle(forWritingTo: dir.file("data/air.csv"))
            h.seekToEndOfFile()
            h.write(Data((rows[rows.count - k] + "\n").utf8))
            try h.close()
        }

        func run(at start: Date, force: Bool = false) throws -> PipelineRunSummary {
            var options = PipelineRunOptions()
            options.force = force
            let t = Mutex(start)
            options.now = { t.withLock { $0 = $0.addingTimeInterval(1); return $0 } }
            options.timeZone = TimeZone(identifier: "UTC")!
            return try PipelineRunner(pipeline: try PipelineFile.load(pipeline), executor: FitJobExecutor(version: "test"),
                                      options: options, console: RecordingConsole()).run()
        }

        func history() throws -> [HistoryRow] { try RunHistory(url: dir.file("reports/air/history.csv")).read() }

        func latestMetrics() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.file("reports/air/latest/metrics.json"))) as? [String: Any])
        }
    }

    /// The live scaled error is on the test MASE's scale, as history.csv's README and the report
    /// say: |error| over the seasonal naive's in-sample MAE on the run's *training part*, the
    /// denominator of every MASE in metrics.json (MAE / MASE). It was divided by that MAE over
    /// the whole series (airpassengers to 1960-12: 1.042 instead of 1.156 for theta).
    @Test func liveScaledErrorIsOnTheTestMASEScale() throws {
        let job = try AirJob()
        #expect(try job.run(at: day("2024-05-01 06:30:00")).exitCode == 0)
        let first = try #require(try job.history().first { $0.pick != nil && $0.forecast != nil })
        try job.append(1)
        #expect(try job.run(at: day("2024-05-02 06:30:00")).exitCode == 0)
        let second = try #require(try job.history().last { $0.pick != nil && $0.forecast != nil })
        let error = try #require(second.liveError)
        #expect(abs(error - (432 - first.forecast!.value)) < 1e-9, "1960-12-01 is 432")

        let metrics = try job.latestMetrics()
        let pick = try #require((metrics["models"] as? [[String: Any]])?.first { $0["id"] as? String == second.pick })
        let scale = try #require(pick["mae"] as? Double) / (try #require(pick["mase"] as? Double))
        let scaled = try #require(second.liveScaledError)
        #expect(abs(scaled - abs(error) / scale) < 1e-9 * scaled, "live \(scaled), |error| / MASE scale \(abs(error) / scale)")

        let report = try job.dir.read("reports/air/latest/report.md")
        #expect(report.contains("| \(tableNumber(error)) | \(tableNumber(abs(error) / scale)) |"), "\(report)")
    }
}

extension RunAuditTests {
    /// `refit: warm` after a run whose pick was a baseline: the log said "warm start from
    /// <stamp>/model-naive.json", but the networks start from their own `model-ff.ckpt` in that
    /// folder (a baseline has no weights). The log names the folder, and the networks.
    @Test func warmStartLogNamesTheCheckpointFolderNotThePickFile() throws {
        let job = try AirJob(models: "[naive, ff]", extra: "    refit: warm\n    hidden: 4\n")
        #expect(try job.run(at: day("2024-05-01 06:30:00")).exitCode == 0)
        let state = try #require(JobState.load(from: job.dir.file("reports/air")))
        let first = state.runFolder
        let pickFile = try #require(state.checkpoint)
        try job.append(1)
        #expect(try job.run(at: day("2024-05-02 06:30:00")).exitCode == 0)
        let log = try job.dir.read("reports/forecast.log")
        #expect(log.contains("warm start from the networks' checkpoints in \(first)/"), "\(log)")
        #expect(log.contains("warm start for ff"), "\(log)")
        if !pickFile.hasSuffix(".ckpt") {
            #expect(!log.contains(pickFile), "the pick's \(pickFile) holds no weights: \(log)")
        }
    }
}

extension RunAuditTests {
    /// The report's reproducibility block gave `forecast run (job air)` as the command to paste
    /// (not a command), and under `refit: warm` promised that the same seed and input give
    /// bit-identical numbers, false for networks trained on from an earlier run's weights. The
    /// command is now `forecast run '<pipeline>' --job air --force`, and a warm run names the
    /// weights it started from and says only those reproduce it.
    @Test func reportReRunCommandRunsTheJobAndAWarmRunSaysItIsNotFromTheSeedAlone() throws {
        let job = try AirJob(models: "[naive, ff]", extra: "    refit: warm\n    hidden: 4\n")
        #expect(try job.run(at: day("2024-05-01 06:30:00")).exitCode == 0)
        let first = try #require(JobState.load(from: job.dir.file("reports/air"))).runFolder
        let command = "forecast run '\(job.pipeline.path)' --job air --force"
        let cold = try job.dir.read("reports/air/latest/report.md")
        #expect(cold.contains("```sh\n\(command)\n```"), "\(cold)")
        #expect(cold.contains("Re-run exactly this (same seed and input give bit-identical numbers"))
        #expect(!cold.contains("warm start:"))

        try job.append(1)
        #expect(try job.run(at: day("2024-05-02 06:30:00")).exitCode == 0)
        let warm = try job.dir.read("reports/air/latest/report.md")
        #expect(warm.contains("warm start:       ff from \(first)/model-ff.ckpt"), "\(warm)")
        #expect(!warm.contains("Re-run exactly this (same seed and input give bit-identical numbers"), "\(warm)")
        #expect(warm.contains("only a run from those same weights, seed and input gives them bit for bit"))
    }
}

extension RunAuditTests {
    /// A portfolio of quarterly series (season 4) run twice with a new row: summary.md said the
    /// live errors were "scaled by each series' in-sample naive MAE … below 1 (closer than the
    /// naive forecast's typical in-sample step)", but each series' scale is its MASE's, the
    /// seasonal naive (m = 4) on the training part (the leaderboard's `scale` column).
    @Test func portfolioLiveErrorLineNamesTheSeasonalNaiveScale() throws {
        let dir = try TempDir()
        let text = try String(contentsOf: TinyProject.repositoryRoot.appendingPathComponent("data/visnights.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        try dir.write("data/vn.csv", lines.prefix(60).joined(separator: "\n") + "\n")
        let url = try dir.write("pipelines/p.yaml", """
        report_root: ../reports
        jobs:
          - name: vn
            input: ../data/vn.csv
            date_column: date
            targets: [nswmetro, vicmetro]
            season: 4
            window: 8
            models: [naive, snaive]

        """)
        func run(_ start: String) throws -> PipelineRunSummary { try runPipeline(url, startingAt: start) }
        #expect(try run("2024-05-01 06:30:00").exitCode == 0)
        try dir.write("data/vn.csv", lines.prefix(61).joined(separator: "\n") + "\n")
        #expect(try run("2024-05-02 06:30:00").exitCode == 0)
        let summary = try dir.read("reports/vn/latest/summary.md")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.file("reports/vn/latest/summary.json"))) as? [String: Any])
        let board = try #require(json["leaderboard"] as? [[String: Any]])
        #expect(board.count == 2 && board.allSatisfy { $0["mase_season"] as? Int == 4 && $0["live_scaled_error"] is Double })
        #expect(summary.contains("scaled by each series' in-sample seasonal naive MAE on its training part (its MASE scale)"), "\(summary)")
        #expect(summary.contains("below 1 (closer than the seasonal naive forecast's typical in-sample error)"))
        #expect(!summary.contains("naive forecast's typical in-sample step"))
    }
}

extension RunAuditTests {
    /// The drift chart's note for a pick that is the scale's own forecast checked the display
    /// name ("seasonal naive (m=4)"), but the report and history.csv pass the stable id
    /// (`snaive`): visnights' vicmetro, picked snaive at m = 4 in every run, had no note.
    @Test func driftChartNotesASeasonalNaivePickByItsID() {
        let points = [DriftPoint(runStarted: day("2024-05-01 06:30:00"), liveScaledError: nil, pickTestMASE: 0.71, pick: "snaive"),
                      DriftPoint(runStarted: day("2024-05-02 06:30:00"), liveScaledError: 0.44, pickTestMASE: 0.74, pick: "snaive")]
        let chart = DriftChart.chart(points, season: 4)
        #expect(chart.subtitle == "1 = mean in-sample error of the seasonal naive forecast (m = 4), the MASE scale. "
                + "Where the pick is seasonal naive itself, its scaled error is its own error over its own typical error: 1 is not a bar it can beat")
        // Without a season the scale is naive: a snaive pick is then a real comparison.
        #expect(!(DriftChart.chart(points, season: nil).subtitle ?? "").contains("itself"))
    }
}

extension RunAuditTests {
    /// summary.md's "Slowest series" (and summary.json's `run.slowest`) listed the series carried
    /// over unchanged with the seconds of their earlier fit, in a run that did not fit them
    /// (visnights, one of three series changed: all three listed at 0.01 s).
    @Test func slowestSeriesListsOnlyTheSeriesFittedInThisRun() throws {
        let dir = try TempDir()
        let text = try String(contentsOf: TinyProject.repositoryRoot.appendingPathComponent("data/visnights.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n").prefix(60).map(String.init)
        try dir.write("data/vn.csv", lines.joined(separator: "\n") + "\n")
        let url = try dir.write("pipelines/p.yaml", """
        report_root: ../reports
        jobs:
          - name: vn
            input: ../data/vn.csv
            date_column: date
            targets: [nswmetro, qldcntrl, vicmetro]
            season: 4
            window: 8
            models: [naive, snaive]

        """)
        func run(_ start: String) throws -> PipelineRunSummary { try runPipeline(url, startingAt: start) }
        #expect(try run("2024-05-01 06:30:00").exitCode == 0)
        // Change one qldcntrl value (column 7): only that series is refitted.
        var fields = lines[30].split(separator: ",").map(String.init)
        fields[7] = String(Double(fields[7])! + 1)
        lines[30] = fields.joined(separator: ",")
        try dir.write("data/vn.csv", lines.joined(separator: "\n") + "\n")
        #expect(try run("2024-05-02 06:30:00").exitCode == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.file("reports/vn/latest/summary.json"))) as? [String: Any])
        #expect((json["counts"] as? [String: Any])?["unchanged"] as? Int == 2)
        let slowest = try #require((json["run"] as? [String: Any])?["slowest"] as? [[String: Any]])
        #expect(slowest.map { $0["series"] as? String } == ["qldcntrl"])
        let md = try dir.read("reports/vn/latest/summary.md")
        let section = try #require(md.components(separatedBy: "## Slowest series").last?.components(separatedBy: "## Skipped").first)
        #expect(section.contains("| qldcntrl |") && !section.contains("| nswmetro |") && !section.contains("| vicmetro |"), "\(section)")
    }
}

extension RunAuditTests {
    /// index.md put a failed job's row beside the last success's pick and "next forecast … for
    /// 1960-07-01" (a date the broken input already held) without saying they were not this
    /// run's; its Failures line now names the run they come from.
    @Test func indexSaysAFailedJobsPickAndForecastAreFromItsLastSuccess() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        #expect(try p.run(ex, start: day("2024-05-02 06:30:00")).exitCode == 0)
        let lastOK = try #require(try RunHistory(url: p.reports.appendingPathComponent("b/history.csv")).read().last).runStarted
        ex.failing = ["b"]
        #expect(try p.run(ex, force: true, start: day("2024-05-03 06:30:00")).exitCode == 42)
        let index = try p.dir.read("reports/index.md")
        #expect(index.contains("- **b**: ") && index.contains("; the pick, next forecast and report are those of the last successful run, \(timestamp(lastOK))\n"), "\(index)")
        #expect(!index.contains("- **a**"))
    }
}

extension RunAuditTests {
    /// `--force` on unchanged input re-scored the forecast the previous run had already scored
    /// (good2: 17:23:44's forecast for 1960-07-01 recorded as the live error of two runs, 1.068
    /// and 1.184), under "How the last forecast did" while the last forecast (for 1960-08-01) was
    /// not observed yet. Now such a run records no live error and says why; the next run with
    /// the new row scores the most recent forecast for that date.
    @Test func aForcedRunOnUnchangedInputDoesNotRescoreAnOlderForecast() throws {
        let job = try AirJob(drop: 2)
        #expect(try job.run(at: day("2024-05-01 06:30:00")).exitCode == 0)
        try job.append(2)   // 1960-11-01
        #expect(try job.run(at: day("2024-05-02 06:30:00")).exitCode == 0)
        let picks = { try job.history().filter { $0.pick != nil && $0.forecast != nil } }
        #expect(try picks()[1].liveError != nil, "the 1960-11 forecast is scored by the run that sees 1960-11")
        #expect(try job.run(at: day("2024-05-03 06:30:00"), force: true).exitCode == 0)
        let forced = try #require(try picks().last)
        let second = try picks()[1]
        #expect(forced.liveError == nil && forced.liveScaledError == nil, "nothing new was observed")
        let report = try job.dir.read("reports/air/latest/report.md")
        #expect(report.contains("The last forecast, made \(timestamp(second.runStarted)) for 1960-12-01, cannot be checked yet"), "\(report)")
        #expect(!report.contains("| 1960-11-01 |"), "the 1960-11 forecast was scored by the run before")

        try job.append(1)   // 1960-12-01: 432
        #expect(try job.run(at: day("2024-05-04 06:30:00")).exitCode == 0)
        let fourth = try #require(try picks().last)
        #expect(abs(try #require(fourth.liveError) - (432 - forced.forecast!.value)) < 1e-9, "the forced run's forecast, the most recent for 1960-12")
    }
}

extension RunAuditTests {
    /// The rule by hand: a forecast scored by a later run is not scored again; one passed over
    /// (its value was missing then) still is.
    @Test func latestSkipsForecastsAnEarlierScoreSuperseded() throws {
        func ok(_ run: String, for date: String, _ value: Double, live: Double? = nil) -> HistoryRow {
            HistoryRow(runStarted: day(run), job: "j", status: .ok, pick: "ets",
                       forecast: ForecastPoint(date: day(date), value: value), liveError: live)
        }
        let actuals: [(date: Date, value: Double)] = [(day("2024-05-01"), 100), (day("2024-05-02"), 104), (day("2024-05-03"), 103)]
        // r1 forecast 05-02; r2 (data to 05-02) scored it and forecast 05-03; r3 (forced, data to 05-02).
        let forced = [ok("2024-05-01 07:00:00", for: "2024-05-02", 101),
                      ok("2024-05-02 07:00:00", for: "2024-05-03", 105, live: 3),
                      ok("2024-05-02 08:00:00", for: "2024-05-03", 106)]
        #expect(LiveScoring.latest(history: forced, actuals: Array(actuals.prefix(2)), scale: 2) == nil)
        // 05-03 arrives: the most recent forecast for it (r3's), error 103 − 106.
        #expect(LiveScoring.latest(history: forced, actuals: actuals, scale: 2)?.error == -3)
        // r2 could not score 05-02 (missing then): r1's forecast is still open.
        var passed = forced
        passed[1].liveError = nil
        #expect(LiveScoring.latest(history: Array(passed.prefix(2)), actuals: Array(actuals.prefix(2)), scale: 2)?.error == 3)
    }
}

extension RunAuditTests {
    /// `refit: warm` after `hidden` changed: the log said "warm start for ff", but ff's stored
    /// weights no longer fit its shape and the workflow trained it from the seed. The log and
    /// the report's Warm start section now say so, and the report claims no warm start.
    @Test func aWarmStartWhoseWeightsNoLongerFitSaysItTrainedFromScratch() throws {
        let job = try AirJob(models: "[naive, ff]", extra: "    refit: warm\n    hidden: 4\n")
        #expect(try job.run(at: day("2024-05-01 06:30:00")).exitCode == 0)
        let yaml = try String(contentsOf: job.pipeline, encoding: .utf8).replacingOccurrences(of: "hidden: 4", with: "hidden: 6")
        try yaml.write(to: job.pipeline, atomically: true, encoding: .utf8)
        #expect(try job.run(at: day("2024-05-02 06:30:00")).exitCode == 0)
        let log = try job.dir.read("reports/forecast.log")
        #expect(!log.contains("warm start for ff"), "\(log)")
        #expect(log.contains("warm start: model-ff.ckpt: its "), "\(log)")
        #expect(log.contains("weights do not fit ff as now configured"))
        let report = try job.dir.read("reports/air/latest/report.md")
        #expect(report.contains("## Warm start") && report.contains("weights do not fit ff as now configured"), "\(report)")
        #expect(!report.contains("warm start:       "))
        #expect(report.contains("Re-run exactly this (same seed and input give bit-identical numbers"))
    }
}

/// Runs the pipeline file at `url` with a clock that starts at `start` (UTC) and ticks a second
/// per reading.
private func runPipeline(_ url: URL, startingAt start: String) throws -> PipelineRunSummary {
    var options = PipelineRunOptions()
    let t = Mutex(day(start))
    options.now = { t.withLock { $0 = $0.addingTimeInterval(1); return $0 } }
    options.timeZone = TimeZone(identifier: "UTC")!
    return try PipelineRunner(pipeline: try PipelineFile.load(url), executor: FitJobExecutor(version: "test"),
                              options: options, console: RecordingConsole()).run()
}
