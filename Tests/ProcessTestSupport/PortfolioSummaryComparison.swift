import Foundation

/// A portfolio's `summary.json` without what differs between equal runs: the `run` block (start,
/// wall time, jobs) and each series' `seconds` and `report` folder. Two runs of the same portfolio
/// — one process, shards and `merge`, a Slurm array, Kubernetes indices — must give equal values.
public func portfolioSummaryWithoutTiming(_ url: URL) throws -> NSDictionary {
    struct NotASummary: Error, CustomStringConvertible { var description: String }
    guard var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
        throw NotASummary(description: "\(url.path) is not a JSON object")
    }
    json.removeValue(forKey: "run")
    for key in ["leaderboard", "not_fitted"] {
        guard let rows = json[key] as? [[String: Any]] else { throw NotASummary(description: "\(url.path) has no \(key) list") }
        json[key] = rows.map { row in
            var r = row
            r.removeValue(forKey: "seconds")
            r.removeValue(forKey: "report")
            return r
        }
    }
    return json as NSDictionary
}
