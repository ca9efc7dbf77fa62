import Foundation
import Testing
@testable import ForecastIngest

/// The hand-written number parser must give exactly what glibc strtod gives.
@Suite struct DecimalParserTests {
    func parse(_ text: String, decimalComma: Bool = false) -> Double? {
        var t = text
        return t.withUTF8 { DecimalParser(decimalComma: decimalComma).parse($0.baseAddress!, $0.count) }
    }

    func strtodValue(_ text: String) -> Double {
        text.withCString { strtod($0, nil) }
    }

    /// A deterministic generator (SplitMix64) so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func bitExactAgainstStrtodOnRandomDecimals() {
        var rng = SplitMix(state: 42)
        var checked = 0
        for _ in 0..<200_000 {
            let intDigits = Int.random(in: 0...22, using: &rng)
            let fracDigits = Int.random(in: 0...22, using: &rng)
            if intDigits + fracDigits == 0 { continue }
            var s = Bool.random(using: &rng) ? "-" : ""
            for _ in 0..<intDigits { s += String(Int.random(in: 0...9, using: &rng)) }
            if fracDigits > 0 || Bool.random(using: &rng) {
                s += "."
                for _ in 0..<fracDigits { s += String(Int.random(in: 0...9, using: &rng)) }
            }
            if Int.random(in: 0..<4, using: &rng) == 0 { s += "e" + String(Int.random(in: -330...310, using: &rng)) }
            let expected = strtodValue(s)
            if !expected.isFinite { #expect(parse(s) == nil, "\(s)"); continue }
            let got = parse(s)
            #expect(got?.bitPattern == expected.bitPattern, "\(s): \(String(describing: got)) vs \(expected)")
            checked += 1
        }
        #expect(checked > 150_000)
    }

    @Test(arguments: ["0", "-0", "0.0", "1", "-1", "1.5", "1234.567891", "0.1", "0.3", "9007199254740993",
                      "123456789012345678901234567890", "1e22", "1e23", "1.7976931348623157e308", "4.9e-324",
                      "2.2250738585072014e-308", "00012.5000", ".5", "5.", "+3.25", "1E5", "2.5e-3", "  7.25 "])
    func edgeCasesMatchStrtod(_ text: String) {
        let got = parse(text)
        let expected = strtodValue(text.trimmingCharacters(in: .whitespaces))
        #expect(got?.bitPattern == expected.bitPattern, "\(text)")
    }

    @Test(arguments: ["", " ", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "inf", "nan", "1 2", "1,5", "12abc", "--1", "1e5.5"])
    func nonNumbersAreRejected(_ text: String) {
        #expect(parse(text) == nil, "\(text)")
    }

    @Test func decimalCommaWhenAllowed() {
        #expect(parse("1234,5", decimalComma: true) == 1234.5)
        #expect(parse("-0,125", decimalComma: true) == -0.125)
        #expect(parse("1.5", decimalComma: true) == 1.5)
        #expect(parse("1,5") == nil)
    }

    @Test func outOfRangeIsNotANumber() {
        #expect(parse("1e400") == nil)
        #expect(parse("-1e400") == nil)
        #expect(parse("1e-400") == 0)  // underflows to zero, as strtod
    }

    @Test func missingMarkers() {
        for text in ["", "NA", "na", "N/A", "NaN", "nan", "null", "NULL", "-", "#N/A", " NA "] {
            #expect(MissingMarker.matches(text), "\(text)")
        }
        for text in ["0", "N", "NAN1", "none", "--", "n.a."] {
            #expect(!MissingMarker.matches(text), "\(text)")
        }
    }
}
