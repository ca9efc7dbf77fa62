import Foundation
import Testing
import ForecastIngest
@testable import ForecastEvaluation

@Suite struct RunEvaluatorTests {
    /// 100 daily points with large day-to-day swings (so the naive forecast is poor).
    let series: [Double] = (0..<100).map { (t: Int) -> Double in
        let x = Double(t)
        return 50 + 10 * sin(0.9 * x) + 0.3 * x
    }
    let dates: [Date] = (0..<100).map { Date(timeIntervalSince1970: 1_700_006_400 + 86_400 * Double($0)) }
    let split = SeriesSplit(train: 0..<60, validation: 60..<80, test: 80..<100)

    func evaluator(horizon: Int = 1, season: Int? = nil) -> RunEvaluator {
        RunEvaluator(series: series, dates: dates, frequency: .daily, split: split, horizon: horizon, season: season)
    }

    /// A fake model: actual + offset on each part (offset depends on the part).
    func model(_ name: String, kind: ModelKind, params: Int, validationOffset: Double, testOffset: Double) -> ModelOutput {
        ModelOutput(
            name: name, kind: kind, parameters: params, epochsRun: 10, trainSeconds: 1.5,
            validationForecasts: RollingForecasts(origins: Array(split.validation), oneStep: split.validation.map { series[$0] + validationOffset }),
            testForecasts: RollingForecasts(origins: Array(split.test), oneStep: split.test.map { series[$0] + testOffset }),
            nextForecast: [123])
    }

    @Test func pickIsChosenOnValidationNotTest() throws {
        let models = [
            model("val-best", kind: .recurrent, params: 500, validationOffset: 0.1, testOffset: 5),
            model("test-best", kind: .feedForward, params: 100, validationOffset: 1, testOffset: 0.01),
        ]
        let run = evaluator().evaluate(models: models)
        #expect(run.models.map(\.name) == ["naive", "drift", "val-best", "test-best"])
        #expect(run.pick == "val-best")
        let valBest = try #require(run.models.first { $0.name == "val-best" })
        let testBest = try #require(run.models.first { $0.name == "test-best" })
        #expect(testBest.test!.mae < valBest.test!.mae)   // the test part would have chosen the other one
        #expect(abs(valBest.validation!.mae - 0.1) < 1e-12)
        #expect(abs(valBest.test!.mae - 5) < 1e-12)
        #expect(valBest.validation!.count == 20 && valBest.test!.count == 20)
    }

    @Test("with --horizon 3 the pick is chosen on the validation MAE averaged over steps 1–3, not on step 1")
    func pickIsChosenAtTheHorizonAskedFor() throws {
        let h = 3
        // Exact at step 1 but far off at steps 2–3 ("sharp"), against off by 1 at every step ("steady").
        func twoStep(_ name: String, errors: [Double]) -> ModelOutput {
            func rolling(_ part: Range<Int>) -> RollingForecasts {
                RollingForecasts(origins: Array(part), values: part.map { t in (0..<h).map { j in t + j < series.count ? series[t + j] + errors[j] : 0 } })
            }
            return ModelOutput(name: name, kind: .feedForward, parameters: 10, epochsRun: 1, trainSeconds: 0.1,
                               validationForecasts: rolling(split.validation), testForecasts: rolling(split.test),
                               nextForecast: [1, 2, 3])
        }
        let run = evaluator(horizon: h).evaluate(models: [twoStep("sharp", errors: [0, 9, 9]), twoStep("steady", errors: [1, 1, 1])])
        let sharp = try #require(run.models.first { $0.name == "sharp" })
        let steady = try #require(run.models.first { $0.name == "steady" })
        #expect(sharp.validation!.mae < steady.validation!.mae, "one step alone would choose sharp")
        #expect(run.pick == "steady")
        #expect(abs(steady.selectionMAE! - 1) < 1e-12 && abs(sharp.selectionMAE! - 6) < 1e-12)
        #expect(run.pickReason.hasPrefix("lowest validation MAE averaged over steps 1–3"), "\(run.pickReason)")
    }

    @Test("combo is the mean of the statistical models and the best network, members chosen on validation")
    func combinationAveragesItsMembers() throws {
        var e = evaluator()
        e.combine = true
        let run = e.evaluate(models: [
            model("ets", kind: .statistical, params: 3, validationOffset: 0.5, testOffset: 1),
            model("theta", kind: .statistical, params: 3, validationOffset: -0.5, testOffset: 3),
            model("ff", kind: .feedForward, params: 100, validationOffset: 0.2, testOffset: -2),   // best network on validation
            model("gru", kind: .recurrent, params: 500, validationOffset: 0.4, testOffset: 0),
        ])
        let combo = try #require(run.models.first { $0.name == "combo" })
        #expect(combo.kind == .combination && combo.status.isOK)
        #expect(combo.configuration == "mean of ets, theta, ff" && combo.displayName == "combo (mean of ets, theta, ff)")
        // Test offsets 1, 3 and −2 average to 2/3; validation offsets 0.5, −0.5, 0.2 to 0.0667.
        #expect(abs(combo.test!.mae - 2.0 / 3) < 1e-12)
        #expect(abs(combo.validation!.mae - 0.2 / 3) < 1e-12)
        #expect(combo.nextForecasts.first?.value == 123)
        #expect(run.pick == "combo", "the lowest validation MAE")
        // Without a second member there is no combination, and without `combine` none at all.
        e.combine = true
        #expect(!e.evaluate(models: [model("ff", kind: .feedForward, params: 1, validationOffset: 0.1, testOffset: 0.1)])
            .models.contains { $0.kind == .combination })
        #expect(!evaluator().evaluate(models: [model("ets", kind: .statistical, params: 3, validationOffset: 0.1, testOffset: 0.1),
                                               model("ff", kind: .feedForward, params: 1, validationOffset: 0.1, testOffset: 0.1)])
            .models.contains { $0.kind == .combination })
    }

    @Test("intervals are cut at 0 when the training part never went below 0, and only then")
    func intervalsStopAtTheNaturalBound() throws {
        for negativeInTraining in [false, true] {
            var y = (0..<100).map { Double($0 % 5) + 1 }       // counts 1…5
            if negativeInTraining { y[10] = -1 }
            let e = RunEvaluator(series: y, dates: dates, frequency: .daily, split: split, season: nil)
            let m = ModelOutput(name: "m", kind: .feedForward, parameters: 1,
                                validationForecasts: RollingForecasts(origins: Array(split.validation), oneStep: split.validation.map { y[$0] + 6 }),
                                testForecasts: RollingForecasts(origins: Array(split.test), oneStep: split.test.map { y[$0] + 6 }),
                                nextForecast: [1])
            let run = e.evaluate(models: [m])
            let result = try #require(run.models.first { $0.name == "m" })
            let lower = try #require(result.nextForecasts.first?.intervals.first?.lower)
            #expect(run.intervalFloor == (negativeInTraining ? nil : 0))
            #expect(lower == (negativeInTraining ? 1 - 6 : 0), "forecast 1 with half-width 6")
        }
    }

    @Test("validation ties go to the simpler kind: statistical before feed-forward (whatever the parameter count), baseline before statistical")
    func statisticalTieBreak() throws {
        let run = evaluator().evaluate(models: [
            model("net", kind: .feedForward, params: 10, validationOffset: 0.1, testOffset: 0.1),
            model("ets", kind: .statistical, params: 3000, validationOffset: 0.1, testOffset: 0.1),
        ])
        #expect(run.pick == "ets")
        #expect(ModelKind.baseline < .statistical && ModelKind.statistical < .feedForward && ModelKind.feedForward < .recurrent)
        #expect(ModelKind.statistical.rawValue == "statistical")
    }

    @Test func metricsDMAndIntervalsMatchDirectComputation() throws {
        let run = evaluator().evaluate(models: [model("m", kind: .feedForward, params: 10, validationOffset: 0.1, testOffset: 0.5)])
        let m = try #require(run.models.first { $0.name == "m" })
        let naive = try #require(run.models.first { $0.name == "naive" })
        let test = Array(split.test)
        let naiveErrors = test.map { series[$0] - series[$0 - 1] }
        let naiveMAE = naiveErrors.map(abs).reduce(0, +) / 20
        let scale = try #require(maseScale(training: Array(series[0..<60]), season: nil))
        #expect(abs(naive.test!.mae - naiveMAE) < 1e-12)
        #expect(abs(naive.test!.skill! - 0) < 1e-15)
        #expect(abs(m.test!.mase! - 0.5 / scale) < 1e-12)
        #expect(abs(m.test!.skill! - (1 - 0.5 / naiveMAE)) < 1e-12)
        // DM of the model against naive uses the step-1 test errors of both.
        let expected = try DieboldMariano.test(errors1: Array(repeating: -0.5, count: 20), errors2: naiveErrors)
        let dm = try #require(m.dmVsNaive)
        #expect(abs(dm.statistic - expected.statistic) < 1e-12)
        #expect(abs(dm.pValue - expected.pValue) < 1e-15)
        #expect(naive.dmVsNaive == nil && naive.dmNote == "reference model")
        // Validation residuals are all 0.1 → both half-widths 0.1; test errors 0.5 → coverage 0.
        #expect(m.intervals.map(\.level) == [0.8, 0.95])
        for interval in m.intervals {
            #expect(abs(interval.halfWidth[0] - 0.1) < 1e-12)
            #expect(interval.testCoverage[0] == 0)
        }
        // Next forecast: the day after the last date, value ± half-width.
        let next = try #require(m.nextForecasts.first)
        #expect(next.date == dates[99].addingTimeInterval(86_400))
        #expect(next.value == 123)
        #expect(abs(next.intervals[0].lower - 122.9) < 1e-9 && abs(next.intervals[0].upper - 123.1) < 1e-9)
        // The pick beats naive here, and the comparison is reported.
        #expect(run.pick == "m")
        let pickVsNaive = try #require(run.comparisons.first { $0.label == "pick vs naive" })
        #expect(pickVsNaive.result == dm)
        #expect(run.test.values == Array(series[80..<100]))
    }

    @Test func failedAndDivergedModelsAreReportedAndOthersStillRun() throws {
        var diverged = model("lstm", kind: .recurrent, params: 900, validationOffset: 0.1, testOffset: 0.1)
        diverged.testForecasts!.values[3][0] = .nan
        let models = [
            ModelOutput.failed(name: "gru", kind: .recurrent, reason: "window 200 needs more than 60 training rows"),
            diverged,
            model("ff", kind: .feedForward, params: 50, validationOffset: 0.3, testOffset: 0.3),
        ]
        let run = evaluator().evaluate(models: models)
        let gru = try #require(run.models.first { $0.name == "gru" })
        #expect(gru.status == .failed(reason: "window 200 needs more than 60 training rows"))
        #expect(gru.testMetrics.isEmpty)
        let lstm = try #require(run.models.first { $0.name == "lstm" })
        #expect(lstm.status.failureReason?.contains("diverged") == true)
        #expect(run.pick == "ff")
        #expect(!run.models.first { $0.name == "ff" }!.testMetrics.isEmpty)
        // No working recurrent model → no recurrent-vs-feed-forward comparison.
        #expect(!run.comparisons.contains { $0.label.contains("recurrent") })
    }

    @Test func tieGoesToTheSimplerModel() {
        let models = [
            model("big", kind: .recurrent, params: 900, validationOffset: 0.2, testOffset: 0.2),
            model("small", kind: .recurrent, params: 100, validationOffset: -0.2, testOffset: 0.2),
            model("ff", kind: .feedForward, params: 5000, validationOffset: 0.2, testOffset: 0.2),
        ]
        #expect(evaluator().evaluate(models: models).pick == "ff")
        #expect(evaluator().evaluate(models: Array(models.prefix(2))).pick == "small")
    }

    @Test func multiStepMetricsPerStep() throws {
        let run = evaluator(horizon: 2, season: 7).evaluate(models: [])
        #expect(run.models.map(\.name) == ["naive", "seasonal naive (m=7)", "drift"])
        let naive = try #require(run.models.first)
        #expect(naive.testMetrics.count == 2)
        // Step 2 from origin t forecasts y[t+1] with y[t−1]; the last origin's target is past the end.
        let step2 = (80..<99).map { abs(series[$0 + 1] - series[$0 - 1]) }
        #expect(naive.testMetrics[1].count == 19)
        #expect(abs(naive.testMetrics[1].mae - step2.reduce(0, +) / 19) < 1e-12)
        // MASE uses the seasonal (m = 7) in-sample scale for every model and step.
        let scale = try #require(maseScale(training: Array(series[0..<60]), season: 7))
        #expect(abs(naive.testMetrics[1].mase! - naive.testMetrics[1].mae / scale) < 1e-12)
        #expect(naive.nextForecasts.map(\.value) == [series[99], series[99]])
        #expect(naive.intervals[0].halfWidth.count == 2)
    }

    @Test func nextForecastDatesFollowTheFrequency() throws {
        let last = dates[99]
        func nextDates(_ frequency: Frequency) throws -> [Date] {
            let run = RunEvaluator(series: series, dates: dates, frequency: frequency, split: split, horizon: 2, season: nil)
                .evaluate(models: [])
            return try #require(run.models.first).nextForecasts.map(\.date)
        }
        #expect(try nextDates(.weekly) == [last.addingTimeInterval(7 * 86_400), last.addingTimeInterval(14 * 86_400)])
        // A dateless series (synthetic dates a day apart) continues that spacing.
        #expect(try nextDates(.unknown) == [last.addingTimeInterval(86_400), last.addingTimeInterval(2 * 86_400)])
    }

    @Test func seasonalNaiveFailsWhenHistoryIsTooShort() throws {
        let e = RunEvaluator(series: series, dates: dates, frequency: .daily,
                             split: SeriesSplit(train: 0..<5, validation: 5..<50, test: 50..<100), season: 7)
        let run = e.evaluate(models: [])
        let seasonal = try #require(run.models.first { $0.name.hasPrefix("seasonal") })
        #expect(seasonal.status.failureReason?.contains("too little data") == true)
        #expect(run.pick != nil)
    }

    @Test func splitFractions() {
        let s = SeriesSplit(count: 101, validationFraction: 0.1, testFraction: 0.2)
        #expect(s.test == 81..<101 && s.validation == 71..<81 && s.train == 0..<71)
    }

    /// The naive forecast on `part` (the previous actual), with `exact` targets hit exactly.
    func nearNaive(_ name: String, exact: Set<Int>) -> ModelOutput {
        func rolling(_ part: Range<Int>) -> RollingForecasts {
            RollingForecasts(origins: Array(part), oneStep: part.map { exact.contains($0) ? series[$0] : series[$0 - 1] })
        }
        return ModelOutput(name: name, kind: .recurrent, parameters: 50, epochsRun: 1, trainSeconds: 0.1,
                           validationForecasts: rolling(split.validation), testForecasts: rolling(split.test), nextForecast: [1])
    }

    @Test("a pick not significantly better than naive on the validation part falls back to naive, and says so with the test's p-value")
    func pickWithinNoiseFallsBackToNaive() throws {
        // Naive everywhere except one exact validation point: the lowest validation MAE, but one
        // better point in 20 is no evidence (DM p ≈ 0.33).
        let run = evaluator().evaluate(models: [nearNaive("lucky", exact: [70])])
        let lucky = try #require(run.models.first { $0.name == "lucky" })
        #expect(ModelSelection.pick(run.models) == "lucky", "lucky has the lowest validation MAE")
        #expect(run.pick == "naive")
        guard case .withinNoise(let model, let test)? = run.selectionFallback else {
            Issue.record("no fallback: \(String(describing: run.selectionFallback))"); return
        }
        #expect(model == "lucky")
        let p = try #require(test?.pValue)
        #expect(p > 2 * ModelSelection.noiseLevel && test?.count == 20)
        #expect(run.pickReason.hasPrefix("naive kept: lucky had the lowest validation MAE but was not significantly more accurate than naive (Diebold–Mariano one-sided p = "),
                "\(run.pickReason)")
        // The p shown is the one the rule compares with its one-sided level: half the two-sided p, as lucky is ahead.
        let oneSided = try #require(test?.oneSidedPValue)
        #expect(abs(oneSided - p / 2) < 1e-15 && oneSided >= ModelSelection.noiseLevel)
        #expect(run.pickReason.contains(String(format: "one-sided p = %.3f on 20 validation points; the rule asks one-sided p < 0.1", oneSided)), "\(run.pickReason)")
        #expect(lucky.validation!.mae < run.models.first { $0.name == "naive" }!.validation!.mae)
    }

    @Test("a pick clearly better than naive on the validation part stands (no fallback)")
    func significantPickStands() throws {
        let run = evaluator().evaluate(models: [nearNaive("sharp", exact: Set(60..<80))])
        #expect(run.pick == "sharp" && run.selectionFallback == nil)
    }

    @Test("with fewer than the minimum validation points at step h, the run keeps the reference baseline and says how many there were")
    func tooFewValidationPointsKeepTheBaseline() throws {
        let short = SeriesSplit(train: 0..<75, validation: 75..<80, test: 80..<100)
        let e = RunEvaluator(series: series, dates: dates, frequency: .daily, split: short, horizon: 1, season: nil)
        func exact(_ part: Range<Int>) -> RollingForecasts { RollingForecasts(origins: Array(part), oneStep: part.map { series[$0] }) }
        let perfect = ModelOutput(name: "perfect", kind: .feedForward, parameters: 5, epochsRun: 1, trainSeconds: 0.1,
                                  validationForecasts: exact(short.validation), testForecasts: exact(short.test), nextForecast: [1])
        let run = e.evaluate(models: [perfect])
        #expect(run.pick == "naive")
        #expect(run.selectionFallback == .tooFewPoints(points: 5))
        #expect(run.pickReason == "naive kept: the validation part gives 5 points at step 1, fewer than the 10 a choice between models needs")
    }

    @Test("validation folds: blocks of at least 10 origins, at most 5, covering the part in order")
    func foldsOfTheValidationPart() {
        #expect(ModelSelection.folds(of: 100..<109) == [100..<109])
        #expect(ModelSelection.folds(of: 100..<120) == [100..<110, 110..<120])
        #expect(ModelSelection.folds(of: 100..<131) == [100..<110, 110..<120, 120..<131])
        #expect(ModelSelection.folds(of: 0..<318).count == 5)
        #expect(ModelSelection.folds(of: 0..<318).last == 252..<318)
        #expect(ModelSelection.folds(of: 5..<5).isEmpty)
        let folds = ModelSelection.folds(of: 40..<97)
        #expect(folds.first?.lowerBound == 40 && folds.last?.upperBound == 97)
        #expect(zip(folds, folds.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound } && folds.allSatisfy { $0.count >= 10 })
    }
}
