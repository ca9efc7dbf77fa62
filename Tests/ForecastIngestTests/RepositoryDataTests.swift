import Foundation
import Testing
@testable import ForecastIngest

/// The sample files under data/ read as documented.
@Suite struct RepositoryDataTests {
    static func path(_ name: String) -> String { repositoryRoot().appendingPathComponent("data/\(name)").path }

    @Test func goldPrices() throws {
        let s = try loadSeries(IngestOptions(path: Self.path("prices.csv")))
        #expect(s.summary.rowsRead == 1108)
        #expect(s.count == 1108)
        #expect(s.summary.missingCount == 34)
        #expect(s.summary.missingByColumn == ["price": 34])
        #expect(s.frequency == .businessDaily)
        #expect(s.summary.gapCount == 0)
        #expect(s.targetName == "price")
        #expect(s.dates?.first == utc(1985, 1, 2))
        #expect(s.dates?.last == utc(1989, 3, 31))
        #expect(s.target.first == 306.25)
        #expect(!s.target.contains { $0.isNaN })
        // 1985-04-05 (Good Friday) is missing and carries 1985-04-04 forward.
        let k = s.dates!.firstIndex(of: utc(1985, 4, 5))!
        #expect(s.target[k] == s.target[k - 1])
        // Enough for the default windows.
        let ds = try makeWindows(s, WindowingOptions())
        #expect(ds.train.count > 0 && ds.validation.count > 0 && ds.test.count > 0)
    }

    @Test func airPassengers() throws {
        let s = try loadSeries(IngestOptions(path: Self.path("airpassengers.csv")))
        #expect(s.count == 144)
        #expect(s.frequency == .monthly)
        #expect(s.frequency.defaultSeason == 12)
        #expect(s.summary.gapCount == 0)
        #expect(s.targetName == "passengers")
        #expect(s.target.prefix(3) == [112, 118, 132])
    }

    @Test func seatbeltsWithSeveralFeatures() throws {
        var options = IngestOptions(path: Self.path("seatbelts.csv"))
        options.target = "DriversKilled"
        options.features = ["driverskilled", "petrolprice", "law"]
        let s = try loadSeries(options)
        #expect(s.count == 192)
        #expect(s.frequency == .monthly)
        #expect(s.summary.columns.count == 9)
        #expect(s.dimInput == 3)
        #expect(s.values[0] == s.target)
        #expect(s.target.first == 107)
        #expect(abs(s.values[1][0] - 0.102971811805368) < 1e-15)
        let ds = try makeWindows(s, WindowingOptions(timeSteps: 12))
        #expect(ds.dimInput == 3)
        // Without --target the eight numeric columns are ambiguous.
        let e = ingestError { try loadSeries(IngestOptions(path: Self.path("seatbelts.csv"))) }
        #expect(e?.exitCode == 16)
    }
}
