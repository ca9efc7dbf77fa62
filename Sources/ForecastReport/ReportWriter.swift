import ForecastEvaluation
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One file of a report folder; `contents` is evaluated while the folder is being built, so a
/// failure there (or in writing) leaves no partial report behind.
public struct ReportFile: Sendable {
    public var name: String
    public var contents: @Sendable () throws -> Data
    public init(name: String, contents: @escaping @Sendable () throws -> Data) {
        self.name = name
        self.contents = contents
    }
    public init(name: String, text: String) {
        self.init(name: name, contents: { Data(text.utf8) })
    }
}

/// Where a report was written.
public struct ReportPaths: Equatable, Sendable {
    /// reports/<dataset-slug>/<YYYY-MM-DD>[-N]/
    public var folder: URL
    public var report: URL
    public var metrics: URL
    /// The SVG files written, in the order of the report.
    public var charts: [URL]
    /// reports/<dataset-slug>/latest, a symbolic link to `folder`'s name.
    public var latest: URL
}

/// The rendered files of one run: report.md, metrics.json and the SVG charts the run has data for.
public enum ReportBundle {
    public static func files(for run: RunResult, timeZone: TimeZone = .current) -> [ReportFile] {
        var charts: [(String, SVGLineChart)] = []
        if let c = ReportCharts.testPeriod(run) { charts.append((ReportFileName.testPeriodChart, c)) }
        if let c = ReportCharts.lossCurves(run) { charts.append((ReportFileName.lossChart, c)) }
        if let c = ReportCharts.gradientFlow(run) { charts.append((ReportFileName.gradientFlowChart, c)) }
        let markdown = MarkdownReport(run: run, charts: Set(charts.map(\.0)), timeZone: timeZone).render()
        return [ReportFile(name: ReportFileName.report, text: markdown),
                ReportFile(name: ReportFileName.metrics, contents: { MetricsJSON.data(for: run) })]
            + charts.map { name, chart in ReportFile(name: name, contents: { Data(chart.render().utf8) }) }
    }
}

/// Writes report folders so that readers never see half a report:
///
/// 1. every file is written into a hidden temporary folder `reports/<slug>/.tmp-…` and flushed;
/// 2. the folder is renamed to `reports/<slug>/<YYYY-MM-DD>` (rename(2) of a folder is atomic);
///    a second run on the same day gets `<YYYY-MM-DD>-2`, then `-3`, …, so no report is ever
///    overwritten;
/// 3. the symbolic link `reports/<slug>/latest` is repointed atomically (temporary link + rename).
///
/// If anything fails before step 2 the temporary folder is removed and earlier reports and
/// `latest` are untouched. The date is the run's start date in `timeZone` (the machine's local
/// zone by default, the day a person reading the report expects).
public struct ReportWriter {
    /// The reports root, usually `reports/`.
    public var root: URL
    public var timeZone: TimeZone

    public init(root: URL, timeZone: TimeZone = .current) {
        self.root = root
        self.timeZone = timeZone
    }

    /// Renders and writes the run's report. Throws `AtomicWriteError` (exit code 73) when the
    /// folder cannot be written.
    @discardableResult
    public func write(_ run: RunResult) throws -> ReportPaths {
        try write(files: ReportBundle.files(for: run, timeZone: timeZone),
                  dataset: ReportWriter.slug(forDataFile: run.dataset.filePath), date: run.startedAt)
    }

    /// Writes `files` as one report folder for `dataset` (a slug) dated `date`.
    @discardableResult
    public func write(files: [ReportFile], dataset: String, date: Date) throws -> ReportPaths {
        let datasetDir = root.appendingPathComponent(dataset, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: datasetDir, withIntermediateDirectories: true)
        } catch {
            throw AtomicWriteError(path: datasetDir.path, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let tmp = datasetDir.appendingPathComponent(".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        guard mkdir(tmp.path, 0o755) == 0 else {
            throw AtomicWriteError(path: tmp.path, reason: String(cString: strerror(errno)))
        }
        var published: URL?
        defer { if published == nil { try? FileManager.default.removeItem(at: tmp) } }

        for file in files {
            precondition(!file.name.contains("/") && !file.name.hasPrefix("."), "report file names are plain names")
            // The folder is private until renamed, so no per-file rename is needed.
            let url = tmp.appendingPathComponent(file.name)
            try AtomicFile.writeNewFile(try file.contents(), at: url, reportingPath: url.path)
        }
        ReportWriter.fsyncPath(tmp.path)

        // Publish under the first free name for the day.
        let day = Format.day(date, timeZone: timeZone)
        var attempt = 1
        while published == nil {
            let name = attempt == 1 ? day : "\(day)-\(attempt)"
            let destination = datasetDir.appendingPathComponent(name, isDirectory: true)
            var info = stat()
            if lstat(destination.path, &info) != 0 && errno == ENOENT {
                if rename(tmp.path, destination.path) == 0 {
                    published = destination
                    break
                }
                // Lost a race with another run (or the name appeared): try the next suffix.
                guard errno == EEXIST || errno == ENOTEMPTY else {
                    throw AtomicWriteError(path: destination.path, reason: String(cString: strerror(errno)))
                }
            }
            attempt += 1
            if attempt > 10_000 { throw AtomicWriteError(path: datasetDir.path, reason: "too many reports for \(day)") }
        }
        ReportWriter.fsyncPath(datasetDir.path)
        let folder = published!
        let latest = datasetDir.appendingPathComponent("latest")
        try AtomicFile.symlink(latest, to: folder.lastPathComponent)
        ReportWriter.fsyncPath(datasetDir.path)

        let names = files.map(\.name)
        return ReportPaths(
            folder: folder,
            report: folder.appendingPathComponent(ReportFileName.report),
            metrics: folder.appendingPathComponent(ReportFileName.metrics),
            charts: names.filter { $0.hasSuffix(".svg") }.map { folder.appendingPathComponent($0) },
            latest: latest)
    }

    /// A folder name for a data file: its base name without extension, lowercased, with runs of
    /// anything but a–z, 0–9 turned into "-" ("data/Prices 2024.csv" → "prices-2024").
    public static func slug(forDataFile path: String) -> String {
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.lowercased()
        var out = ""
        for c in base.unicodeScalars {
            if ("a"..."z").contains(c) || ("0"..."9").contains(c) {
                out.unicodeScalars.append(c)
            } else if !out.hasSuffix("-") {
                out.append("-")
            }
        }
        let trimmed = out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "dataset" : trimmed
    }

    /// Flushes a folder's entries (best effort: some file systems refuse fsync on folders).
    static func fsyncPath(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
