import ForecastCore
import ForecastIngest
import Foundation
import Synchronization
import Testing
@testable import ForecastWorkflow

@Suite("global networks report their trainings' progress as a fit reports its networks'")
struct GlobalNetworkProgressTests {
    /// A tiny windowed MLP and GRU with early stopping, global twins on four visnights columns.
    func configuration() throws -> FitConfiguration {
        var c = FitConfiguration(input: "")
        c.models = [.naive, .ff, .gru]
        c.hidden = 4; c.epochs = 25; c.patience = 2; c.ensemble = 1
        c.global = true
        c.reportsDirectory = try temporaryDirectory("global-progress").path
        return c
    }

    @Test("one plan, then for each training its start, one epoch event per epoch run (1…n) with the losses of its recorded history, and its end")
    func epochEventsAreTheTrainingsHistory() throws {
        let c = try configuration()
        let visnights = repositoryRoot.appendingPathComponent("data/visnights.csv").path
        let portfolio = try Portfolio.make(name: "v", inputs: [visnights],
                                           shape: .wide(targets: ["nswmetro", "nswnthco", "qldmetro", "saumetro"]), ingest: c)
        let run = PortfolioRun(portfolio: portfolio, configuration: c, jobs: 2, commandLine: "test", version: "test")
        let events = Mutex<[FitProgress]>([])
        var networks = GlobalNetworks(configuration: c, version: "test", workers: 2)
        networks.progress = { event in events.withLock { $0.append(event) } }
        let outcome = try networks.train(portfolio.series, configurationFor: run.configuration(for:))
        let seen = events.withLock { $0 }

        guard case .plan(let plan)? = seen.first else { Issue.record("no plan first: \(seen.prefix(2))"); return }
        #expect(plan.map(\.name) == ["global-ff", "global-gru"])
        #expect(plan.map(\.maxEpochs) == [25, 25])
        #expect(plan.allSatisfy { $0.mayStopEarly && ($0.workPerSample ?? 0) > 0 })
        #expect(seen.filter { if case .plan = $0 { return true } else { return false } }.count == 1)
        // Every series in the model gets the same network, so any one series' twins carry the
        // trainings' records (the first member's, which with --ensemble 1 is the training).
        let twins = try #require(outcome.twins["nswmetro"])
        for (i, planned) in plan.enumerated() {
            let mine = progressEvents(ofModel: i, in: seen)
            guard case .started? = mine.first, case .finished(_, let end)? = mine.last else {
                Issue.record("\(planned.name): \(mine.prefix(2)) … \(mine.suffix(1))"); continue
            }
            let epochs = mine.compactMap { if case .epoch(_, let e) = $0 { return e } else { return nil } }
            #expect(mine.count == epochs.count + 2, "\(planned.name): nothing but start, epochs, end")
            let record = try #require(twins.first { $0.output.name == planned.name }?.output)
            #expect(record.failureReason == nil && end.failure == nil, "\(planned.name)")
            #expect(epochs.count == record.epochsRun && end.epochs == record.epochsRun, "\(planned.name)")
            #expect(epochs.map(\.epoch) == Array(1...max(1, epochs.count)), "\(planned.name)")
            #expect(epochs.allSatisfy { $0.trainLoss.isFinite && ($0.validationLoss?.isFinite ?? false) }, "\(planned.name)")
            #expect(epochs.map(\.trainLoss) == record.trainLoss, "\(planned.name)")
            #expect(epochs.compactMap(\.validationLoss) == record.validationLoss, "\(planned.name)")
            #expect(end.seconds == record.trainSeconds, "\(planned.name)")
            #expect(end.stoppedEarly == (epochs.count < c.epochs), "\(planned.name)")
        }
    }

    /// metrics.json without what differs run to run: times, and the path of the scratch folder
    /// a long-format series' rows are written to.
    func comparableMetrics(_ folder: URL) throws -> NSDictionary {
        func strip(_ v: Any) -> Any {
            if let d = v as? [String: Any] {
                return d.filter { !["generated_at", "duration_seconds", "train_seconds"].contains($0.key) }.mapValues(strip)
            }
            if let a = v as? [Any] { return a.map(strip) }
            if let t = v as? String { return t.replacingOccurrences(of: #"forecast-series-[A-Za-z0-9]{6}"#, with: "scratch", options: .regularExpression) }
            return v
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics.json")))
        return try #require(strip(json) as? [String: Any]) as NSDictionary
    }

    @Test("a series' fit started from the series the global networks read gives the report of a fit that reads it again (columns of a file, and rows of a long table)",
          arguments: [("visnights.csv", PortfolioShape.wide(targets: ["nswmetro", "qldmetro"])),
                      ("aus_arrivals.csv", PortfolioShape.long(idColumn: "origin"))])
    func handedOnSeriesGiveTheSameReport(file: String, shape: PortfolioShape) throws {
        let c = try configuration()
        let portfolio = try Portfolio.make(name: "p", inputs: [repositoryRoot.appendingPathComponent("data/\(file)").path],
                                           shape: shape, ingest: c)
        func run(_ name: String) throws -> PortfolioRun {
            var other = c
            other.reportsDirectory = try temporaryDirectory(name).path
            return PortfolioRun(portfolio: portfolio, configuration: other, jobs: 1, commandLine: "test", version: "test")
        }
        let (handing, reading) = (try run("handed-on"), try run("read-again"))
        let outcome = try GlobalNetworks(configuration: c, version: "test", workers: 1)
            .train(portfolio.series, configurationFor: handing.configuration(for:))
        #expect(Set(outcome.inputs.keys) == Set(portfolio.series.map(\.id)))
        for s in portfolio.series {
            let twins = try #require(outcome.twins[s.id])
            let a = try handing.fitOne(s, workers: 1, globalTwins: twins, input: outcome.inputs[s.id])
            let b = try reading.fitOne(s, workers: 1, globalTwins: twins)
            #expect(a.status == .ok && b.status == .ok, "\(s.id)")
            let folders = (handing.folder.appendingPathComponent(try #require(a.report)), reading.folder.appendingPathComponent(try #require(b.report)))
            #expect(try comparableMetrics(folders.0) == comparableMetrics(folders.1), "\(s.id)")
            let forecasts = folders.0.appendingPathComponent("forecasts.csv"), other = folders.1.appendingPathComponent("forecasts.csv")
            #expect(try Data(contentsOf: forecasts) == Data(contentsOf: other), "\(s.id)")
        }
    }
}
