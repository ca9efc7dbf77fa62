import Foundation
import Testing
@testable import ForecastPipeline

private let otherEntries = """
MAILTO=ops@example.org
# nightly backup
0 2 * * * /usr/local/bin/backup --all   
*/5 * * * * /usr/bin/true

"""

@Suite struct CrontabTests {
    func pipeline(_ dir: TempDir, _ yaml: String = """
        report_root: ../reports
        jobs:
          - name: prices
            input: ../data/p.csv
            schedule: "30 6 * * 1-5"
          - name: air
            input: ../data/a.csv
          - name: pct
            input: ../data/a.csv
            schedule: "@daily"
        """) throws -> PipelineFile {
        let f = try dir.write("my pipes/nightly.yaml", yaml)
        return try PipelineFile.load(f)
    }

    @Test func linesUseAbsolutePathsQuotingAndLock() throws {
        let dir = try TempDir()
        let p = try pipeline(dir)
        let lines = try CrontabLines.entries(for: p, binary: URL(fileURLWithPath: "/opt/forecast 1%/forecast"), waitSeconds: 600)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("# Managed by"))
        let root = dir.url.path
        #expect(lines[1] == "30 6 * * 1-5 mkdir -p '\(root)/reports' && cd '\(root)/my pipes' && LC_ALL=C '/opt/forecast 1\\%/forecast' run '\(root)/my pipes/nightly.yaml' --job prices --quiet --wait 600 >> '\(root)/reports/cron.log' 2>&1")
        #expect(lines[2] == "# job air: no schedule, run it by hand")
        #expect(lines[3].hasPrefix("@daily mkdir -p"))
        #expect(lines[3].contains("--job pct "))
        #expect(CrontabLines.shellQuote("it's") == "'it'\\''s'")
    }

    @Test func installIsIdempotentAndKeepsOtherEntriesByteForByte() throws {
        let body = ["0 6 * * * /bin/forecast run /p/a.yaml --job x"]
        let once = try CrontabEditor.installing(body, for: "/p/a.yaml", into: otherEntries)
        #expect(once.hasPrefix(otherEntries), "other entries untouched")
        #expect(once == otherEntries + "\n# BEGIN forecast pipeline /p/a.yaml\n" + body[0] + "\n# END forecast pipeline /p/a.yaml\n")
        let twice = try CrontabEditor.installing(body, for: "/p/a.yaml", into: once)
        #expect(twice == once, "installing again changes nothing")

        // A second pipeline is added beside the first.
        let both = try CrontabEditor.installing(["1 1 * * * b"], for: "/p/b.yaml", into: once)
        #expect(CrontabEditor.installedBlocks(in: both).map(\.pipeline) == ["/p/a.yaml", "/p/b.yaml"])

        // Re-installing the first with new lines replaces its block in place.
        let replaced = try CrontabEditor.installing(["5 5 * * * new"], for: "/p/a.yaml", into: both)
        let blocks = CrontabEditor.installedBlocks(in: replaced)
        #expect(blocks.map(\.pipeline) == ["/p/a.yaml", "/p/b.yaml"])
        #expect(blocks[0].lines == ["5 5 * * * new"])
        #expect(blocks[1].lines == ["1 1 * * * b"])
        #expect(!replaced.contains(body[0]))
        #expect(replaced.hasPrefix(otherEntries))

        // Removing both restores the original text exactly.
        let r1 = try CrontabEditor.removing(pipeline: "/p/a.yaml", from: replaced)
        #expect(r1.removed)
        let r2 = try CrontabEditor.removing(pipeline: "/p/b.yaml", from: r1.text)
        #expect(r2.text == otherEntries)
        let r3 = try CrontabEditor.removing(pipeline: "/p/b.yaml", from: r2.text)
        #expect(!r3.removed && r3.text == otherEntries)
    }

    @Test func emptyCrontabAndMissingFinalNewline() throws {
        let fresh = try CrontabEditor.installing(["x"], for: "/a", into: "")
        #expect(fresh == "# BEGIN forecast pipeline /a\nx\n# END forecast pipeline /a\n")
        #expect(try CrontabEditor.removing(pipeline: "/a", from: fresh).text == "")
        // A last line without a newline is one cron ignores: it stays unterminated, after the block.
        let noNewline = try CrontabEditor.installing(["x"], for: "/a", into: "# c\n0 1 * * * job")
        #expect(noNewline == "# c\n\n# BEGIN forecast pipeline /a\nx\n# END forecast pipeline /a\n0 1 * * * job")
        #expect(try CrontabEditor.removing(pipeline: "/a", from: noNewline).text == "# c\n0 1 * * * job")
        // The user's own blank lines at the end are not taken for our separator.
        let blanks = try CrontabEditor.installing(["x"], for: "/a", into: "0 1 * * * a\n\n")
        #expect(try CrontabEditor.removing(pipeline: "/a", from: blanks).text == "0 1 * * * a\n\n")
    }

    @Test func unbalancedMarkersAreRefusedNotGuessed() {
        let broken = "# BEGIN forecast pipeline /a\n0 1 * * * x\n"
        #expect(throws: CrontabError.self) { try CrontabEditor.installing(["y"], for: "/a", into: broken) }
        #expect(throws: CrontabError.self) { try CrontabEditor.removing(pipeline: "/a", from: broken) }
        // Another pipeline's broken block does not stop this one.
        #expect(throws: Never.self) { try CrontabEditor.installing(["y"], for: "/b", into: broken) }
    }

    @Test func scheduleInstallReplaceRemoveListOnATempCrontabFile() throws {
        let dir = try TempDir()
        let tab = try dir.write("crontab.txt", otherEntries)
        let store = CrontabFile(url: tab)
        let p = try pipeline(dir)
        let binary = URL(fileURLWithPath: "/usr/local/bin/forecast")
        let schedule = try PipelineSchedule(pipeline: p, binary: binary, store: store)
        #expect(try schedule.install() == .added)
        let installed = try dir.read("crontab.txt")
        #expect(installed.hasPrefix(otherEntries))
        #expect(installed.hasSuffix(schedule.preview))
        #expect(try schedule.install() == .unchanged)
        #expect(try dir.read("crontab.txt") == installed)

        // Changing the pipeline's schedule replaces the block instead of adding one.
        let p2 = try pipeline(dir, "report_root: ../reports\njobs:\n  - {name: prices, input: ../data/p.csv, schedule: '15 7 * * *'}\n")
        #expect(try PipelineSchedule(pipeline: p2, binary: binary, store: store).install() == .replaced)
        let listed = try PipelineSchedule.list(store: store)
        #expect(listed.count == 1)
        #expect(listed[0].pipeline == p.url.path)
        #expect(listed[0].entries.count == 1)
        #expect(listed[0].entries[0].hasPrefix("15 7 * * * "))

        #expect(try PipelineSchedule.remove(pipelinePath: p.url.path, store: store))
        #expect(try dir.read("crontab.txt") == otherEntries)
        #expect(try PipelineSchedule.remove(pipelinePath: p.url.path, store: store) == false)
    }

    @Test func storeFromEnvironment() throws {
        let f = CrontabStores.fromEnvironment(["FORECAST_CRONTAB_FILE": "/tmp/x.tab"])
        #expect((f as? CrontabFile)?.url.path == "/tmp/x.tab")
        let u = CrontabStores.fromEnvironment(["FORECAST_CRONTAB_USER": "bob"])
        #expect((u as? CrontabCommand)?.user == "bob")
        #expect((CrontabStores.fromEnvironment([:]) as? CrontabCommand)?.user == nil)
        // A missing file reads as an empty crontab.
        #expect(try CrontabFile(url: URL(fileURLWithPath: "/nonexistent/tab")).read() == "")
    }

    @Test func commandStoreTalksToACrontabProgram() throws {
        // A stand-in `crontab` (same interface: -l prints, - reads stdin) so the test never
        // touches the real user's crontab.
        let dir = try TempDir()
        let state = dir.file("state.tab")
        let script = try dir.write("crontab", """
        #!/bin/sh
        if [ "$1" = "-u" ]; then echo "$2" > "\(dir.url.path)/user"; shift 2; fi
        case "$1" in
          -l) if [ -f "\(state.path)" ]; then cat "\(state.path)"; else echo "no crontab for tester" >&2; exit 1; fi ;;
          -) cat > "\(state.path)" ;;
          *) exit 2 ;;
        esac
        """)
        chmod(script.path, 0o755)
        let store = CrontabCommand(executable: script.path, user: "tester")
        #expect(try store.read() == "")
        try store.write("0 1 * * * a\n")
        #expect(try store.read() == "0 1 * * * a\n")
        #expect(try dir.read("user") == "tester\n")
        let missing = CrontabCommand(executable: "/nonexistent/crontab")
        #expect(throws: CrontabError.self) { try missing.read() }
        do { _ = try missing.read() } catch let e as CrontabError {
            #expect(e.exitCode == 44)
            #expect(e.hint?.contains("apt-get install cron") == true)
        }
    }

    @Test func currentExecutableIsAbsolute() {
        #expect(CurrentExecutable.url().path.hasPrefix("/"))
        #expect(FileManager.default.isExecutableFile(atPath: CurrentExecutable.url().path))
    }
}
