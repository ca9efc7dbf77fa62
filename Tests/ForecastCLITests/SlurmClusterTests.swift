import Foundation
import ProcessTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A one-node Slurm cluster made of this test's own processes: `munged`, `slurmctld` and
/// `slurmd` in the foreground, with a MUNGE key, a `slurm.conf` and every state, spool, log
/// and pid file inside one scratch folder, on ports no system service uses. Nothing of the
/// machine's own Slurm or MUNGE setup is touched (only `/run/munge` is created if missing, as
/// `munged` requires it). ``stop()`` ends the three processes by their PIDs.
final class OneNodeSlurmCluster {
    let folder: URL
    let configuration: URL
    private var daemons: [(name: String, pid: pid_t)] = []

    /// The packages, installed if missing (Debian: slurm-wlm, munge; needs root). Throws with
    /// apt-get's output when they cannot be installed.
    static func ensurePackages() throws {
        let needed = ["/usr/bin/sbatch", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sinfo"]
        guard needed.contains(where: { !FileManager.default.isExecutableFile(atPath: $0) }) else { return }
        var environment = ProcessInfo.processInfo.environment
        environment["DEBIAN_FRONTEND"] = "noninteractive"
        let r = try runProcess("/usr/bin/apt-get", ["install", "-y", "--no-install-recommends", "slurm-wlm", "munge"],
                               environment: environment)
        if r.status != 0 {
            throw ClusterError("apt-get install slurm-wlm munge failed (exit \(r.status); root is needed): \(r.stderr.suffix(2000))")
        }
    }

    struct ClusterError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    init() throws {
        folder = try temporaryDirectory("forecast-slurm")
        configuration = folder.appendingPathComponent("slurm.conf")
    }

    var environment: [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["SLURM_CONF"] = configuration.path
        return e
    }

    /// Writes the key and the configuration, starts the daemons and waits until the node is idle.
    func start() throws {
        let fm = FileManager.default
        for sub in ["state", "spool", "log"] {
            try fm.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try fm.createDirectory(atPath: "/run/munge", withIntermediateDirectories: true)
        var key = [UInt8](repeating: 0, count: 1024)
        for i in key.indices { key[i] = UInt8.random(in: 0...255) }
        let keyFile = folder.appendingPathComponent("munge.key")
        try Data(key).write(to: keyFile)
        chmod(keyFile.path, 0o400)
        let socket = folder.appendingPathComponent("munge.socket").path
        try launch("munged", "/usr/sbin/munged", ["-F", "--key-file=\(keyFile.path)", "--socket=\(socket)",
                                                  "--pid-file=\(folder.path)/munged.pid", "--log-file=\(folder.path)/munged.log",
                                                  "--seed-file=\(folder.path)/munge.seed"])
        try waitFor("the MUNGE socket", seconds: 10) { fm.fileExists(atPath: socket) }

        let host = try runProcess("/bin/hostname", ["-s"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Ports away from Slurm's defaults and from another test run's (by our PID).
        let port = 20_000 + Int(getpid() % 5_000) * 2
        let f = folder.path
        let text = """
        ClusterName=forecasttest
        SlurmctldHost=\(host)
        AuthType=auth/munge
        AuthInfo=socket=\(socket)
        CredType=cred/munge
        SlurmUser=root
        SlurmdUser=root
        SlurmctldPort=\(port)
        SlurmdPort=\(port + 1)
        StateSaveLocation=\(f)/state
        SlurmdSpoolDir=\(f)/spool
        SlurmctldLogFile=\(f)/log/slurmctld.log
        SlurmdLogFile=\(f)/log/slurmd.log
        SlurmctldPidFile=\(f)/slurmctld.pid
        SlurmdPidFile=\(f)/slurmd.pid
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        SelectType=select/cons_tres
        SelectTypeParameters=CR_Core
        JobAcctGatherType=jobacct_gather/none
        MpiDefault=none
        ReturnToService=2
        NodeName=\(host) CPUs=\(ProcessInfo.processInfo.activeProcessorCount) RealMemory=2000 State=UNKNOWN
        PartitionName=forecast Nodes=ALL Default=YES MaxTime=INFINITE State=UP

        """
        try text.write(to: configuration, atomically: true, encoding: .utf8)
        try launch("slurmctld", "/usr/sbin/slurmctld", ["-D", "-c"])
        try launch("slurmd", "/usr/sbin/slurmd", ["-D"])
        try waitFor("the node to be idle (sinfo)", seconds: 30) {
            let r = try? runProcess("/usr/bin/sinfo", ["-h", "-o", "%T"], environment: self.environment)
            return r?.stdout.contains("idle") == true
        }
    }

    /// Starts a daemon with posix_spawn: a clean signal mask and default dispositions (a test
    /// runner's threads block signals, and a child would inherit that: slurmd would never see
    /// SIGCHLD, munged never SIGTERM), stdin from /dev/null, stdout and stderr to `<name>.out`,
    /// and none of the runner's other descriptors (a daemon holding the runner's output pipe
    /// would keep it open after the tests end).
    private func launch(_ name: String, _ path: String, _ arguments: [String]) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let log = folder.appendingPathComponent("\(name).out").path
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for fd in open where fd > 2 && fcntl(fd, F_GETFD) != -1 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard status == 0 else { throw ClusterError("cannot start \(name): \(String(cString: strerror(status)))") }
        daemons.append((name, pid))
    }

    /// Whether the daemon still runs; reaps it when it has ended.
    private func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    private func waitFor(_ what: String, seconds: Double, _ ready: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try ready() { return }
            for d in daemons where !isRunning(d.pid) {
                throw ClusterError("\(d.name) exited while waiting for \(what):\n\(logs())")
            }
            usleep(200_000)
        }
        throw ClusterError("gave up after \(Int(seconds)) s waiting for \(what):\n\(logs())")
    }

    /// The daemons' output, for a failure message.
    func logs() -> String {
        ["munged.out", "munged.log", "slurmctld.out", "log/slurmctld.log", "slurmd.out", "log/slurmd.log"].map { name in
            let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? "(none)"
            return "--- \(name)\n" + String(text.suffix(1500))
        }.joined(separator: "\n")
    }

    /// Ends the daemons this cluster started, by PID (SIGTERM, then SIGKILL after 10 s), newest first.
    func stop() {
        for d in daemons.reversed() {
            var status: Int32 = 0
            guard waitpid(d.pid, &status, WNOHANG) == 0 else { continue }  // already ended (and now reaped)
            kill(d.pid, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while waitpid(d.pid, &status, WNOHANG) == 0 {
                if Date() > deadline {
                    kill(d.pid, SIGKILL)
                    waitpid(d.pid, &status, 0)
                    break
                }
                usleep(100_000)
            }
        }
        daemons = []
    }

    deinit { stop() }
}

@Suite("Slurm: the shard array and the merge on a real one-node cluster", .serialized)
struct SlurmClusterTests {
    @Test("deploy/slurm/submit runs 4 shards as an array and the merge after them; the merged summary equals the one-process run apart from timing")
    func arrayAndMerge() throws {
        try OneNodeSlurmCluster.ensurePackages()
        let cluster = try OneNodeSlurmCluster()
        defer { cluster.stop() }
        try cluster.start()

        let visnights = repositoryRoot.appendingPathComponent("data/visnights.csv").path
        let fitArguments = [visnights, "--targets", "nswmetro,qldmetro,vicmetro,waumetro,saumetro", "--models", "naive,snaive,ets"]
        let work = cluster.folder
        let single = try runForecast(["fit"] + fitArguments + ["--reports", work.appendingPathComponent("one").path, "-q"])
        #expect(single.status == 0, "\(single.stderr)")

        var environment = cluster.environment
        environment["FORECAST"] = forecastBinary.path
        let reports = work.appendingPathComponent("cluster").path
        // timeout: a job that can never run must fail the test, not hang it.
        let submit = try runProcess("/usr/bin/timeout", ["600", repositoryRoot.appendingPathComponent("deploy/slurm/submit").path,
                                                         "--wait", "4", reports, "visnights", "--"] + fitArguments,
                                    environment: environment, currentDirectory: work)
        let jobLogs = ((try? FileManager.default.contentsOfDirectory(atPath: work.path)) ?? [])
            .filter { $0.hasPrefix("slurm-") }.sorted()
            .map { "--- \($0)\n" + ((try? String(contentsOf: work.appendingPathComponent($0), encoding: .utf8)) ?? "") }
            .joined(separator: "\n")
        #expect(submit.status == 0, "submit: \(submit.stderr)\n\(jobLogs)\n\(cluster.logs())")
        // Four array tasks and one merge job, each with its log.
        #expect(jobLogs.components(separatedBy: "--- slurm-").count - 1 == 5, "\(jobLogs)")
        let shards = try FileManager.default.contentsOfDirectory(atPath: reports + "/visnights/shards").sorted()
        #expect(shards == (0..<4).map { "shard-\($0)-of-4.json" })

        let merged = try portfolioSummaryWithoutTiming(URL(fileURLWithPath: reports + "/visnights/latest/summary.json"))
        let expected = try portfolioSummaryWithoutTiming(work.appendingPathComponent("one/visnights/latest/summary.json"))
        #expect(merged == expected)
    }

}
