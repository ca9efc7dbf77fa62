import Foundation
import Testing
@testable import ForecastWorkflow
import ForecastEvaluation
import ForecastModels

/// Writes a monthly CSV with the given columns (name, values) into a fresh folder.
private func monthlyCSV(_ columns: [(String, [Double])]) throws -> String {
    let folder = try temporaryDirectory("forecast-huge")
    var text = "date," + columns.map(\.0).joined(separator: ",") + "\n"
    for t in columns[0].1.indices {
        text += String(format: "%04d-%02d-01", 2000 + t / 12, 1 + t % 12)
        for (_, values) in columns { text += "," + String(values[t]) }
        text += "\n"
    }
    let path = folder.appendingPathComponent("huge.csv").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("values near the limits of a Double")
struct HugeValueTests {
    @Test("values near 1e300 are scaled without overflow: every network trains and forecasts finite values (it diverged with -nan)")
    func valuesNear1e300Train() throws {
        let y = (0..<120).map { (1 + 0.3 * sin(Double($0) / 3)) * 1e300 }
        var c = FitConfiguration(input: try monthlyCSV([("v", y)]))
        c.models = [.naive, .ff, .gru]
        c.window = 12; c.hidden = 8; c.epochs = 3
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        for model in outcome.run.models {
            #expect(model.status.isOK, "\(model.name): \(model.status.failureReason ?? "")")
            for next in model.nextForecasts {
                #expect(next.value.isFinite && next.value > 1e299 && next.value < 1e301, "\(model.name) \(next.value)")
            }
        }
        #expect(outcome.exitStatus == .success)
    }

    @Test("a feature whose span overflows a Double fails the networks with that reason; the baseline still forecasts (exit 33)")
    func unscalableFeatureFailsTheNetworksByName() throws {
        let y = (0..<120).map { 100 + 10 * sin(Double($0) / 3) }
        let wide = (0..<120).map { $0 % 2 == 0 ? 1.5e308 : -1.5e308 }  // max − min overflows to +inf
        var c = FitConfiguration(input: try monthlyCSV([("y", y), ("wide", wide)]))
        c.target = "y"
        c.features = ["y", "wide"]
        c.scaling = .minmax
        c.models = [.naive, .ff, .gru]
        c.window = 12; c.hidden = 8; c.epochs = 3
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        for model in outcome.run.models where model.kind != .baseline {
            let reason = model.status.failureReason ?? ""
            #expect(reason.contains("cannot scale the data for a network") && reason.contains("\"wide\""), "\(model.name): \(reason)")
        }
        #expect(outcome.run.pickedModel?.kind == .baseline)
        #expect(outcome.run.pickedModel?.nextForecasts.allSatisfy(\.value.isFinite) == true)
        #expect(outcome.exitStatus == .everyNetworkFailed)
    }
}

@Suite("sizes and memory are checked before anything large is allocated")
struct MemoryEstimateTests {
    func configuration(hidden: Int, models: [ContrastModel] = [.naive, .gru]) throws -> FitConfiguration {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = models
        c.window = 12; c.hidden = hidden; c.epochs = 1
        c.reportsDirectory = try temporaryDirectory().path
        return c
    }

    func refusal(_ workflow: FitWorkflow) -> FitConfigurationError? {
        do { _ = try workflow.run() } catch let e as FitConfigurationError { return e } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
        Issue.record("the fit ran")
        return nil
    }

    @Test("--hidden 100000 is refused naming the option (it aborted allocating 40 GB, exit 134)")
    func layerWiderThanTheLimit() throws {
        let e = refusal(FitWorkflow(configuration: try configuration(hidden: 100_000), commandLine: "t", version: "t"))
        #expect(e?.key == .hidden && e?.exitStatus == .usage)
        #expect(e?.message.contains("100000 units, outside 1...65536") == true, "\(e?.message ?? "")")
        #expect(e?.rendered.hasPrefix("--hidden: error: the gru model") == true, "\(e?.rendered ?? "")")
    }

    @Test("--hidden 20000 is refused: more parameters than a checkpoint may hold (it took 9.5 GB and wrote 1.6 GB)")
    func moreParametersThanACheckpointHolds() throws {
        let e = refusal(FitWorkflow(configuration: try configuration(hidden: 20_000), commandLine: "t", version: "t"))
        #expect(e?.key == .hidden)
        #expect(e?.message.contains("needs more than 134217728 parameters") == true, "\(e?.message ?? "")")
    }

    @Test("a network that fits the limits but not the memory budget is refused with the estimate")
    func trainingBeyondTheBudget() throws {
        var w = FitWorkflow(configuration: try configuration(hidden: 2_000), commandLine: "t", version: "t")
        w.memoryBudget = MemoryBudget(bytes: 100_000_000, source: "the test's budget")
        let e = refusal(w)
        #expect(e?.key == .hidden)
        let message = e?.message ?? ""
        #expect(message.contains("training (gru ") && message.contains("more than the 100 MB of the test's budget"), "\(message)")
        // The estimate itself: GRU(2000) on windows of 12 × 1 → 12,018,000 parameters.
        let spec = try ForecastModels.ModelSpec.preset("gru", hidden: 2_000)
        let f = try ForecastModels.NetworkFootprint(spec, timeSteps: 12, inputDim: 1, outputDim: 1)
        #expect(f.parameters == 3 * (2_000 * 1 + 2_000 * 2_000 + 2 * 2_000) + 2_001)
        #expect(message.contains(byteText(f.trainingBytes(batch: 32))))
    }

    @Test("windows beyond the budget are refused naming --window, before they are built")
    func windowsBeyondTheBudget() throws {
        var w = FitWorkflow(configuration: try configuration(hidden: 8), commandLine: "t", version: "t")
        w.memoryBudget = MemoryBudget(bytes: 4_000, source: "the test's budget")
        let e = refusal(w)
        #expect(e?.key == .window)
        #expect(e?.message.contains("the windows (144 rows × --window 12 × 1 features)") == true, "\(e?.message ?? "")")
    }
}
