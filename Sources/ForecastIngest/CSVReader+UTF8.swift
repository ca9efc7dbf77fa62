/// UTF-8 validation of the input, done slice by slice just before tokenizing.
extension CSVReader {
    /// The next slice of a block to tokenize, starting at `fed`: at most `parseSlice` bytes of valid
    /// UTF-8, and the block-relative offset of an encoding error that ends the block, if any.
    static func validatedSlice(_ p: UnsafePointer<UInt8>, from fed: Int, count: Int) -> (n: Int, encoding: (offset: Int, binary: Bool)?) {
        let n = min(parseSlice, count - fed)
        switch validateUTF8(p + fed, n) {
        case .invalid(let k, let binary):
            return (k, (fed + k, binary))
        case .valid(let length):
            guard length < n else { return (n, nil) }
            // An incomplete UTF-8 sequence: it continues in the next slice, unless the block
            // (which ends after a line end or at the end of the file) ends here.
            let ends = fed + n == count || length == 0
            return (length, ends ? (fed + length, false) : nil)
        }
    }

    enum Validation: Equatable {
        /// The first `length` bytes are valid; the rest (≤ 3 bytes) may be an incomplete sequence.
        case valid(length: Int)
        /// Byte `offset` starts an invalid sequence (`binary`: a NUL or control byte).
        case invalid(offset: Int, binary: Bool)
    }

    /// Checks UTF-8 and rejects control bytes other than tab, LF, FF and CR. 8 bytes at a time
    /// while the text is printable ASCII.
    static func validateUTF8(_ p: UnsafePointer<UInt8>, _ count: Int) -> Validation {
        var i = 0
        let high: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101
        while i < count {
            if i + 8 <= count {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                // A byte < 0x20 sets its high bit in (w − 0x20…) & ~w; a byte ≥ 0x80 has it set.
                // Only the lowest flag is exact (borrows run upwards): skip to it.
                let flags = ((w &- ones &* 0x20) & ~w & high) | (w & high)
                if flags == 0 { i += 8; continue }
                i += flags.trailingZeroBitCount >> 3
            }
            let b = p[i]
            if b < 0x80 {
                if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0C && b != 0x0D {
                    return .invalid(offset: i, binary: true)
                }
                i += 1
                continue
            }
            let need: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return .invalid(offset: i, binary: false)
            }
            if i + need >= count {
                // Not all continuation bytes are here: check those that are, leave the rest.
                for k in 1..<(count - i) {
                    let c = p[i + k]
                    if c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF) { return .invalid(offset: i, binary: false) }
                }
                return .valid(length: i)
            }
            for k in 1...need {
                let c = p[i + k]
                if c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF) { return .invalid(offset: i, binary: false) }
            }
            i += need + 1
        }
        return .valid(length: count)
    }
}
