import Foundation
import Testing
@testable import ForecastIngest

/// A fresh directory under the system temp dir for one test's files.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("ForecastIngestTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `bytes` to `name` in a new temp dir and returns the path.
func writeFixture(_ bytes: [UInt8], name: String = "input.csv") throws -> String {
    let url = try temporaryDirectory().appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

func writeFixture(_ text: String, name: String = "input.csv") throws -> String {
    try writeFixture(Array(text.utf8), name: name)
}

/// Loads `text` through a real file with the given options.
func load(_ text: String, name: String = "input.csv", _ configure: (inout IngestOptions) -> Void = { _ in }) throws -> Series {
    let path = try writeFixture(text, name: name)
    var options = IngestOptions(path: path)
    configure(&options)
    return try loadSeries(options)
}

func load(bytes: [UInt8], name: String = "input.csv", _ configure: (inout IngestOptions) -> Void = { _ in }) throws -> Series {
    let path = try writeFixture(bytes, name: name)
    var options = IngestOptions(path: path)
    configure(&options)
    return try loadSeries(options)
}

/// Runs `body`, requires an IngestError, and returns it.
func ingestError(_ body: () throws -> Any) -> IngestError? {
    do {
        _ = try body()
        Issue.record("expected an IngestError, got success")
        return nil
    } catch let e as IngestError {
        return e
    } catch {
        Issue.record("expected an IngestError, got \(error)")
        return nil
    }
}

/// Checks an error's exit code, position and that its description names file, line and column.
func expectError(_ error: IngestError?, code: Int32, kind: IngestError.Kind? = nil, line: Int?, column: Int?,
                 fileSuffix: String = "input.csv", sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else { return }
    #expect(error.exitCode == code, "exit code; \(error)", sourceLocation: sourceLocation)
    if let kind { #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation) }
    #expect(error.line == line, "line; \(error)", sourceLocation: sourceLocation)
    #expect(error.column == column, "column; \(error)", sourceLocation: sourceLocation)
    #expect(error.file.hasSuffix(fileSuffix), sourceLocation: sourceLocation)
    var prefix = error.file
    if let line {
        prefix += ":\(line)"
        if let column { prefix += ":\(column)" }
    }
    #expect(error.description.hasPrefix(prefix + ": "), "description: \(error.description)", sourceLocation: sourceLocation)
    #expect(error.description.contains("\n  hint: "), sourceLocation: sourceLocation)
    #expect(!(error.hint ?? "").isEmpty, sourceLocation: sourceLocation)
}

/// UTC date from components.
func utc(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Date {
    var c = DateComponents()
    c.year = y; c.month = m; c.day = d; c.hour = h; c.minute = mi; c.second = s
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "UTC")!
    return cal.date(from: c)!
}

/// Root of the repository (for data/), from this file's path.
func repositoryRoot(_ file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
