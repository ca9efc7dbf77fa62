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
                            progress: { p in events.withLock { $0.append("epoch \(p.model) \(p.epoch)") } })
        w.onData = { lines in events.withLock { $0.append("data \(lines.count)") } }
        let outcome = try w.run()
        let seen = events.withLock { $0 }
        #expect(seen.first == "data \(outcome.dataLines.count)", "\(seen.prefix(3))")
        #expect(seen.filter { $0.hasPrefix("data") }.count == 1)
        #expect(seen.contains { $0.hasPrefix("epoch ff") })
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
