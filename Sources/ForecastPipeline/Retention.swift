import ForecastReport
import Foundation

/// Keeps the newest `keep` run folders of a job (each holding its report, metrics and
/// checkpoints) and deletes older ones. Never deletes the folder `latest` points at, nor those
/// named in `protecting` (e.g. the warm-start checkpoint's run).
///
/// Each doomed folder is first renamed to `.deleting-<name>` (atomic), then removed; a run
/// killed mid-way leaves only a hidden folder that the next run's `removeLeftovers` clears,
/// never a half-deleted report under its real name.
public enum Retention {
    /// Returns the names of the folders removed, oldest first.
    @discardableResult
    public static func prune(reportDir: URL, keep: Int, protecting: Set<String> = []) throws -> [String] {
        let runs = RunFolders.runs(in: reportDir)
        let keepCount = max(1, keep)
        guard runs.count > keepCount else { return [] }
        var protected = protecting
        if let latest = RunFolders.latestTarget(in: reportDir) { protected.insert(latest) }
        let doomed = runs.dropLast(keepCount).filter { !protected.contains($0) }
        for name in doomed {
            let from = reportDir.appendingPathComponent(name)
            let trash = reportDir.appendingPathComponent(RunFolders.trashPrefix + name)
            try FileManager.default.moveItem(at: from, to: trash)
            try FileManager.default.removeItem(at: trash)
        }
        return Array(doomed)
    }
}
