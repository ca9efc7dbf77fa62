import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Names of dated run folders: `2024-05-01T063000Z`, with `-2`, `-3`… appended when two runs
/// start in the same second. They sort chronologically as text.
public enum RunStamp {
    /// The folder name for a run started at `date` (UTC).
    public static func name(for date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// A name for `date` not yet used in `folder` (neither finished nor in progress).
    public static func unique(for date: Date, in folder: URL) -> String {
        let base = name(for: date)
        var candidate = base
        var n = 2
        let fm = FileManager.default
        while fm.fileExists(atPath: folder.appendingPathComponent(candidate).path)
                || fm.fileExists(atPath: folder.appendingPathComponent(RunFolders.stagingName(candidate)).path) {
            candidate = "\(base)-\(n)"
            n += 1
        }
        return candidate
    }

    /// Whether `name` is a run folder name.
    public static func matches(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard u.count >= 18 else { return false }
        let digits: Set<Int> = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 13, 14, 15, 16]
        for (i, c) in u.prefix(17).enumerated() {
            let ok: Bool
            switch i {
            case 4, 7: ok = c == UInt8(ascii: "-")
            case 10: ok = c == UInt8(ascii: "T")
            default: ok = digits.contains(i) && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
            }
            if !ok { return false }
        }
        guard u[17] == UInt8(ascii: "Z") else { return false }
        if u.count == 18 { return true }
        guard u.count > 19, u[18] == UInt8(ascii: "-") else { return false }
        return u[19...].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Sort key: (base, sequence number), so `…Z-10` comes after `…Z-9`.
    public static func order(_ a: String, _ b: String) -> Bool {
        let pa = a.split(separator: "-", maxSplits: 3), pb = b.split(separator: "-", maxSplits: 3)
        let baseA = pa.prefix(3).joined(separator: "-"), baseB = pb.prefix(3).joined(separator: "-")
        if baseA != baseB { return baseA < baseB }
        let na = pa.count > 3 ? Int(pa[3]) ?? 0 : 1, nb = pb.count > 3 ? Int(pb[3]) ?? 0 : 1
        return na < nb
    }
}

/// The layout of a report folder (a job's `report_dir`, or `reports/<dataset>` for `fit`):
///
///     <report_dir>/
///       2024-05-01T063000Z/      one folder per successful run: report, metrics.json, checkpoints
///       latest -> 2024-05-02T063000Z
///       history.csv  state.json
///       .incomplete-2024-05-03T063000Z/   a run in progress (or one killed mid-way)
///
/// Every run folder holds the marker file `.forecast-run`, written when the folder is created.
/// Retention and leftover cleanup delete only real folders (not links) with the marker inside:
/// never a folder `forecast` did not make, whatever its name.
public enum RunFolders {
    /// The marker file inside every run folder `forecast` creates.
    public static let markerName = ".forecast-run"
    public static let stagingPrefix = ".incomplete-"
    public static let trashPrefix = ".deleting-"

    /// Where a run writes before it is published under `stamp`.
    public static func stagingName(_ stamp: String) -> String { stagingPrefix + stamp }

    /// The run folder `latest` points at, if any.
    public static func latestTarget(in reportDir: URL) -> String? {
        guard let dest = try? FileManager.default.destinationOfSymbolicLink(atPath: reportDir.appendingPathComponent("latest").path) else { return nil }
        return URL(fileURLWithPath: dest).lastPathComponent
    }

    /// Finished run folders this tool created (see ``isOurs(_:)``), oldest first.
    public static func runs(in reportDir: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: reportDir.path)) ?? []
        return names.filter { RunStamp.matches($0) && isOurs(reportDir.appendingPathComponent($0)) }
            .sorted(by: RunStamp.order)
    }

    /// Removes folders left by runs that were killed (staging) or interrupted while pruning,
    /// only those with the marker. Call only while holding the run lock.
    @discardableResult
    public static func removeLeftovers(in reportDir: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: reportDir.path)) ?? []
        let leftovers = names.filter {
            ($0.hasPrefix(stagingPrefix) || $0.hasPrefix(trashPrefix)) && isOurs(reportDir.appendingPathComponent($0))
        }
        for n in leftovers { try? FileManager.default.removeItem(at: reportDir.appendingPathComponent(n)) }
        return leftovers
    }

    /// Whether `url` is a folder this tool created: a real directory (not a symbolic link) with
    /// the regular file ``markerName`` inside.
    public static func isOurs(_ url: URL) -> Bool {
        var info = stat()
        guard lstat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return false }
        guard lstat(url.appendingPathComponent(markerName).path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Writes the marker into a folder this tool has just created.
    public static func mark(_ folder: URL) throws {
        try AtomicFile.writeNewFile(Data("forecast run folder: retention may delete it\n".utf8),
                                    at: folder.appendingPathComponent(markerName), reportingPath: folder.path)
    }

    public static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }
}

