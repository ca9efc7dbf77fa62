import Dispatch
import ForecastCore
import ForecastEvaluation
import ForecastIngest
import ForecastReport
import Foundation
import Synchronization

/// One series finished, for the terminal.
public struct PortfolioProgress: Sendable {
    /// Series finished so far (this one included) and in the run.
    public var done: Int
    public var total: Int
    public var result: PortfolioSeriesResult
    /// Seconds since the run started.
    public var elapsed: Double
}

/// What a caller adds to one series' run before its report folder is written (``PortfolioRun/addendum``):
/// report sections after the verdict, and the live score of an earlier forecast of the series.
public struct SeriesAddendum: Sendable {
    public var sections: [ReportSection]
    /// See ``PortfolioSeriesResult/liveError``.
    public var liveError: Double?
    public var liveScaledError: Double?

    public init(sections: [ReportSection] = [], liveError: Double? = nil, liveScaledError: Double? = nil) {
        self.sections = sections
        self.liveError = liveError
        self.liveScaledError = liveScaledError
    }
}

/// The outcome of a portfolio run (or of one shard of it).
public struct PortfolioOutcome: Sendable {
    /// One per series of the run (of the shard), in id order.
    public var results: [PortfolioSeriesResult]
    /// The portfolio folder `reports/<portfolio>`.
    public var folder: URL
    /// The summary folder `reports/<portfolio>/<stamp>`, nil for a shard (see ``shardFile``).
    public var summary: URL?
    /// The shard result file, nil for a run of the whole portfolio.
    public var shardFile: URL?
    /// `.success`, or `.someSeriesSkipped` when a series was skipped or had no forecast.
    public var exitStatus: ExitStatus
}

/// Runs ``FitWorkflow`` once per series of a ``Portfolio``, each series exactly as `forecast fit`
/// would run it alone (same configuration, its own target or rows), and writes
///
///     reports/<portfolio>/<series folder>/<stamp>/   one run folder per series, as fit writes it
///     reports/<portfolio>/<stamp>/                   summary.md, summary.json, skill.svg, forecasts.csv
///     reports/<portfolio>/latest -> <stamp>          the newest summary
///     reports/<portfolio>/shards/shard-<i>-of-<n>.json   instead of the summary, with --shard
///
/// Series run `jobs` at a time. Each series' numbers do not depend on `jobs`: a fit's numbers do
/// not depend on its worker count, and each series is fitted on its own. With `jobs` > 1 each
/// series trains its networks one after the other (one thread per series); with `jobs` = 1 a
/// series trains two networks at once, as `fit` does. Memory: the series being fitted (`jobs` at
/// a time, each planning within an equal share of ``memoryBudget``) plus one
/// ``PortfolioSeriesResult`` per finished series (and a long-format file's bytes, held indexed);
/// the summary's `forecasts.csv` is streamed one series at a time. With `--global`, also each
/// series as the global networks read it (its values, no windows) until its own fit starts
/// from it, so no series is read twice.
///
/// A series whose data cannot be fitted (too few points, every value missing, constant, a data
/// error) is recorded as skipped with its reason; the run goes on. Errors writing reports end it.
///
/// With `--global` (``FitConfiguration/isGlobal``) the ``GlobalNetworks`` are trained first, on
/// every series of the run, and each series then scores their forecasts beside its own models;
/// the local models' numbers are the same as without them.
public struct PortfolioRun: Sendable {
    public var portfolio: Portfolio
    /// The settings every series is fitted with; `input` and `target` are set per series.
    public var configuration: FitConfiguration
    public var jobs: Int
    public var shard: ShardAssignment?
    public var commandLine: String
    public var version: String
    /// Results of earlier runs to reuse instead of fitting, by series id: `forecast run` passes
    /// the series whose rows and settings did not change. They join the summary as they are
    /// (their report folders must still exist: the summary's `forecasts.csv` reads them).
    public var carriedOver: [String: PortfolioSeriesResult] = [:]
    /// What the run may plan to use: the global networks' pooled windows and trainings (first,
    /// alone) may take all of it; the series fitted at once then share it, each of the `jobs`
    /// concurrent fits planning within an equal share (``MemoryBudget/shared(by:)``). nil: read
    /// at the start of ``run()`` (the environment's cap, else available memory).
    public var memoryBudget: MemoryBudget? = nil
    /// Called once per fitted series, after evaluation and before its report is written, from
    /// the thread that fitted it: `forecast run` scores the series' previous forecast here and
    /// adds the live-error section to its report.
    public var addendum: (@Sendable (PortfolioSeries, FitWorkflow.Evaluated) -> SeriesAddendum)? = nil
    /// Called once per finished series, from the thread that fitted it.
    public var onSeries: (@Sendable (PortfolioProgress) -> Void)? = nil
    /// Called with one line saying what the global networks train on (`--global`), before they
    /// train and before any series is fitted.
    public var onGlobalTraining: (@Sendable (String) -> Void)? = nil
    /// The global networks' trainings as they run (`--global`; ``GlobalNetworks/progress``):
    /// the plan, then each training's start, epochs and end. All of them come before any series
    /// is fitted.
    public var onGlobalProgress: (@Sendable (FitProgress) -> Void)? = nil

    public init(portfolio: Portfolio, configuration: FitConfiguration, jobs: Int, shard: ShardAssignment? = nil,
                commandLine: String, version: String) {
        self.portfolio = portfolio
        self.configuration = configuration
        self.jobs = max(1, jobs)
        self.shard = shard
        self.commandLine = commandLine
        self.version = version
    }

    /// `reports/<portfolio>`.
    public var folder: URL {
        URL(fileURLWithPath: configuration.reportsDirectory).appendingPathComponent(portfolio.name, isDirectory: true)
    }

    /// Fits every series of the run (the shard's, with ``shard``), then writes the summary or the
    /// shard file. Throws only for errors that would hit every series (writing the reports).
    public func run() throws -> PortfolioOutcome {
        let started = Date()
        let clock = DispatchTime.now()
        let inRun = portfolio.series(inShard: shard)
        // A global network learns from every series, so with one every series is refitted.
        let carriedOver = configuration.isGlobal ? [:] : self.carriedOver
        let series = inRun.filter { carriedOver[$0.id] == nil }
        let budget = memoryBudget ?? MemoryBudget.current()
        var global: GlobalNetworks.Outcome? = nil
        // The series the global networks read, each taken (and so released) by its own fit.
        let inputs = Mutex<[String: FitWorkflow.PreparedInput]>([:])
        if configuration.isGlobal {
            var networks = GlobalNetworks(configuration: configuration, version: version, workers: jobs)
            networks.memoryBudget = budget
            networks.onTraining = onGlobalTraining
            networks.progress = onGlobalProgress
            var outcome = try networks.train(inRun, configurationFor: { self.configuration(for: $0) })
            inputs.withLock { $0 = outcome.inputs }
            outcome.inputs = [:]
            global = outcome
        }
        let twins = global?.twins ?? [:]
        let slots = Mutex<[PortfolioSeriesResult?]>(Array(repeating: nil, count: series.count))
        let failure = Mutex<(any Error)?>(nil)
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let workers = jobs > 1 ? 1 : 2
        let concurrent = min(jobs, max(series.count, 1))
        let share = budget.shared(by: concurrent)
        DispatchQueue.concurrentPerform(iterations: concurrent) { _ in
            while failure.withLock({ $0 == nil }) {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < series.count else { return }
                do {
                    let input = inputs.withLock { $0.removeValue(forKey: series[i].id) }
                    let result = try fitOne(series[i], workers: workers, memory: share,
                                            globalTwins: twins[series[i].id] ?? [], input: input)
                    slots.withLock { $0[i] = result }
                    let k = done.add(1, ordering: .relaxed).newValue
                    onSeries?(PortfolioProgress(done: k, total: series.count, result: result,
                                                elapsed: Self.seconds(since: clock)))
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        // In id order, fitted and carried-over series together.
        let fitted = Dictionary(slots.withLock { $0.compactMap { $0 } }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let results = inRun.compactMap { s in carriedOver[s.id] ?? fitted[s.id] }
        let status: ExitStatus = results.allSatisfy { $0.status == .ok } ? .success : .someSeriesSkipped
        var summary = PortfolioSummary(name: portfolio.name, results: results, totalSeries: portfolio.series.count,
                                       warnings: portfolio.warnings, settings: Self.settingsLine(configuration),
                                       version: version,
                                       timing: .init(startedAt: started, wallSeconds: Self.seconds(since: clock), jobs: jobs,
                                                     shards: shard?.count ?? 1, commandLine: commandLine))
        summary.global = global?.report
        summary.horizon = configuration.horizon
        if let shard {
            let file = try PortfolioShardFile(shardIndex: shard.index, shardCount: shard.count, fingerprint: fingerprint(),
                                              summary: summary).write(in: folder)
            return PortfolioOutcome(results: results, folder: folder, summary: nil, shardFile: file, exitStatus: status)
        }
        let published = try summary.publish(in: folder)
        return PortfolioOutcome(results: results, folder: folder, summary: published, shardFile: nil, exitStatus: status)
    }

    /// What every shard of one portfolio run shares: the series ids and the settings. `merge`
    /// refuses shard files that disagree on it.
    public func fingerprint() -> String {
        var text = Data(portfolio.series.map(\.id).joined(separator: "\n").utf8)
        var c = configuration
        // Where the reports go is not part of the run: shards may write to different folders.
        c.input = ""; c.target = nil; c.reportsDirectory = ""; c.datasetName = nil
        text.append(c.canonicalJSON())
        return sha256Hex(of: text)
    }

    /// The settings of the run as one line for the summary: the models and the window.
    static func settingsLine(_ c: FitConfiguration) -> String {
        "models \(c.models.map(\.rawValue).joined(separator: ","))\(c.customModels.map { " + \($0.name) \($0.spec)" }.joined()); "
            + "window \(c.window.map(String.init) ?? "from the data"), horizon \(c.horizon), test fraction \(c.testFraction), "
            + "seeds per network \(c.ensembleSize), seed \(c.seed)"
            + (c.isGlobal ? "; global networks, series embedding \((c.seriesEmbedding ?? SeriesEmbedding.none).rawValue)" : "")
    }

    /// The configuration `fit` would use for this series alone.
    public func configuration(for s: PortfolioSeries) -> FitConfiguration {
        var c = configuration
        c.input = s.source.path
        if case .column(_, let name) = s.source { c.target = name }
        return c
    }

    /// Fits one series and publishes its report folder; a data problem becomes a skip. `input`:
    /// the series as already read (by the global networks), which the fit starts from instead of
    /// reading it again.
    func fitOne(_ s: PortfolioSeries, workers: Int, memory: MemoryBudget? = nil,
                globalTwins: [FitWorkflow.GlobalTwin] = [], input: FitWorkflow.PreparedInput? = nil) throws -> PortfolioSeriesResult {
        let clock = DispatchTime.now()
        var c = configuration(for: s)
        var input = input
        var scratch: URL? = nil
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        if case .rows(let table, let group) = s.source {
            // The rows of this id as a file of their own, which fit then reads like any other.
            // A series already read needs no file, but gets the same kind of path, so that its
            // report and messages name its input as they would otherwise.
            let folder = try Self.scratchFolder()
            scratch = folder
            let file = folder.appendingPathComponent(URL(fileURLWithPath: table.path).lastPathComponent)
            if input == nil { try AtomicFile.write(Data(table.csv(group: group)), to: file) }
            c.input = file.path
            input?.series.summary.file = file.path
        }
        var workflow = FitWorkflow(configuration: c, commandLine: commandLine + "  # series \(s.id)",
                                   version: version, workers: workers)
        workflow.memoryBudget = memory
        workflow.globalTwins = globalTwins
        workflow.preparedInput = input
        var evaluated: FitWorkflow.Evaluated
        do {
            evaluated = try workflow.evaluate()
        } catch let e as any ForecastError where Self.isDataProblem(e.exitStatus) {
            return .skipped(s.id, reason: e.message, seconds: Self.seconds(since: clock))
        }
        let y = evaluated.series.target
        if let first = y.first, y.allSatisfy({ $0 == first }) {
            return .skipped(s.id, reason: "constant: every one of the \(y.count) values is \(first)",
                            seconds: Self.seconds(since: clock))
        }
        if case .rows(let table, _) = s.source {
            evaluated.run.dataset.filePath = "\(table.path) (\(table.idColumn) = \(s.id))"
        }
        let extra = addendum?(s, evaluated) ?? SeriesAddendum()
        let paths = try ReportPublisher(folder: folder.appendingPathComponent(s.folder, isDirectory: true))
            .publish(files: evaluated.files(sections: extra.sections), startedAt: evaluated.run.startedAt)
        var result = PortfolioSeriesResult(id: s.id, run: evaluated.run,
                                           report: "\(s.folder)/\(paths.folder.lastPathComponent)",
                                           seconds: Self.seconds(since: clock))
        result.liveError = extra.liveError
        result.liveScaledError = extra.liveScaledError
        return result
    }

    /// Problems of one series' data (exit codes 10–21), and settings its data cannot meet (64,
    /// e.g. a window longer than the series): the series is skipped, the others go on.
    static func isDataProblem(_ status: ExitStatus) -> Bool {
        (10...21).contains(status.rawValue) || status == .usage
    }

    static func scratchFolder() throws -> URL {
        var template = Array((FileManager.default.temporaryDirectory.path + "/forecast-series-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw PortfolioError(.cannotWrite, file: FileManager.default.temporaryDirectory.path, "cannot create a temporary folder for a series' rows")
        }
        return URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    static func seconds(since clock: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
    }
}
