import ForecastCore
import ForecastReport
import ForecastWorkflow
import Foundation
import Logging

/// What one series of a portfolio job depends on, so that an unchanged series is not refitted.
///
/// The input part hashes the bytes that series reads, not the whole file:
/// - one file per series: the file's bytes;
/// - long format (`id_column`): the header and that id's rows as written, the id column cut out
///   (``LongFormatTable/csv(group:)``, exactly what the series' fit reads), so rows of other ids
///   added, changed or removed leave it unchanged;
/// - wide format (`targets`): every record's fields, as written, of the file's columns except
///   the other series' columns (``LongFormatTable/projection(path:delimiter:dropping:)``): its
///   own column, the date column and any column that is no series. A changed value of another
///   series leaves it unchanged; a new row (a new date) changes every series, as it should.
///
/// The configuration part hashes the refit policy, the portfolio's shape, the series id and the
/// configuration the series is fitted with (``PortfolioRun/configuration(for:)``).
/// Both are SHA-256, hex. O(bytes read).
public enum SeriesFingerprint {
    public static func of(_ s: PortfolioSeries, in portfolio: Portfolio, run: PortfolioRun,
                          job: JobConfig) throws -> JobFingerprint {
        let input: String
        switch s.source {
        case .file(let path):
            input = try sha256Hex(of: URL(fileURLWithPath: path))
        case .rows(let table, let group):
            input = sha256Hex(of: Data(table.csv(group: group)))
        case .column(let path, let name):
            let others = Set(portfolio.series.compactMap { other -> String? in
                if case .column(let p, let n) = other.source, p == path, n != name { return n }
                return nil
            })
            let bytes = try LongFormatTable.projection(path: path, delimiter: job.fit.delimiter.flatMap { $0.utf8.first },
                                                       dropping: others)
            input = sha256Hex(of: Data(bytes))
        }
        var configuration = Data("refit=\(job.refit.rawValue)\nportfolio=\(job.portfolio.map { "\($0.shape)" } ?? "")\nseries=\(s.id)\n".utf8)
        configuration.append(run.configuration(for: s).canonicalJSON())
        return JobFingerprint(inputSHA256: input, configurationSHA256: sha256Hex(of: configuration))
    }
}

extension PipelineRunner {
    /// A portfolio job: ``PortfolioRun`` over the job's series, each series' report folder and
    /// the summary published under the job's folder as `forecast fit` publishes them; series
    /// whose fingerprint (``SeriesFingerprint``) equals the one of their last fit are carried
    /// over (not refitted). The job is skipped as a whole when every series is unchanged and
    /// the last summary is still there. History: one line per (series, model) of the run.
    func runPortfolioJob(_ job: JobConfig, input: PortfolioInput, started: Date, clock: Date,
                         history: RunHistory, logger: Logger) -> JobResult {
        let fm = FileManager.default
        func record(_ status: JobStatus, message: String?, rows: [HistoryRow] = [], someSeriesSkipped: Bool = false) -> JobResult {
            var row = HistoryRow(runStarted: started, job: job.name, status: status, duration: Date().timeIntervalSince(clock),
                                 message: message)
            do {
                try history.append(contentsOf: rows.isEmpty ? [row] : rows)
            } catch {
                logger.error("cannot append to \(history.url.path): \(error)")
                row.status = .failed
                row.message = "cannot record the run in \(history.url.path): \(error)"
            }
            switch row.status {
            case .failed: logger.error("job failed after \(String(format: "%.2f", row.duration)) s: \(row.message ?? "")")
            case .skipped: logger.info("job skipped: \(row.message ?? "")")
            case .ok: logger.info("job finished in \(String(format: "%.2f", row.duration)) s: \(row.message ?? "")")
            }
            return JobResult(job: job.name, status: row.status, duration: row.duration, row: row, runFolder: nil,
                             someSeriesSkipped: row.status == .ok && someSeriesSkipped)
        }

        // The job's folder is the portfolio folder: `<report_dir>/<series>/<stamp>` and `<report_dir>/<stamp>`.
        var base = job.fit
        base.reportsDirectory = job.reportDir.deletingLastPathComponent().path
        base.datasetName = nil
        let portfolio: Portfolio
        do {
            portfolio = try Portfolio.make(name: job.reportDir.lastPathComponent, inputs: try input.files(),
                                           shape: input.shape, ingest: base)
        } catch {
            return record(.failed, message: Self.historyMessage(error))
        }
        for warning in portfolio.warnings { logger.warning("\(warning)") }
        var run = PortfolioRun(portfolio: portfolio, configuration: base, jobs: 1,
                               commandLine: JobContext.rerunCommand(pipelinePath: pipeline.url.path, job: job.name),
                               version: executor.version)

        var prints: [String: JobFingerprint] = [:]
        do {
            for s in portfolio.series { prints[s.id] = try SeriesFingerprint.of(s, in: portfolio, run: run, job: job) }
        } catch {
            return record(.failed, message: "cannot read input: \(Self.historyMessage(error))")
        }
        let listing = portfolio.series.map { "\($0.id)\t\(prints[$0.id]?.inputSHA256 ?? "")" }.joined(separator: "\n")
        var configuration = job.canonicalConfiguration
        configuration.append(Data("\nportfolio=\(input.shape)".utf8))
        let jobPrint = JobFingerprint(inputSHA256: sha256Hex(of: Data(listing.utf8)),
                                      configurationSHA256: sha256Hex(of: configuration))

        let state = JobState.load(from: job.reportDir)
        switch SkipDecision.decide(fingerprint: jobPrint, state: state, reportDir: job.reportDir, force: options.force) {
        case .skip(let last):
            return record(.skipped, message: "every series and the configuration unchanged since \(timestamp(last)); --force reruns")
        case .run(let reason):
            logger.info("job started: \(reason); portfolio of \(portfolio.series.count) series")
        }

        var carried: [String: PortfolioSeriesResult] = [:]
        if job.fit.isGlobal {
            // The global networks learn from every series: one changed series changes them all.
            logger.info("global networks: every series is refitted when any changed (no per-series skip)")
        } else if !options.force, let known = state?.series {
            for s in portfolio.series {
                guard let old = known[s.id], old.fingerprint == prints[s.id], let report = old.result.report,
                      fm.fileExists(atPath: job.reportDir.appendingPathComponent(report).path) else { continue }
                var r = old.result
                r.unchangedSince = timestamp(old.lastSuccess)
                carried[s.id] = r
            }
        }
        run.carriedOver = carried
        // Live error: each series' previous next forecast scored against the value observed
        // since, as a single-series job scores its own (LiveScoring), in the series' report.
        var earlier: [String: [HistoryRow]] = [:]
        for row in (try? history.read()) ?? [] { if let id = row.series { earlier[id, default: []].append(row) } }
        run.addendum = { [earlier] s, evaluated in
            let (actuals, unobserved) = LiveScoring.observedValues(of: evaluated.series)
            let live = LiveScoring.section(history: earlier[s.id] ?? [], runStarted: started, actuals: actuals,
                                           season: evaluated.season ?? 1, pick: evaluated.run.pickedModel?.id,
                                           testMASE: LiveScoring.testMASEByModel(evaluated.run), unobserved: unobserved,
                                           maseScale: .some(LiveScoring.maseScale(of: evaluated.run, target: evaluated.series.target,
                                                                                  season: evaluated.season)))
            return SeriesAddendum(sections: [live.section], liveError: live.score?.error, liveScaledError: live.score?.scaledError)
        }
        let outcome: PortfolioOutcome
        do {
            outcome = try run.run()
        } catch {
            return record(.failed, message: Self.historyMessage(error))
        }

        var rows: [HistoryRow] = []
        var seriesState: [String: SeriesState] = [:]
        for r in outcome.results {
            var row = HistoryRow(runStarted: started, job: job.name, status: .ok, duration: r.seconds, rows: r.rows)
            row.series = r.id
            if let since = r.unchangedSince {
                logger.info("series \(r.id): unchanged since \(since), not refitted")
                row.status = .skipped
                row.duration = 0
                row.message = "unchanged since \(since); not refitted"
                if let old = state?.series?[r.id] { seriesState[r.id] = old }
            } else {
                switch r.status {
                case .ok:
                    logger.info("series \(r.id): pick \(r.pick ?? "-")")
                    row.pick = r.pick
                    row.testMASE = r.modelTestMASE ?? r.pick.flatMap { p in r.testMASE.map { [p: $0] } } ?? [:]
                    if let n = r.next, let at = r.nextTimestamp {
                        row.forecast = ForecastPoint(date: at, value: n.value, lower: n.lower80, upper: n.upper80)
                    }
                    row.liveError = r.liveError
                    row.liveScaledError = r.liveScaledError
                case .skipped:
                    logger.warning("series \(r.id): skipped: \(r.reason ?? "")")
                    row.status = .skipped
                    row.message = r.reason
                case .noForecast:
                    logger.warning("series \(r.id): \(r.reason ?? "no forecast")")
                    row.status = .failed
                    row.message = r.reason
                }
                if r.report != nil, let p = prints[r.id] {
                    seriesState[r.id] = SeriesState(fingerprint: p, lastSuccess: started, result: r)
                }
            }
            rows.append(row)
        }
        let summary = PortfolioCounts(results: outcome.results)
        guard let published = outcome.summary else {
            return record(.failed, message: "the portfolio run wrote no summary", rows: rows)
        }
        let message = "\(summary.series) series: \(summary.fitted - summary.unchanged) fitted, \(summary.unchanged) unchanged, "
            + "\(summary.skipped) skipped; \(job.reportDir.lastPathComponent)/latest/\(PortfolioSummary.markdownFile)"
        var result = record(.ok, message: message, rows: rows, someSeriesSkipped: outcome.exitStatus == .someSeriesSkipped)
        guard result.status == .ok else { return result }
        result.runFolder = published

        let stamp = published.lastPathComponent
        let newState = JobState(fingerprint: jobPrint, lastSuccess: started, runFolder: stamp, checkpoint: nil,
                                series: seriesState)
        do { try newState.save(in: job.reportDir) } catch {
            logger.error("cannot write state.json (\(error)); the next run refits every series")
        }
        // Retention: the summaries in the job's folder, and each series' run folders, always
        // keeping the ones the new summary links to.
        do {
            let removed = try Retention.prune(reportDir: job.reportDir, keep: job.retention, protecting: [stamp])
            if !removed.isEmpty { logger.info("retention \(job.retention): removed \(removed.joined(separator: ", "))") }
            for s in portfolio.series {
                guard let report = outcome.results.first(where: { $0.id == s.id })?.report else { continue }
                let folder = job.reportDir.appendingPathComponent(s.folder)
                let keep = URL(fileURLWithPath: report).lastPathComponent
                let gone = try Retention.prune(reportDir: folder, keep: job.retention, protecting: [keep])
                if !gone.isEmpty { logger.info("retention \(job.retention): removed \(s.folder)/\(gone.joined(separator: ", \(s.folder)/"))") }
            }
        } catch {
            logger.warning("retention: \(error)")
        }
        return result
    }
}

/// What a portfolio summary adds up to, for the console line and `index.md`.
public struct PortfolioCounts: Equatable, Sendable {
    /// Series in the summary.
    public var series: Int
    /// Series with a forecast (fitted in the run or carried over unchanged).
    public var fitted: Int
    /// Of `fitted`, carried over from an earlier run (rows and settings unchanged).
    public var unchanged: Int
    /// Skipped (a data problem) or without a forecast.
    public var skipped: Int
    /// Picks significantly better than naive (Diebold–Mariano, 5 %).
    public var beatNaive: Int

    public init(series: Int, fitted: Int, unchanged: Int, skipped: Int, beatNaive: Int) {
        self.series = series
        self.fitted = fitted
        self.unchanged = unchanged
        self.skipped = skipped
        self.beatNaive = beatNaive
    }

    public init(results: [PortfolioSeriesResult]) {
        let ok = results.filter { $0.status == .ok }
        self.init(series: results.count, fitted: ok.count, unchanged: results.filter { $0.unchangedSince != nil }.count,
                  skipped: results.count - ok.count, beatNaive: ok.filter(\.beatsNaiveSignificantly).count)
    }

    /// The counts of a published `summary.json` (its `counts` object); nil when the file is
    /// missing, a symbolic link, or not a summary.
    public static func read(summaryFolder: URL) -> PortfolioCounts? {
        guard let data = (try? OwnedFiles.read(summaryFolder.appendingPathComponent(PortfolioSummary.jsonFile),
                                               role: "a portfolio's summary.json")) ?? nil,
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let c = root["counts"] as? [String: Any],
              let n = c["in_this_summary"] as? Int, let fitted = c["fitted"] as? Int,
              let skipped = c["skipped"] as? Int, let none = c["no_forecast"] as? Int,
              let beat = c["beat_naive_significantly"] as? Int else { return nil }
        return PortfolioCounts(series: n, fitted: fitted, unchanged: c["unchanged"] as? Int ?? 0,
                               skipped: skipped + none, beatNaive: beat)
    }
}
