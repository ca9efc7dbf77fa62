import ForecastCore
import ForecastIngest
import Foundation

/// A long-format CSV file (one row per date and series, a column naming the series) held in
/// memory and indexed by series id, so that each series' rows can be handed to ``FitWorkflow`` as
/// the file of that series alone: the header and that id's records, byte for byte as in the file,
/// with the id column cut out (so a numeric id column is not mistaken for a target).
///
/// Records are found by RFC 4180 rules (fields in double quotes may hold the delimiter, line
/// breaks and doubled quotes); everything else about the CSV is left to ingest, which reads each
/// series' bytes exactly as it reads a file. Memory: the file's bytes plus four integers per
/// record; ``csv(group:)`` builds one series' bytes at a time. Time O(bytes).
public final class LongFormatTable: Sendable {
    public let path: String
    public let idColumn: String
    /// The id values in order of first appearance.
    public let groups: [String]
    /// Data records whose id field is empty (they belong to no series).
    public let rowsWithoutID: Int

    private let bytes: [UInt8]
    /// The header record with the id field cut out.
    private let header: [UInt8]
    /// Per series, its data records in file order: the byte range of the record (without its
    /// line break) and the byte range to cut (the id field and one neighbouring delimiter).
    private let records: [[Record]]

    struct Record: Sendable {
        var start: Int, end: Int, cutStart: Int, cutEnd: Int
    }

    /// Reads and indexes `path`. `delimiter` nil: the first of `,` `;` tab `|` whose split of the
    /// header has a field named `idColumn` (case-insensitive, `_` matching a space, as ingest
    /// matches column names).
    public init(path: String, idColumn: String, delimiter: UInt8?) throws {
        self.path = path
        self.idColumn = idColumn
        let bytes = try InputFile.read(path)
        self.bytes = bytes
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }  // UTF-8 byte-order mark
        let candidates: [UInt8] = delimiter.map { [$0] } ?? Array(",;\t|".utf8)
        var chosen: (delimiter: UInt8, column: Int)? = nil
        for d in candidates {
            let fields = try Self.record(bytes, from: start, delimiter: d, path: path, line: 1).fields
            let names = fields.map { Self.text(bytes, $0) }
            if let j = names.firstIndex(where: { Self.sameName($0, idColumn) }) { chosen = (d, j); break }
        }
        guard let (d, column) = chosen else {
            let names = try Self.header(path: path, delimiter: delimiter)
            throw PortfolioError(.columnSelection, file: path, line: 1,
                                 "no column named \"\(idColumn)\" for --id-column; the columns are "
                                     + names.map { "\"\($0)\"" }.listed(),
                                 hint: "name the column that tells the series apart, e.g. --id-column state")
        }
        var index: [String: Int] = [:]
        var groups: [String] = []
        var records: [[Record]] = []
        var withoutID = 0
        var line = 1
        var headerRecord: [UInt8] = []
        var isHeader = true
        var position = start
        while position < bytes.count {
            let r = try Self.record(bytes, from: position, delimiter: d, path: path, line: line)
            defer { position = r.next; line += r.lines }
            if r.end == r.start { continue }  // a blank line
            guard column < r.fields.count else {
                throw PortfolioError(.malformedCSV, file: path, line: line,
                                     "the row has \(r.fields.count) field(s), no \(idColumn) field (column \(column + 1))",
                                     hint: "every row needs as many fields as the header")
            }
            let field = r.fields[column]
            // Cut the id field with the delimiter after it, or before it when it is the last field.
            let cut = column + 1 < r.fields.count ? (field.lowerBound, r.fields[column + 1].lowerBound)
                : column > 0 ? (r.fields[column - 1].upperBound, field.upperBound) : (field.lowerBound, field.upperBound)
            if isHeader {
                headerRecord = Array(bytes[r.start..<cut.0]) + Array(bytes[cut.1..<r.end])
                isHeader = false
                continue
            }
            let value = Self.text(bytes, field).trimmingCharacters(in: .whitespaces)
            if value.isEmpty { withoutID += 1; continue }
            let g: Int
            if let known = index[value] { g = known } else {
                g = groups.count
                index[value] = g
                groups.append(value)
                records.append([])
            }
            records[g].append(Record(start: r.start, end: r.end, cutStart: cut.0, cutEnd: cut.1))
        }
        self.header = headerRecord
        self.groups = groups
        self.records = records
        self.rowsWithoutID = withoutID
    }

    /// The CSV of series `group`: the header and its records without the id column, one `\n`
    /// after each record. O(bytes of that series).
    public func csv(group: Int) -> [UInt8] {
        var out = header
        out.append(UInt8(ascii: "\n"))
        guard records.indices.contains(group) else { return out }
        for r in records[group] {
            out.append(contentsOf: bytes[r.start..<r.cutStart])
            out.append(contentsOf: bytes[r.cutEnd..<r.end])
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// The bytes of `path` without the columns named in `dropping` (header included): each
    /// record's remaining fields, as written, joined by the delimiter, one `\n` after each
    /// record. A wide file's series is its own column plus the date and the other non-series
    /// columns, so this is what one series of it reads; `forecast run` hashes it to tell whether
    /// that series changed. The delimiter is the header's (as ``header(path:delimiter:)``
    /// chooses it). O(file bytes).
    public static func projection(path: String, delimiter: UInt8?, dropping: Set<String>) throws -> [UInt8] {
        let bytes = try InputFile.read(path)
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let candidates: [UInt8] = delimiter.map { [$0] } ?? Array(",;\t|".utf8)
        var best: (delimiter: UInt8, names: [String])? = nil
        for d in candidates {
            let names = try record(bytes, from: start, delimiter: d, path: path, line: 1).fields.map { text(bytes, $0) }
            if names.count > (best?.names.count ?? 0) { best = (d, names) }
        }
        guard let (d, names) = best else { return [] }
        let keep = names.indices.filter { j in !dropping.contains(where: { sameName($0, names[j]) }) }
        var out: [UInt8] = []
        var position = start, line = 1
        while position < bytes.count {
            let r = try record(bytes, from: position, delimiter: d, path: path, line: line)
            position = r.next
            line += r.lines
            if r.end == r.start { continue }
            for (k, j) in keep.enumerated() {
                if k > 0 { out.append(d) }
                if j < r.fields.count { out.append(contentsOf: bytes[r.fields[j]]) }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Column names of the first record of `path` (the header), unquoted.
    public static func header(path: String, delimiter: UInt8?) throws -> [String] {
        let bytes = try InputFile.read(path)
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let candidates: [UInt8] = delimiter.map { [$0] } ?? Array(",;\t|".utf8)
        // Without a delimiter given, the candidate that splits the header into the most fields.
        var best: [String] = []
        for d in candidates {
            let names = try record(bytes, from: start, delimiter: d, path: path, line: 1).fields.map { text(bytes, $0) }
            if names.count > best.count { best = names }
        }
        return best
    }

    // MARK: - Records

    struct Scanned {
        var start: Int
        /// End of the record's content, before its line break.
        var end: Int
        /// Start of the next record.
        var next: Int
        /// Byte ranges of the fields, quotes included.
        var fields: [Range<Int>]
        /// Line breaks consumed (inside quotes and the terminating one).
        var lines: Int
    }

    /// The record starting at `start`: fields split at `delimiter` outside double quotes, ended
    /// by `\n`, `\r\n` or the end of the bytes.
    static func record(_ b: [UInt8], from start: Int, delimiter: UInt8, path: String, line: Int) throws -> Scanned {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var fields: [Range<Int>] = []
        var fieldStart = start
        var i = start
        var inQuotes = false
        var lines = 0
        while i < b.count {
            let c = b[i]
            if inQuotes {
                if c == quote {
                    if i + 1 < b.count && b[i + 1] == quote { i += 2; continue }  // "" inside quotes
                    inQuotes = false
                } else if c == lf {
                    lines += 1
                }
                i += 1
                continue
            }
            if c == quote && i == fieldStart {
                inQuotes = true
            } else if c == delimiter {
                fields.append(fieldStart..<i)
                fieldStart = i + 1
            } else if c == lf {
                let end = i > start && b[i - 1] == cr ? i - 1 : i
                fields.append(fieldStart..<max(fieldStart, end))
                return Scanned(start: start, end: end, next: i + 1, fields: fields, lines: lines + 1)
            }
            i += 1
        }
        if inQuotes {
            throw PortfolioError(.malformedCSV, file: path, line: line, "a quoted field is not closed before the end of the file",
                                 hint: "close the field with a double quote")
        }
        let end = b.count > start && b[b.count - 1] == cr ? b.count - 1 : b.count
        fields.append(fieldStart..<max(fieldStart, end))
        return Scanned(start: start, end: end, next: b.count, fields: fields, lines: 1)
    }

    /// A field's text: quotes removed and doubled quotes undone.
    static func text(_ b: [UInt8], _ r: Range<Int>) -> String {
        var slice = Array(b[r])
        if slice.count >= 2, slice.first == UInt8(ascii: "\""), slice.last == UInt8(ascii: "\"") {
            slice = Array(slice.dropFirst().dropLast())
            var out: [UInt8] = []
            var i = 0
            while i < slice.count {
                out.append(slice[i])
                i += slice[i] == UInt8(ascii: "\"") && i + 1 < slice.count && slice[i + 1] == UInt8(ascii: "\"") ? 2 : 1
            }
            slice = out
        }
        return String(decoding: slice, as: UTF8.self)
    }

    /// Column names match as ingest matches them: case-insensitively, `_` matching a space.
    static func sameName(_ a: String, _ b: String) -> Bool {
        func key(_ s: String) -> String { s.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: " ") }
        return key(a) == key(b)
    }
}
