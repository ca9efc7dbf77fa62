import ForecastCore
import Foundation
import Testing

@Suite("exit statuses and the error protocol")
struct ExitStatusTests {
    /// The repository root, found from this file's path.
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    @Test("the README's exit-code table is the one ForecastCore.ExitStatus generates")
    func readmeTableMatches() throws {
        let readme = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## Exit codes"))
        let tableStart = try #require(readme.range(of: "| code | meaning |", range: section.upperBound..<readme.endIndex))
        let rest = readme[tableStart.lowerBound...]
        let table = rest.prefix { _ in true }.split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { $0.hasPrefix("|") }.joined(separator: "\n")
        #expect(table == ForecastCore.ExitStatus.markdownTable)
    }

    @Test("codes are distinct and in the documented ranges")
    func codesAreDistinct() {
        let codes = ForecastCore.ExitStatus.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes == codes.sorted())
        #expect(ForecastCore.ExitStatus.allCases.allSatisfy { !$0.meaning.isEmpty })
    }

    struct Sample: ForecastError {
        var exitStatus: ForecastCore.ExitStatus
        var location: ErrorLocation?
        var message: String
        var hint: String?
    }

    @Test("one rendering: place, 'error:', message, hint on its own line")
    func rendering() {
        let inFile = Sample(exitStatus: .nonNumericValue, location: ErrorLocation(file: "prices.csv", line: 12, column: 3),
                            message: "non-numeric value \"abc\" in column \"price\"", hint: "fix the cell")
        #expect(inFile.description == "prices.csv:12:3: error: non-numeric value \"abc\" in column \"price\"\n  hint: fix the cell")
        #expect(inFile.exitCode == 14)
        let option = Sample(exitStatus: .usage, location: ErrorLocation(option: "--window"), message: "must be at least 1", hint: nil)
        #expect(option.description == "--window: error: must be at least 1")
        let nowhere = Sample(exitStatus: .internalError, location: nil, message: "m", hint: "")
        #expect(nowhere.description == "error: m")
        // A line without a column, and a column without a line (ignored).
        #expect(ErrorLocation(file: "f", line: 4).text == "f:4")
        #expect(ErrorLocation(file: "f", column: 4).text == "f")
    }
}
