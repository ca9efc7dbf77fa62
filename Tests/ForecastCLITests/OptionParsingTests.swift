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
          arguments: [(["--window", "0"], "--window: must be at least 1 (got 0)"),
                      (["--window", "-5"], "--window: must be at least 1 (got -5)"),
                      (["--test-fraction", "1"], "--test-fraction: must be between 0 and 1 (got 1.0)"),
                      (["--patience", "-1"], "--patience: must be 0 (off) or a whole number of epochs (got -1)"),
                      (["--models", "ff,ff"], "--models: lists a model twice"),
                      (["--delimiter", "x"], "--delimiter: must be ',', ';', 'tab' or '|' (got 'x')"),
                      (["--features", "a,,b"], "--features: has an empty column name in 'a,,b'\n  hint: give names separated by commas, e.g. close,volume"),
                      // Checked before any data is read (it failed after loading with exit 30).
                      (["--model-spec", "gru(8) > dense(1)", "--horizon", "7"],
                       "--model-spec: ends in dense(1), which gives 1 value per window, but --horizon is 7\n  hint: end the description with dense(7), one output per forecast step")])
    func configurationRules(_ arguments: [String], _ expected: String) {
        do {
            _ = try Fit.parse(["prices.csv"] + arguments)
            Issue.record("\(arguments) should not validate")
        } catch {
            #expect(Fit.message(for: error) == expected)
            #expect(Fit.exitCode(for: error).rawValue == 64)
        }
    }

    @Test("a second unnamed --model-spec is a usage error, not a silent replacement of the first")
    func secondUnnamedModelSpecIsRefused() throws {
        do {
            _ = try Fit.parse(["prices.csv", "--model-spec", "gru(4) > dense(1)", "--model-spec", "gru(8) > dense(1)"])
            Issue.record("two unnamed --model-spec should not validate")
        } catch {
            #expect(Fit.message(for: error) == "--model-spec: gives two specs without a name; both would be the model 'custom'\n  hint: name each extra model: name=spec, e.g. deep='lstm(32) > dense(1)' (names: lowercase letters, digits, '-' and '_', starting with a letter, at most 40 characters)")
            #expect(Fit.exitCode(for: error).rawValue == 64)
        }
        let one = try Fit.parse(["prices.csv", "--model-spec", "gru(4) > dense(1)"])
        #expect(one.configuration.modelSpec == "gru(4) > dense(1)")
        #expect(one.configuration.namedModelSpecs == nil)
        #expect(one.configuration.customModels == [NamedModelSpec(name: "custom", spec: "gru(4) > dense(1)")])
    }

    @Test("named --model-spec values add one model each, in order, beside an unnamed one")
    func namedModelSpecs() throws {
        let fit = try Fit.parse(["prices.csv", "--model-spec", "deep=lstm(32) > lstm(16) > dense(1)",
                                 "--model-spec", "gru(4) > dense(1)", "--model-spec", " wide_2 = gru(64) > dense(1)"])
        let c = fit.configuration
        #expect(c.modelSpec == "gru(4) > dense(1)")
        #expect(c.namedModelSpecs == [NamedModelSpec(name: "deep", spec: "lstm(32) > lstm(16) > dense(1)"),
                                      NamedModelSpec(name: "wide_2", spec: "gru(64) > dense(1)")])
        #expect(c.customModels.map(\.name) == ["custom", "deep", "wide_2"])
        // The reproducibility block lists each as it was given.
        #expect(c.settings.filter { $0.key == "model_spec" }.map(\.value)
                == ["gru(4) > dense(1)", "deep=lstm(32) > lstm(16) > dense(1)", "wide_2=gru(64) > dense(1)"])
        // What precedes '=' with a layer's characters is a mistyped spec, not a name.
        #expect(NamedModelSpec(argument: "lstm:hidden=8") == nil)
        #expect(NamedModelSpec(argument: "gru(4) > dense(1)") == nil)
    }

    @Test("an invalid, built-in or repeated model name is exit 64 naming --model-spec and the allowed form",
          arguments: [("Deep=gru(4) > dense(1)", "--model-spec: 'Deep' is not a usable model name"),
                      ("my model=gru(4) > dense(1)", "--model-spec: 'my model' is not a usable model name"),
                      ("1st=gru(4) > dense(1)", "--model-spec: '1st' is not a usable model name"),
                      ("../x=gru(4) > dense(1)", "--model-spec: '../x' is not a usable model name"),
                      ("=gru(4) > dense(1)", "--model-spec: has an empty model name before '='"),
                      ("gru=gru(4) > dense(1)", "--model-spec: 'gru' is the id of a built-in model"),
                      ("snaive=gru(4) > dense(1)", "--model-spec: 'snaive' is the id of a built-in model"),
                      ("custom=gru(4) > dense(1)", "--model-spec: 'custom' is the id of a built-in model")])
    func badModelNames(_ argument: String, _ expected: String) {
        do {
            _ = try Fit.parse(["prices.csv", "--model-spec", argument])
            Issue.record("\(argument) should not validate")
        } catch {
            let message = Fit.message(for: error)
            #expect(message == expected + "\n  hint: write name=spec with a name of lowercase letters, digits, '-' and '_', starting with a letter, at most 40 characters, other than naive, snaive, drift, ets, theta, ff, rnn, gru, lstm, combo, custom; e.g. deep='lstm(32) > dense(1)'")
            #expect(Fit.exitCode(for: error).rawValue == 64)
        }
    }

    @Test("two models of one name, and a named spec's own errors, name the model")
    func repeatedNameAndNamedSpecErrors() {
        let cases = [(["--model-spec", "a=gru(4) > dense(1)", "--model-spec", "a=gru(8) > dense(1)"],
                      "--model-spec: names two models 'a'\n  hint: give each extra model its own name"),
                     (["--model-spec", "deep=gru(4) > dense(1)", "--horizon", "3"],
                      "--model-spec: deep: ends in dense(1), which gives 1 value per window, but --horizon is 3\n  hint: end the description with dense(3), one output per forecast step")]
        for (arguments, expected) in cases {
            do {
                _ = try Fit.parse(["prices.csv"] + arguments)
                Issue.record("\(arguments) should not validate")
            } catch {
                #expect(Fit.message(for: error) == expected)
                #expect(Fit.exitCode(for: error).rawValue == 64)
            }
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

        Loads a model file from a report folder (for example reports/prices/latest/model-gru.ckpt), reads
        FILE.csv with the columns and settings the model was fitted with, and forecasts the points after
        its last row, with the 80% and 95% intervals calibrated at fit time. Nothing is retrained. Every
        model of a run has a file: networks model-<name>.ckpt; ets, theta, the baselines (naive, snaive,
        drift) and combo model-<name>.json. ETS and Theta refilter the series from its first row with their
        fixed parameters: FILE.csv must start with the training rows, unchanged.

        USAGE: forecast predict --model <path> <file.csv> [--steps <k>] [--json]

        ARGUMENTS:
          <file.csv>              CSV file with the same columns as the training data.

        OPTIONS:
          --model <path>          Model file written by `forecast fit` (model-<name>.ckpt or .json).
          --steps <k>             Forecast the first k steps, 1 ≤ k ≤ the trained horizon (default: all of
                                  them).
          --json                  Print the forecast as JSON (model, target, last_date, data_note, steps
                                  with date, forecast, lower_80, upper_80, lower_95, upper_95).
          --version               Show the version.
          -h, --help              Show help information.

        """)
    }

    @Test("fit's help, whole: every option once, in its group, with its values and default")
    func fitHelp() {
        #expect(Forecast.helpMessage(for: Fit.self, columns: 100) == """
        OVERVIEW: Fit baselines, ETS, Theta, a windowed MLP and recurrent models on a CSV series and write
        a report.

        Reads FILE.csv, windows the target into (time_steps, n_samples, dim_input) tensors, fits naive,
        seasonal naive, drift, ETS and Theta and trains a windowed feed-forward network, RNN, GRU and LSTM
        on the training part, picks the model with the lowest validation error, scores every model on the
        test part with rolling-origin one-step-ahead forecasts, and writes <reports>/<dataset>/<run
        stamp>/report.md with charts, metrics.json and one checkpoint per trained or fitted model.

        USAGE: forecast fit [<options>] <file.csv> ...

        ARGUMENTS:
          <file.csv>              CSV file with a date column and numeric columns; several files (or
                                  --id-column, --targets) make a portfolio of series.

        INPUT:
          --delimiter <char>      Field delimiter: ',', ';', 'tab' or '|'. Detected from the first lines
                                  when omitted.
          --date-column <name>    Name of the date column (default: found by name or content).
          --date-format <format>  strftime-style date format, e.g. '%d.%m.%Y', for dates that are not ISO
                                  8601 or epoch seconds.
          --target <name>         Column to forecast (default: adj close, close, price, value, or the only
                                  numeric column).
          --features <a,b,c>      Comma-separated input columns (default: the target alone).
          --missing <policy>      What to do with missing values. (values: ffill, interpolate, drop, error;
                                  default: ffill)
          --duplicates <policy>   What to do with duplicate timestamps. (values: error, first, last;
                                  default: error)

        MODELS AND TRAINING:
          --window <n>            Time steps per input window (default: two seasons, or 32 without a
                                  season, at most a quarter of the training points).
          --stride <n>            Step between consecutive windows. (default: 1)
          --horizon <h>           Steps ahead to forecast. (default: 1)
          --transform <t>         Target transform before windowing. (values: none, diff, log-return;
                                  default: diff)
          --scaling <s>           Scaling, fitted on the training part. (values: zscore, minmax, none;
                                  default: zscore)
          --test-fraction <f>     Share of points held out for the test part. (default: 0.2)
          --validation-fraction <f>
                                  Share of the training part held out for validation. (default: 0.1)
          --models <list>         Comma-separated models; the baselines naive, drift and (with a season)
                                  snaive are scored in every run, listed or not. (values: naive, snaive,
                                  drift, ets, theta, ff, rnn, gru, lstm, combo; default:
                                  naive,snaive,drift,ets,theta,ff,rnn,gru,lstm,combo)
          --model-spec <[name=]spec>
                                  An extra network as a layer string, e.g. 'bigru(64,sum) > dense(1)' (the
                                  model custom); name=spec names it, e.g. deep='lstm(32) > dense(1)', and
                                  may be repeated.
          --hidden <n>            Hidden units of the ff, rnn, gru and lstm models. (default: 64)
          --epochs <n>            Maximum training epochs (early stopping usually ends sooner). (default:
                                  100)
          --batch-size <n>        Mini-batch size (1 = plain SGD). (default: 64)
          --learning-rate <lr>    Initial learning rate. (default: 0.001)
          --optimizer <name>      Optimizer (sgd with momentum 0.9). (values: adam, sgd; default: adam)
          --loss <name>           Training loss (huber with δ = 1). (values: mse, mae, huber; default: mse)
          --clip <norm>           Gradient clipping by global norm; 0 turns it off. (default: 1.0)
          --patience <n>          Early-stopping patience in epochs; 0 turns early stopping off. (default:
                                  10)
          --ensemble <k>          Seeds per network: each network is trained k times and its forecasts
                                  averaged (default: 3).
          --init <scheme>         Weight initialisation: glorot (Glorot-uniform input, orthogonal
                                  recurrent) or pytorch (U(±1/√H)). (values: glorot, pytorch; default:
                                  glorot)
          --seed <n>              Random seed: same seed and data give the same numbers. (default: 42)
          --season <m>            Season length for seasonal naive, ETS, Theta and MASE (default: from the
                                  frequency).

        OUTPUT:
          --reports <dir>         Folder for reports and checkpoints. (default: reports)
          --json                  Print the metrics.json summary to stdout.
          -q, --quiet             Print only errors.
          -v, --verbose           Print one line per training epoch.

        MANY SERIES:
          --id-column <name>      Long format: the column whose value tells the series apart; each value is
                                  one series.
          --targets <all|a,b,c>   Wide format: 'all' (every column but the date) or comma-separated
                                  columns, each one series.
          --portfolio <name>      Name of the portfolio: its folder under --reports (default: the input's
                                  base name, or 'portfolio' for several files).
          --jobs <n>              Series fitted at once (default: the number of cores).
          --shard <i/n>           Fit only shard i of n (0-based), chosen by a hash of the series id;
                                  `forecast merge` joins the shards.
          --global                Also train one global twin of every network (global-gru, …) on the pooled
                                  windows of all series, evaluated per series beside the local models.
          --series-embedding <kind>
                                  What the global networks see of the series: none, or onehot (one input
                                  column per series, at most 256 series). (values: none, onehot)
        
        OPTIONS:
          --version               Show the version.
          -h, --help              Show help information.

        """)
    }

    @Test("fit's help lists every enum option's values and the model list")
    func fitHelpListsValues() {
        // Wrapped lines joined: a fragment may run across a line break.
        let help = Forecast.helpMessage(for: Fit.self, columns: 200).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for fragment in ["--missing <policy>", "values: ffill, interpolate, drop, error",
                         "--transform <t>", "values: none, diff, log-return",
                         "--loss <name>", "values: mse, mae, huber",
                         "--init <scheme>", "values: glorot, pytorch",
                         "--models <list>", "values: naive, snaive, drift, ets, theta, ff, rnn, gru, lstm, combo; default: naive,snaive,drift,ets,theta,ff,rnn,gru,lstm,combo"] {
            #expect(help.contains(fragment), "\(fragment)")
        }
    }
}
