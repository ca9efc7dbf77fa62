import Foundation
import Testing
@testable import ForecastEvaluation

@Suite struct BaselineTests {
    let series: [Double] = [1, 2, 4, 7, 11, 16]

    @Test func naiveRepeatsLastObservation() {
        #expect(NaiveForecaster().forecast(history: series[0..<3], steps: 2) == [4, 4])
        let rolling = NaiveForecaster().rollingForecasts(series: series, targets: 3..<6, steps: 1)
        #expect(rolling.origins == [3, 4, 5])
        #expect(rolling.values == [[4], [7], [11]])
        #expect(NaiveForecaster().nextForecasts(series: series, steps: 1) == [16])
    }

    @Test func seasonalNaiveRepeatsLastSeason() {
        let f = SeasonalNaiveForecaster(season: 2)
        // From y[0..<4] = [1, 2, 4, 7]: y[4] ← y[2] = 4, y[5] ← y[3] = 7, y[6] ← y[2] = 4.
        #expect(f.forecast(history: series[0..<4], steps: 3) == [4, 7, 4])
        // Beyond the end: y[6] ← y[4] = 11, y[7] ← y[5] = 16.
        #expect(f.nextForecasts(series: series, steps: 2) == [11, 16])
        #expect(f.rollingForecasts(series: series, targets: 2..<6, steps: 1).values == [[1], [2], [4], [7]])
        #expect(f.name == "seasonal naive (m=2)")
    }

    @Test func driftUsesOnlyDataUpToTheOrigin() {
        let f = DriftForecaster()
        // y[0..<4] = [1, 2, 4, 7]: slope (7 − 1)/3 = 2 → 9, 11.
        #expect(f.forecast(history: series[0..<4], steps: 2) == [9, 11])
        // Rolling origin t = 5: y[4] + (y[4] − y[0])/4 = 11 + 10/4 = 13.5 (y[5] unused).
        #expect(f.rollingForecasts(series: series, targets: 5..<6, steps: 1).values == [[13.5]])
        // Next: 16 + (16 − 1)/5 = 19.
        #expect(f.nextForecasts(series: series, steps: 1) == [19])
        // One observation: the naive forecast.
        #expect(f.forecast(history: series[0..<1], steps: 2) == [1, 1])
    }

    @Test func rollingForecastsIgnoreFutureValues() {
        // Changing values at or after each origin must not change that origin's forecast.
        var altered = series
        altered[5] = 1000
        for b in [NaiveForecaster(), SeasonalNaiveForecaster(season: 2), DriftForecaster()] as [any BaselineForecaster] {
            #expect(b.rollingForecasts(series: series, targets: 3..<6, steps: 1)
                    == b.rollingForecasts(series: altered, targets: 3..<6, steps: 1))
        }
    }
}
