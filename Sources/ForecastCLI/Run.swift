import ArgumentParser
import ForecastModels
import ForecastPipeline

/// `forecast run PIPELINE.yaml`: what cron calls every night.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the jobs of a pipeline file (what cron calls).",
        discussion: """
        Each job runs as `forecast fit` does and publishes its dated report folder, `latest`, \
        history.csv and reports/index.md. Unchanged input and configuration are skipped unless \
        --force. One run at a time per report folder (flock); a killed run loses nothing. \
        Exit codes: 0 every job succeeded or was skipped (and no portfolio series was); 40 \
        invalid pipeline file; 41 another run holds the lock; 42 some jobs failed; 43 every job \
        failed; 45 the lock or log file is a symbolic link; 46 no job failed but a portfolio \
        job skipped a series or got no forecast for one; 64 unknown --job; 73 log or lock file \
        cannot be created (or index.md cannot be written). \
        
        """
    )

    @Argument(help: ArgumentHelp("Pipeline file, e.g. pipelines/nightly.yaml.", valueName: "pipeline.yaml"))
    var pipeline: String

    @Option(name: .customLong("job"), help: ArgumentHelp("Run only this job (repeatable).", valueName: "name"))
    var job: [String] = []

    @Flag(help: "Run even when the input and configuration are unchanged since the last success.")
    var force = false

    @Option(help: ArgumentHelp("Wait up to this many seconds for another run to finish instead of exiting with 41.", valueName: "seconds"))
    var wait: Double?

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    @Flag(help: "Validate the pipeline file and exit without running anything.")
    var check = false

    func validate() throws {
        try validateMatrixBackendEnvironment()
        if let wait, !(wait >= 0 && wait.isFinite) {
            throw ValidationError("--wait must be a number of seconds ≥ 0 (got \(wait)).")
        }
    }

    func run() throws {
        MatrixBackend.useOneThreadPerCaller()
        let code = RunCommand.execute(pipelinePath: pipeline, jobs: job, force: force, wait: wait ?? 0,
                                      quiet: quiet, checkOnly: check) { _ in FitJobExecutor(version: Forecast.version) }
        if code != 0 { throw ExitCode(code) }
    }
}
