import Foundation
import ProcessTestSupport
import Testing

/// What `forecast fit --global` writes to stderr about the global trainings when it is not a
/// terminal (a pipe, a cron log): the lines a fit writes about its networks.
@Suite("global training progress in a log")
struct GlobalProgressCommandTests {
    let arguments = ["--targets", "nswmetro,qldmetro", "--global", "--models", "naive,ff,gru",
                     "--hidden", "4", "--epochs", "3", "--patience", "0", "--ensemble", "1", "--jobs", "1"]

    @Test("one plain line per finished global training, numbered and named, and nothing redrawn; --verbose adds one per epoch; --quiet none")
    func oneLinePerGlobalTraining() throws {
        let csv = repositoryRoot.appendingPathComponent("data/visnights.csv").path
        let plain = try runForecast(["fit", csv, "--reports", try temporaryDirectory().path] + arguments)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("\u{1B}") && !plain.stderr.contains("\r"))
        let lines = plain.stderr.split(separator: "\n").map(String.init)
        let trainings = lines.filter { $0.hasPrefix("model ") }
        #expect(trainings.count == 2, "\(lines)")
        for (n, name) in [(1, "global-ff"), (2, "global-gru")] {
            #expect(trainings.filter { $0.hasPrefix("model \(n)/2 \(name): 3 epochs in ") }.count == 1, "\(name): \(lines)")
        }
        // After the line on the pooled windows, before the first series.
        let pooled = try #require(lines.firstIndex { $0.hasPrefix("global networks: 2 series") }, "\(lines)")
        let firstSeries = try #require(lines.firstIndex { $0.hasPrefix("series 1/2 ") }, "\(lines)")
        let trained = lines.indices.filter { lines[$0].hasPrefix("model ") }
        #expect(trained.allSatisfy { pooled < $0 && $0 < firstSeries }, "\(lines)")

        let verbose = try runForecast(["fit", csv, "--reports", try temporaryDirectory().path, "--verbose"] + arguments)
        let epochs = verbose.stderr.split(separator: "\n").filter { $0.contains(" epoch ") }
        #expect(epochs.count == 6, "\(verbose.stderr)")
        for name in ["1/2 global-ff", "2/2 global-gru"] {
            for k in 1...3 { #expect(epochs.contains { $0.hasPrefix("model \(name) epoch \(k)/3 train ") }, "\(name) \(k)") }
        }

        let quiet = try runForecast(["fit", csv, "--reports", try temporaryDirectory().path, "--quiet"] + arguments)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }
}
