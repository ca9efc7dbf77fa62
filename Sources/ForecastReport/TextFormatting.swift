import Foundation

/// Number, date and text formatting shared by the markdown report, the charts and the report
/// writer. Plain ASCII digits, "." as decimal separator, independent of the machine's locale.
enum Format {
    /// A value with about `significant` significant digits in fixed notation (e.g. 0.01234,
    /// 12.35, 1235); scientific notation for very large or very small magnitudes. "n/a" for NaN,
    /// "∞" for infinities.
    static func number(_ x: Double, significant: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
        if x == 0 { return "0" }
        let magnitude = Int(floor(log10(abs(x))))
        if magnitude >= 9 || magnitude < -5 { return String(format: "%.\(max(significant - 1, 0))e", x) }
        let decimals = min(max(significant - 1 - magnitude, 0), 8)
        return String(format: "%.\(decimals)f", x)
    }

    /// A forecast value or interval bound: five significant digits, so prices keep their cents
    /// (306.25, 93.571, 12346).
    static func value(_ x: Double) -> String { number(x, significant: 5) }

    /// A value with a fixed number of decimals.
    static func fixed(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
        return String(format: "%.\(decimals)f", x)
    }

    /// A fraction 0…1 as a percentage with one decimal, "78.5%".
    static func percent(_ fraction: Double) -> String { fixed(100 * fraction, decimals: 1) + "%" }

    /// A nominal level as a short percentage, "80%", "95%", "97.5%".
    static func level(_ fraction: Double) -> String {
        let p = 100 * fraction
        return (p == p.rounded() ? String(Int(p.rounded())) : fixed(p, decimals: 1)) + "%"
    }

    /// A p-value: "< 0.001" or three decimals.
    static func pValue(_ p: Double) -> String {
        guard p.isFinite else { return "n/a" }
        return p < 0.001 ? "< 0.001" : fixed(p, decimals: 3)
    }

    /// "p < 0.001" or "p = 0.123", for sentences.
    static func pEquals(_ p: Double) -> String {
        p.isFinite && p < 0.001 ? "p < 0.001" : "p = " + pValue(p)
    }

    /// A ratio for sentences: "22", "3.9 × 10⁶".
    static func factor(_ x: Double) -> String {
        guard x.isFinite, x >= 10_000 else { return number(x, significant: 2) }
        let k = Int(floor(log10(x)))
        let mantissa = x / pow(10, Double(k))
        let superscripts: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let exponent = String(String(k).map { superscripts[Int(String($0))!] })
        return fixed(mantissa, decimals: 1) + " × 10" + exponent
    }

    /// Seconds: "0.42 s", "12.3 s", "2 min 5 s".
    static func seconds(_ s: Double) -> String {
        guard s.isFinite else { return "n/a" }
        if s < 10 { return fixed(s, decimals: 2) + " s" }
        if s < 120 { return fixed(s, decimals: 1) + " s" }
        let whole = Int(s.rounded())
        return "\(whole / 60) min \(whole % 60) s"
    }

    /// An integer with thin grouping: 12345 → "12,345".
    static func integer(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// `date` in `timeZone` with a fixed `DateFormatter` pattern, in the POSIX locale.
    static func date(_ date: Date, _ pattern: String, timeZone: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = pattern
        return f.string(from: date)
    }

    /// A calendar day, "2025-11-25", in the given time zone.
    static func day(_ date: Date, timeZone: TimeZone) -> String {
        Format.date(date, "yyyy-MM-dd", timeZone: timeZone)
    }

    /// Run timestamps: "2025-11-25 07:00 UTC" style, in the given time zone.
    static func timestamp(_ date: Date, timeZone: TimeZone) -> String {
        let abbreviation = timeZone.secondsFromGMT(for: date) == 0 && ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z"].contains(timeZone.identifier)
            ? "UTC" : (timeZone.abbreviation(for: date) ?? timeZone.identifier)
        return Format.date(date, "yyyy-MM-dd HH:mm", timeZone: timeZone) + " " + abbreviation
    }

    /// ISO 8601 UTC with seconds, "2025-11-25T07:00:12Z".
    static func iso8601(_ date: Date) -> String {
        Format.date(date, "yyyy-MM-dd'T'HH:mm:ss'Z'", timeZone: TimeZone(identifier: "UTC")!)
    }
}

/// Escaping for the places text goes.
enum Escape {
    /// Text inside an XML/SVG element or attribute value.
    static func xml(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Control characters are not allowed in XML 1.0; drop them.
                if c.value < 0x20 && c != "\n" && c != "\t" { continue }
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Plain text in a markdown paragraph or table cell: markdown syntax characters are
    /// backslash-escaped (so a model called `a|b` does not split a table cell), newlines become spaces.
    static func markdown(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#":
                out.append("\\")
                out.append(c)
            case "\n", "\r": out.append(" ")
            default: out.append(c)
            }
        }
        return out
    }

    /// An inline code span that survives backticks in the text (a longer fence is used). In a
    /// table cell a `|` must be escaped even inside code (GitHub-flavoured markdown).
    static func codeSpan(_ s: String, inTable: Bool = false) -> String {
        var text = s.replacingOccurrences(of: "\n", with: " ")
        if inTable { text = text.replacingOccurrences(of: "|", with: "\\|") }
        let fence = String(repeating: "`", count: longestRun(of: "`", in: text) + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return fence + pad + text + pad + fence
    }

    /// A fence for a fenced code block containing `s`: at least three backticks, longer than any
    /// run of backticks inside.
    static func codeFence(for s: String) -> String {
        String(repeating: "`", count: max(3, longestRun(of: "`", in: s) + 1))
    }

    private static func longestRun(of ch: Character, in s: String) -> Int {
        var best = 0, run = 0
        for c in s {
            run = c == ch ? run + 1 : 0
            best = max(best, run)
        }
        return best
    }
}

/// What a MASE number is scaled by, said next to it wherever it is printed: MASE (Hyndman &
/// Koehler, "Another look at measures of forecast accuracy", 2006) divides a model's mean
/// absolute error by the in-sample MAE of the naive forecast, or of the seasonal naive forecast
/// with period m when the run has a season, so a MASE below 1 is not the same claim in both cases.
public enum MASEScale {
    /// "vs seasonal naive, m=12, in-sample" or "vs naive, in-sample" (`season` nil or below 2).
    public static func label(season: Int?) -> String {
        if let m = season, m >= 2 { return "vs seasonal naive, m=\(m), in-sample" }
        return "vs naive, in-sample"
    }
}
