import Foundation
import Testing
@testable import ForecastWorkflow
import ForecastEvaluation

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
