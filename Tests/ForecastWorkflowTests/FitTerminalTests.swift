import Foundation
import Synchronization
import Testing
@testable import ForecastWorkflow
import ForecastEvaluation

@Suite("what fit tells the terminal, and when")
struct FitTerminalTests {
    @Test("the data summary is handed over once the data is read, before the first training epoch")
    func dataSummaryComesBeforeTraining() throws {
        let events = Mutex<[String]>([])
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .ff]
        c.window = 12; c.hidden = 8; c.epochs = 3
        c.reportsDirectory = try temporaryDirectory().path
        var w = FitWorkflow(configuration: c, commandLine: "test", version: "test",
                            progress: { p in
                                if case .epoch(let i, let e) = p { events.withLock { $0.append("epoch \(i) \(e.epoch)") } }
                            })
        w.onData = { (lines: [String]) in events.withLock { $0.append("data \(lines.count)") } }
        let outcome = try w.run()
        let seen = events.withLock { $0 }
        #expect(seen.first == "data \(outcome.dataLines.count)", "\(seen.prefix(3))")
        #expect(seen.filter { $0.hasPrefix("data") }.count == 1)
        #expect(seen.contains("epoch 0 1"))
    }

    @Test("progress: the plan first, then each model started, its epochs in order and finished, matching the run's results")
    func progressEventsFollowTheFit() throws {
        let events = Mutex<[FitProgress]>([])
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .theta, .ff, .gru]
        c.window = 12; c.hidden = 8; c.epochs = 30; c.patience = 2; c.ensemble = 1
        c.reportsDirectory = try temporaryDirectory().path
        try c.setModelSpecs(["deep=rnn(4) > dense(1)"])
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test",
                                      progress: { p in events.withLock { $0.append(p) } }).run()
        let seen = events.withLock { $0 }
        guard case .plan(let plan)? = seen.first else { Issue.record("no plan first: \(seen.prefix(2))"); return }
        #expect(plan.map(\.name) == ["theta", "ff", "gru", "deep"])
        #expect(plan.map(\.maxEpochs) == [nil, 30, 30, 30])
        #expect(plan.map(\.mayStopEarly) == [false, true, true, true])
        #expect(seen.filter { if case .plan = $0 { return true } else { return false } }.count == 1)
        for (i, planned) in plan.enumerated() {
            let mine = progressEvents(ofModel: i, in: seen)
            guard case .started? = mine.first, case .finished(_, let end)? = mine.last else {
                Issue.record("\(planned.name): \(mine.prefix(2)) … \(mine.suffix(1))"); continue
            }
            let epochs = mine.compactMap { if case .epoch(_, let e) = $0 { return e.epoch } else { return nil } }
            #expect(epochs == Array(stride(from: 1, through: epochs.count, by: 1)), "\(planned.name)")
            let result = try #require(outcome.run.models.first { $0.id == planned.name })
            #expect(end.epochs == result.epochsRun, "\(planned.name)")
            #expect(end.failure == result.status.failureReason, "\(planned.name)")
            if planned.maxEpochs != nil {
                #expect(epochs.count == result.epochsRun, "\(planned.name)")
                #expect(end.stoppedEarly == (epochs.count < 30), "\(planned.name)")
            }
        }
    }

    @Test("a warning for exactly the networks stopped by --epochs while their validation loss was still falling")
    func epochCapWarningMatchesTheLossCurves() throws {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .ff, .gru]
        c.window = 12; c.hidden = 8; c.epochs = 4
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        var warned = 0
        for m in outcome.run.models where m.kind == .feedForward || m.kind == .recurrent {
            let v = m.validationLoss
            let stillFalling = m.epochsRun == c.epochs && v.count >= 2 && v.last! < v.dropLast().min()!
            let warning = outcome.trainingWarnings.first { $0.hasPrefix("\(m.name) reached --epochs 4") }
            #expect((warning != nil) == stillFalling, "\(m.name): \(v)")
            if warning != nil { warned += 1 }
        }
        #expect(outcome.trainingWarnings.count == warned)
    }
}

/// The events of planned model `i` among `seen` (its start, epochs and end), in order.
func progressEvents(ofModel i: Int, in seen: [FitProgress]) -> [FitProgress] {
    seen.filter {
        switch $0 {
        case .started(let m), .epoch(let m, _), .finished(let m, _): return m == i
        case .plan: return false
        }
    }
}
