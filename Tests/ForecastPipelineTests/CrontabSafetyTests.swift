import Foundation
import ProcessTestSupport
import Testing
@testable import ForecastPipeline

/// `forecast schedule` run as root, unattended, on hostile or merely awkward paths: nothing it
/// writes may add a cron line of its own, every word reaches the shell as written, and the
/// user's bytes outside our block never change.
@Suite struct CrontabSafetyTests {
    static let job = "jobs:\n  - name: prices\n    input: data.csv\n    schedule: \"30 6 * * 1-5\"\n"

    /// Bytes a user's crontab may hold before `--install`: no final newline, CRLF lines, blank
    /// lines and comments, text that is not UTF-8.
    static let originals: [[UInt8]] = [
        [],
        Array("0 1 * * * /usr/bin/job".utf8),
        Array("MAILTO=ops@example.org\n0 1 * * * /usr/bin/job   ".utf8),
        Array("0 1 * * * a\r\n# comment\r\n\r\n5 5 * * * b\r\n".utf8),
        Array("0 1 * * * a\r\n5 5 * * * b".utf8),
        Array("\n\n# comment\n\n0 1 * * * a\n\n\n".utf8),
        Array("# only a comment\n".utf8),
        Array("\n".utf8),
        Array("# caf".utf8) + [0xE9] + Array("\n0 1 * * * a\n".utf8),
    ]

    /// Values no crontab line may carry: each would end or split the line, or hide part of it.
    static let hostileNames: [String] = [
        "nl\n* * * * * touch /tmp/PWNED-forecast-test #",
        "cr\r* * * * * touch /tmp/PWNED-forecast-test #",
        "tab\tx",
        "ls\u{2028}x",
        "ps\u{2029}x",
        "nel\u{85}x",
        "del\u{7F}x",
        "esc\u{1B}[31mx",
    ]

    // MARK: refusing hostile values

    @Test(arguments: hostileNames)
    func hostilePipelinePathIsRefusedAndTheCrontabFileIsUntouched(_ name: String) throws {
        let dir = try TempDir()
        let pipeline = try dir.write("\(name)/p.yaml", Self.job)
        let original = Array("0 1 * * * /usr/bin/job".utf8)
        let tab = dir.file("crontab")
        try Data(original).write(to: tab)
        let store = CrontabStores.fromEnvironment(["FORECAST_CRONTAB_FILE": tab.path])
        for action in [ScheduleCommand.Action.install, .print] {
            let c = RecordingConsole()
            let code = ScheduleCommand.execute(pipelinePath: pipeline.path, action: action,
                                               binary: URL(fileURLWithPath: "/usr/local/bin/forecast"), store: store, console: c)
            #expect(code == 40, "\(action): refused as an invalid pipeline")
            #expect(c.lines.isEmpty, "\(action): nothing printed: \(c.lines)")
            try expectOneCleanError(c.errors, naming: name)
        }
        #expect(Array(try Data(contentsOf: tab)) == original, "crontab byte for byte unchanged")
    }

    @Test func refusedInstallCreatesNoCrontabFile() throws {
        let dir = try TempDir()
        let pipeline = try dir.write("\(Self.hostileNames[0])/p.yaml", Self.job)
        let tab = dir.file("crontab")
        let code = ScheduleCommand.execute(pipelinePath: pipeline.path, action: .install, binary: URL(fileURLWithPath: "/usr/local/bin/forecast"),
                                           store: CrontabStores.fromEnvironment(["FORECAST_CRONTAB_FILE": tab.path]), console: RecordingConsole())
        #expect(code == 40)
        #expect(!FileManager.default.fileExists(atPath: tab.path))
    }

    @Test func hostileBinaryPathIsRefused() throws {
        let dir = try TempDir()
        let pipeline = try dir.write("pipes/p.yaml", Self.job)
        let tab = try dir.write("crontab", "0 1 * * * a\n")
        for bin in ["/opt/fc\n* * * * * touch /tmp/PWNED-forecast-test #/forecast", "/opt/fc\r/forecast", "/opt/f\u{2028}c/forecast"] {
            let c = RecordingConsole()
            let code = ScheduleCommand.execute(pipelinePath: pipeline.path, action: .install, binary: URL(fileURLWithPath: bin),
                                               store: CrontabFile(url: tab), console: c)
            #expect(code == 40)
            try expectOneCleanError(c.errors, naming: bin)
            #expect(c.errors.joined().contains("forecast binary"), "names which value: \(c.errors)")
        }
        #expect(try dir.read("crontab") == "0 1 * * * a\n")
    }

    @Test(arguments: ["reports\\tx", "reports\\nx", "rep\\u2028orts", "rep\\rorts"])
    func hostileReportRootIsRefused(_ escaped: String) throws {
        let dir = try TempDir()
        let pipeline = try dir.write("pipes/p.yaml", "report_root: \"\(escaped)\"\n" + Self.job)
        let tab = try dir.write("crontab", "0 1 * * * a\n")
        let c = RecordingConsole()
        let code = ScheduleCommand.execute(pipelinePath: pipeline.path, action: .install, binary: URL(fileURLWithPath: "/usr/local/bin/forecast"),
                                           store: CrontabFile(url: tab), console: c)
        #expect(code == 40, "\(c.errors)")
        #expect(c.errors.joined().contains("report_root"), "names which value: \(c.errors)")
        #expect(try dir.read("crontab") == "0 1 * * * a\n")
    }

    /// A command longer than Debian's cron takes whole would be cut short (perhaps after
    /// `run 'FILE'`, dropping `--job`) or dropped, so it is refused.
    @Test func overlongCommandIsRefused() throws {
        let dir = try TempDir()
        let deep = (0..<5).map { _ in String(repeating: "d", count: 200) }.joined(separator: "/")
        let pipeline = try dir.write("\(deep)/p.yaml", Self.job)
        let tab = try dir.write("crontab", "0 1 * * * a\n")
        let c = RecordingConsole()
        let code = ScheduleCommand.execute(pipelinePath: pipeline.path, action: .install, binary: URL(fileURLWithPath: "/usr/local/bin/forecast"),
                                           store: CrontabFile(url: tab), console: c)
        #expect(code == 40)
        #expect(c.errors.joined().contains("998 bytes"), "\(c.errors)")
        #expect(try dir.read("crontab") == "0 1 * * * a\n")
    }

    /// The same refusal from the built binary, with the crontab file named by FORECAST_CRONTAB_FILE.
    @Test func binaryRefusesTheInjectionThroughForecastCrontabFile() throws {
        guard let bin = ForecastBinary.require() else { return }
        let dir = try TempDir()
        let pipeline = try dir.write("\(Self.hostileNames[0])/p.yaml", Self.job)
        let original = Data("MAILTO=ops@example.org\n0 1 * * * /usr/bin/job".utf8)
        let tab = dir.file("crontab")
        try original.write(to: tab)
        let r = try runProcess(bin.path, ["schedule", pipeline.path, "--install"],
                               environment: TinyProject.cronEnvironment.merging(["FORECAST_CRONTAB_FILE": tab.path]) { _, b in b },
                               currentDirectory: URL(fileURLWithPath: "/"))
        #expect(r.status == 40, "stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("nl\\n* * * * * touch /tmp/PWNED-forecast-test #"), "the value escaped for display: \(r.stderr)")
        #expect(!r.stderr.contains("\n* * * * *"))
        #expect(try Data(contentsOf: tab) == original)
    }

    /// What an older forecast wrote for a path with a newline can be removed, injected line and all.
    @Test func legacyInjectedBlockIsRemovedWhole() throws {
        let dir = try TempDir()
        let path = "/tmp/t/nl\n* * * * * touch /tmp/PWNED-forecast-test #/p.yaml"
        let before = "0 1 * * * a\n"
        let legacy = before + "\n# BEGIN forecast pipeline \(path)\n# Managed by 'forecast schedule --install'.\n"
            + "30 6 * * 1-5 cd '/tmp/t/nl\n* * * * * touch /tmp/PWNED-forecast-test #' && '/bin/forecast' run '\(path)' --job a\n"
            + "# END forecast pipeline \(path)\n"
        let tab = try dir.write("crontab", legacy)
        #expect(try PipelineSchedule.remove(pipelinePath: path, store: CrontabFile(url: tab)))
        #expect(try dir.read("crontab") == before)
    }

    /// `--list` and `--remove` show what a crontab holds escaped, never raw control characters.
    @Test func listAndRemoveShowControlCharactersEscaped() throws {
        let dir = try TempDir()
        let path = "/tmp/t/nl\n* * * * * touch /tmp/PWNED-forecast-test #/p.yaml"
        let tab = try dir.write("crontab", "# BEGIN forecast pipeline \(path)\n0 1 * * * x\u{1B}[2Jy\n# END forecast pipeline \(path)\n")
        let store = CrontabFile(url: tab)
        let listed = RecordingConsole()
        #expect(ScheduleCommand.execute(pipelinePath: nil, action: .list, store: store, console: listed) == 0)
        #expect(listed.lines.contains("  0 1 * * * x\\u{1B}[2Jy"), "\(listed.lines)")
        let removed = RecordingConsole()
        #expect(ScheduleCommand.execute(pipelinePath: path, action: .remove, store: store, console: removed) == 0)
        #expect(removed.lines == ["removed the crontab entries for /tmp/t/nl\\n* * * * * touch /tmp/PWNED-forecast-test #/p.yaml"])
        #expect(try dir.read("crontab") == "")
    }

    // MARK: awkward but legal values round-trip

    @Test func awkwardLegalPathsAreQuotedRunAsWrittenAndRemovedExactly() throws {
        let dir = try TempDir()
        let folder = "a b 'q' \"dq\" 100% $HOME #x `id` ;&|*? \\% \\\\% %% é 漢 🙂"
        let pipelineURL = try dir.write("\(folder)/p'%$#.yaml", "report_root: \"../r% '$x' \\\\%\"\n" + Self.job)
        let record = dir.file("args.txt")
        let binary = try dir.write("bin 'x' 5%\\%/forecast", "#!/bin/sh\nprintf '%s\\n' \"$PWD\" \"$@\" > '\(record.path)'\n")
        chmod(binary.path, 0o755)
        let original = Array("# mine\n0 1 * * * /usr/bin/job # 100%".utf8)
        let tab = dir.file("crontab")
        try Data(original).write(to: tab)
        let store = CrontabFile(url: tab)

        let pipeline = try PipelineFile.load(pipelineURL)
        let schedule = try PipelineSchedule(pipeline: pipeline, binary: binary, store: store)
        #expect(try schedule.install() == .added)
        let installed = try Data(contentsOf: tab)
        let listed = try PipelineSchedule.list(store: store)
        #expect(listed.map(\.pipeline) == [pipeline.url.path], "the marker names the path exactly")
        try #require(listed.first?.entries.count == 1)

        // Run the entry as cron would: `%` handling, then /bin/sh -c.
        let entry = listed[0].entries[0]
        #expect(entry.hasPrefix("30 6 * * 1-5 "))
        let cronField = String(entry.dropFirst("30 6 * * 1-5 ".count))
        let (command, stdin) = vixieCronCommand(cronField)
        #expect(stdin == nil, "no unescaped % in \(cronField)")
        let r = try runProcess("/bin/sh", ["-c", command], environment: ["PATH": "/usr/bin:/bin"], currentDirectory: URL(fileURLWithPath: "/"))
        #expect(r.status == 0, "\(r.stderr)")
        let args = try String(contentsOf: record, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(args == [pipeline.folder.path, "run", pipeline.url.path, "--job", "prices", "--quiet", "--wait", "1800", ""])
        #expect(FileManager.default.fileExists(atPath: pipeline.reportRoot.appendingPathComponent("cron.log").path))

        #expect(try schedule.install() == .unchanged)
        #expect(try Data(contentsOf: tab) == installed)
        let c = RecordingConsole()
        #expect(ScheduleCommand.execute(pipelinePath: pipelineURL.path, action: .remove, store: store, console: c) == 0)
        #expect(c.lines == ["removed the crontab entries for \(pipeline.url.path)"])
        #expect(Array(try Data(contentsOf: tab)) == original, "remove takes out exactly what install wrote")
    }

    /// Every string of up to 4 characters over a troublesome alphabet comes out of cron's `%`
    /// handling and `/bin/sh` as it went in (one shell run for all of them).
    @Test func cronShellWordSurvivesCronAndShellExhaustively() throws {
        let alphabet: [String] = ["a", "\\", "%", "'", " ", "$", "\"", "#", "`", "é"]
        var values = [""]
        var last = [""]
        for _ in 0..<4 {
            last = last.flatMap { prefix in alphabet.map { prefix + $0 } }
            values += last
        }
        values += ["\\\\\\%", "%\\", "\\'%", "'\\%'", "100%% \\%% '$HOME'"]
        let words = values.map(CrontabText.cronShellWord).joined(separator: " ")
        let (command, stdin) = vixieCronCommand("printf '\\%s\\n' " + words)
        try #require(stdin == nil)
        let r = try runProcess("/bin/sh", ["-c", command], environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(out.count == values.count)
        for (got, want) in zip(out, values) where got != want {
            Issue.record("\(want.debugDescription) came out as \(got.debugDescription) from \(CrontabText.cronShellWord(want))")
        }
    }

    // MARK: the user's bytes

    @Test(arguments: originals)
    func bytesOutsideTheBlockAreUnchangedAndRemoveRestoresThem(_ original: [UInt8]) throws {
        let dir = try TempDir()
        let a = try PipelineFile.load(try dir.write("a/p.yaml", Self.job))
        let b = try PipelineFile.load(try dir.write("b/p.yaml", Self.job))
        let tab = dir.file("crontab")
        try Data(original).write(to: tab)
        let store = CrontabFile(url: tab)
        let bin = URL(fileURLWithPath: "/usr/local/bin/forecast")
        let sa = try PipelineSchedule(pipeline: a, binary: bin, store: store)
        let sb = try PipelineSchedule(pipeline: b, binary: bin, store: store)

        #expect(try sa.install() == .added)
        let once = Array(try Data(contentsOf: tab))
        #expect(outside(of: a.url.path, in: once) == original, "outside bytes identical after install")
        #expect(try sa.install() == .unchanged)
        #expect(try sb.install() == .added)
        let both = Array(try Data(contentsOf: tab))
        #expect(outside(of: b.url.path, in: both) == once)
        #expect(try PipelineSchedule.remove(pipelinePath: a.url.path, store: store))
        #expect(try PipelineSchedule.remove(pipelinePath: b.url.path, store: store))
        #expect(Array(try Data(contentsOf: tab)) == original, "install then remove gives back the bytes")

        // The other order, and a re-install in place.
        try Data(original).write(to: tab)
        try sa.install()
        try sb.install()
        try sa.install()
        #expect(try PipelineSchedule.remove(pipelinePath: b.url.path, store: store))
        #expect(Array(try Data(contentsOf: tab)) == once)
        #expect(try PipelineSchedule.remove(pipelinePath: a.url.path, store: store))
        #expect(Array(try Data(contentsOf: tab)) == original)
    }

    @Test func commentsAndBlankLinesAroundAReplacedBlockStay() throws {
        let dir = try TempDir()
        let p = try PipelineFile.load(try dir.write("a/p.yaml", Self.job))
        let tab = dir.file("crontab")
        let begin = "# BEGIN forecast pipeline \(p.url.path)"
        let end = "# END forecast pipeline \(p.url.path)"
        // Our block, by hand, between the user's lines (CRLF and blank lines before, comments after).
        let before = "# top\r\n\r\n0 1 * * * a\r\n\n"
        try Data((before + "\(begin)\nold\n\(end)\n\n# tail\n\n").utf8).write(to: tab)
        let store = CrontabFile(url: tab)
        #expect(try PipelineSchedule(pipeline: p, binary: URL(fileURLWithPath: "/bin/forecast"), store: store).install() == .replaced)
        let text = try String(contentsOf: tab, encoding: .utf8)
        #expect(text.hasPrefix(before + begin + "\n"))
        #expect(text.hasSuffix(end + "\n\n# tail\n\n"))
        #expect(!text.contains("\nold\n"))
    }

    /// Debian's `crontab -` refuses a crontab whose last line has no newline; forecast keeps that
    /// line as it is, so it says why the install failed and what to do.
    @Test func unterminatedLastLineRefusedByCrontabCommandIsExplained() throws {
        let dir = try TempDir()
        let state = try dir.write("state.tab", "0 1 * * * a")
        let script = try dir.write("crontab", """
        #!/bin/sh
        case "$1" in
          -l) cat "\(state.path)" ;;
          -) cat > "\(dir.url.path)/new.tab"; [ "$(tail -c 1 "\(dir.url.path)/new.tab" | od -An -c | tr -d ' ')" = '\\n' ] && exit 0
             echo "new crontab file is missing newline before EOF, can't install." >&2; exit 1 ;;
        esac
        """)
        chmod(script.path, 0o755)
        let p = try dir.write("p/p.yaml", Self.job)
        let c = RecordingConsole()
        let code = ScheduleCommand.execute(pipelinePath: p.path, action: .install, binary: URL(fileURLWithPath: "/usr/local/bin/forecast"),
                                           store: CrontabCommand(executable: script.path), console: c)
        #expect(code == 44)
        #expect(c.errors.joined().contains("missing newline before EOF"), "\(c.errors)")
        #expect(c.errors.joined().contains("last line has no newline"), "\(c.errors)")
        #expect(try dir.read("state.tab") == "0 1 * * * a")
    }

    // MARK: helpers

    func expectOneCleanError(_ errors: [String], naming value: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(errors.count == 1, "\(errors)", sourceLocation: sourceLocation)
        let text = errors.joined(separator: "\n")
        // Message and hint, each on one line: no control character of the value reaches the terminal.
        let bad = text.unicodeScalars.filter { ($0.properties.generalCategory == .control && $0 != "\n") || $0 == "\u{2028}" || $0 == "\u{2029}" }
        #expect(bad.isEmpty, "control characters in the error: \(text.debugDescription)", sourceLocation: sourceLocation)
        #expect(text.split(separator: "\n").count == 2, "message and hint: \(text.debugDescription)", sourceLocation: sourceLocation)
        #expect(text.contains("control character"), "\(text)", sourceLocation: sourceLocation)
        let escapedValue = value.unicodeScalars.map { s -> String in
            switch s {
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            default:
                return s.properties.generalCategory == .control || s == "\u{2028}" || s == "\u{2029}"
                    ? "\\u{\(String(s.value, radix: 16, uppercase: true))}" : String(s)
            }
        }.joined()
        #expect(text.contains(escapedValue), "names the value escaped (\(escapedValue)): \(text)", sourceLocation: sourceLocation)
    }

    /// `bytes` without the block for `pipeline` and the blank line that separates it: what the
    /// user wrote.
    func outside(of pipeline: String, in bytes: [UInt8]) -> [UInt8]? {
        let begin = Array("# BEGIN forecast pipeline \(pipeline)\n".utf8)
        let end = Array("# END forecast pipeline \(pipeline)\n".utf8)
        guard var lo = find(begin, in: bytes, from: 0), lo == 0 || bytes[lo - 1] == 0x0A,
              let e = find(end, in: bytes, from: lo) else { return nil }
        if lo >= 2 && bytes[lo - 1] == 0x0A && bytes[lo - 2] == 0x0A { lo -= 1 }   // the separating blank line
        return Array(bytes[..<lo] + bytes[(e + end.count)...])
    }

    func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard needle.count <= hay.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// Vixie cron (Debian's cron, do_command.c): in the command field `\%` becomes `%`, and the first
/// unescaped `%` ends the command (what follows is standard input, `%` read as newlines).
func vixieCronCommand(_ field: String) -> (command: String, stdin: String?) {
    var out: [Unicode.Scalar] = []
    var escaped = false
    let scalars = Array(field.unicodeScalars)
    for (i, ch) in scalars.enumerated() {
        if escaped {
            if ch == "%" { out[out.count - 1] = "%" } else { out.append(ch) }
            escaped = false
            continue
        }
        if ch == "%" {
            var rest = String.UnicodeScalarView()
            rest.append(contentsOf: scalars[(i + 1)...])
            return (String(String.UnicodeScalarView(out)), String(rest).replacingOccurrences(of: "%", with: "\n"))
        }
        out.append(ch)
        if ch == "\\" { escaped = true }
    }
    return (String(String.UnicodeScalarView(out)), nil)
}
