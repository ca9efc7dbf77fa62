import ForecastEvaluation
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One file of a report folder; `contents` is evaluated while the folder is being built, so a
/// failure there (or in writing) leaves no partial report behind.
public struct ReportFile: Sendable {
    public var name: String
    /// Writes the file's bytes, in pieces, to the function it is given. A file that would be
    /// large in memory (a portfolio's `forecasts.csv`) streams its pieces so that only one is
    /// held at a time; every other file hands over its bytes at once.
    public var write: @Sendable (_ emit: (Data) throws -> Void) throws -> Void

    public init(name: String, contents: @escaping @Sendable () throws -> Data) {
        self.name = name
        self.write = { emit in try emit(try contents()) }
    }
    public init(name: String, text: String) {
        self.init(name: name, contents: { Data(text.utf8) })
    }
    public init(name: String, streaming write: @escaping @Sendable (_ emit: (Data) throws -> Void) throws -> Void) {
        self.name = name
        self.write = write
    }

    /// The whole file in memory (what ``write`` emits, concatenated). O(file size).
    public func contents() throws -> Data {
        var out = Data()
        try write { out.append($0) }
        return out
    }
}

/// Where a report was written.
public struct ReportPaths: Equatable, Sendable {
    /// reports/<dataset-slug>/<run stamp>/
    public var folder: URL
    public var report: URL
    public var metrics: URL
    /// The SVG files written, in the order of the report.
    public var charts: [URL]
    /// reports/<dataset-slug>/latest, a symbolic link to `folder`'s name.
    public var latest: URL
}

/// The rendered files of one run: report.md, metrics.json and the SVG charts the run has data
/// for, plus any extra sections (each with its chart) a caller adds, e.g. a pipeline's live error.
public enum ReportBundle {
    public static func files(for run: RunResult, sections: [ReportSection] = [],
                             timeZone: TimeZone = .current) -> [ReportFile] {
        var charts: [(String, SVGLineChart)] = []
        // The forecast itself first: what a reader came for.
        if let c = ReportCharts.fan(run) { charts.append((ReportFileName.fanChart, c)) }
        if let c = ReportCharts.testPeriod(run) { charts.append((ReportFileName.testPeriodChart, c)) }
        if let c = ReportCharts.lossCurves(run) { charts.append((ReportFileName.lossChart, c)) }
        if let c = ReportCharts.gradientFlow(run) { charts.append((ReportFileName.gradientFlowChart, c)) }
        for section in sections { if let chart = section.chart { charts.append((chart.file, chart.chart)) } }
        let markdown = MarkdownReport(run: run, charts: Set(charts.map(\.0)), sections: sections, timeZone: timeZone).render()
        return [ReportFile(name: ReportFileName.report, text: markdown),
                ReportFile(name: ReportFileName.metrics, contents: { MetricsJSON.data(for: run) })]
            + charts.map { name, chart in ReportFile(name: name, contents: { Data(chart.render().utf8) }) }
    }
}

/// The one publisher of report folders, for `forecast fit` and for every pipeline job, so that
/// readers never see half a report:
///
/// 1. ``stage(startedAt:)`` creates a hidden folder `<folder>/.incomplete-<stamp>` under a
///    run stamp no other run of this folder uses (``RunStamp``: `2024-05-01T063000Z`, UTC,
///    `-2`, `-3`… for runs started in the same second), with the marker file that tells
///    retention the folder is ours (``RunFolders/markerName``);
/// 2. the caller writes the run's files into it (``publish(files:startedAt:)`` does it for a
///    list of ``ReportFile``s);
/// 3. ``publish(_:)`` flushes it and renames it to `<folder>/<stamp>` (rename(2) of a folder is
///    atomic), then repoints the symbolic link `<folder>/latest` atomically, at the newest run.
///
/// If anything fails before step 3 the staging folder is removed (or, after `kill -9`, left
/// hidden for the next pipeline run's cleanup), and earlier reports and `latest` are untouched.
/// `folder` is `reports/<dataset>` for `fit` and the job's `report_dir` for `run`.
public struct ReportPublisher: Sendable {
    /// The folder holding the run folders and `latest`.
    public var folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// A run folder being written, not yet visible under its stamp.
    public struct Staging: Sendable {
        /// The name the folder will be published under.
        public let stamp: String
        /// The hidden folder to write into.
        public let url: URL
    }

    /// Creates the staging folder of a run started at `date`, creating `folder` if needed.
    /// Throws ``AtomicWriteError`` (exit 73) when it cannot, ``SymlinkRefusedError`` (exit 45)
    /// when `folder` is a symbolic link.
    public func stage(startedAt date: Date) throws -> Staging {
        try OwnedFiles.refuseSymlink(folder, role: "the report folder \(folder.lastPathComponent)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            // Say what is in the way rather than Foundation's generic error number.
            var existing = folder
            while existing.path != "/" && !FileManager.default.fileExists(atPath: existing.path) {
                existing.deleteLastPathComponent()
            }
            let reason = RunFolders.isDirectory(existing)
                ? "cannot create the folder (check the permissions of \(existing.path))"
                : "\(existing.path) is a file, not a folder"
            throw AtomicWriteError(path: folder.path, reason: reason)
        }
        for _ in 0..<10_000 {
            let stamp = RunStamp.unique(for: date, in: folder)
            let url = folder.appendingPathComponent(RunFolders.stagingName(stamp), isDirectory: true)
            if mkdir(url.path, 0o755) == 0 {
                do { try RunFolders.mark(url) } catch {
                    rmdir(url.path)
                    throw error
                }
                return Staging(stamp: stamp, url: url)
            }
            // Another run took the name between the check and mkdir: take the next one.
            guard errno == EEXIST else { throw AtomicWriteError(path: url.path, reason: String(cString: strerror(errno))) }
        }
        throw AtomicWriteError(path: folder.path, reason: "too many runs started at \(RunStamp.name(for: date))")
    }

    /// Makes the staged folder visible under its stamp and points `latest` at it.
    /// Throws ``AtomicWriteError``; the staging folder is then left for the caller to discard.
    @discardableResult
    public func publish(_ staging: Staging) throws -> URL {
        Self.fsyncPath(staging.url.path)
        let destination = folder.appendingPathComponent(staging.stamp, isDirectory: true)
        // rename(2) would replace an empty folder of that name; refuse instead.
        var info = stat()
        guard lstat(destination.path, &info) != 0 && errno == ENOENT else {
            throw AtomicWriteError(path: destination.path, reason: "a folder of that name appeared while the run was written")
        }
        guard rename(staging.url.path, destination.path) == 0 else {
            throw AtomicWriteError(path: destination.path, reason: String(cString: strerror(errno)))
        }
        Self.fsyncPath(folder.path)
        try pointLatestAtNewest(fallback: staging.stamp)
        Self.fsyncPath(folder.path)
        return destination
    }

    /// Points `latest` at the newest published run, not simply at the one just published: two
    /// runs finishing out of order (a slow one started earlier) must leave `latest` on the
    /// newer. An flock on the folder itself serialises this step between processes.
    func pointLatestAtNewest(fallback: String) throws {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { flock(fd, LOCK_EX) }
        defer { if fd >= 0 { flock(fd, LOCK_UN); close(fd) } }
        let newest = RunFolders.runs(in: folder).last ?? fallback
        try AtomicFile.symlink(folder.appendingPathComponent("latest"), to: newest)
    }

    /// Removes a staging folder that will not be published.
    public func discard(_ staging: Staging) {
        try? FileManager.default.removeItem(at: staging.url)
    }

    /// Stages, writes `files` (each rendered now: a failure in one leaves no report behind),
    /// and publishes. Throws ``AtomicWriteError`` (exit 73) or whatever rendering a file throws.
    @discardableResult
    public func publish(files: [ReportFile], startedAt date: Date) throws -> ReportPaths {
        let staging = try stage(startedAt: date)
        let folder: URL
        do {
            for file in files {
                precondition(!file.name.contains("/") && !file.name.hasPrefix("."), "report file names are plain names")
                // The folder is private until renamed, so no per-file rename is needed.
                let url = staging.url.appendingPathComponent(file.name)
                try AtomicFile.writeNewFile(at: url, reportingPath: url.path, file.write)
            }
            folder = try publish(staging)
        } catch {
            discard(staging)
            throw error
        }
        let names = files.map(\.name)
        return ReportPaths(
            folder: folder,
            report: folder.appendingPathComponent(ReportFileName.report),
            metrics: folder.appendingPathComponent(ReportFileName.metrics),
            charts: names.filter { $0.hasSuffix(".svg") }.map { folder.appendingPathComponent($0) },
            latest: self.folder.appendingPathComponent("latest"))
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
