import Foundation
import Testing
@testable import ForecastWorkflow
import ForecastEvaluation

@Suite("the report compares the best network with the best statistical model")
struct NetworksVsStatisticalTests {
    @Test("the section names both, and its sentence follows the DM test's sign and p-value")
    func sectionFollowsTheTest() throws {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .ets, .theta, .ff, .gru]
        c.season = 12
        c.window = 12; c.hidden = 8; c.epochs = 5
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let run = outcome.run
        let report = try String(contentsOf: outcome.paths.report, encoding: .utf8)
        let network = try #require(ModelSelection.bestNetwork(run.models))
        let statistical = try #require(ModelSelection.bestStatistical(run.models))
        #expect(report.contains("## Networks vs statistical models"))
        #expect(report.contains("The best network on validation, \(network.displayName)"))
        #expect(report.contains("the best statistical model, \(statistical.displayName)"))
        let r = try #require(run.comparisons.first { $0.label == "best network vs best statistical" }?.result)
        let expected = r.pValue < 0.05
            ? (r.meanLossDifference < 0 ? "the network earns its place here" : "on this series the networks do not earn their place")
            : "the difference is within noise"
        #expect(report.contains(expected), "p \(r.pValue), d \(r.meanLossDifference)")
        // The verdict says plainly when a classical model won.
        let pick = try #require(run.pickedModel)
        #expect(report.contains("A classical statistical model won") == (pick.kind == .statistical), "pick \(pick.name)")
    }

    @Test("without statistical models the section is absent, as it has nothing to say")
    func absentWithoutStatisticalModels() throws {
        var c = FitConfiguration(input: repositoryRoot.appendingPathComponent("data/airpassengers.csv").path)
        c.models = [.naive, .ff]
        c.window = 12; c.hidden = 8; c.epochs = 2
        c.reportsDirectory = try temporaryDirectory().path
        let outcome = try FitWorkflow(configuration: c, commandLine: "test", version: "test").run()
        let report = try String(contentsOf: outcome.paths.report, encoding: .utf8)
        #expect(!report.contains("## Networks vs statistical models"))
        #expect(!outcome.run.comparisons.contains { $0.label == "best network vs best statistical" })
    }
}
