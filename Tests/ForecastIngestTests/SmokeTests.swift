import Foundation
import Testing
@testable import ForecastIngest

@Test func smoke() throws {
    let s = try load("date,price\n2020-01-01,1.5\n2020-01-02,2.5\n2020-01-03,\n2020-01-06,4\n")
    print(s.summary.lines.joined(separator: "\n"))
    print(s.target, s.dates!)
    let p = try loadSeries(IngestOptions(path: repositoryRoot().appendingPathComponent("data/prices.csv").path))
    print(p.summary.lines.joined(separator: "\n"))
}
