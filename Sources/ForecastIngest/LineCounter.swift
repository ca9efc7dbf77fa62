/// Counts lines from libcsv's record callbacks. With CSV_REPALL_NL libcsv reports every unquoted
/// CR and LF (blank lines included); a CR LF pair ends one line. Newlines inside quoted fields
/// are counted from the field text once the input is known to contain a quote.
struct LineCounter {
    var line = 1
    var lastWasCR = false
    var quoteSeen = false

    @inline(__always)
    mutating func field(_ p: UnsafePointer<UInt8>?, _ count: Int) {
        lastWasCR = false
        if quoteSeen, let p {
            for k in 0..<count where p[k] == 0x0A { line += 1 }
        }
    }

    @inline(__always)
    mutating func recordEnd(_ terminator: Int32, hadFields: Bool) {
        if terminator == 0x0D {
            line += 1
        } else if terminator == 0x0A && !(lastWasCR && !hadFields) {
            line += 1
        }
        lastWasCR = terminator == 0x0D
    }
}
