import Testing
@testable import ForecastEvaluation

@Suite struct MetricsTests {
    // y = [1, 2, 3, 4], f = [1.5, 2, 2, 5], previous = [0, 1, 2, 3]
    // errors y − f = [−0.5, 0, 1, −1]
    // MAE   = (0.5 + 0 + 1 + 1)/4 = 0.625
    // RMSE  = √((0.25 + 0 + 1 + 1)/4) = √0.5625 = 0.75
    // sMAPE = (200·0.5/2.5 + 0 + 200·1/5 + 200·1/9)/4 = (40 + 0 + 40 + 22.2̅)/4 = 25.5̅
    // DirAcc: sign(f − p) = [+, +, 0, +], sign(y − p) = [+, +, +, +] → 3/4
    // MASE with scale 0.5 = 1.25; naive MAE = mean|y − p| = 1 → skill = 1 − 0.625 = 0.375
    @Test func handComputedExample() throws {
        let m = try #require(ForecastMetrics(actuals: [1, 2, 3, 4], forecasts: [1.5, 2, 2, 5],
                                             previousActuals: [0, 1, 2, 3], maseScale: 0.5, naiveMAE: 1))
        #expect(m.count == 4)
        #expect(abs(m.mae - 0.625) < 1e-15)
        #expect(abs(m.rmse - 0.75) < 1e-15)
        #expect(abs(m.smape - (40 + 0 + 40 + 200.0 / 9) / 4) < 1e-12)
        #expect(abs(m.mase! - 1.25) < 1e-15)
        #expect(m.directionalAccuracy == 0.75)
        #expect(abs(m.skill! - 0.375) < 1e-15)
    }

    @Test func smapeZeroOverZeroCountsZero() {
        // Terms: 0/0 → 0, 200·2/(1 + 3) = 100 → mean 50.
        #expect(ForecastMetrics.symmetricMAPE(actuals: [0, 1], forecasts: [0, 3]) == 50)
        #expect(ForecastMetrics.symmetricMAPE(actuals: [0, 0], forecasts: [0, 0]) == 0)
        // One side zero gives the maximum 200.
        #expect(ForecastMetrics.symmetricMAPE(actuals: [0], forecasts: [2]) == 200)
    }

    @Test func maseScaleUsesSeasonOnTrainingPart() {
        let training: [Double] = [1, 3, 2, 5, 4, 6, 5, 8]
        // m = 2: |2−1|, |5−3|, |4−2|, |6−5|, |5−4|, |8−6| = 1, 2, 2, 1, 1, 2 → 9/6
        #expect(abs(maseScale(training: training, season: 2)! - 1.5) < 1e-15)
        // naive: 2, 1, 3, 1, 2, 1, 3 → 13/7
        #expect(abs(maseScale(training: training, season: nil)! - 13.0 / 7) < 1e-15)
        #expect(maseScale(training: training, season: 1) == maseScale(training: training, season: nil))
        #expect(maseScale(training: [1, 2], season: 2) == nil)
    }

    @Test func maseAndSkillAreNilWithoutAScale() throws {
        let m = try #require(ForecastMetrics(actuals: [1, 2], forecasts: [1, 1], previousActuals: [1, 1],
                                             maseScale: 0, naiveMAE: 0))
        #expect(m.mase == nil)
        #expect(m.skill == nil)
        #expect(ForecastMetrics(actuals: [], forecasts: [], previousActuals: [], maseScale: 1, naiveMAE: 1) == nil)
    }

    @Test func directionalAccuracyCountsFlatAsItsOwnDirection() {
        // sign(f − p) vs sign(y − p): (0 vs 0) hit, (0 vs +) miss, (− vs −) hit, (+ vs −) miss.
        let share = ForecastMetrics.directionalAccuracy(
            actuals: [5, 6, 4, 4], forecasts: [5, 5, 3, 6], previousActuals: [5, 5, 5, 5])
        #expect(share == 0.5)
    }
}
