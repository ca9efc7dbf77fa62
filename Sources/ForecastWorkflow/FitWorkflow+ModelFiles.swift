import ForecastEvaluation
import ForecastIngest
import ForecastReport
import Foundation

extension FitWorkflow {
    /// After the evaluation: stores each model's calibrated intervals in its file (network
    /// checkpoints' metadata, statistical model files) and adds a file for every working baseline
    /// and for the combination, so that whatever the pick, `forecast predict` has a file for it.
    func addModelFiles(to e: inout Evaluated, dataset: WindowedDataset) {
        let run = e.run
        func intervals(_ name: String) -> StoredIntervals? {
            run.models.first { $0.name == name }.flatMap { StoredIntervals($0, in: run) }
        }
        let global = Set(globalTwins.map(\.output.name))
        e.checkpoints = e.checkpoints.map { m in
            var checkpoint = m.checkpoint
            // A global network's metadata is its own (the common window, the series embedding).
            let stored = global.contains(m.model) ? try? JSONDecoder().decode(CheckpointMetadata.self, from: checkpoint.metadata) : nil
            var meta = stored ?? checkpointMetadata(name: m.model, dataset: dataset)
            meta.intervals = intervals(m.model)
            checkpoint.metadata = meta.encoded()
            return (model: m.model, checkpoint: checkpoint)
        }
        e.statisticalCheckpoints = e.statisticalCheckpoints.map { m in
            var checkpoint = m.checkpoint
            checkpoint.intervals = intervals(m.model)
            return (model: m.model, checkpoint: checkpoint)
        }
        e.baselineCheckpoints = run.models.compactMap { r in
            BaselineCheckpoint(r, in: run, features: e.series.featureNames, toolVersion: version, configuration: configuration)
                .map { (model: r.id, checkpoint: $0) }
        }
        var members: [String: String] = [:]
        for m in e.checkpoints { members[m.model] = Self.checkpointFileName(model: m.model) }
        for m in e.statisticalCheckpoints { members[m.model] = Self.statisticalCheckpointFileName(model: m.model) }
        e.combinationCheckpoint = run.models.first { $0.kind == .combination }.flatMap {
            CombinationCheckpoint($0, in: run, files: members, toolVersion: version, configuration: configuration)
        }
    }
}

extension FitWorkflow.Evaluated {
    /// The baselines' and the combination's files, `model-<id>.json`.
    func dataOnlyModelFiles() -> [ReportFile] {
        let baselines = baselineCheckpoints.map { m in
            let checkpoint = m.checkpoint
            return ReportFile(name: FitWorkflow.statisticalCheckpointFileName(model: m.model), contents: { checkpoint.encoded() })
        }
        let combination = combinationCheckpoint.map { checkpoint in
            ReportFile(name: FitWorkflow.statisticalCheckpointFileName(model: checkpoint.model), contents: { checkpoint.encoded() })
        }
        return baselines + (combination.map { [$0] } ?? [])
    }

    /// ``modelFileName(forModel:)`` of every model of the run that has one, by stable id.
    public var modelFileNames: [String: String] {
        var out: [String: String] = [:]
        for m in run.models { out[m.id] = modelFileName(forModel: m.id) }
        return out
    }

    /// The name of the model file written for the model called `name` in the run (its name or its
    /// id: `gru`, `ets`, `seasonal naive (m=12)` or `snaive`, `combo`), e.g. `model-snaive.json`,
    /// for a "predict with" hint; nil when the model has no file (it failed, or is unknown).
    public func modelFileName(forModel name: String) -> String? {
        let id = run.models.first { $0.name == name || $0.id == name }?.id ?? name
        if checkpoints.contains(where: { $0.model == id }) { return FitWorkflow.checkpointFileName(model: id) }
        let json = statisticalCheckpoints.contains { $0.model == id } || baselineCheckpoints.contains { $0.model == id }
            || combinationCheckpoint?.model == id
        return json ? FitWorkflow.statisticalCheckpointFileName(model: id) : nil
    }
}
