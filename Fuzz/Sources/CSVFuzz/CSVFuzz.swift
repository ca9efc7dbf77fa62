// libFuzzer entry point. Byte 0 of an input chooses options (delimiter, missing and duplicate
// policies, a date format, tiny blocks); the rest is the CSV file. Every input must end in a
// Series that satisfies the invariants below or in an IngestError — a trap is a finding.
// Quote-free inputs are also tokenized by both libcsv and the fast tokenizer, which must agree.
// The date parser is fuzzed on the same bytes, free-form and with a format from the first line.
@_spi(Fuzzing) import ForecastIngest

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let control = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())

    var options = IngestOptions(path: "fuzz.csv")
    switch control & 0x03 {
    case 1: options.delimiter = ";"
    case 2: options.delimiter = "\t"
    case 3: options.delimiter = "|"
    default: break
    }
    options.missing = MissingPolicy.allCases[Int(control >> 2 & 0x03)]
    options.duplicates = DuplicatePolicy.allCases[Int(control >> 4 & 0x03) % DuplicatePolicy.allCases.count]
    if control & 0x40 != 0 { options.dateFormat = "%d.%m.%Y %H:%M" }
    options.threads = 1
    let blockSize = control & 0x80 != 0 ? 16 : 1 << 22  // tiny blocks exercise the block split and merge

    do {
        let series = try loadSeries(bytes: body, name: "fuzz.csv", options: options, blockSize: blockSize)
        precondition(series.count > 0)
        precondition(series.values.count == series.featureNames.count)
        precondition(series.values.allSatisfy { $0.count == series.count })
        precondition(!series.target.contains { $0.isNaN }, "missing values left after the policy")
        if let dates = series.dates {
            precondition(dates.count == series.count)
            precondition(zip(dates, dates.dropFirst()).allSatisfy { $0 < $1 }, "dates not strictly increasing")
        }
        precondition(series.summary.rowsUsed == series.count)
        let transform = TargetTransform.allCases[Int(control) % TargetTransform.allCases.count]
        if let windows = try? makeWindows(series, WindowingOptions(timeSteps: 2, horizon: 1 + Int(control % 3),
                                                                   testFraction: 0.3, transform: transform)) {
            for set in [windows.train, windows.validation, windows.test] {
                precondition(set.x.count == set.count * 2 * windows.dimInput)
                precondition(set.y.count == set.count * windows.horizon)
                _ = windows.inverse(predictions: set.y, for: set)
            }
            _ = windows.inverseNext(windows.nextInput().prefix(windows.horizon).map { $0 })
        }
    } catch let error as IngestError {
        precondition(error.exitCode != 0 && error.description.contains("\n  hint: ") && !(error.hint ?? "").isEmpty)
    } catch {
        preconditionFailure("not an IngestError: \(error)")
    }

    // Quote-free text: the fast tokenizer must give exactly libcsv's fields and record ends,
    // whatever the pieces it is fed in.
    if !body.contains(UInt8(ascii: "\"")) {
        let delimiter: UInt8 = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")][Int(control & 0x03)]
        let reference = TokenizerComparison.libcsvEvents(body, delimiter: delimiter)
        precondition(reference != nil, "libcsv failed on quote-free text")
        precondition(TokenizerComparison.quoteFreeEvents(body, delimiter: delimiter) == reference, "tokenizers differ")
        precondition(TokenizerComparison.quoteFreeEvents(body, delimiter: delimiter, piece: 1 + Int(control % 7)) == reference,
                     "tokenizers differ when fed in pieces")
    }

    // The date parser: the text as is, and with the first line as a format for the second.
    let text = String(decoding: body.prefix(80), as: UTF8.self)
    if let parser = try? DateParser(), let t = parser.seconds(text) { precondition(t.isFinite) }
    if let newline = body.firstIndex(of: 0x0A) {
        let format = String(decoding: body[..<newline].prefix(40), as: UTF8.self)
        let value = String(decoding: body[(newline + 1)...].prefix(80), as: UTF8.self)
        if let parser = try? DateParser(format: format), let t = parser.seconds(value) { precondition(t.isFinite) }
    }
    return 0
}
