import ForecastCore
import ForecastIngest
import ForecastReport
import Foundation

/// How the input files of a portfolio hold their series.
public enum PortfolioShape: Sendable, Equatable {
    /// Each file is one series (the target chosen as `fit` chooses it).
    case files
    /// Long format: the rows sharing a value of this column are one series.
    case long(idColumn: String)
    /// Wide format: each named column is one series' target; nil means every column but the
    /// date column.
    case wide(targets: [String]?)
}

/// Where one series of a portfolio comes from.
public enum PortfolioSource: Sendable {
    /// The whole file.
    case file(path: String)
    /// One column of the file as the target.
    case column(path: String, name: String)
    /// The rows of one id value in a long-format file (`group` indexes `table.groups`).
    case rows(table: LongFormatTable, group: Int)

    /// The input file the series is read from.
    public var path: String {
        switch self {
        case .file(let p), .column(let p, _): return p
        case .rows(let table, _): return table.path
        }
    }
}

/// One series of a portfolio: a stable id (the id value, the column name or the file stem,
/// prefixed by the file stem when several files are given) and the folder its reports go to.
public struct PortfolioSeries: Sendable {
    public var id: String
    /// A plain folder name under the portfolio folder, unique within the portfolio.
    public var folder: String
    public var source: PortfolioSource
}

/// A portfolio problem found before any series is fitted (exit 64 or the input's code).
public struct PortfolioError: ForecastError {
    public var exitStatus: ExitStatus
    public var location: ErrorLocation?
    public var message: String
    public var hint: String?

    public init(_ status: ExitStatus, file: String? = nil, line: Int? = nil, _ message: String, hint: String? = nil) {
        exitStatus = status
        location = file.map { ErrorLocation(file: $0, line: line) }
        self.message = message
        self.hint = hint
    }
}

/// Many series forecast in one run: the list of series with stable ids, in id order. Each series
/// is then an ordinary single-series problem for ``FitWorkflow`` (``PortfolioRun``).
///
/// Building it reads every input file once (long-format files are kept in memory, indexed by
/// id: O(bytes) memory; the other shapes keep only paths and column names).
public struct Portfolio: Sendable {
    /// The portfolio's name: the folder under the reports folder.
    public var name: String
    /// Every series, sorted by id (byte order of the UTF-8 text).
    public var series: [PortfolioSeries]
    /// Things the user should know about the inputs (e.g. rows without an id value).
    public var warnings: [String]

    /// Folder names a series may not take: the summary's `latest` link and the shard files' folder.
    static let reservedFolders: Set<String> = ["latest", "shards"]

    public init(name: String, series: [PortfolioSeries], warnings: [String] = []) {
        self.name = name
        self.series = series
        self.warnings = warnings
    }

    /// Lists the series of `inputs` in `shape`. `ingest` supplies the delimiter, the date column
    /// and (for `.files`) the target, as for a single fit. Throws ``PortfolioError`` for an input
    /// that cannot be split (unknown id column, malformed quoting, two series with one id) and
    /// ingest's errors for an unreadable file.
    public static func make(name: String, inputs: [String], shape: PortfolioShape,
                            ingest: FitConfiguration) throws -> Portfolio {
        guard !inputs.isEmpty else { throw PortfolioError(.usage, "no input file given") }
        let prefixed = inputs.count > 1
        var listed: [(id: String, source: PortfolioSource)] = []
        var warnings: [String] = []
        for path in inputs {
            let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            func id(_ inner: String) -> String { prefixed ? "\(stem)/\(inner)" : inner }
            switch shape {
            case .files:
                listed.append((stem, .file(path: path)))
            case .long(let column):
                let table = try LongFormatTable(path: path, idColumn: column,
                                                delimiter: ingest.delimiter.flatMap { $0.utf8.first })
                if table.rowsWithoutID > 0 {
                    warnings.append("\(path): \(table.rowsWithoutID) row(s) have no \(column) value and belong to no series")
                }
                for (g, value) in table.groups.enumerated() { listed.append((id(value), .rows(table: table, group: g))) }
            case .wide(let targets):
                let columns = try targets ?? numericColumns(path: path, ingest: ingest)
                if let targets {
                    // A misspelt column is a bad option, refused before anything is fitted.
                    let header = try LongFormatTable.header(path: path, delimiter: ingest.delimiter.flatMap { $0.utf8.first })
                    for name in targets where !header.contains(where: { LongFormatTable.sameName($0, name) }) {
                        throw PortfolioError(.columnSelection, file: path, line: 1,
                                             "--targets names \"\(name)\", which is not a column; the columns are "
                                                 + header.map { "\"\($0)\"" }.listed(),
                                             hint: "give column names from the header, or --targets all")
                    }
                }
                for column in columns { listed.append((id(column), .column(path: path, name: column))) }
            }
        }
        listed.sort { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
        for (a, b) in zip(listed, listed.dropFirst()) where a.id == b.id {
            throw PortfolioError(.usage, "two series have the id \"\(a.id)\" (\(a.source.path) and \(b.source.path))",
                                 hint: "give files with different names, or one file per id")
        }
        var used = reservedFolders
        let series = listed.map { item -> PortfolioSeries in
            let base = ReportFolderName.slug(item.id)
            var folder = base, n = 2
            while used.contains(folder) || RunStamp.matches(folder) {
                folder = "\(base)-\(n)"; n += 1
            }
            used.insert(folder)
            return PortfolioSeries(id: item.id, folder: folder, source: item.source)
        }
        return Portfolio(name: name, series: series, warnings: warnings)
    }

    /// `--targets all`: every column but the date column (and the other date-like columns), as
    /// ingest reads the header. A text column stays in the list and is skipped with its reason.
    static func numericColumns(path: String, ingest c: FitConfiguration) throws -> [String] {
        let header = try LongFormatTable.header(path: path, delimiter: c.delimiter.flatMap { $0.utf8.first })
        // Ingest finds the date column; loading one candidate column tells which it took.
        var lastError: Error? = nil
        for candidate in header where candidate.lowercased() != c.dateColumn?.lowercased() {
            var options = ForecastIngest.IngestOptions(path: path, delimiter: c.delimiter.flatMap(\.first),
                                                       dateColumn: c.dateColumn, dateFormat: c.dateFormat,
                                                       target: candidate, missing: c.missing, duplicates: c.duplicates)
            options.threads = 1
            do {
                let summary = try loadSeries(options).summary
                let dates = Set([summary.dateColumn].compactMap { $0 } + summary.otherDateColumns)
                return summary.columns.filter { !dates.contains($0) }
            } catch {
                lastError = error
            }
        }
        throw lastError ?? PortfolioError(.columnSelection, file: path, "no column to forecast")
    }

    /// The series of shard `index` of `count` (``ShardAssignment``), in id order.
    public func series(inShard shard: ShardAssignment?) -> [PortfolioSeries] {
        guard let shard else { return series }
        return series.filter { shard.contains($0.id) }
    }
}

/// `--shard i/n`: shard `index` (0-based) of `count`. A series belongs to shard
/// FNV-1a-64(UTF-8 of its id) mod n, so the assignment depends on the id alone: not on the order
/// of the file, the other series, the machine or the process (Swift's `Hasher` is seeded per
/// process and would not do). FNV-1a: Fowler, Noll and Vo, offset basis 14695981039346656037,
/// prime 1099511628211.
public struct ShardAssignment: Sendable, Equatable, Codable {
    public var index: Int
    public var count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, index >= 0, index < count else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 1_099_511_628_211
        }
        return hash
    }

    public static func shard(of id: String, count: Int) -> Int { Int(fnv1a(id) % UInt64(max(count, 1))) }

    public func contains(_ id: String) -> Bool { Self.shard(of: id, count: count) == index }

    public var description: String { "\(index)/\(count)" }
}

/// Folder names for series ids: lowercase a–z, 0–9 and "-" ("New South Wales" → "new-south-wales").
enum ReportFolderName {
    static func slug(_ id: String) -> String {
        var out = ""
        for c in id.lowercased().unicodeScalars {
            if ("a"..."z").contains(c) || ("0"..."9").contains(c) {
                out.unicodeScalars.append(c)
            } else if !out.isEmpty && !out.hasSuffix("-") {
                out.append("-")
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "series" : out
    }
}
