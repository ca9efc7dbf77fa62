import ForecastCore
import Foundation
import ForecastReport
import Logging

/// Runs one job, as `forecast fit` does. The CLI provides the real implementation; tests use
/// executors that write files.
///
/// Contract: write every output of the run (the report as `report.md`, `metrics.json`,
/// checkpoints, charts) inside `context.runFolder`, and nowhere else. Do not touch `latest`,
/// `history.csv` or `state.json`: the runner publishes the folder (one atomic rename), points
/// `latest` at it and records the run only after `run` returns, so a run that throws or is
/// killed leaves the previous results as they were.
public protocol JobExecutor {
    func run(_ job: JobConfig, context: JobContext) throws -> JobOutcome
    /// The tool version written into reports (a portfolio job's summary and series reports).
    var version: String { get }
}

extension JobExecutor {
    public var version: String { "unknown" }
}

/// What the runner hands an executor for one job.
public struct JobContext {
    /// When the run started (whole seconds).
    public let runStarted: Date
    /// Name the run folder will be published under, e.g. `2024-05-01T063000Z`.
    public let stamp: String
    /// Existing, empty staging folder to write into (`<report_dir>/.incomplete-<stamp>`).
    public let runFolder: URL
    /// The job's report folder.
    public let reportDir: URL
    /// With `refit: warm`, the last successful run's checkpoint to fine-tune from; nil means
    /// train from scratch (policy `full`, or no usable checkpoint yet).
    public let warmStartCheckpoint: URL?
    /// This job's earlier runs, oldest first (for the report's live-error section).
    public let history: [HistoryRow]
    /// Logger writing to the pipeline's log file, with `job` metadata.
    public let logger: Logger
    /// Absolute path of the pipeline file, for the report's re-run command; nil when unknown.
    public var pipelinePath: String? = nil

    /// The shell command that runs this job again, as the report's reproducibility block shows
    /// it: `forecast run '/srv/p.yaml' --job prices --force` (`--force`: an unchanged input is
    /// otherwise skipped).
    public static func rerunCommand(pipelinePath: String?, job: String) -> String {
        guard let pipelinePath else { return "forecast run PIPELINE.yaml --job \(CrontabLines.shellWordIfNeeded(job)) --force" }
        return "forecast run \(CrontabLines.shellQuote(pipelinePath)) --job \(CrontabLines.shellWordIfNeeded(job)) --force"
    }

    /// The report section scoring yesterday's forecast against today's actual, with its chart
    /// (`drift.svg`) of live error and MASE over recent runs, this run as the last point.
    /// The error is scaled by `maseScale` (the run's MASE scale) when given, else by the naive
    /// in-sample MAE of `actuals` (see ``JobOutcome/maseScale``).
    public func liveErrorSection(actuals: [(date: Date, value: Double)], season: Int = 1,
                                 pick: String?, testMASE: [String: Double], unobserved: Set<Date> = [],
                                 maseScale: Double?? = nil) -> ReportSection {
        LiveScoring.section(history: history, runStarted: runStarted, actuals: actuals, season: season, pick: pick,
                            testMASE: testMASE, unobserved: unobserved, maseScale: maseScale).section
    }
}

/// What a successful job produced.
public struct JobOutcome {
    /// Timestamp of the last observation used.
    public var dataEnd: Date?
    public var rows: Int?
    /// The model the report recommends.
    public var pick: String
    /// The pick's next (first-step) forecast with its interval.
    public var forecast: ForecastPoint?
    /// Test-set MASE per model name.
    public var testMASE: [String: Double]
    /// The pick's checkpoint, relative to `runFolder` (e.g. `checkpoints/lstm.ckpt`); the
    /// next warm start resumes from it.
    public var checkpoint: String?
    /// Observed target values with their timestamps, original units, at least the recent part
    /// of the series: used to score earlier forecasts (live error).
    public var actuals: [(date: Date, value: Double)]
    /// Season length used for the MASE scale of live errors.
    public var season: Int
    /// Dates whose value is missing in the input (filled for training): never scored.
    public var unobserved: Set<Date>
    /// What live errors are divided by: the run's MASE scale (the seasonal naive's in-sample
    /// MAE on the training part, ``LiveScoring/maseScale(of:target:season:)``), so that the live
    /// scaled error is on the scale of the test MASE beside it; `.some(nil)` when the run has
    /// none (no scaled error). Not given (nil): the naive in-sample MAE of `actuals` with
    /// `season`, for an executor that has no run to take it from.
    public var maseScale: Double??

    public init(dataEnd: Date? = nil, rows: Int? = nil, pick: String, forecast: ForecastPoint? = nil,
                testMASE: [String: Double] = [:], checkpoint: String? = nil,
                actuals: [(date: Date, value: Double)] = [], season: Int = 1, unobserved: Set<Date> = [],
                maseScale: Double?? = nil) {
        self.unobserved = unobserved
        self.maseScale = maseScale
        self.dataEnd = dataEnd
        self.rows = rows
        self.pick = pick
        self.forecast = forecast
        self.testMASE = testMASE
        self.checkpoint = checkpoint
        self.actuals = actuals
        self.season = season
    }
}

/// How one job of a run ended.
public struct JobResult {
    public var job: String
    public var status: JobStatus
    /// Seconds.
    public var duration: Double
    /// The history row recorded for it.
    public var row: HistoryRow
    /// Published run folder (status ok); a portfolio job's summary folder.
    public var runFolder: URL?
    /// A portfolio job that succeeded but skipped a series (a data problem) or got no forecast
    /// for one (its ``PortfolioOutcome/exitStatus`` was 46).
    public var someSeriesSkipped = false
    public var message: String? { row.message }
}

/// All jobs of one run and the process exit code they add up to.
public struct PipelineRunSummary {
    public var results: [JobResult]
    /// Why `index.md` could not be written, if it could not.
    public var indexFailure: String? = nil

    /// 43 when every job failed, 42 when some did; otherwise 73 when `index.md` could not be
    /// written; otherwise 46 when a portfolio job skipped a series or got no forecast for one
    /// (series carried over unchanged do not count); else 0 (every job succeeded or was
    /// skipped and everything was written). A failed job outranks a skipped series: 42/43 say
    /// more is wrong.
    public var exitCode: Int32 {
        let failed = results.filter { $0.status == .failed }.count
        if failed > 0 { return failed == results.count ? 43 : 42 }
        if indexFailure != nil { return ExitStatus.cannotWrite.rawValue }
        return results.contains(where: \.someSeriesSkipped) ? ExitStatus.someSeriesSkipped.rawValue : 0
    }
}

/// Options of `forecast run`.
public struct PipelineRunOptions {
    /// Jobs to run (`--job`, repeatable); empty runs all.
    public var jobs: [String] = []
    /// Run even when input and configuration are unchanged (`--force`).
    public var force = false
    /// Seconds to wait for another run's lock (`--wait`); 0 fails at once with exit 41.
    public var wait: Double = 0
    /// Largest log file before it is rotated to `<log>.1`.
    public var maxLogBytes = 5 * 1024 * 1024
    /// Time zone for the index's "next run" (cron uses the system's).
    public var timeZone: TimeZone = .current
    /// Clock (tests pin it).
    public var now: () -> Date = Date.init

    public init() {}
}

/// `forecast run`: lock → per job (skip check → execute → publish → history → state →
/// retention) → index → exit code. One job's failure never stops the others.
public final class PipelineRunner {
    public let pipeline: PipelineFile
    public let executor: any JobExecutor
    public let options: PipelineRunOptions
    public let console: any PipelineConsole

    public init(pipeline: PipelineFile, executor: any JobExecutor, options: PipelineRunOptions = .init(),
                console: any PipelineConsole) {
        self.pipeline = pipeline
        self.executor = executor
        self.options = options
        self.console = console
    }

    /// Runs the selected jobs. Throws `UnknownJobError` (64) before doing anything,
    /// `LogFileError`/`LockFileError` (73) and `LockHeldError` (41); every per-job problem is
    /// a `.failed` result instead.
    public func run() throws -> PipelineRunSummary {
        let jobs = try pipeline.jobs(named: options.jobs)
        let sink = try LogFileSink(url: pipeline.logFile, maxBytes: options.maxLogBytes)
        var logger = Logger(label: "forecast.pipeline") { _ in FileLogHandler(sink: sink, level: .info) }
        logger[metadataKey: "pid"] = "\(getpid())"

        let lock: RunLock
        do {
            lock = try RunLock.acquire(at: pipeline.lockFile, wait: options.wait)
        } catch let e as LockHeldError {
            logger.error("run refused: \(e.message)")
            throw e
        }
        defer { lock.release() }
        logger.info("run started: pipeline \(pipeline.url.path), jobs \(jobs.map(\.name).joined(separator: ","))\(options.force ? ", forced" : "")")

        var results: [JobResult] = []
        for job in jobs {
            var jobLogger = logger
            jobLogger[metadataKey: "job"] = "\(job.name)"
            let result = runJob(job, logger: jobLogger)
            results.append(result)
            report(result)
        }

        var indexFailure: String?
        do {
            // Every pipeline writing into this root gets its table, this one first.
            let others = try ReportIndex.registerAndLoadOthers(pipeline)
            let now = options.now()
            let sections = ([pipeline] + others).map { p in
                (pipeline: p.url.path, entries: ReportIndex.entries(for: p.jobs, indexFolder: p.reportRoot,
                                                                   now: now, timeZone: options.timeZone))
            }
            try ReportIndex.write(sections, to: pipeline.indexFile, generated: wholeSeconds(options.now()))
            indexFailure = nil
        } catch {
            indexFailure = Self.historyMessage(error)
            logger.error("cannot write \(pipeline.indexFile.path): \(Self.historyMessage(error))")
            console.error("error: cannot write \(pipeline.indexFile.path): \(Self.historyMessage(error))")
        }
        let summary = PipelineRunSummary(results: results, indexFailure: indexFailure)
        logger.info("run finished: \(results.filter { $0.status == .ok }.count) ok, \(results.filter { $0.status == .skipped }.count) skipped, \(results.filter { $0.status == .failed }.count) failed; exit \(summary.exitCode)")
        return summary
    }

    /// The one line per job: `prices ok pick=lstm next=412.3 interval=[405.1,419.6] for=2024-05-02 duration=2.31s`.
    func report(_ r: JobResult) {
        var parts = [r.job, r.status.rawValue]
        if r.status == .ok {
            if let p = r.row.pick { parts.append("pick=\(p)") }
            if let f = r.row.forecast {
                // Six significant digits for people; history.csv keeps every digit.
                func short(_ x: Double) -> String { String(format: "%.6g", x) }
                parts.append("next=\(short(f.value))")
                if let lo = f.lower, let hi = f.upper { parts.append("interval=[\(short(lo)),\(short(hi))]") }
                parts.append("for=\(timestamp(f.date))")
            }
        }
        parts.append(String(format: "duration=%.2fs", r.duration))
        if let m = r.message { parts.append(r.status == .failed ? "error: \(m)" : "(\(m))") }
        let text = parts.joined(separator: " ")
        if r.status == .failed { console.error(text) } else { console.line(text) }
    }

    func runJob(_ job: JobConfig, logger: Logger) -> JobResult {
        let started = wholeSeconds(options.now())
        let clock = Date()
        let fm = FileManager.default
        let history = RunHistory(url: job.reportDir.appendingPathComponent("history.csv"))
        var row = HistoryRow(runStarted: started, job: job.name, status: .failed)

        func finish(_ status: JobStatus, message: String?, runFolder: URL? = nil) -> JobResult {
            row.status = status
            row.message = message
            row.duration = Date().timeIntervalSince(clock)
            do {
                try history.append(row)
            } catch {
                logger.error("cannot append to \(history.url.path): \(error)")
                if status != .failed {
                    row.status = .failed
                    row.message = "cannot record the run in \(history.url.path): \(error)"
                }
            }
            switch row.status {
            case .failed: logger.error("job failed after \(String(format: "%.2f", row.duration)) s: \(row.message ?? "")")
            case .skipped: logger.info("job skipped: \(row.message ?? "")")
            case .ok: logger.info("job finished in \(String(format: "%.2f", row.duration)) s: pick \(row.pick ?? "-")")
            }
            return JobResult(job: job.name, status: row.status, duration: row.duration, row: row,
                             runFolder: row.status == .ok ? runFolder : nil)
        }

        do {
            // A link in place of the job's folder would send its reports, history and retention elsewhere.
            try OwnedFiles.refuseSymlink(job.reportDir, role: "the job's report folder")
            try fm.createDirectory(at: job.reportDir, withIntermediateDirectories: true)
        } catch let e as SymlinkRefusedError {
            logger.error("\(Self.historyMessage(e))")
            return JobResult(job: job.name, status: .failed, duration: 0, row: HistoryRow(runStarted: started, job: job.name,
                             status: .failed, message: Self.historyMessage(e)))
        } catch {
            logger.error("cannot create \(job.reportDir.path): \(error)")
            return JobResult(job: job.name, status: .failed, duration: 0, row: HistoryRow(runStarted: started, job: job.name,
                             status: .failed, message: "cannot create the report folder \(job.reportDir.path): \(error.localizedDescription)"))
        }
        let leftovers = RunFolders.removeLeftovers(in: job.reportDir)
        if !leftovers.isEmpty { logger.warning("removed leftovers of an interrupted run: \(leftovers.joined(separator: ", "))") }

        let previous: [HistoryRow]
        do { previous = try history.read() } catch {
            logger.warning("cannot read \(history.url.path) (\(error)); continuing without history")
            previous = []
        }

        if let portfolio = job.portfolio {
            return runPortfolioJob(job, input: portfolio, started: started, clock: clock, history: history, logger: logger)
        }

        let fingerprint: JobFingerprint
        do {
            fingerprint = try JobFingerprint.of(job)
        } catch {
            return finish(.failed, message: "cannot read input \(job.input.path): \(error.localizedDescription)")
        }
        let state = JobState.load(from: job.reportDir)
        switch SkipDecision.decide(fingerprint: fingerprint, state: state, reportDir: job.reportDir, force: options.force) {
        case .skip(let last):
            return finish(.skipped, message: "input and configuration unchanged since \(timestamp(last)); --force reruns")
        case .run(let reason):
            logger.info("job started: \(reason)")
        }

        let publisher = ReportPublisher(folder: job.reportDir)
        var warm: URL?
        if job.refit == .warm {
            if let ckpt = state?.checkpoint, fm.fileExists(atPath: job.reportDir.appendingPathComponent(ckpt).path) {
                warm = job.reportDir.appendingPathComponent(ckpt)
                // The networks start from their own files in that folder (the executor names
                // them), not from the pick's file: a statistical or baseline pick has no weights.
                logger.info("warm start from the networks' checkpoints in \((ckpt as NSString).deletingLastPathComponent)/")
            } else {
                logger.info("refit warm: no earlier checkpoint, training from scratch")
            }
        }
        let outcome: JobOutcome
        let staging: ReportPublisher.Staging
        do {
            staging = try publisher.stage(startedAt: started)
        } catch {
            return finish(.failed, message: Self.historyMessage(error))
        }
        let stamp = staging.stamp
        do {
            var jobLogger = logger
            jobLogger[metadataKey: "run"] = "\(stamp)"
            let context = JobContext(runStarted: started, stamp: stamp, runFolder: staging.url, reportDir: job.reportDir,
                                     warmStartCheckpoint: warm, history: previous, logger: jobLogger,
                                     pipelinePath: pipeline.url.path)
            outcome = try executor.run(job, context: context)
        } catch {
            publisher.discard(staging)
            return finish(.failed, message: Self.historyMessage(error))
        }

        row.dataEnd = outcome.dataEnd
        row.rows = outcome.rows
        row.pick = outcome.pick
        row.forecast = outcome.forecast
        row.testMASE = outcome.testMASE
        let liveScale = outcome.maseScale ?? LiveScoring.naiveScale(outcome.actuals.map(\.value), season: outcome.season)
        if let live = LiveScoring.latest(history: previous, actuals: outcome.actuals, scale: liveScale,
                                         unobserved: outcome.unobserved) {
            row.liveError = live.error
            row.liveScaledError = live.scaledError
        }
        if let ckpt = outcome.checkpoint, !fm.fileExists(atPath: staging.url.appendingPathComponent(ckpt).path) {
            publisher.discard(staging)
            return finish(.failed, message: "the executor reported checkpoint \(ckpt) but did not write it")
        }

        // Publish: one rename makes the whole folder appear; then `latest` moves atomically.
        let published: URL
        do {
            published = try publisher.publish(staging)
        } catch {
            publisher.discard(staging)
            return finish(.failed, message: "cannot publish the run folder \(stamp): \(Self.historyMessage(error))")
        }
        let result = finish(.ok, message: nil, runFolder: published)
        guard result.status == .ok else { return result }

        // State last: if the process dies before this, the next run recomputes rather than
        // skipping over a run that history does not show.
        let newState = JobState(fingerprint: fingerprint, lastSuccess: started, runFolder: stamp,
                                checkpoint: outcome.checkpoint.map { "\(stamp)/\($0)" })
        do { try newState.save(in: job.reportDir) } catch {
            logger.error("cannot write state.json (\(error)); the next run will not skip or warm-start")
        }
        do {
            let removed = try Retention.prune(reportDir: job.reportDir, keep: job.retention, protecting: [stamp])
            if !removed.isEmpty { logger.info("retention \(job.retention): removed \(removed.joined(separator: ", "))") }
        } catch {
            logger.warning("retention: \(error)")
        }
        return result
    }
}

extension PipelineRunner {
    /// One line for history.csv and the console: the error's place and message, without the hint.
    static func historyMessage(_ error: any Error) -> String {
        (error as? any ForecastError)?.placedMessage ?? "\(error)"
    }
}

func wholeSeconds(_ d: Date) -> Date {
    Date(timeIntervalSince1970: d.timeIntervalSince1970.rounded(.down))
}
