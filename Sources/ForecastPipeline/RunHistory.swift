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
    /// Model the report recommends.
    public var pick: String?
    /// The pick's first-step forecast.
    public var forecast: ForecastPoint?
    /// Test-set MASE of each model, keyed by model name.
    public var testMASE: [String: Double]
    /// Live error of the previous run's forecast, scored on this run's data: actual − forecast.
    public var liveError: Double?
    /// |liveError| divided by the in-sample naive MAE: on the same scale as MASE.
    public var liveScaledError: Double?
    /// Why a job failed or was skipped.
    public var message: String?

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

/// A job's `history.csv`: one row per run, oldest first.
///
/// Columns (header written once):
///
///     run_started,job,status,duration_s,data_end,rows,pick,forecast_date,forecast,lower,upper,test_mase,live_error,live_scaled_error,message
///
/// Timestamps are ISO 8601 in UTC (`2024-05-01` when at midnight, else `2024-05-01T06:30:00Z`);
/// numbers are written in their shortest exact form, independent of the locale; `test_mase`
/// is `model=value` pairs joined by `;`, sorted by model; empty fields mean "not applicable".
///
/// Appending rewrites the whole file through a temporary file and `rename(2)`, so `kill -9` at
/// any moment leaves either the old history or the new one, never a partial line. Copying is
/// O(rows) per run, about 100 bytes per night: negligible.
public struct RunHistory: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public static let header = "run_started,job,status,duration_s,data_end,rows,pick,forecast_date,forecast,lower,upper,test_mase,live_error,live_scaled_error,message"

    /// The rows on disk, oldest first; [] when the file does not exist. Lines that do not parse
    /// (a hand edit gone wrong) are skipped rather than failing the night's run.
    /// A symbolic link in its place is refused (``SymlinkRefusedError``), never read through.
    public func read() throws -> [HistoryRow] {
        guard let data = try OwnedFiles.read(url, role: "the job's history.csv") else { return [] }
        return Self.parse(String(decoding: data, as: UTF8.self))
    }

    /// Adds `row` at the end, atomically (see the type's notes).
    public func append(_ row: HistoryRow) throws {
        var text = ""
        if let data = try OwnedFiles.read(url, role: "the job's history.csv") {
            text = String(decoding: data, as: UTF8.self)
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        }
        if text.isEmpty { text = Self.header + "\n" }
        text += Self.format(row) + "\n"
        try AtomicFile.write(text, to: url)
    }

    // MARK: - Format

    static func format(_ r: HistoryRow) -> String {
        let mase = r.testMASE.sorted { $0.key < $1.key }.map { "\($0.key)=\(number($0.value))" }.joined(separator: ";")
        let fields: [String] = [
            timestamp(r.runStarted), r.job, r.status.rawValue, number((r.duration * 1000).rounded() / 1000),
            r.dataEnd.map(timestamp) ?? "", r.rows.map(String.init) ?? "", r.pick ?? "",
            r.forecast.map { timestamp($0.date) } ?? "", r.forecast.map { number($0.value) } ?? "",
            r.forecast?.lower.map(number) ?? "", r.forecast?.upper.map(number) ?? "",
            mase, r.liveError.map(number) ?? "", r.liveScaledError.map(number) ?? "",
            r.message.map(singleLine) ?? "",
        ]
        return fields.map(csvQuote).joined(separator: ",")
    }

    static func parse(_ text: String) -> [HistoryRow] {
        var rows: [HistoryRow] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line == header { continue }
            guard let f = splitCSVLine(String(line)), f.count >= 15,   // later versions may add columns
                  let started = parseTimestamp(f[0]), let status = JobStatus(rawValue: f[2]) else { continue }
            var mase: [String: Double] = [:]
            for pair in f[11].split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2, let v = Double(kv[1]) { mase[String(kv[0])] = v }
            }
            var forecast: ForecastPoint?
            if let d = parseTimestamp(f[7]), let v = Double(f[8]) {
                forecast = ForecastPoint(date: d, value: v, lower: Double(f[9]), upper: Double(f[10]))
            }
            rows.append(HistoryRow(runStarted: started, job: f[1], status: status, duration: Double(f[3]) ?? 0,
                                   dataEnd: parseTimestamp(f[4]), rows: Int(f[5]), pick: f[6].isEmpty ? nil : f[6],
                                   forecast: forecast, testMASE: mase, liveError: Double(f[12]),
                                   liveScaledError: Double(f[13]), message: f[14].isEmpty ? nil : f[14]))
        }
        return rows
    }

    /// Shortest text that reads back as the same Double ("0.1", "1e-07"), locale-free.
    static func number(_ x: Double) -> String { "\(x)" }

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

/// ISO 8601 in UTC: `yyyy-MM-dd` for midnight, `yyyy-MM-ddTHH:mm:ssZ` otherwise.
func timestamp(_ d: Date) -> String {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "UTC")!
    let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
    let day = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    if c.hour == 0 && c.minute == 0 && c.second == 0 && d.timeIntervalSince1970.rounded(.down) == d.timeIntervalSince1970 { return day }
    return day + String(format: "T%02d:%02d:%02dZ", c.hour!, c.minute!, c.second!)
}

/// Reads what `timestamp` writes (whole seconds).
func parseTimestamp(_ s: String) -> Date? {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = s.count == 10 ? "yyyy-MM-dd" : "yyyy-MM-dd'T'HH:mm:ss'Z'"
    return f.date(from: s)
}
