import ArgumentParser
import ForecastCore
import ForecastReport
import ForecastWorkflow
import Foundation

/// `forecast merge DIR…`: joins the shard files of a sharded portfolio run (`fit … --shard i/n`)
/// into the summary a one-process run writes.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the shards of a portfolio run (fit --shard i/n) into one summary.",
        discussion: """
        Each DIR is a portfolio folder (reports/<portfolio>) or its shards/ folder. The shard \
        files shard-<i>-of-<n>.json found there must be every shard 0…n-1 of one run (same \
        series and settings). Writes <first DIR's portfolio folder>/<run stamp>/summary.md, \
        summary.json, skill.svg and forecasts.csv, and moves its latest link, as a \
        one-process run does. A missing or foreign shard fails with exit 10 and writes nothing.
        """
    )

    @Argument(help: ArgumentHelp("Portfolio folders or their shards/ folders.", valueName: "dir"))
    var directories: [String] = []

    @Flag(help: "Print summary.json to stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    func validate() throws {
        if directories.isEmpty { throw ValidationError("Missing expected argument '<dir> ...'") }
    }

    func run() throws {
        let terminal = Terminal(quiet: quiet, verbose: false)
        do {
            let merged = try PortfolioMerge.read(directories.map { URL(fileURLWithPath: $0) })
            let summary = try require_(PortfolioSummary.merging(merged.shards.map(\.summary),
                                                                 commandLine: CommandLine.arguments.joined(separator: " ")))
            let folder = try summary.publish(in: merged.portfolioFolder, seriesFolders: merged.seriesFolders)
            if json {
                try StandardOutput.write(summary.json())
            } else if !quiet {
                try StandardOutput.write("merged   \(merged.shards.count) shards, \(summary.results.count) series\n"
                                         + "summary  \(folder.appendingPathComponent(PortfolioSummary.markdownFile).path)\n")
            }
            if summary.results.contains(where: { $0.status != .ok }) {
                throw ExitCode(ExitStatus.someSeriesSkipped.rawValue)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw failure(reporting: error, on: terminal)
        }
    }
}

/// nil would mean no shard at all, which ``PortfolioMerge/read(_:)`` already refuses.
private func require_<T>(_ value: T?) throws -> T {
    guard let value else { throw PortfolioError(.inputUnreadable, "no shard file to merge") }
    return value
}

/// Finds and checks the shard files of one portfolio run.
enum PortfolioMerge {
    struct Found {
        var shards: [PortfolioShardFile]
        /// Where the summary goes: the first folder's portfolio folder.
        var portfolioFolder: URL
        /// The portfolio folder each series' report lives under (shards may sit in different folders).
        var seriesFolders: [String: URL]
    }

    static func read(_ directories: [URL]) throws -> Found {
        var files: [(url: URL, portfolio: URL)] = []
        for dir in directories {
            let shardsFolder = dir.lastPathComponent == PortfolioShardFile.folderName
                ? dir : dir.appendingPathComponent(PortfolioShardFile.folderName, isDirectory: true)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: shardsFolder.path) else {
                throw PortfolioError(.inputUnreadable, file: shardsFolder.path, "no shard folder here",
                                     hint: "give the portfolio folder (reports/<portfolio>) that fit --shard wrote")
            }
            for name in names.sorted() where name.hasPrefix("shard-") && name.hasSuffix(".json") {
                files.append((shardsFolder.appendingPathComponent(name), shardsFolder.deletingLastPathComponent()))
            }
        }
        guard let first = files.first else {
            throw PortfolioError(.inputUnreadable, file: directories[0].path, "no shard files (shard-<i>-of-<n>.json) found")
        }
        var shards: [PortfolioShardFile] = []
        var seriesFolders: [String: URL] = [:]
        for f in files {
            let shard: PortfolioShardFile
            do { shard = try PortfolioShardFile.read(f.url) } catch let e as any ForecastError { throw e } catch {
                throw PortfolioError(.inputUnreadable, file: f.url.path, "not a shard file this version can read: \(error)")
            }
            guard shard.formatVersion == PortfolioShardFile.formatVersion else {
                throw PortfolioError(.inputUnreadable, file: f.url.path, "shard file format \(shard.formatVersion), this version reads \(PortfolioShardFile.formatVersion)")
            }
            for r in shard.summary.results { seriesFolders[r.id] = f.portfolio }
            shards.append(shard)
        }
        let n = shards[0].shardCount
        let run = shards[0].fingerprint
        for (s, f) in zip(shards, files) where s.shardCount != n || s.fingerprint != run {
            throw PortfolioError(.inputUnreadable, file: f.url.path,
                                 "this shard belongs to another run than \(files[0].url.lastPathComponent) (other series, settings or shard count)",
                                 hint: "remove shard files of earlier runs, or merge each run's folder on its own")
        }
        let indices = shards.map(\.shardIndex).sorted()
        guard indices == Array(0..<n) else {
            let missing = Set(0..<n).subtracting(indices).sorted()
            let twice = Dictionary(grouping: indices, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            throw PortfolioError(.inputUnreadable, file: first.url.deletingLastPathComponent().path,
                                 (missing.isEmpty ? "" : "shard(s) \(missing.map(String.init).joined(separator: ", ")) of \(n) missing")
                                     + (twice.isEmpty ? "" : "shard(s) \(twice.map(String.init).joined(separator: ", ")) found twice"),
                                 hint: "a missing shard failed or has not finished: see its log, run it again, then merge")
        }
        return Found(shards: shards.sorted { $0.shardIndex < $1.shardIndex }, portfolioFolder: first.portfolio,
                     seriesFolders: seriesFolders)
    }
}
