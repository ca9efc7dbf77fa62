extension CSVReader {
    static let candidateDelimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]

    /// Picks `,` `;` tab or `|` from the first 50 complete records: the candidate that occurs the
    /// same (non-zero) number of times outside quotes on every record, the most frequent such; on
    /// a tie `;` wins over `,` (a `;` file with decimal commas has as many commas as semicolons).
    /// Without a consistent candidate, the one present on most records; with none, `,`.
    static func detectDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, wholeInput: Bool) -> UInt8 {
        var counts: [[Int]] = [[], [], [], []]
        var current = [0, 0, 0, 0]
        var inQuotes = false
        var nonBlank = false
        var records = 0
        for b in bytes {
            if b == UInt8(ascii: "\"") { inQuotes.toggle(); nonBlank = true; continue }
            if inQuotes { continue }
            if b == 0x0A || b == 0x0D {
                if nonBlank {
                    for c in 0..<4 { counts[c].append(current[c]) }
                    records += 1
                    if records == 50 { break }
                }
                current = [0, 0, 0, 0]
                nonBlank = false
                continue
            }
            if b != 0x20 && b != 0x09 { nonBlank = true }
            if let c = candidateDelimiters.firstIndex(of: b) { current[c] += 1; nonBlank = true }
        }
        if nonBlank && (wholeInput || counts[0].isEmpty) && !inQuotes && records < 50 {
            for c in 0..<4 { counts[c].append(current[c]) }
        }
        guard !counts[0].isEmpty else { return UInt8(ascii: ",") }
        var best: (index: Int, count: Int)? = nil
        for c in [1, 0, 2, 3] {  // order of preference on ties: ; , tab |
            let first = counts[c][0]
            guard first > 0, counts[c].allSatisfy({ $0 == first }) else { continue }
            if best == nil || first > best!.count { best = (c, first) }
        }
        if let best { return candidateDelimiters[best.index] }
        var present = [0, 0, 0, 0]
        for c in 0..<4 { present[c] = counts[c].filter { $0 > 0 }.count }
        if let c = [0, 1, 2, 3].max(by: { present[$0] < present[$1] }), present[c] > 0 {
            return candidateDelimiters[c]
        }
        return UInt8(ascii: ",")
    }
}
