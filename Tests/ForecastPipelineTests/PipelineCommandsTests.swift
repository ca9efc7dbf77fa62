import Foundation
import Testing
@testable import ForecastPipeline

@Suite struct RunCommandTests {
    @Test func invalidFileIsExit40WithLinesAndNothingRuns() throws {
        let p = try Project("""
        report_root: ../reports
        jobs:
          - name: a
            input: ../data/a.csv
            epochs: many
          - name: a
            input: ../data/a.csv
        """)
        let console = RecordingConsole()
        let ex = FileWritingExecutor()
        let code = RunCommand.execute(pipelinePath: p.pipelineURL.path, console: console) { _ in ex }
        #expect(code == 40)
        #expect(ex.calls.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: p.reports.path), "nothing ran, nothing was written")
        let text = console.errors.joined(separator: "\n")
        #expect(text.contains("2 problems in the pipeline file; nothing was run"))
        #expect(text.contains("nightly.yaml:5:13: error: 'epochs' must be a whole number, found 'many'"))
        #expect(text.contains("nightly.yaml:6:5: error: duplicate job name 'a' (first defined on line 3)"))
    }

    @Test func checkOnlyValidatesWithoutRunning() throws {
        let p = try Project()
        let console = RecordingConsole()
        let ex = FileWritingExecutor()
        #expect(RunCommand.execute(pipelinePath: p.pipelineURL.path, checkOnly: true, console: console) { _ in ex } == 0)
        #expect(ex.calls.isEmpty)
        #expect(console.lines.first?.contains("valid, 2 jobs") == true)
        #expect(!FileManager.default.fileExists(atPath: p.reports.path))
    }

    @Test func runAndExitCodes() throws {
        let p = try Project()
        let ex = FileWritingExecutor()
        let console = RecordingConsole()
        #expect(RunCommand.execute(pipelinePath: p.pipelineURL.path, console: console) { _ in ex } == 0)
        #expect(console.lines.map { String($0.prefix(4)) } == ["a ok", "b ok"])
        ex.failing = ["b"]
        #expect(RunCommand.execute(pipelinePath: p.pipelineURL.path, force: true) { _ in ex } == 42)
        ex.failing = ["a", "b"]
        #expect(RunCommand.execute(pipelinePath: p.pipelineURL.path, force: true) { _ in ex } == 43)
        #expect(RunCommand.execute(pipelinePath: p.pipelineURL.path, jobs: ["nope"], console: console) { _ in ex } == 64)
        let lock = try RunLock.acquire(at: try p.load().lockFile)
        let locked = RecordingConsole()
        #expect(RunCommand.execute(pipelinePath: p.pipelineURL.path, wait: 0.2, console: locked) { _ in ex } == 41)
        #expect(locked.errors.first?.contains("lock") == true)
        lock.release()
        #expect(RunCommand.execute(pipelinePath: p.dir.file("missing.yaml").path) { _ in ex } == 40)
    }
}

@Suite struct ScheduleCommandTests {
    @Test func printInstallListRemoveOnATempCrontab() throws {
        let p = try Project()
        let tab = try p.dir.write("crontab", "0 3 * * * /usr/bin/other\n")
        let store = CrontabFile(url: tab)
        let bin = URL(fileURLWithPath: "/opt/forecast/bin/forecast")
        func run(_ action: ScheduleCommand.Action, _ path: String? = nil) -> (Int32, RecordingConsole) {
            let c = RecordingConsole()
            let code = ScheduleCommand.execute(pipelinePath: path ?? p.pipelineURL.path, action: action, binary: bin, store: store, console: c)
            return (code, c)
        }
        let (printed, out) = run(.print)
        #expect(printed == 0)
        #expect(out.lines[0].hasPrefix("# BEGIN forecast pipeline \(p.pipelineURL.path)"))
        #expect(try p.dir.read("crontab") == "0 3 * * * /usr/bin/other\n", "print changes nothing")

        #expect(run(.install).1.lines == ["installed 1 crontab entry for \(p.pipelineURL.path)"])
        #expect(run(.install).1.lines == ["crontab already up to date for \(p.pipelineURL.path)"])
        let tabText = try p.dir.read("crontab")
        #expect(tabText.hasPrefix("0 3 * * * /usr/bin/other\n\n# BEGIN forecast pipeline "))
        #expect(tabText.contains("30 6 * * * mkdir -p '\(p.reports.path)' && cd '\(p.dir.file("pipelines").path)' && LC_ALL=C '/opt/forecast/bin/forecast' run '\(p.pipelineURL.path)' --job a --quiet --wait 1800 >> '\(p.reports.path)/cron.log' 2>&1"))

        let (listed, l) = run(.list, nil)
        #expect(listed == 0)
        #expect(l.lines[0] == "\(p.pipelineURL.path): 1 entry")

        // Another spelling of the same path names the same pipeline (no cwd change: tests run in parallel).
        #expect(run(.remove, p.dir.url.path + "/pipelines/../pipelines/nightly.yaml").1.lines == ["removed the crontab entries for \(p.pipelineURL.path)"])
        #expect(try p.dir.read("crontab") == "0 3 * * * /usr/bin/other\n")
        #expect(run(.remove).1.lines == ["nothing installed for \(p.pipelineURL.path)"])
    }

    @Test func errorsHaveTheirExitCodes() throws {
        let p = try Project("jobs:\n  - name: a\n    input: x\n    schedule: \"99 * * * *\"\n")
        let c = RecordingConsole()
        let bad = ScheduleCommand.execute(pipelinePath: p.pipelineURL.path, action: .install, binary: URL(fileURLWithPath: "/x"),
                                          store: CrontabFile(url: p.dir.file("tab")), console: c)
        #expect(bad == 40)
        #expect(c.errors[0].contains("nightly.yaml:4:15: error: invalid schedule '99 * * * *'"))
        let good = try Project()
        let broken = CrontabCommand(executable: "/nonexistent/crontab")
        #expect(ScheduleCommand.execute(pipelinePath: good.pipelineURL.path, action: .install, binary: URL(fileURLWithPath: "/x"),
                                        store: broken, console: RecordingConsole()) == 44)
    }
}
