import ForecastEvaluation
import Foundation
import Synchronization
import Testing
@testable import ForecastReport

@Suite struct ReportWriterTests {
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

    @Test func writesFolderPerDayAndRepointsLatest() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = SampleRun.make()
        let writer = ReportWriter(root: root, timeZone: utc)
        let first = try writer.write(run)
        #expect(first.folder.path == root.appendingPathComponent("prices/2025-11-25").path)
        #expect(try entries(first.folder) == ["gradient-flow.svg", "metrics.json", "report.md", "test-period.svg", "training-loss.svg"])
        #expect(try linkTarget(first.latest) == "2025-11-25")
        let viaLatest = try String(contentsOf: root.appendingPathComponent("prices/latest/report.md"), encoding: .utf8)
        #expect(viaLatest.hasPrefix("# Forecast report: price in prices.csv"))
        #expect(first.charts.map(\.lastPathComponent) == ["test-period.svg", "training-loss.svg", "gradient-flow.svg"])

        // Same day again: a new folder, the first one untouched, latest moves.
        let firstReport = try Data(contentsOf: first.report)
        let second = try writer.write(run)
        #expect(second.folder.lastPathComponent == "2025-11-25-2")
        #expect(try linkTarget(second.latest) == "2025-11-25-2")
        #expect(try Data(contentsOf: first.report) == firstReport)
        let third = try writer.write(run)
        #expect(third.folder.lastPathComponent == "2025-11-25-3")
        // Only the dated folders and the link: no temporary leftovers.
        #expect(try entries(root.appendingPathComponent("prices")) == ["2025-11-25", "2025-11-25-2", "2025-11-25-3", "latest"])
    }

    @Test func failureMidWriteLeavesPreviousReportAndLatestUntouched() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let writer = ReportWriter(root: root, timeZone: utc)
        let day = Date(timeIntervalSince1970: 1_764_054_000)
        let good = try writer.write(files: [ReportFile(name: "report.md", text: "old report\n")], dataset: "prices", date: day)

        struct ChartFailure: Error {}
        let rendered = Mutex<[String]>([])
        let failing = [
            ReportFile(name: "report.md", contents: { rendered.withLock { $0.append("report.md") }; return Data("new report\n".utf8) }),
            ReportFile(name: "metrics.json", contents: { rendered.withLock { $0.append("metrics.json") }; return Data("{}".utf8) }),
            ReportFile(name: "test-period.svg", contents: { throw ChartFailure() }),
        ]
        #expect(throws: ChartFailure.self) {
            try writer.write(files: failing, dataset: "prices", date: day.addingTimeInterval(86_400))
        }
        #expect(rendered.withLock { $0 } == ["report.md", "metrics.json"])  // the failure happened mid-write
        #expect(try entries(root.appendingPathComponent("prices")) == ["2025-11-25", "latest"])
        #expect(try linkTarget(good.latest) == "2025-11-25")
        #expect(try String(contentsOf: root.appendingPathComponent("prices/latest/report.md"), encoding: .utf8) == "old report\n")
    }

    @Test func folderDateUsesTheGivenTimeZone() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        // 2025-11-25 23:30 UTC is already 2025-11-26 in UTC+2.
        let late = Date(timeIntervalSince1970: 1_764_113_400)
        let paths = try ReportWriter(root: root, timeZone: TimeZone(secondsFromGMT: 7200)!)
            .write(files: [ReportFile(name: "report.md", text: "x")], dataset: "d", date: late)
        #expect(paths.folder.lastPathComponent == "2025-11-26")
    }

    @Test func unwritableRootIsAnExit73Error() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: file)
        let writer = ReportWriter(root: file, timeZone: utc)
        do {
            try writer.write(files: [ReportFile(name: "report.md", text: "x")], dataset: "d", date: Date())
            Issue.record("expected an error")
        } catch let error as AtomicWriteError {
            #expect(error.exitCode == 73)
            #expect(error.path.hasPrefix(file.path))
        }
    }

    @Test func slugs() {
        #expect(ReportWriter.slug(forDataFile: "data/prices.csv") == "prices")
        #expect(ReportWriter.slug(forDataFile: "/tmp/My Prices (2024).CSV") == "my-prices-2024")
        #expect(ReportWriter.slug(forDataFile: "données.csv") == "donn-es")
        #expect(ReportWriter.slug(forDataFile: "___.csv") == "dataset")
    }
}
