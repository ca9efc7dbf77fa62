import ForecastCore
import ForecastReport
import Foundation
import Testing
@testable import ForecastPipeline

/// What a careful attacker (or an unlucky machine) can plant in the folders a nightly run writes.
/// Each check puts the link or the path in a temporary folder and checks that the file it points
/// at is byte for byte unchanged.
@Suite("hostile paths and planted links")
struct HostileFilesTests {
    /// A file outside the report root, the target a planted link points at.
    struct Victim {
        let dir: TempDir
        let url: URL
        let bytes = "root:x:0:0:root:/root:/bin/bash\n"
        init() throws {
            dir = try TempDir()
            url = try dir.write("passwd", bytes)
        }
        func isUnchanged() throws -> Bool { try String(contentsOf: url, encoding: .utf8) == bytes }
    }

    @Test("a report_dir or log_file that resolves outside the report root is refused at its line")
    func pathsMustStayInsideTheRoot() {
        func problems(_ yaml: String) -> [PipelineError] {
            do {
                _ = try PipelineFile.parse(yaml: yaml, url: URL(fileURLWithPath: "/tmp/pipes/p.yaml"), displayPath: "p.yaml")
                return []
            } catch let e as PipelineFileErrors { return e.problems } catch { return [] }
        }
        let up = problems("report_root: ../reports\njobs:\n  - name: a\n    input: x.csv\n    report_dir: ../../..\n")
        #expect(up.map(\.line) == [5])
        #expect(up.first?.message.contains("outside the report root") == true)
        let fromDefaults = problems("defaults:\n  report_dir: /etc\njobs:\n  - name: a\n    input: x.csv\n")
        #expect(fromDefaults.map(\.line) == [2], "reported at the defaults' key that set it")
        let log = problems("report_root: ../reports\nlog_file: /var/log/syslog\njobs:\n  - name: a\n    input: x.csv\n")
        #expect(log.map(\.line) == [2])
        #expect(problems("report_root: /\njobs:\n  - name: a\n    input: x.csv\n").map(\.line) == [1])
        // Inside is fine, however it is spelled.
        #expect(problems("report_root: ../reports\nlog_file: ../reports/logs/f.log\njobs:\n  - name: a\n    input: x.csv\n    report_dir: ../reports/x/../a2\n").isEmpty)
    }

    @Test("a link planted at the lock file: refused with exit 45, its target untouched")
    func lockFileLink() throws {
        let p = try Project()
        let victim = try Victim()
        try FileManager.default.createDirectory(at: p.reports, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: p.reports.appendingPathComponent(".forecast.lock").path,
                                                   withDestinationPath: victim.url.path)
        let error = #expect(throws: SymlinkRefusedError.self) { try p.run(FileWritingExecutor()) }
        #expect(error?.exitCode == 45)
        #expect(try victim.isUnchanged())
    }

    @Test("a link planted at the log file: refused with exit 45, nothing appended to its target")
    func logFileLink() throws {
        let p = try Project()
        let victim = try Victim()
        try FileManager.default.createDirectory(at: p.reports, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: p.reports.appendingPathComponent("forecast.log").path,
                                                   withDestinationPath: victim.url.path)
        let error = #expect(throws: SymlinkRefusedError.self) { try p.run(FileWritingExecutor()) }
        #expect(error?.exitCode == 45)
        #expect(try victim.isUnchanged())
    }

    @Test("a link planted at a job's history.csv: the job fails, the target is neither read into the history nor changed")
    func historyLink() throws {
        let p = try Project()
        let victim = try Victim()
        try FileManager.default.createDirectory(at: p.reports.appendingPathComponent("a"), withIntermediateDirectories: true)
        let link = p.reports.appendingPathComponent("a/history.csv")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: victim.url.path)
        let summary = try p.run(FileWritingExecutor())
        #expect(summary.results.first { $0.job == "a" }?.status == .failed)
        #expect(summary.results.first { $0.job == "b" }?.status == .ok, "other jobs still run")
        #expect(try victim.isUnchanged())
        #expect(OwnedFiles.isSymlink(link), "the link is reported, not replaced by a copy of its target")
    }

    @Test("a job folder that is a link: the job fails and nothing is written or deleted where it points")
    func jobFolderLink() throws {
        let p = try Project()
        let victim = try Victim()
        try victim.dir.write("2020-01-01T000000Z/\(RunFolders.markerName)", "")
        let before = try folderSnapshot(victim.dir.url)
        try FileManager.default.createDirectory(at: p.reports, withIntermediateDirectories: true)
        // Planted after the pipeline was checked and loaded: the runner refuses it.
        let pipeline = try p.load()
        try FileManager.default.createSymbolicLink(atPath: p.reports.appendingPathComponent("a").path,
                                                   withDestinationPath: victim.dir.url.path)
        let summary = try PipelineRunner(pipeline: pipeline, executor: FileWritingExecutor(),
                                         console: RecordingConsole()).run()
        let a = summary.results.first { $0.job == "a" }
        #expect(a?.status == .failed)
        #expect(a?.message?.contains("symbolic link") == true)
        #expect(try folderSnapshot(victim.dir.url) == before)
        // Present when the file is checked: the folder resolves outside the root, an invalid pipeline.
        #expect(throws: PipelineFileErrors.self) { try p.load() }
    }

    @Test("index.md that cannot be written makes the run exit 73, not 0")
    func unwritableIndexIsAnError() throws {
        let p = try Project()
        // A non-empty folder where index.md goes: the rename over it fails.
        try p.dir.write("reports/index.md/keep", "x")
        let summary = try p.run(FileWritingExecutor())
        #expect(summary.results.allSatisfy { $0.status == .ok })
        #expect(summary.indexFailure != nil)
        #expect(summary.exitCode == 73)
    }

    @Test("a corrupt warm-start checkpoint is reported, and its model falls back to training from scratch")
    func corruptWarmStartIsReported() throws {
        let dir = try TempDir()
        try dir.write("run/model-gru.ckpt", "FCST but not really a checkpoint")
        try dir.write("run/report.md", "not a checkpoint, ignored")
        let start = FitJobExecutor.warmStart(from: dir.file("run"))
        #expect(start.parameters.isEmpty)
        #expect(start.problems.count == 1)
        #expect(start.problems.first?.hasPrefix("model-gru.ckpt: ") == true)
    }
}
