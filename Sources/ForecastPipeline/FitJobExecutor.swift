import ForecastCore
import ForecastEvaluation
import ForecastIngest
import ForecastModels
import ForecastReport
import ForecastWorkflow
import Foundation

/// Runs a pipeline job exactly as `forecast fit` would, writing its report folder into the
/// runner's staging folder (the runner publishes it), with the live-error section added.
public struct FitJobExecutor: JobExecutor {
    public var version: String
    public var workers: Int

    public init(version: String, workers: Int = 2) {
        self.version = version
        self.workers = workers
    }

    public func run(_ job: JobConfig, context: JobContext) throws -> JobOutcome {
        var workflow = FitWorkflow(configuration: job.fit,
                                   commandLine: JobContext.rerunCommand(pipelinePath: context.pipelinePath, job: job.name),
                                   version: version, workers: workers)
        var warmProblems: [String] = []
        if let warm = context.warmStartCheckpoint {
            let start = Self.warmStart(from: warm.deletingLastPathComponent())
            workflow.initialParameters = start.parameters
            warmProblems = start.problems
            if start.parameters.isEmpty {
                context.logger.info("refit warm: \(warm.deletingLastPathComponent().lastPathComponent) holds no network checkpoint; every model trains from scratch")
            }
            for problem in warmProblems { context.logger.warning("warm start: \(problem); that model trains from scratch") }
        }
        var fitted = try workflow.evaluate()
        if let warm = context.warmStartCheckpoint?.deletingLastPathComponent() {
            // Only the networks that ran and took the weights: the workflow starts a network
            // from the seed when the stored weights do not fit its shape (a changed setting).
            let seeds = fitted.run.networkSeeds
            var started: [String] = []
            for m in fitted.run.models {
                guard let w = workflow.initialParameters[m.name], m.parameters > 0 else { continue }
                if w.count == m.parameters || w.count == m.parameters * seeds {
                    started.append(m.name)
                } else {
                    let problem = "model-\(m.name).ckpt: its \(w.count) weights do not fit \(m.name) as now configured "
                        + "(\(m.parameters) per network: a setting changed)"
                    warmProblems.append(problem)
                    context.logger.warning("warm start: \(problem); that model trained from scratch")
                }
            }
            started.sort()
            if !started.isEmpty {
                context.logger.info("warm start for \(started.joined(separator: ", "))")
                fitted.run.reproducibility.startingWeights = started.map { "\($0) from \(warm.lastPathComponent)/model-\($0).ckpt" }
                    .joined(separator: ", ")
            }
        }
        if fitted.allTrainedModelsFailed {
            throw JobFailure(message: "every trained model failed: " + fitted.run.models
                .compactMap { m in m.status.failureReason.map { "\(m.name): \($0)" } }.joined(separator: "; "))
        }
        let run = fitted.run
        let dates = fitted.series.dates ?? []
        let (actuals, unobserved) = LiveScoring.observedValues(of: fitted.series)
        let testMASE = LiveScoring.testMASEByModel(run)
        // Live errors on the test MASE's own scale (training part), not the whole series'.
        let maseScale = LiveScoring.maseScale(of: run, target: fitted.series.target, season: fitted.season)
        let live = context.liveErrorSection(actuals: actuals, season: fitted.season ?? 1, pick: run.pickedModel?.id, testMASE: testMASE,
                                            unobserved: unobserved, maseScale: .some(maseScale))
        var sections = [live]
        if !warmProblems.isEmpty {
            sections.append(ReportSection(markdown: "## Warm start\n\n"
                + "This run was to fine-tune from the last run's checkpoints (`refit: warm`), but some could not be used, "
                + "so those models were trained from scratch (a full refit):\n\n"
                + warmProblems.map { "- \($0)" }.joined(separator: "\n") + "\n"))
        }
        let files = fitted.files(sections: sections)
        for file in files {
            try AtomicFile.write(try file.contents(), to: context.runFolder.appendingPathComponent(file.name))
        }

        let pick = run.pickedModel
        let next = pick?.nextForecasts.first
        let band = next?.intervals.first { abs($0.level - 0.8) < 1e-9 } ?? next?.intervals.first
        // The pick's own model file, whatever its kind (a network's .ckpt; a statistical model's,
        // a baseline's or the combination's .json), the file `forecast predict` takes.
        let pickCheckpoint = pick.flatMap { fitted.modelFileName(forModel: $0.id) }
        return JobOutcome(dataEnd: dates.last, rows: fitted.series.count, pick: pick?.id ?? "none",
                          forecast: next.map { ForecastPoint(date: $0.date, value: $0.value,
                                                             lower: band.map(\.lower).flatMap { $0.isFinite ? $0 : nil },
                                                             upper: band.map(\.upper).flatMap { $0.isFinite ? $0 : nil }) },
                          testMASE: testMASE, checkpoint: pickCheckpoint, actuals: actuals, season: fitted.season ?? 1,
                          unobserved: unobserved, maseScale: .some(maseScale))
    }

    /// What a warm start can resume from: the parameters of every readable
    /// `model-<name>.ckpt` in `folder`, by model name, and one line per checkpoint that could
    /// not be read (its model trains from scratch, and the run says so).
    struct WarmStart {
        var parameters: [String: [Float]] = [:]
        var problems: [String] = []
    }

    static func warmStart(from folder: URL) -> WarmStart {
        var out = WarmStart()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        for name in names {
            guard let model = FitWorkflow.model(ofCheckpointFile: name) else { continue }
            do {
                out.parameters[model] = try Checkpoint.read(from: folder.appendingPathComponent(name).path).parameters
            } catch let e as any ForecastError {
                out.problems.append("\(name): \(e.message)")
            } catch {
                out.problems.append("\(name): \(error)")
            }
        }
        return out
    }
}

/// A job that ran but produced nothing usable (every trained model failed).
public struct JobFailure: ForecastError {
    public var message: String
    public var hint: String? { "the job's report lists each model's reason" }
    public var location: ErrorLocation? { nil }
    public var exitStatus: ExitStatus { .everyModelFailed }
}
