import ForecastEvaluation
import Foundation
import Synchronization
import Testing
@testable import ForecastReport

@Suite struct ReportPublisherTests {
    let utc = TimeZone(identifier: "UTC")!

    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-report-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func linkTarget(_ url: URL) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: url.path)
    }

    func entries(_ url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    @Test func writesFolderPerRunAndRepointsLatest() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = SampleRun.make()
        let publisher = ReportPublisher(folder: root.appendingPathComponent("prices"))
        let files = ReportBundle.files(for: run, timeZone: utc)
        let first = try publisher.publish(files: files, startedAt: run.startedAt)
        let stamp = RunStamp.name(for: run.startedAt)
        #expect(first.folder.path == root.appendingPathComponent("prices/\(stamp)").path)
        #expect(try entries(first.folder) == [".forecast-run", "forecast.svg", "gradient-flow.svg", "metrics.json", "report.md", "test-period.svg", "training-loss.svg"])
        #expect(RunFolders.isOurs(first.folder), "the marker tells retention the folder is ours")
        #expect(try linkTarget(first.latest) == stamp)
        let viaLatest = try String(contentsOf: root.appendingPathComponent("prices/latest/report.md"), encoding: .utf8)
        #expect(viaLatest.hasPrefix("# Forecast report: price in prices.csv"))
        #expect(first.charts.map(\.lastPathComponent) == ["forecast.svg", "test-period.svg", "training-loss.svg", "gradient-flow.svg"])

        // Same start second again: a new folder, the first one untouched, latest moves.
        let firstReport = try Data(contentsOf: first.report)
        let second = try publisher.publish(files: files, startedAt: run.startedAt)
        #expect(second.folder.lastPathComponent == "\(stamp)-2")
        #expect(try linkTarget(second.latest) == "\(stamp)-2")
        #expect(try Data(contentsOf: first.report) == firstReport)
        let third = try publisher.publish(files: files, startedAt: run.startedAt)
        #expect(third.folder.lastPathComponent == "\(stamp)-3")
        // Only the run folders and the link: no temporary leftovers.
        #expect(try entries(root.appendingPathComponent("prices")) == [stamp, "\(stamp)-2", "\(stamp)-3", "latest"])
    }

    @Test func failureMidWriteLeavesPreviousReportAndLatestUntouched() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let publisher = ReportPublisher(folder: root.appendingPathComponent("prices"))
        let day = Date(timeIntervalSince1970: 1_764_054_000)
        let good = try publisher.publish(files: [ReportFile(name: "report.md", text: "old report\n")], startedAt: day)

        struct ChartFailure: Error {}
        let rendered = Mutex<[String]>([])
        let failing = [
            ReportFile(name: "report.md", contents: { rendered.withLock { $0.append("report.md") }; return Data("new report\n".utf8) }),
            ReportFile(name: "metrics.json", contents: { rendered.withLock { $0.append("metrics.json") }; return Data("{}".utf8) }),
            ReportFile(name: "test-period.svg", contents: { throw ChartFailure() }),
        ]
        #expect(throws: ChartFailure.self) {
            try publisher.publish(files: failing, startedAt: day.addingTimeInterval(86_400))
        }
        #expect(rendered.withLock { $0 } == ["report.md", "metrics.json"])  // the failure happened mid-write
        #expect(try entries(root.appendingPathComponent("prices")) == ["2025-11-25T070000Z", "latest"])
        #expect(try linkTarget(good.latest) == "2025-11-25T070000Z")
        #expect(try String(contentsOf: root.appendingPathComponent("prices/latest/report.md"), encoding: .utf8) == "old report\n")
    }

    @Test func stagedFolderIsHiddenUntilPublished() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let publisher = ReportPublisher(folder: root.appendingPathComponent("job"))
        let day = Date(timeIntervalSince1970: 1_764_054_000)
        let staging = try publisher.stage(startedAt: day)
        #expect(staging.url.lastPathComponent == ".incomplete-2025-11-25T070000Z")
        // A second run starting in the same second gets the next name even before the first publishes.
        let other = try publisher.stage(startedAt: day)
        #expect(other.stamp == "2025-11-25T070000Z-2")
        publisher.discard(other)
        try Data("x".utf8).write(to: staging.url.appendingPathComponent("report.md"))
        #expect(RunFolders.runs(in: publisher.folder).isEmpty, "nothing visible before publish")
        let published = try publisher.publish(staging)
        #expect(published.lastPathComponent == "2025-11-25T070000Z")
        #expect(RunFolders.runs(in: publisher.folder) == ["2025-11-25T070000Z"])
        #expect(RunFolders.latestTarget(in: publisher.folder) == "2025-11-25T070000Z")
    }

    @Test("runs finishing out of order leave latest on the newest, not on the last to finish")
    func latestFollowsTheNewestRun() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let publisher = ReportPublisher(folder: root.appendingPathComponent("prices"))
        let early = try publisher.stage(startedAt: Date(timeIntervalSince1970: 1_764_054_000))   // 07:00:00
        let late = try publisher.stage(startedAt: Date(timeIntervalSince1970: 1_764_054_060))    // 07:01:00
        try publisher.publish(late)
        #expect(try linkTarget(publisher.folder.appendingPathComponent("latest")) == late.stamp)
        try publisher.publish(early)   // the slow, earlier run finishes last
        #expect(try linkTarget(publisher.folder.appendingPathComponent("latest")) == late.stamp)
        #expect(RunFolders.runs(in: publisher.folder) == [early.stamp, late.stamp])
    }

    @Test func unwritableRootIsAnExit73Error() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: file)
        let publisher = ReportPublisher(folder: file.appendingPathComponent("d"))
        do {
            try publisher.publish(files: [ReportFile(name: "report.md", text: "x")], startedAt: Date())
            Issue.record("expected an error")
        } catch let error as AtomicWriteError {
            #expect(error.exitCode == 73)
            #expect(error.path.hasPrefix(file.path))
            #expect(error.message.contains("\(file.path) is a file, not a folder"), "\(error.message)")
        }
    }

    @Test func slugs() {
        #expect(ReportPublisher.slug(forDataFile: "data/prices.csv") == "prices")
        #expect(ReportPublisher.slug(forDataFile: "/tmp/My Prices (2024).CSV") == "my-prices-2024")
        #expect(ReportPublisher.slug(forDataFile: "données.csv") == "donn-es")
        #expect(ReportPublisher.slug(forDataFile: "___.csv") == "dataset")
    }
}
