import ArgumentParser
import ForecastPipeline

/// `forecast schedule PIPELINE.yaml`: the crontab lines of a pipeline's scheduled jobs.
struct Schedule: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print, install or remove the crontab lines of a pipeline's scheduled jobs.",
        discussion: """
        Without a flag, prints the lines. --install adds them to your crontab between marker \
        comments for this pipeline (replacing earlier ones, leaving other entries alone); --remove \
        takes them out; --list shows every forecast pipeline installed. Exit codes: 40 invalid \
        pipeline file, or a path, job name or schedule that cannot be written to a crontab \
        safely (the crontab is not touched); 44 the crontab cannot be read or written. \
        
        """
    )

    @Argument(help: ArgumentHelp("Pipeline file.", valueName: "pipeline.yaml"))
    var pipeline: String?

    @Flag(help: "Add the lines to your crontab, replacing this pipeline's earlier ones.")
    var install = false

    @Flag(help: "Take this pipeline's lines out of your crontab.")
    var remove = false

    @Flag(help: "Show the forecast pipelines installed in your crontab.")
    var list = false

    func validate() throws {
        if [install, remove, list].filter({ $0 }).count > 1 {
            throw ValidationError("use only one of --install, --remove, --list.")
        }
        if pipeline == nil && !list { throw ValidationError("give the pipeline file, e.g. forecast schedule pipelines/nightly.yaml.") }
    }

    func run() throws {
        let action: ScheduleCommand.Action = install ? .install : remove ? .remove : list ? .list : .print
        let code = ScheduleCommand.execute(pipelinePath: pipeline, action: action)
        if code != 0 { throw ExitCode(code) }
    }
}
