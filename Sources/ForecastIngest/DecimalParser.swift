#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts a decimal number in ASCII to `Double`, giving exactly the value glibc `strtod` gives.
///
/// Grammar (after trimming spaces and tabs): `[+-] digits [sep digits] [(e|E) [+-] digits]`, with at
/// least one digit in the mantissa; `sep` is `.`, or also `,` when `decimalComma` is set. Hex
/// floats, `inf` and `nan` are not numbers here (`nan` is a missing-value marker, see `MissingMarker`).
///
/// Fast path (Clinger): when the significant digits fit in 2^53 and the decimal exponent is within
/// ±22, `m * 10^e` (or `m / 10^-e`) is one correctly rounded IEEE operation on exact operands, so
/// it equals the correctly rounded `strtod` result. Everything else (19+ significant digits, large
/// exponents) is handed to `strtod`. Cost: O(length), no allocation on the fast path.
struct DecimalParser {
    /// 10^0 ... 10^22, all exactly representable in binary64.
    private static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
    /// One process-wide copy of the table, read through a raw pointer so the per-cell loop has
    /// no bounds check; allocated once and never freed (184 bytes).
    // nonisolated(unsafe): written once by the thread-safe lazy initialiser, only read afterwards.
    nonisolated(unsafe) private static let powerTable: UnsafePointer<Double> = {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: exactPowers.count)
        p.initialize(from: exactPowers, count: exactPowers.count)
        return UnsafePointer(p)
    }()
    private let powers: UnsafePointer<Double>
    /// Accept `,` as the decimal separator (files delimited by `;`).
    let decimalComma: Bool

    init(decimalComma: Bool) {
        self.decimalComma = decimalComma
        powers = Self.powerTable
    }

    /// The value of the `count` bytes at `p`, or `nil` when they are not a finite decimal number.
    @inline(__always)
    func parse(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        let (first, end) = trimmedSpacesAndTabs(p, count)
        if first == end { return nil }
        var i = first
        let start = i
        var negative = false
        if p[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if p[i] == UInt8(ascii: "+") { i += 1 }

        // Digits accumulate with wrapping arithmetic and are counted afterwards: more than 19
        // significant digits may have wrapped, and go to strtod.
        var mantissa: UInt64 = 0
        var significant = 0      // digits in `mantissa`, leading zeros excluded
        var exponent = 0         // decimal exponent to apply to `mantissa`

        let integerStart = i
        while i < end && p[i] == 0x30 { i += 1 }
        var run = i
        while i < end {
            let d = p[i] &- 0x30
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i += 1
        }
        significant = i - run
        var digits = i - integerStart
        if i < end && (p[i] == UInt8(ascii: ".") || (decimalComma && p[i] == UInt8(ascii: ","))) {
            i += 1
            let fractionStart = i
            if mantissa == 0 { while i < end && p[i] == 0x30 { i += 1 } }
            run = i
            while i < end {
                let d = p[i] &- 0x30
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                i += 1
            }
            significant += i - run
            exponent = fractionStart - i
            digits += i - fractionStart
        }
        if digits == 0 { return nil }
        if i < end && (p[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < end && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
                expNegative = p[i] == UInt8(ascii: "-"); i += 1
            }
            var value = 0
            let expStart = i
            while i < end {
                let d = p[i] &- 0x30
                if d > 9 { break }
                if value < 100_000 { value = value * 10 + Int(d) }  // saturate: far beyond Double's range
                i += 1
            }
            if i == expStart { return nil }
            exponent += expNegative ? -value : value
        }
        if i != end { return nil }
        let truncated = significant > 19

        if mantissa == 0 && !truncated { return negative ? -0.0 : 0.0 }
        if !truncated && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            let m = Double(mantissa)
            let v = exponent >= 0 ? m * powers[exponent] : m / powers[-exponent]
            return negative ? -v : v
        }
        return slowPath(p + start, end - start)
    }

    /// `strtod` on a NUL-terminated copy with `.` as the separator (the C locale is in effect).
    private func slowPath(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buf in
            for k in 0..<count {
                let c = p[k]
                buf[k] = CChar(bitPattern: c == UInt8(ascii: ",") ? UInt8(ascii: ".") : c)
            }
            buf[count] = 0
            var endPtr: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(buf.baseAddress!, &endPtr)
            guard let endPtr, endPtr - buf.baseAddress! == count, v.isFinite else { return nil }
            return v
        }
    }
}

/// The cell texts that mean "no value": empty, `NA`, `N/A`, `NaN`, `null`, `-`, `#N/A`
/// (case-insensitive, surrounding spaces ignored).
enum MissingMarker {
    @inline(__always)
    static func matches(_ p: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        guard let p else { return true }
        let (i, end) = trimmedSpacesAndTabs(p, count)
        let n = end - i
        if n == 0 { return true }
        if n > 4 { return false }
        var word: UInt32 = 0
        for k in i..<end {
            var c = p[k]
            if c >= 0x41 && c <= 0x5A { c |= 0x20 }  // ASCII lower case
            word = word << 8 | UInt32(c)
        }
        switch (n, word) {
        case (1, 0x2D),                                   // -
             (2, 0x6E61),                                 // na
             (3, 0x6E_2F_61),                             // n/a
             (3, 0x6E_61_6E),                             // nan
             (4, 0x6E_75_6C_6C),                          // null
             (4, 0x23_6E_2F_61):                          // #n/a
            return true
        default:
            return false
        }
    }

    static func matches(_ text: String) -> Bool {
        var t = text
        return t.withUTF8 { matches($0.baseAddress, $0.count) }
    }
}

/// The bounds of the `count` bytes at `p` without leading and trailing spaces and tabs (the
/// cell trimming shared by numbers, missing markers and dates).
@inline(__always)
func trimmedSpacesAndTabs(_ p: UnsafePointer<UInt8>, _ count: Int) -> (start: Int, end: Int) {
    var i = 0
    var end = count
    while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
    while end > i && (p[end - 1] == 0x20 || p[end - 1] == 0x09) { end -= 1 }
    return (i, end)
}
