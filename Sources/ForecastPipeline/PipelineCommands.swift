import ForecastCore
import Foundation

/// `forecast run` as a library call, so the CLI's subcommand is one line:
///
/// ```swift
/// // Sources/ForecastCLI/Run.swift, in run():
/// throw ExitCode(RunCommand.execute(pipelinePath: pipeline, jobs: job, force: force, wait: wait ?? 0,
///                                   quiet: quiet, checkOnly: check) { _ in FitJobExecutor() })
/// ```
///
/// Prints the one line per job on stdout (nothing with `quiet` except errors, which go to
/// stderr), never any control characters, and returns the exit code:
/// 0 all jobs ok or skipped · 40 invalid pipeline file · 41 lock held · 42 some jobs failed ·
/// 43 all jobs failed · 64 unknown `--job` · 73 log or lock file cannot be created · 1 other.
public enum RunCommand {
    public static func execute(pipelinePath: String, jobs: [String] = [], force: Bool = false, wait: Double = 0,
                               quiet: Bool = false, checkOnly: Bool = false,
                               console: (any PipelineConsole)? = nil,
                               executor: (PipelineFile) -> any JobExecutor) -> Int32 {
        let out = console ?? StandardConsole(quiet: quiet)
        let pipeline: PipelineFile
        do {
            pipeline = try PipelineFile.load(path: pipelinePath)
        } catch let e as any ForecastError {
            out.error(e.description)
            return e.exitCode
        } catch {
            out.error("error: \(error)\n  hint: this is a bug in forecast; please report it with the command line")
            return ExitStatus.internalError.rawValue
        }
        for w in pipeline.warnings where !quiet || checkOnly { out.error(w.description.replacingOccurrences(of: ": error: ", with: ": warning: ")) }
        if checkOnly {
            out.line(checkSummary(pipeline))
            return 0
        }
        var options = PipelineRunOptions()
        options.jobs = jobs
        options.force = force
        options.wait = wait
        do {
            let summary = try PipelineRunner(pipeline: pipeline, executor: executor(pipeline), options: options, console: out).run()
            if let std = out as? StandardConsole, std.outputFailed, summary.exitCode == 0 {
                out.error("error: the job lines could not be written to standard output (disk full or pipe closed)")
                return ExitStatus.cannotWrite.rawValue
            }
            return summary.exitCode
        } catch let e as any ForecastError {
            out.error(e.description)
            return e.exitCode
        } catch {
            out.error("error: \(error)\n  hint: this is a bug in forecast; please report it with the command line")
            return ExitStatus.internalError.rawValue
        }
    }

    /// What `--check` prints for a valid file: one line per job with its schedule and next run.
    public static func checkSummary(_ p: PipelineFile, now: Date = Date(), timeZone: TimeZone = .current) -> String {
        var lines = ["\(p.url.path): valid, \(p.jobs.count) job\(p.jobs.count == 1 ? "" : "s"), reports in \(p.reportRoot.path)"]
        for j in p.jobs {
            let when = j.schedule.map { s in
                "schedule \"\(s.source)\", next " + (s.nextFireDate(after: now, in: timeZone).map(timestamp) ?? "never")
            } ?? "no schedule"
            var what = j.input.path
            if let p = j.portfolio {
                let shape: String
                switch p.shape {
                case .files: shape = "one series per file"
                case .long(let column): shape = "id_column \(column)"
                case .wide(let targets): shape = "targets " + (targets?.joined(separator: ", ") ?? "all")
                }
                what = "portfolio of \(p.inputs.joined(separator: ", ")) (\(shape))"
            }
            lines.append("  \(j.name): \(what), refit \(j.refit.rawValue), keep \(j.retention), \(when)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `forecast schedule` as a library call:
///
/// ```swift
/// // Sources/ForecastCLI/Schedule.swift, in run():
/// let action: ScheduleCommand.Action = install ? .install : remove ? .remove : list ? .list : .print
/// throw ExitCode(ScheduleCommand.execute(pipelinePath: pipeline, action: action))
/// ```
///
/// The crontab is the current user's, through the `crontab` command, unless
/// `FORECAST_CRONTAB_FILE` names a file to edit instead (tests, dry runs) or
/// `FORECAST_CRONTAB_USER` names another user (root only). Exit codes: 0 ok · 40 invalid
/// pipeline file, or a path or value that cannot be written to a crontab safely (a control
/// character, a command cron would cut short; nothing is written) · 44 crontab could not be
/// read or written.
public enum ScheduleCommand {
    public enum Action: Sendable { case print, install, remove, list }

    public static func execute(pipelinePath: String?, action: Action, binary: URL = CurrentExecutable.url(),
                               store: any CrontabStore = CrontabStores.fromEnvironment(), waitSeconds: Int = 1800,
                               console: any PipelineConsole = StandardConsole(quiet: false)) -> Int32 {
        do {
            switch action {
            case .list:
                let blocks = try PipelineSchedule.list(store: store)
                let wanted = pipelinePath.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                let shown = blocks.filter { wanted == nil || $0.pipeline == wanted }
                if shown.isEmpty { console.line(wanted.map { "nothing installed for \(CrontabText.displayed($0))" } ?? "no forecast pipelines installed") }
                for b in shown {
                    console.line("\(CrontabText.displayed(b.pipeline)): \(b.entries.count) entr\(b.entries.count == 1 ? "y" : "ies")")
                    for e in b.entries { console.line("  \(CrontabText.displayed(e))") }
                }
                return 0
            case .remove:
                guard let pipelinePath else { console.error("error: --remove needs the pipeline file"); return 64 }
                // The file need not exist any more: a deleted pipeline can still be unscheduled,
                // and so can a block an older forecast wrote for a path with a line break.
                let path = URL(fileURLWithPath: pipelinePath).standardizedFileURL.path
                let removed = try PipelineSchedule.remove(pipelinePath: path, store: store)
                let shown = CrontabText.displayed(path)
                console.line(removed ? "removed the crontab entries for \(shown)" : "nothing installed for \(shown)")
                return 0
            case .print, .install:
                guard let pipelinePath else { console.error("error: give the pipeline file"); return 64 }
                // Refused before the file is read: no message may echo such a path raw.
                try CrontabText.check(pipelinePath, as: .pipelinePath)
                let pipeline = try PipelineFile.load(path: pipelinePath)
                let schedule = try PipelineSchedule(pipeline: pipeline, binary: binary, store: store, waitSeconds: waitSeconds)
                if pipeline.jobs.allSatisfy({ $0.schedule == nil }) {
                    console.error("warning: no job in \(pipeline.url.path) has a 'schedule'; nothing would run")
                }
                if action == .print {
                    console.line(schedule.preview.trimmingCharacters(in: .newlines))
                    return 0
                }
                let change = try schedule.install()
                let n = pipeline.jobs.filter { $0.schedule != nil }.count
                switch change {
                case .added: console.line("installed \(n) crontab entr\(n == 1 ? "y" : "ies") for \(pipeline.url.path)")
                case .replaced: console.line("updated the crontab entries for \(pipeline.url.path) (\(n) scheduled)")
                case .unchanged: console.line("crontab already up to date for \(pipeline.url.path)")
                }
                return 0
            }
        } catch let e as any ForecastError {
            console.error(e.description)
            return e.exitCode
        } catch {
            console.error("error: \(error)\n  hint: this is a bug in forecast; please report it with the command line")
            return ExitStatus.internalError.rawValue
        }
    }
}
