import Foundation
import ProcessTestSupport
import Testing

/// The `forecast` binary as a user or cron runs it.
@Suite("forecast command line")
struct CommandLineTests {
    let quick = ["--window", "12", "--hidden", "8", "--epochs", "2"]

    @Test("fit --json prints metrics.json with the pick and every model, and writes the report folder")
    func fitJSON() throws {
        let dir = try temporaryDirectory()
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        let r = try runForecast(["fit", csv, "--reports", dir.path, "--json"] + quick)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["pick"] is String)
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(Set(models.compactMap { $0["model"] as? String }).isSuperset(of: ["naive", "drift", "ets", "theta", "ff", "rnn", "gru", "lstm"]))
        for key in ["model", "status", "mae", "rmse", "smape", "mase", "diracc", "skill", "params", "train_seconds"] {
            #expect(models.allSatisfy { $0.keys.contains(key) }, "key \(key)")
        }
        let latest = dir.appendingPathComponent("airpassengers/latest")
        for file in ["report.md", "metrics.json", "model-gru.ckpt", "model-ets.json", "model-theta.json", "test-period.svg"] {
            #expect(FileManager.default.fileExists(atPath: latest.appendingPathComponent(file).path), "\(file)")
        }
        // The terminal summary and predict name a statistical model with its spec.
        let ets = try #require(models.first { $0["model"] as? String == "ets" })
        let spec = try #require(ets["configuration"] as? String)
        #expect(spec.hasPrefix("ETS("))
        let predicted = try runForecast(["predict", "--model", latest.appendingPathComponent("model-ets.json").path, csv])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        #expect(predicted.stdout.hasPrefix("model ets \(spec), target passengers, last row 1960-12-01\n1961-01-01\t"), "\(predicted.stdout)")
        // Not a terminal: no escape sequences anywhere.
        #expect(!r.stderr.contains("\u{1B}") && !r.stdout.contains("\u{1B}"))
    }

    @Test("fit --models ets,theta: the summary names each with its spec and test MASE, and the pick with its spec")
    func statisticalSummary() throws {
        let dir = try temporaryDirectory()
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        let r = try runForecast(["fit", csv, "--reports", dir.path, "--models", "ets,theta", "--season", "12"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let models = try #require(lines.first { $0.hasPrefix("models ") })
        #expect(models.contains(/, ets ETS\([AM],(N|A|Ad),[NAM]\) \d\.\d{3}, theta (STM|OTM|DSTM|DOTM) \d\.\d{3}  \(test MASE, vs (naive|seasonal naive, m=\d+), in-sample\)$/), "\(models)")
        let pick = try #require(lines.first { $0.hasPrefix("pick ") })
        #expect(pick.contains(/^pick     (ets ETS\(|theta |naive|seasonal naive|drift)/), "\(pick)")

        // The last line says how to predict with the pick's own file, and running it as printed works.
        let predictLine = try #require(lines.last { $0.hasPrefix("predict  ") })
        let words = predictLine.dropFirst("predict  ".count).split(separator: " ").map(String.init)
        #expect(words.count == 5 && words[0...2] == ["forecast", "predict", "--model"] && words[4] == csv, "\(predictLine)")
        #expect(words[3].hasPrefix(dir.path + "/airpassengers/") && words[3].hasSuffix(".json"), "\(predictLine)")
        let predicted = try runForecast(Array(words.dropFirst()))
        #expect(predicted.status == 0, "\(predicted.stderr)")

        // An edited model file: exit 31, the field named on stderr.
        let stored = dir.appendingPathComponent("airpassengers/latest/model-ets.json")
        let text = try String(contentsOf: stored, encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""alpha" : [0-9.e-]+"#, with: "\"alpha\" : 2.5", options: .regularExpression)
        #expect(edited != text)
        let bad = dir.appendingPathComponent("edited.json")
        try Data(edited.utf8).write(to: bad)
        let refused = try runForecast(["predict", "--model", bad.path, csv])
        #expect(refused.status == 31, "\(refused.stderr)")
        #expect(refused.stderr.contains("'parameters.alpha' is 2.5, outside (0.0, 1.0]"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
    }

    @Test("output that cannot be written is exit 73, never a silent 0 (fit --json and predict into a full disk)")
    func failedStandardOutputIsAnError() throws {
        let dir = try temporaryDirectory()
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        let fit = try runProcess("/bin/sh", ["-c", "exec \"$0\" fit \"$1\" --reports \"$2\" --json --window 12 --hidden 8 --epochs 2 --models naive,ff > /dev/full",
                                             forecastBinary.path, csv, dir.path])
        #expect(fit.status == 73, "\(fit.stderr)")
        #expect(fit.stderr.contains("could not be written to standard output"))
        let checkpoint = dir.appendingPathComponent("airpassengers/latest/model-ff.ckpt").path
        let predict = try runProcess("/bin/sh", ["-c", "exec \"$0\" predict --model \"$1\" \"$2\" > /dev/full", forecastBinary.path, checkpoint, csv])
        #expect(predict.status == 73, "\(predict.stderr)")
        let ok = try runForecast(["predict", "--model", checkpoint, csv])
        #expect(ok.status == 0 && ok.stdout.contains("model ff"))
    }

    @Test("fit - reads standard input, and records the SHA-256 of exactly the bytes it parsed")
    func standardInput() throws {
        let dir = try temporaryDirectory()
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        let r = try runProcess("/bin/sh", ["-c", "cat \"$1\" | exec \"$0\" fit - --reports \"$2\" --json --window 12 --hidden 8 --epochs 2 --models naive,ff",
                                           forecastBinary.path, csv, dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let dataset = try #require(json["dataset"] as? [String: Any])
        let reference = try runProcess("/usr/bin/sha256sum", [csv]).stdout.prefix(64)
        #expect(dataset["sha256"] as? String == String(reference))
    }

    @Test("an input over FORECAST_MAX_INPUT_BYTES is exit 21, from a file or a pipe")
    func inputLimit() throws {
        let csv = repositoryRoot.appendingPathComponent("data/prices.csv").path
        var env = ProcessInfo.processInfo.environment
        env["FORECAST_MAX_INPUT_BYTES"] = "1000"
        let file = try runForecast(["fit", csv], environment: env)
        #expect(file.status == 21, "\(file.stderr)")
        #expect(file.stderr.contains("FORECAST_MAX_INPUT_BYTES"))
        let pipe = try runProcess("/bin/sh", ["-c", "cat \"$1\" | FORECAST_MAX_INPUT_BYTES=1000 exec \"$0\" fit -", forecastBinary.path, csv])
        #expect(pipe.status == 21, "\(pipe.stderr)")
    }

    @Test("bad input gets its documented exit code and a message naming the file, and earlier reports survive",
          arguments: [
              ("date,price\n2020-01-01,1\n2020-01-02,abc\n", Int32(14), ":3:2"),
              ("date,price\n", Int32(12), "header"),
              ("", Int32(12), "empty"),
              ("date,price\n2020-01-01,1\n2020-01-02,2,3\n", Int32(13), ":3"),
              ("date,price\n2020-13-45,1\n2020-01-02,2\n", Int32(15), ":2:1"),
          ])
    func badInput(content: String, code: Int32, fragment: String) throws {
        let dir = try temporaryDirectory()
        // A good report first.
        let good = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        #expect(try runForecast(["fit", good, "--reports", dir.path, "--quiet"] + quick).status == 0)
        let report = dir.appendingPathComponent("airpassengers/latest/report.md")
        let before = try Data(contentsOf: report)

        let bad = dir.appendingPathComponent("airpassengers.csv")
        try Data(content.utf8).write(to: bad)
        let r = try runForecast(["fit", bad.path, "--reports", dir.path] + quick)
        #expect(r.status == code, "\(r.stderr)")
        #expect(r.stderr.contains("airpassengers.csv"))
        #expect(r.stderr.lowercased().contains(fragment.lowercased()), "\(r.stderr)")
        #expect(try Data(contentsOf: report) == before)
    }

    @Test("a misspelt command gets a did-you-mean and exit 64 (it said only 'unexpected arguments')")
    func misspeltCommandIsSuggested() throws {
        let r = try runForecast(["fti", "data.csv"])
        #expect(r.status == 64)
        #expect(r.stderr == "error: unknown command 'fti'; did you mean 'fit'?\n  hint: forecast fit --help\n", "\(r.stderr)")
        let far = try runForecast(["transform", "data.csv"])
        #expect(far.status == 64 && !far.stderr.contains("did you mean"))
    }

    @Test("a missing file exits 10, an unknown target 16, a bad option 64")
    func otherErrors() throws {
        let dir = try temporaryDirectory()
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        #expect(try runForecast(["fit", dir.appendingPathComponent("nope.csv").path, "--reports", dir.path]).status == 10)
        #expect(try runForecast(["fit", dir.path, "--reports", dir.path]).status == 10)
        let unknown = try runForecast(["fit", csv, "--target", "volume", "--reports", dir.path] + quick)
        #expect(unknown.status == 16)
        #expect(unknown.stderr.contains("passengers"))
        let badWindow = try runForecast(["fit", csv, "--window", "0"])
        #expect(badWindow.status == 64)
        #expect(badWindow.stderr.contains("--window"))
        let badModel = try runForecast(["fit", csv, "--models", "ff,transformer"])
        #expect(badModel.status == 64)
        #expect(badModel.stderr.contains("transformer"))
        let badSpec = try runForecast(["fit", csv, "--model-spec", "gru(64 > dense(1)", "--reports", dir.path])
        #expect(badSpec.status == 64)
        // A misspelt matrix backend is refused, not silently replaced by the automatic choice.
        var environment = ProcessInfo.processInfo.environment
        environment["FORECAST_GEMM"] = "mkl"
        for arguments in [["fit", csv, "--reports", dir.path], ["predict", "--model", "model.ckpt", csv], ["run", "pipeline.yaml"]] {
            let badBackend = try runForecast(arguments, environment: environment)
            #expect(badBackend.status == 64, "\(arguments[0]): \(badBackend.stderr)")
            #expect(badBackend.stderr.contains("FORECAST_GEMM=mkl") && badBackend.stderr.contains("openblas or onednn"))
        }
        environment["FORECAST_GEMM"] = "openblas"
        #expect(try runForecast(["fit", csv, "--reports", dir.path] + quick, environment: environment).status == 0)
    }

    @Test("predict rejects a corrupted checkpoint (31) and a CSV without the model's columns (32)")
    func predictErrors() throws {
        let dir = try temporaryDirectory()
        let csv = repositoryRoot.appendingPathComponent("data/airpassengers.csv").path
        #expect(try runForecast(["fit", csv, "--reports", dir.path, "--quiet", "--models", "ff"] + quick).status == 0)
        let ckpt = dir.appendingPathComponent("airpassengers/latest/model-ff.ckpt")
        let good = try runForecast(["predict", "--model", ckpt.path, csv])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("1961-01-01"))

        var bytes = try Data(contentsOf: ckpt)
        bytes[bytes.count / 2] ^= 0xFF
        let corrupted = dir.appendingPathComponent("corrupted.ckpt")
        try bytes.write(to: corrupted)
        #expect(try runForecast(["predict", "--model", corrupted.path, csv]).status == 31)
        let truncated = dir.appendingPathComponent("truncated.ckpt")
        try bytes.prefix(bytes.count / 3).write(to: truncated)
        #expect(try runForecast(["predict", "--model", truncated.path, csv]).status == 31)

        let other = dir.appendingPathComponent("other.csv")
        try Data("date,volume\n2020-01-01,1\n2020-02-01,2\n".utf8).write(to: other)
        let mismatch = try runForecast(["predict", "--model", ckpt.path, other.path])
        #expect(mismatch.status == 32, "\(mismatch.stderr)")
        #expect(mismatch.stderr.contains("passengers"))
    }

    @Test("help lists the subcommands and the fit options")
    func help() throws {
        let top = try runForecast(["--help"])
        for word in ["fit", "predict"] { #expect(top.stdout.contains(word)) }
        let fit = try runForecast(["fit", "--help"])
        for word in ["--window", "--models", "--transform", "--missing", "--json", "--seed"] { #expect(fit.stdout.contains(word), "\(word)") }
    }
}

extension CommandLineTests {
    /// `forecast run --help` listed exit 0 as "every job succeeded or was skipped" and no 45 or
    /// 46, but a portfolio job that skips a series exits 46 with every job successful, and a
    /// linked lock file exits 45 (README's table; ExitStatus).
    @Test("run --help lists every exit code forecast run gives")
    func runHelpListsEveryExitCode() throws {
        let help = try runForecast(["run", "--help"])
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("45 the lock or log file is a symbolic link"), "\(text)")
        #expect(text.contains("46 no job failed but a portfolio job skipped a series or got no forecast for one"))
        #expect(text.contains("0 every job succeeded or was skipped (and no portfolio series was)"))
    }
}

extension CommandLineTests {
    /// `forecast schedule --help` named only exit 44, but an invalid pipeline file or a value
    /// that cannot go into a crontab safely exits 40 (README's table).
    @Test("schedule --help lists exit 40 beside 44")
    func scheduleHelpListsExit40() throws {
        let help = try runForecast(["schedule", "--help"])
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("40 invalid pipeline file, or a path, job name or schedule that cannot be written to a crontab safely"), "\(text)")
        #expect(text.contains("44 the crontab cannot be read or written"))
        let dir = try temporaryDirectory()
        let bad = dir.appendingPathComponent("p.yaml")
        try "jobs:\n  - name: a\n    input: x.csv\n    schedule: \"61 * * * *\"\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(try runForecast(["schedule", bad.path]).status == 40)
    }
}
