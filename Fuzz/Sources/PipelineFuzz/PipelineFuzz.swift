// libFuzzer entry point over the pipeline YAML loader: the input is the file's bytes, loaded as
// /fuzz/pipelines/p.yaml by `PipelineFile.parse(bytes:url:)` (the checks of `PipelineFile.load`
// after reading: size, UTF-8, nesting, then Yams and the schema). Every input must give a valid
// PipelineFile or PipelineFileErrors (exit 40) whose problems all have a message; a trap, a stack
// overflow or another error type is a finding.
import Foundation
@_spi(Fuzzing) import ForecastPipeline
import ForecastWorkflow

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let url = URL(fileURLWithPath: "/fuzz/pipelines/p.yaml")
    do {
        let file = try PipelineFile.parse(bytes: bytes, url: url)
        let names = file.jobs.map(\.name)
        precondition(Set(names).count == names.count, "duplicate job names accepted")
        precondition(file.version >= 1)
        for job in file.jobs {
            precondition(job.fit.problems().allSatisfy { $0.key == .input }, "a job breaks the configuration rules")
        }
    } catch let error as PipelineFileErrors {
        precondition(error.exitCode == 40 && !error.problems.isEmpty)
        for p in error.problems {
            precondition(!p.message.isEmpty)
            precondition((p.line ?? 1) >= 1 && (p.column ?? 1) >= 1, "a problem at line \(String(describing: p.line))")
        }
    } catch {
        preconditionFailure("not PipelineFileErrors: \(error)")
    }
    return 0
}
