import ForecastReport
import ForecastWorkflow
import Foundation
import Testing
@testable import ForecastPipeline

private func parsedJobs(_ yaml: String) throws -> [String: JobConfig] {
    let file = try PipelineFile.parse(yaml: yaml, url: URL(fileURLWithPath: "/tmp/pipes/p.yaml"), displayPath: "p.yaml")
    return Dictionary(uniqueKeysWithValues: file.jobs.map { ($0.name, $0) })
}

private func problemsOf(_ yaml: String) -> [PipelineError] {
    do {
        _ = try PipelineFile.parse(yaml: yaml, url: URL(fileURLWithPath: "/tmp/pipes/p.yaml"), displayPath: "p.yaml")
        return []
    } catch let e as PipelineFileErrors {
        return e.problems
    } catch {
        Issue.record("unexpected error type \(error)")
        return []
    }
}

/// Two monthly series in long format, `state,date,visitors`; VIC gains a row with `extraVIC`.
private func twoStates(extraVIC: Bool = false) -> String {
    var out = "state,date,visitors\n"
    for i in 0..<48 {
        let date = String(format: "%04d-%02d-01", 2020 + i / 12, i % 12 + 1)
        out += "NSW,\(date),\(100 + Double(i % 4) * 7 + Double(i) * 0.5 + Double((i * 37) % 11))\n"
        out += "VIC,\(date),\(50 + Double(i % 3) * 4 - Double(i) * 0.2 + Double((i * 13) % 7))\n"
    }
    if extraVIC { out += "VIC,2024-01-01,61.5\n" }
    return out
}

@Suite struct GlobalJobTests {
    @Test func globalAndSeriesEmbeddingAreJobKeys() throws {
        let jobs = try parsedJobs("""
        defaults:
          series_embedding: onehot
        jobs:
          - name: g
            input: ../data/visnights.csv
            targets: all
            global: true
            series_embedding: onehot
          - name: off
            input: ../data/visnights.csv
            targets: all
            global: false
            series_embedding: none
        """)
        #expect(jobs["g"]?.fit.global == true)
        #expect(jobs["g"]?.fit.seriesEmbedding == .onehot)
        #expect(jobs["off"]?.fit.global == nil, "false is the default, so the job's hash is the one without the key")
        #expect(jobs["off"]?.fit.seriesEmbedding == nil)
        #expect(PipelineSchema.jobKeys.contains { $0.key == "global" && $0.kind == .boolean })
    }

    @Test func globalProblemsNameTheirLine() {
        let single = problemsOf("""
        jobs:
          - name: a
            input: x.csv
            global: true
        """)
        #expect(single.count == 1 && single.first?.line == 4)
        #expect(single.first?.message.contains("'global' trains one network on the windows of many series, but this job has one series") == true)

        let notBoolean = problemsOf("""
        jobs:
          - name: a
            input: x.csv
            targets: all
            global: yes please
        """)
        #expect(notBoolean.count == 1 && notBoolean.first?.line == 5)
        #expect(notBoolean.first?.message.contains("'global' must be true or false") == true)

        let embeddingAlone = problemsOf("""
        jobs:
          - name: a
            input: x.csv
            targets: all
            series_embedding: onehot
        """)
        #expect(embeddingAlone.count == 1 && embeddingAlone.first?.line == 5)
        #expect(embeddingAlone.first?.message.contains("global networks are off") == true)
    }

    @Test func aGlobalJobRefitsEverySeriesWhenOneChanged() throws {
        let p = try Project("""
        report_root: ../reports
        jobs:
          - name: states
            input: ../data/states.csv
            id_column: state
            models: [naive, ff]
            window: 4
            hidden: 2
            epochs: 2
            ensemble: 1
            global: true
        """)
        try p.dir.write("data/states.csv", twoStates())
        let ex = FileWritingExecutor()
        let first = try p.run(ex, jobs: ["states"])
        #expect(first.results.map(\.status) == [.ok])
        let folder = p.reports.appendingPathComponent("states")
        let state1 = try #require(JobState.load(from: folder))
        let nsw1 = try #require(state1.series?["NSW"]?.result.report)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(nsw1 + "/model-global-ff.ckpt").path))

        // Only VIC changes, but the global network learns from NSW too: both are refitted.
        try p.dir.write("data/states.csv", twoStates(extraVIC: true))
        let second = try p.run(ex, jobs: ["states"], start: day("2024-05-03 06:30:00"))
        #expect(second.results.map(\.status) == [.ok])
        let state2 = try #require(JobState.load(from: folder))
        #expect(state2.series?["NSW"]?.result.report != nsw1, "NSW refitted into a new folder")
        #expect(state2.series?["NSW"]?.result.unchangedSince == nil)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("latest/summary.json"))) as! [String: Any]
        #expect((json["counts"] as! [String: Any])["unchanged"] as? Int == 0)
        #expect((json["global_networks"] as? [String: Any])?["series_in_model"] as? Int == 2)
        let log = try String(contentsOf: p.reports.appendingPathComponent("forecast.log"), encoding: .utf8)
        #expect(log.contains("global networks: every series is refitted when any changed"))
    }
}
