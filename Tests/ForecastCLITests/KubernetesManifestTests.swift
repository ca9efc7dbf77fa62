import ForecastCore
import Foundation
import ProcessTestSupport
import Testing
import Yams

/// The manifests under `deploy/kubernetes/`, read with a YAML parser and checked field by field.
/// No cluster is available here, so the Job is simulated: the container's exact command line is
/// taken from the manifest, `$(NAME)` references are replaced as the kubelet replaces them, the
/// volume's mount path is replaced by a temporary folder, and the command is run once per index
/// with `JOB_COMPLETION_INDEX` set, the built `forecast` first on `PATH`.
@Suite("Kubernetes: the nightly CronJob's manifests, parsed, and their command lines run locally")
struct KubernetesManifestTests {
    static let folder = repositoryRoot.appendingPathComponent("deploy/kubernetes")

    /// The one CronJob and the one PersistentVolumeClaim of the manifests, as parsed YAML.
    struct Manifests {
        var cronJob: [String: Any]
        var claim: [String: Any]

        init() throws {
            var documents: [[String: Any]] = []
            let kustomization = try #require(try stringKeyed(Yams.load(yaml: String(contentsOf: folder.appendingPathComponent("kustomization.yaml"), encoding: .utf8))))
            for name in try #require(kustomization["resources"] as? [Any]).compactMap({ $0 as? String }) {
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                documents += try Yams.load_all(yaml: text).compactMap { stringKeyed($0) }
            }
            cronJob = try #require(documents.first { $0["kind"] as? String == "CronJob" })
            claim = try #require(documents.first { $0["kind"] as? String == "PersistentVolumeClaim" })
        }

        var jobSpec: [String: Any]? { value(cronJob, "spec", "jobTemplate", "spec") as? [String: Any] }
        var podSpec: [String: Any]? { value(jobSpec, "template", "spec") as? [String: Any] }
        var container: [String: Any]? { (value(podSpec, "containers") as? [Any])?.first.flatMap(stringKeyed) }
        /// The container's literal environment values (those given with `value:`).
        var literalEnvironment: [String: String] {
            var result: [String: String] = [:]
            for item in (value(container, "env") as? [Any] ?? []).compactMap(stringKeyed) {
                if let name = item["name"] as? String, let v = item["value"] as? String { result[name] = v }
            }
            return result
        }
        var mountPath: String? { ((value(container, "volumeMounts") as? [Any])?.first.flatMap(stringKeyed))?["mountPath"] as? String }
        var commandLine: [String] { ((container?["command"] as? [Any]) ?? []).compactMap { $0 as? String } + ((container?["args"] as? [Any]) ?? []).compactMap { $0 as? String } }
        /// The exit codes the pod failure policy answers with FailIndex.
        var failIndexCodes: [Int] {
            let rules = (value(jobSpec, "podFailurePolicy", "rules") as? [Any] ?? []).compactMap(stringKeyed)
            return rules.filter { $0["action"] as? String == "FailIndex" }
                .flatMap { (value($0, "onExitCodes", "values") as? [Any] ?? []).compactMap { $0 as? Int } }
        }
    }

    /// The kubelet's `$(NAME)` expansion of a command line: a reference to a variable of the
    /// container's environment is replaced by its value, `$$` is a literal `$`, and anything
    /// else (shell's own `$(command)`, unknown names) is left as written.
    static func expand(_ text: String, _ environment: [String: String]) -> String {
        var out = "", rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                out += "$"; rest = after.dropFirst()
            } else if after.first == "(", let close = after.firstIndex(of: ")"),
                      let v = environment[String(after[after.index(after: after.startIndex)..<close])] {
                out += v; rest = after[after.index(after: close)...]
            } else {
                out += "$"; rest = after
            }
        }
        return out + rest
    }

    /// Runs the container's command line for one index, as a pod of the Job named `job` would,
    /// with the volume at `volume`.
    func runIndex(_ index: Int, job: String, volume: URL, manifests: Manifests) throws -> ProcessOutput {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(manifests.literalEnvironment) { $1 }
        environment["JOB_COMPLETION_INDEX"] = String(index)
        environment["JOB_NAME"] = job
        let mount = try #require(manifests.mountPath)
        let line = manifests.commandLine.map { Self.expand($0, environment).replacingOccurrences(of: mount, with: volume.path) }
        environment["PATH"] = forecastBinary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        #expect(line.first == "/bin/sh")
        return try runProcess(try #require(line.first), Array(line.dropFirst()), environment: environment)
    }

    @Test("the CronJob runs an Indexed Job of SHARDS pods, one shard each, never overlapping, on the shared claim")
    func jobShape() throws {
        let m = try Manifests()
        let job = try #require(m.jobSpec)
        let shards = try #require(m.literalEnvironment["SHARDS"].flatMap { Int($0) })
        #expect(shards > 1)
        #expect(job["completionMode"] as? String == "Indexed")
        #expect(job["completions"] as? Int == shards)
        #expect(job["parallelism"] as? Int == shards)
        #expect((job["backoffLimitPerIndex"] as? Int ?? 0) >= 1)
        #expect(value(m.cronJob, "spec", "concurrencyPolicy") as? String == "Forbid")
        #expect(m.podSpec?["restartPolicy"] as? String == "Never")  // podFailurePolicy requires it
        let script = m.commandLine.joined(separator: " ")
        #expect(script.contains("--shard $(JOB_COMPLETION_INDEX)/$(SHARDS)"), "\(script)")
        #expect(script.contains("forecast merge"), "\(script)")
        // The pods mount the claim the manifests create, which every node can write at once.
        let volumes = try #require(value(m.podSpec, "volumes") as? [Any]).compactMap(stringKeyed)
        let claimName = value(m.claim, "metadata", "name") as? String
        #expect(claimName != nil)
        #expect(volumes.contains { value($0, "persistentVolumeClaim", "claimName") as? String == claimName })
        #expect((value(m.claim, "spec", "accessModes") as? [Any])?.contains { $0 as? String == "ReadWriteMany" } == true)
    }

    @Test("bad input, skipped series and usage errors fail the index at once; crashes, exit 1, 20 and 73 are retried; evictions are not counted")
    func failurePolicy() throws {
        let m = try Manifests()
        let failIndex = Set(m.failIndexCodes)
        // Every input-data status but "the input changed while it was read", which a retry can fix.
        let inputData = ExitStatus.allCases.filter { (10...21).contains($0.rawValue) && $0 != .inputChanged }
        let expected = Set((inputData + [.someSeriesSkipped, .usage]).map { Int($0.rawValue) })
        #expect(failIndex == expected)
        for retried in [ExitStatus.internalError, .inputChanged, .cannotWrite, .everyModelFailed] {
            #expect(!failIndex.contains(Int(retried.rawValue)), "\(retried)")
        }
        let rules = try #require(value(m.jobSpec, "podFailurePolicy", "rules") as? [Any]).compactMap(stringKeyed)
        #expect(rules.contains { rule in
            rule["action"] as? String == "Ignore"
                && (rule["onPodConditions"] as? [Any])?.compactMap(stringKeyed).contains { $0["type"] as? String == "DisruptionTarget" } == true
        })
        #expect(rules.allSatisfy { value($0, "onExitCodes", "containerName") == nil || value($0, "onExitCodes", "containerName") as? String == m.container?["name"] as? String })
    }

    @Test("the pods' command lines, run once per index, merge when the last shard ends; the summary equals the one-process run")
    func commandLinesRunLocally() throws {
        let m = try Manifests()
        let shards = try #require(m.literalEnvironment["SHARDS"].flatMap { Int($0) })
        let volume = try temporaryDirectory("forecast-k8s")
        defer { try? FileManager.default.removeItem(at: volume) }
        try FileManager.default.createDirectory(at: volume.appendingPathComponent("data"), withIntermediateDirectories: true)
        let input = volume.appendingPathComponent("data/visnights.csv")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("data/visnights.csv"), to: input)

        // The one-process run of the same fit arguments, read from the manifest's own line.
        let fitLine = try #require(m.commandLine.last?.split(separator: "\n").first { $0.contains("forecast fit") })
        var arguments = fitLine.split(separator: " ").dropFirst(2).map(String.init)  // after "forecast fit"
        let cut = try #require(arguments.firstIndex(of: "--reports"))
        let mount = try #require(m.mountPath)
        arguments = arguments[..<cut].map { $0.replacingOccurrences(of: mount, with: volume.path) }
        let single = try runForecast(["fit"] + arguments + ["--reports", volume.appendingPathComponent("one").path, "--portfolio", "visnights", "-q"])
        #expect(single.status == 0, "\(single.stderr)")

        let reports = volume.appendingPathComponent("reports")
        let latest = reports.appendingPathComponent("visnights/latest/summary.json")
        let job = "forecast-nightly-29420000"
        for i in (0..<shards).reversed() {  // any order: the last to end merges
            let r = try runIndex(i, job: job, volume: volume, manifests: m)
            #expect(r.status == 0, "index \(i): \(r.stderr)")
            #expect(FileManager.default.fileExists(atPath: latest.path) == (i == 0), "index \(i)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: reports.appendingPathComponent("visnights/shards").path).sorted()
                == (0..<shards).map { "shard-\($0)-of-\(shards).json" })
        // The markers of this Job are gone once it merged.
        #expect(!FileManager.default.fileExists(atPath: reports.appendingPathComponent(".shards-done/\(job)").path))
        #expect(try portfolioSummaryWithoutTiming(latest) == portfolioSummaryWithoutTiming(volume.appendingPathComponent("one/visnights/latest/summary.json")))

        // The next night, one index fails on its input: its exit code is one the policy fails
        // the index on, no marker is left for it, and the other shards do not merge.
        let summaries = try FileManager.default.contentsOfDirectory(atPath: reports.appendingPathComponent("visnights").path).sorted()
        try FileManager.default.removeItem(at: input)
        let next = "forecast-nightly-29421440"
        let failed = try runIndex(0, job: next, volume: volume, manifests: m)
        #expect(m.failIndexCodes.contains(Int(failed.status)), "exit \(failed.status): \(failed.stderr)")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("data/visnights.csv"), to: input)
        for i in 1..<shards {
            let r = try runIndex(i, job: next, volume: volume, manifests: m)
            #expect(r.status == 0, "index \(i): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: reports.appendingPathComponent(".shards-done/\(next)").path).sorted()
                == (1..<shards).map(String.init))
        #expect(try FileManager.default.contentsOfDirectory(atPath: reports.appendingPathComponent("visnights").path).sorted() == summaries)
    }
}

/// A YAML mapping as `[String: Any]` (Yams gives `[AnyHashable: Any]` or `[String: Any]`).
private func stringKeyed(_ node: Any?) -> [String: Any]? {
    if let d = node as? [String: Any] { return d }
    guard let d = node as? [AnyHashable: Any] else { return nil }
    var result: [String: Any] = [:]
    for (k, v) in d { if let k = k.base as? String { result[k] = v } }
    return result
}

/// The value at a path of mapping keys, or nil.
private func value(_ node: Any?, _ keys: String...) -> Any? {
    var current = node
    for key in keys { current = stringKeyed(current)?[key] }
    return current
}
