import Foundation
import ProcessTestSupport
import Testing

/// What `forecast fit` writes to stderr when it is not a terminal (a pipe, a cron log).
@Suite("fit progress in a log")
struct FitProgressCommandTests {
    let arguments = ["--models", "naive,ets,ff,gru", "--model-spec", "deep=rnn(4) > dense(1)",
                     "--window", "12", "--hidden", "8", "--epochs", "3", "--patience", "0", "--ensemble", "1"]

    @Test("one plain line per finished model, numbered and named, and nothing redrawn; --verbose adds one per epoch; --quiet none")
    func oneLinePerFinishedModel() throws {
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        let plain = try runForecast(["fit", csv, "--reports", try temporaryDirectory().path] + arguments)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("\u{1B}") && !plain.stderr.contains("\r"))
        let lines = plain.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.first?.hasPrefix("model 1/4 ets: fitted in ") == true, "\(lines)")
        for (n, name) in [(2, "ff"), (3, "gru"), (4, "deep")] {
            #expect(lines.filter { $0.hasPrefix("model \(n)/4 \(name): 3 epochs in ") }.count == 1, "\(name): \(lines)")
        }
        // The report and checkpoint carry the custom model's name.
        #expect(plain.stdout.contains(", deep "), "\(plain.stdout)")

        let verbose = try runForecast(["fit", csv, "--reports", try temporaryDirectory().path, "--verbose"] + arguments)
        let epochs = verbose.stderr.split(separator: "\n").filter { $0.contains(" epoch ") }
        #expect(epochs.count == 9, "\(verbose.stderr)")
        #expect(epochs.contains { $0.hasPrefix("model 4/4 deep epoch 3/3 train ") })

        let quiet = try runForecast(["fit", csv, "--reports", try temporaryDirectory().path, "--quiet"] + arguments)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }
}
