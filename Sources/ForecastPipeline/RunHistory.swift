import ForecastIngest
import Foundation
import ForecastReport

/// Outcome of one job in one run.
public enum JobStatus: String, Sendable, CaseIterable {
    /// Trained, forecast and wrote its report.
    case ok
    /// Input and configuration unchanged since the last successful run; nothing recomputed.
    case skipped
    /// Something went wrong; `message` says what.
    case failed
}

/// A point forecast with its prediction interval, in the series' own units.
public struct ForecastPoint: Equatable, Sendable {
    /// Timestamp the forecast is for.
    public var date: Date
    public var value: Double
    public var lower: Double?
    public var upper: Double?

    public init(date: Date, value: Double, lower: Double? = nil, upper: Double? = nil) {
        self.date = date
        self.value = value
        self.lower = lower
        self.upper = upper
    }
}

/// One line of a job's `history.csv`.
public struct HistoryRow: Equatable, Sendable {
    public var runStarted: Date
    public var job: String
    public var status: JobStatus
    /// Wall-clock seconds the job took.
    public var duration: Double
    /// Timestamp of the last observation in the input.
    public var dataEnd: Date?
    /// Rows of the input used.
    public var rows: Int?
    /// Stable id (``ModelResult/id``) of the model the report recommends.
    public var pick: String?
    /// The pick's first-step forecast.
    public var forecast: ForecastPoint?
    /// Test-set MASE of each model, keyed by its stable id (`snaive`, `gru`, `deep`).
    public var testMASE: [String: Double]
    /// Live error of the previous run's forecast, scored on this run's data: actual − forecast.
    public var liveError: Double?
    /// |liveError| divided by the in-sample naive MAE: on the same scale as MASE.
    public var liveScaledError: Double?
    /// Why a job failed or was skipped.
    public var message: String?
    /// The series of a portfolio job this row is about; nil for a single-series job.
    public var series: String? = nil

    public init(runStarted: Date, job: String, status: JobStatus, duration: Double = 0,
                dataEnd: Date? = nil, rows: Int? = nil, pick: String? = nil, forecast: ForecastPoint? = nil,
                testMASE: [String: Double] = [:], liveError: Double? = nil, liveScaledError: Double? = nil,
                message: String? = nil) {
        self.runStarted = runStarted
        self.job = job
        self.status = status
        self.duration = duration
        self.dataEnd = dataEnd
        self.rows = rows
        self.pick = pick
        self.forecast = forecast
        self.testMASE = testMASE
        self.liveError = liveError
        self.liveScaledError = liveScaledError
        self.message = message
    }
}

/// A job's `history.csv`: tidy, one line per (run, model), oldest run first.
///
/// Columns (header written once):
///
///     run_started,job,status,duration_s,data_end,rows,model,is_pick,test_mase,forecast_date,forecast,lower,upper,live_error,live_scaled_error,message,series
///
/// `series` is empty for a single-series job; a portfolio job writes one run's lines per series
/// (fitted: `ok`; carried over unchanged or not fittable: `skipped`, with the reason). Files
/// written before the column existed read as rows without a series, and the next append
/// gives them the new header.
///
/// A successful run has one line per model with a test MASE (sorted by model); `is_pick` is
/// `true` on the pick's line, which alone carries the forecast and the live error. A failed or
/// skipped run has one line with an empty `model`. The run's own fields (status, duration,
/// data end, rows, message) repeat on each of its lines, so every line stands alone (pandas:
/// `read_csv` then `query("is_pick")`). Timestamps are ISO 8601 in UTC (`2024-05-01` when at
/// midnight, else `2024-05-01T06:30:00Z`; proleptic Gregorian, also before 1583); numbers are
/// written with at most 12 significant digits in their shortest form (`389.15`, not
/// `389.15000000000003`), independent of the locale.
///
/// `model` is the model's stable id (``ModelResult/id``: `snaive`, `ets`, `gru`, a custom model's
/// name). Earlier versions wrote the display name, which differs only for the seasonal naive
/// ("seasonal naive (m=12)"); such lines are read as the id (``modelID(recorded:)``) and stay as
/// they are on disk.
///
/// Files of the first format (one line per run, `test_mase` as `model=value;…` pairs) are
/// still read, and rewritten in this format by the next append.
///
/// Appending rewrites the whole file through a temporary file and `rename(2)`, so `kill -9` at
/// any moment leaves either the old history or the new one, never a partial line. Copying is
/// O(rows) per run, a few hundred bytes per night: negligible.
public struct RunHistory: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public static let header = "run_started,job,status,duration_s,data_end,rows,model,is_pick,test_mase,forecast_date,forecast,lower,upper,live_error,live_scaled_error,message,series"
    /// The second format's header, before the `series` column: its rows read as rows of no series.
    static let headerVersion2 = "run_started,job,status,duration_s,data_end,rows,model,is_pick,test_mase,forecast_date,forecast,lower,upper,live_error,live_scaled_error,message"
    /// The first format's header: one line per run.
    static let headerVersion1 = "run_started,job,status,duration_s,data_end,rows,pick,forecast_date,forecast,lower,upper,test_mase,live_error,live_scaled_error,message"

    /// The rows on disk, oldest first; [] when the file does not exist. Lines that do not parse
    /// (a hand edit gone wrong) are skipped rather than failing the night's run.
    /// A symbolic link in its place is refused (``SymlinkRefusedError``), never read through.
    public func read() throws -> [HistoryRow] {
        guard let data = try OwnedFiles.read(url, role: "the job's history.csv") else { return [] }
        return Self.parse(String(decoding: data, as: UTF8.self))
    }

    /// Adds `rows` at the end in one rewrite (a portfolio run's rows, one per series).
    public func append(contentsOf rows: [HistoryRow]) throws {
        guard let first = rows.first else { return }
        try append(first, more: rows.dropFirst())
    }

    /// Adds `row` at the end, atomically (see the type's notes).
    public func append(_ row: HistoryRow) throws { try append(row, more: []) }

    private func append(_ row: HistoryRow, more: ArraySlice<HistoryRow>) throws {
        var text = ""
        if let data = try OwnedFiles.read(url, role: "the job's history.csv") {
            text = String(decoding: data, as: UTF8.self)
            if text.hasPrefix(Self.headerVersion1) {
                // Converted once: the rows of the first format, in this one.
                text = Self.parse(text).map { Self.format($0) + "\n" }.joined()
                text = Self.header + "\n" + text
            }
            if text.hasPrefix(Self.headerVersion2 + "\n") || text == Self.headerVersion2 {
                // The rows stay as they are (16 fields read as no series); the header gains `series`.
                text = Self.header + text.dropFirst(Self.headerVersion2.count)
            }
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        }
        if text.isEmpty { text = Self.header + "\n" }
        text += Self.format(row) + "\n"
        for r in more { text += Self.format(r) + "\n" }
        try AtomicFile.write(text, to: url)
    }

    // MARK: - Format

    /// The lines of one run (joined by newlines, no final newline).
    static func format(_ r: HistoryRow) -> String {
        let run: [String] = [timestamp(r.runStarted), r.job, r.status.rawValue, number((r.duration * 1000).rounded() / 1000),
                             r.dataEnd.map(timestamp) ?? "", r.rows.map(String.init) ?? ""]
        let message = r.message.map(singleLine) ?? ""
        let series = r.series.map(singleLine) ?? ""
        var models = r.testMASE.keys.sorted()
        if r.status == .ok, let pick = r.pick, !models.contains(pick) { models.append(pick) }
        guard !models.isEmpty else {
            return (run + ["", "", "", "", "", "", "", "", "", message, series]).map(csvQuote).joined(separator: ",")
        }
        return models.map { model in
            let isPick = model == r.pick
            let f = isPick ? r.forecast : nil
            let fields = run + [
                model, isPick ? "true" : "false", r.testMASE[model].map(number) ?? "",
                f.map { timestamp($0.date) } ?? "", f.map { number($0.value) } ?? "",
                f?.lower.map(number) ?? "", f?.upper.map(number) ?? "",
                isPick ? r.liveError.map(number) ?? "" : "", isPick ? r.liveScaledError.map(number) ?? "" : "",
                message, series,
            ]
            return fields.map(csvQuote).joined(separator: ",")
        }.joined(separator: "\n")
    }

    static func parse(_ text: String) -> [HistoryRow] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        if lines.first.map({ $0.hasPrefix(headerVersion1) }) == true { return parseVersion1(lines.dropFirst()) }
        var rows: [HistoryRow] = []
        var lastModel: String? = nil
        for line in lines {
            if line == header { continue }
            guard let f = splitCSVLine(String(line)), f.count >= 16,   // later versions may add columns
                  let started = parseTimestamp(f[0]), let status = JobStatus(rawValue: f[2]) else { continue }
            // Lines of one run are consecutive, one per model in increasing order: a new run
            // starts where the run's fields change, the model is empty, or the model order
            // restarts (two quick runs may start within the same second).
            let model = f[6]
            let series: String? = f.count > 16 && !f[16].isEmpty ? f[16] : nil
            let continues = rows.last.map { last in
                last.runStarted == started && last.job == f[1] && last.status == status && !model.isEmpty
                    && last.series == series
                    && lastModel.map { $0 < model } == true
            } ?? false
            lastModel = model.isEmpty ? nil : model
            if !continues {
                rows.append(HistoryRow(runStarted: started, job: f[1], status: status, duration: Double(f[3]) ?? 0,
                                       dataEnd: parseTimestamp(f[4]), rows: Int(f[5]),
                                       message: f[15].isEmpty ? nil : f[15]))
                rows[rows.count - 1].series = series
            }
            guard !model.isEmpty else { continue }
            let id = modelID(recorded: model)
            if let mase = Double(f[8]) { rows[rows.count - 1].testMASE[id] = mase }
            if f[7] == "true" {
                rows[rows.count - 1].pick = id
                if let d = parseTimestamp(f[9]), let v = Double(f[10]) {
                    rows[rows.count - 1].forecast = ForecastPoint(date: d, value: v, lower: Double(f[11]), upper: Double(f[12]))
                }
                rows[rows.count - 1].liveError = Double(f[13])
                rows[rows.count - 1].liveScaledError = Double(f[14])
            }
        }
        return rows
    }

    /// The first format: one line per run, `test_mase` as `model=value;…`.
    static func parseVersion1(_ lines: ArraySlice<Substring>) -> [HistoryRow] {
        var rows: [HistoryRow] = []
        for line in lines {
            guard let f = splitCSVLine(String(line)), f.count >= 15,
                  let started = parseTimestamp(f[0]), let status = JobStatus(rawValue: f[2]) else { continue }
            var mase: [String: Double] = [:]
            for pair in f[11].split(separator: ";") {
                // At the last '=': a display name may hold one ("seasonal naive (m=12)=0.8").
                guard let equals = pair.lastIndex(of: "="), let v = Double(pair[pair.index(after: equals)...]) else { continue }
                mase[modelID(recorded: String(pair[..<equals]))] = v
            }
            var forecast: ForecastPoint?
            if let d = parseTimestamp(f[7]), let v = Double(f[8]) {
                forecast = ForecastPoint(date: d, value: v, lower: Double(f[9]), upper: Double(f[10]))
            }
            rows.append(HistoryRow(runStarted: started, job: f[1], status: status, duration: Double(f[3]) ?? 0,
                                   dataEnd: parseTimestamp(f[4]), rows: Int(f[5]), pick: f[6].isEmpty ? nil : modelID(recorded: f[6]),
                                   forecast: forecast, testMASE: mase, liveError: Double(f[12]),
                                   liveScaledError: Double(f[13]), message: f[14].isEmpty ? nil : f[14]))
        }
        return rows
    }

    /// The stable id of a model as a history line recorded it: an id is returned as is; the
    /// seasonal naive's display name, which versions before ids wrote ("seasonal naive (m=12)"),
    /// becomes `snaive`. Every other model's display name was its id.
    static func modelID(recorded name: String) -> String {
        name.hasPrefix("seasonal naive (m=") && name.hasSuffix(")") ? "snaive" : name
    }

    /// At most 12 significant digits, in the shortest form that reads back as that rounded
    /// value ("0.3" for 0.1 + 0.2, "389.15", "1e-07"), locale-free. Twelve digits keep every
    /// figure a forecaster reads and drop the binary noise of the last bits.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        let rounded = Double(String(format: "%.12g", x)) ?? x
        return "\(rounded)"
    }

    static func singleLine(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }

    static func csvQuote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits one CSV line (RFC 4180 quoting); nil when a quote is unbalanced.
    static func splitCSVLine(_ line: String) -> [String]? {
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var chars = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty {
                inQuotes = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        guard !inQuotes else { return nil }
        fields.append(field)
        return fields
    }
}

/// ISO 8601 in UTC: `yyyy-MM-dd` for midnight, `yyyy-MM-ddTHH:mm:ssZ` otherwise; the proleptic
/// Gregorian calendar of the CSV parser, so dates before 1583 are written as they were read.
func timestamp(_ d: Date) -> String {
    let c = UTCDateTime(d)
    if c.hour == 0 && c.minute == 0 && c.second == 0 && d.timeIntervalSince1970.rounded(.down) == d.timeIntervalSince1970 {
        return c.dayText
    }
    let pad = UTCDateTime.padded
    return c.dayText + "T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))Z"
}

/// Reads what `timestamp` writes (whole seconds).
func parseTimestamp(_ s: String) -> Date? {
    let u = Array(s.utf8)
    func int(_ r: Range<Int>) -> Int? {
        guard r.upperBound <= u.count, r.allSatisfy({ u[$0] >= 48 && u[$0] <= 57 }) else { return nil }
        return r.reduce(0) { $0 * 10 + Int(u[$1] - 48) }
    }
    guard u.count == 10 || u.count == 20, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
          let y = int(0..<4), let m = int(5..<7), let d = int(8..<10), (1...12).contains(m), (1...31).contains(d) else { return nil }
    guard u.count == 20 else { return UTCDateTime(year: y, month: m, day: d).date }
    guard u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"), u[19] == UInt8(ascii: "Z"),
          let h = int(11..<13), let mi = int(14..<16), let se = int(17..<19), h < 24, mi < 60, se < 60 else { return nil }
    return UTCDateTime(year: y, month: m, day: d, hour: h, minute: mi, second: se).date
}
