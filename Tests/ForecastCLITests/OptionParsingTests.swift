import ArgumentParser
import ForecastIngest
import ForecastModels
import ForecastWorkflow
import Testing
@testable import ForecastCLI

/// The command line parsed in process: options become one typed `FitConfiguration`, and bad
/// values are refused with the option's name before any work.
@Suite("command-line options, in process")
struct OptionParsingTests {
    @Test("fit's options fill the typed configuration; unset ones keep its defaults")
    func fitOptionsBecomeTheConfiguration() throws {
        let fit = try Fit.parse(["prices.csv", "--models", "naive,ff,gru", "--missing", "interpolate",
                                 "--transform", "log-return", "--scaling", "minmax", "--loss", "huber",
                                 "--optimizer", "sgd", "--init", "pytorch", "--patience", "0", "--clip", "0",
                                 "--delimiter", "tab", "--features", "close, volume", "--reports", "out"])
        let c = fit.configuration
        var expected = FitConfiguration(input: "prices.csv")
        expected.models = [.naive, .ff, .gru]
        expected.missing = .interpolate
        expected.transform = .logReturn
        expected.scaling = .minmax
        expected.loss = .huber
        expected.optimizer = .sgd
        expected.initScheme = .pytorch
        expected.patience = 0
        expected.clip = 0
        expected.delimiter = "\t"
        expected.features = ["close", "volume"]
        expected.reportsDirectory = "out"
        #expect(c == expected)
        #expect(try Fit.parse(["prices.csv"]).configuration == FitConfiguration(input: "prices.csv"))
    }

    @Test("an unknown enum value is refused by the parser, naming the option and the valid values",
          arguments: [["--models", "ff,xyz"], ["--missing", "backfill"], ["--loss", "l1"], ["--init", "xavier"]])
    func unknownValues(_ arguments: [String]) {
        do {
            _ = try Fit.parse(["prices.csv"] + arguments)
            Issue.record("\(arguments) should not parse")
        } catch {
            let message = Fit.message(for: error)
            #expect(message.contains(arguments[0]), "\(message)")
            #expect(Fit.exitCode(for: error).rawValue == 64)
        }
    }

    @Test("the configuration's own rules run in validate(), with the option's name",
          arguments: [(["--window", "0"], "--window: must be at least 1 (got 0)."),
                      (["--test-fraction", "1"], "--test-fraction: must be between 0 and 1 (got 1.0)."),
                      (["--patience=-1"], "--patience: must be 0 (off) or a whole number of epochs (got -1)."),
                      (["--models", "ff,ff"], "--models: lists a model twice."),
                      (["--delimiter", "x"], "--delimiter: must be ',', ';', 'tab' or '|' (got 'x')."),
                      (["--features", "a,,b"], "--features: has an empty column name in 'a,,b'. give names separated by commas, e.g. close,volume.")])
    func configurationRules(_ arguments: [String], _ expected: String) {
        do {
            _ = try Fit.parse(["prices.csv"] + arguments)
            Issue.record("\(arguments) should not validate")
        } catch {
            #expect(Fit.message(for: error) == expected)
            #expect(Fit.exitCode(for: error).rawValue == 64)
        }
    }

    @Test("quiet and verbose together are a usage error")
    func quietAndVerbose() {
        #expect(throws: (any Error).self) { try Fit.parse(["prices.csv", "--quiet", "--verbose"]) }
    }

    @Test("predict's help, whole")
    func predictHelp() {
        #expect(Forecast.helpMessage(for: Predict.self, columns: 100) == """
        OVERVIEW: Forecast the next points of a CSV with a model saved by `forecast fit`.

        Loads a checkpoint (for example reports/prices/latest/model-gru.ckpt), reads FILE.csv with the
        columns the model was trained on, and forecasts the points after its last row. The scaler and
        transform fitted at training time are reused; nothing is retrained.

        USAGE: forecast predict --model <path> <file.csv> [--json]

        ARGUMENTS:
          <file.csv>              CSV file with the same columns as the training data.

        OPTIONS:
          --model <path>          Checkpoint file written by `forecast fit` (model-<name>.ckpt).
          --json                  Print the forecast as JSON.
          --version               Show the version.
          -h, --help              Show help information.

        """)
    }

    @Test("fit's help lists every enum option's values and the model list")
    func fitHelpListsValues() {
        let help = Forecast.helpMessage(for: Fit.self, columns: 200)
        for fragment in ["--missing <policy>", "values: ffill, interpolate, drop, error",
                         "--transform <t>", "values: none, diff, log-return",
                         "--loss <name>", "values: mse, mae, huber",
                         "--init <scheme>", "values: glorot, pytorch",
                         "--models <list>", "values: naive, snaive, drift, ff, rnn, gru, lstm; default: naive,snaive,drift,ff,rnn,gru,lstm"] {
            #expect(help.contains(fragment), "\(fragment)")
        }
    }
}
