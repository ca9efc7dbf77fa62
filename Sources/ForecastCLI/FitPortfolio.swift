import ArgumentParser
import ForecastCore
import ForecastReport
import ForecastWorkflow
import Foundation
import Synchronization

/// `forecast fit` with several series: the branch of ``Fit`` that runs a ``PortfolioRun``.
extension Fit {
    /// Option combinations a portfolio cannot use, refused before any file is read.
    func validatePortfolio() throws {
        if portfolio.targets != nil && ingest.target != nil {
            throw ValidationError("--target names one series' column; with --targets each listed column is a series (drop --target)")
        }
        if output.json && portfolio.shard != nil {
            throw ValidationError("--json prints the portfolio summary, which a shard does not write; run forecast merge after the shards")
        }
    }

    func runPortfolio(terminal: Terminal) throws {
        var globalProgress: FitProgressPrinter? = nil
        do {
            let base = configuration
            let made = try Portfolio.make(name: portfolio.name(files: files), inputs: files, shape: portfolio.shape, ingest: base)
            let shard = portfolio.shard.flatMap(ShardAssignment.init)
            var run = PortfolioRun(portfolio: made, configuration: base, jobs: portfolio.jobCount, shard: shard,
                                   commandLine: CommandLine.arguments.joined(separator: " "), version: Forecast.version)
            for warning in made.warnings { terminal.status("warning  \(warning)") }
            let count = made.series(inShard: shard).count
            terminal.status("portfolio \(made.name): \(count) series\(shard.map { " (shard \($0.description) of \(made.series.count))" } ?? ""), "
                            + "\(run.jobs) at a time")
            run.onSeries = PortfolioProgressLine(terminal: terminal, horizon: base.horizon).callback()
            if !terminal.quiet { run.onGlobalTraining = { line in terminal.status(line) } }
            // The global trainings' epochs as a fit shows its networks'; the live block is
            // cleared after the last training, before the series' progress line takes over.
            globalProgress = base.isGlobal ? terminal.fitProgress(workers: run.jobs) : nil
            if let printer = globalProgress {
                run.onGlobalProgress = { event in
                    printer.handle(event)
                    if case .finished = event, printer.everyModelFinished { printer.end() }
                }
            }
            let outcome = try run.run()
            globalProgress?.end()
            terminal.endProgress()
            let skipped = outcome.results.filter { $0.status != .ok }.count
            if output.json, let folder = outcome.summary {
                let json = try Data(contentsOf: folder.appendingPathComponent(PortfolioSummary.jsonFile))
                try StandardOutput.write(String(decoding: json, as: UTF8.self))
            } else if !output.quiet {
                var lines = ["series   \(outcome.results.count - skipped) fitted, \(skipped) skipped or without a forecast"]
                if let folder = outcome.summary { lines.append("summary  \(folder.appendingPathComponent(PortfolioSummary.markdownFile).path)") }
                if let file = outcome.shardFile { lines.append("shard    \(file.path) (join the shards with forecast merge \(outcome.folder.path))") }
                try StandardOutput.write(lines.joined(separator: "\n") + "\n")
            }
            if outcome.exitStatus != .success {
                terminal.status("warning: \(skipped) series skipped or without a forecast (exit 46); the summary lists the reasons")
                throw ExitCode(outcome.exitStatus.rawValue)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            globalProgress?.end()
            terminal.endProgress()
            throw failure(reporting: error, on: terminal)
        }
    }
}

/// Progress of a portfolio: on a terminal one line redrawn in place ("series k/n" and the time
/// left at the pace so far); otherwise (cron, a log) one plain line per finished series.
struct PortfolioProgressLine: Sendable {
    let quiet: Bool
    let stderrIsTTY: Bool
    /// `--horizon`: above 1 the skill printed (step 1, as the leaderboard's) says so.
    let horizon: Int

    init(terminal: Terminal, horizon: Int = 1) {
        quiet = terminal.quiet
        stderrIsTTY = terminal.stderrIsTTY && !terminal.verbose
        self.horizon = horizon
    }

    func callback() -> (@Sendable (PortfolioProgress) -> Void)? {
        if quiet { return nil }
        // Several series may finish at once: one writer at a time keeps lines whole.
        let lock = Mutex(())
        let tty = stderrIsTTY
        let horizon = horizon
        return { p in
            let line = Self.line(p, tty: tty, horizon: horizon)
            lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
        }
    }

    static func line(_ p: PortfolioProgress, tty: Bool, horizon: Int = 1) -> String {
        let r = p.result
        if tty {
            let left = p.done < p.total ? p.elapsed / Double(p.done) * Double(p.total - p.done) : 0
            return "\r\u{1B}[K" + String(format: "series %d/%d  %@  ETA %@", p.done, p.total, r.id, duration(left))
        }
        let what: String
        switch r.status {
        case .ok:
            what = "pick \(r.pickName ?? "-")" + (r.skill.map { String(format: ", skill %.3f", $0) + (horizon > 1 ? " one step ahead" : "") } ?? "")
        case .skipped, .noForecast:
            what = "\(r.status.rawValue): \(r.reason ?? "")"
        }
        return String(format: "series %d/%d %@: %@ (%.1fs)\n", p.done, p.total, r.id, what, r.seconds)
    }

    static func duration(_ s: Double) -> String {
        s < 60 ? String(format: "%.0fs", s) : String(format: "%dm %02ds", Int(s) / 60, Int(s) % 60)
    }
}
