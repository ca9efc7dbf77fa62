/// The reader's errors that need the input's text: positions come as byte offsets or block
/// lines, and are turned into file lines, field numbers and excerpts by re-reading the input
/// (only on the error path, so the hot path keeps no line index).
extension CSVReader {
    /// Adds the line's text to errors raised without it.
    static func complete(_ error: IngestError, _ source: ByteSource) -> IngestError {
        var e = error
        if e.offendingText == nil, let line = e.line { e.offendingText = source.line(line) }
        return e
    }

    static func libcsvUnavailable(file: String) -> IngestError {
        IngestError(.internalError, file: file, message: "libcsv could not be initialised", hint: "out of memory?")
    }

    static func unterminatedQuoteError(_ source: ByteSource, line: Int, column: Int) -> IngestError {
        IngestError(.malformedQuoting, file: source.name, line: line, column: column,
                    offendingText: source.line(line),
                    message: "unterminated quoted field: a quote opened on this line is never closed",
                    hint: "close the quote; inside a quoted field write a quote as \"\"")
    }

    /// libcsv stopped at file offset `offset` with error `code`.
    static func quotingError(_ source: ByteSource, code: Int32, offset: Int, column: Int) -> IngestError {
        let place = source.lineContaining(offset: offset)
        if !LibCSVParser.isParseError(code) {
            return IngestError(.malformedQuoting, file: source.name, line: place.line, column: column,
                               offendingText: place.text, byteInLine: place.byteColumn,
                               message: "the CSV parser failed: \(LibCSVParser.message(code))",
                               hint: "a field may be too large for memory; check the file's quoting")
        }
        let bytes = source.rawLine(place.line, limit: place.byteColumn + 1)
        let k = place.byteColumn - 1
        let atQuote = k >= 0 && k < bytes.count && bytes[k] == UInt8(ascii: "\"")
        return IngestError(.malformedQuoting, file: source.name, line: place.line, column: column,
                           offendingText: place.text, byteInLine: place.byteColumn,
                           message: atQuote ? "malformed quoting: a quote inside an unquoted field (character \(place.byteColumn) of the line)"
                                            : "malformed quoting: text after the closing quote of a field (character \(place.byteColumn) of the line)",
                           hint: "quote the whole field and write a quote inside it as \"\", e.g. \"5\"\" pipe\"")
    }

    /// Invalid UTF-8 (or, with `binary`, a NUL or control byte) at file offset `offset`.
    static func encodingError(_ source: ByteSource, offset: Int, binary: Bool, delimiter: UInt8?) -> IngestError {
        let place = source.lineContaining(offset: offset)
        let raw = source.rawLine(place.line, limit: max(200, place.byteColumn + 16))
        // Field number: delimiters outside quotes before the offset on that line.
        var column = 1
        var inQuotes = false
        for b in raw.prefix(max(0, place.byteColumn - 1)) {
            if b == UInt8(ascii: "\"") { inQuotes.toggle() } else if let delimiter, b == delimiter, !inQuotes { column += 1 }
        }
        let excerpt = escapedBytes(raw, around: place.byteColumn - 1)
        if binary {
            return IngestError(.binaryFile, file: source.name, line: place.line, column: column, offendingText: excerpt,
                               byteInLine: place.byteColumn,
                               message: "binary data (NUL or control byte) at character \(place.byteColumn) of the line: this is not a CSV text file",
                               hint: "give a CSV text file; if it is UTF-16 text, convert it: iconv -f UTF-16 -t UTF-8 in.csv > out.csv")
        }
        return IngestError(.notUTF8, file: source.name, line: place.line, column: column, offendingText: excerpt,
                           byteInLine: place.byteColumn,
                           message: "the file is not valid UTF-8 (bad byte at character \(place.byteColumn) of the line)",
                           hint: "convert it to UTF-8, e.g. iconv -f LATIN1 -t UTF-8 in.csv > out.csv")
    }

    /// Up to 20 bytes before and 8 after position `k`, non-printable and non-ASCII bytes as `\xNN`.
    static func escapedBytes(_ bytes: [UInt8], around k: Int) -> String {
        let lo = max(0, k - 20), hi = min(bytes.count, max(k, 0) + 8)
        guard lo < hi else { return "" }
        var s = ""
        for b in bytes[lo..<hi] {
            if b >= 0x20 && b < 0x7F {
                s.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                s += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            }
        }
        return s
    }
}
