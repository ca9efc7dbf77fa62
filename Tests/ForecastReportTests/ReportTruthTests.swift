import ForecastEvaluation
import Foundation
import Testing
@testable import ForecastReport

/// The report says what its numbers say: the forecast first (fan chart, whole path), each
/// significance claim with how both models fare against naive, MASE with its scale, counts that
/// name what they count, and the training section's explanations and warnings.
@Suite struct ReportTruthTests {
    let utc = TimeZone(identifier: "UTC")!

    func render(_ run: RunResult, charts: Set<String>? = nil) -> String {
        let all: Set<String> = [ReportFileName.fanChart, ReportFileName.testPeriodChart, ReportFileName.lossChart, ReportFileName.gradientFlowChart]
        return MarkdownReport(run: run, charts: charts ?? all, timeZone: utc).render()
    }

    func index(of model: String, in run: RunResult) throws -> Int {
        try #require(run.models.firstIndex { $0.name == model })
    }

    // MARK: - A pick that fell back to a baseline

    @Test("when the run kept naive because the best model was within noise, the verdict says so with the test, and never claims no model beat naive")
    func fallbackIsExplainedInTheVerdict() throws {
        var run = SampleRun.make(horizon: 1)
        let best = try #require(run.pick)
        let test = DieboldMarianoResult(count: 40, meanLossDifference: -0.1, statistic: -0.9, pValue: 0.37)
        run.selectionFallback = .withinNoise(model: best, test: test)
        run.pick = "naive"
        let report = render(run)
        let bestName = try #require(run.models.first { $0.name == best }).displayName
        #expect(report.contains("**Pick: naive.** It is kept as the safe choice: "))
        #expect(report.contains("It is kept as the safe choice: \(bestName) had a lower validation MAE, but its one-step squared errors were not significantly smaller than naive's (Diebold–Mariano one-sided p = 0.185 on 40 validation points; the rule asks for one-sided p below 0.10)."),
                "\(report.prefix(1200))")
        #expect(!report.contains("no model beat it on the validation part"))
        #expect(report.contains("or the reference baseline when that choice is not clearly better (as here, see the verdict)"))

        run.selectionFallback = .tooFewPoints(points: 6)
        let short = render(run)
        #expect(short.contains("It is kept as the safe choice: the validation part gives 6 points at step 1, fewer than the 10 needed to choose between models."))
        run.selectionFallback = nil
        #expect(!render(run).contains("safe choice"))
    }

    // MARK: - Fan chart and path

    @Test func fanChartIsTheFirstChartAndShowsHistoryThenThePicksPathWithBands() throws {
        let run = SampleRun.make(horizon: 1)
        let files = ReportBundle.files(for: run, timeZone: utc)
        #expect(files.first { $0.name.hasSuffix(".svg") }?.name == ReportFileName.fanChart)
        let pick = try #require(run.pickedModel)
        let next = try #require(pick.nextForecasts.first)
        let chart = try #require(ReportCharts.fan(run))
        // History: the last 60 observed values (the test part has exactly 60), in order.
        let actual = try #require(chart.series.first { $0.name == "actual" })
        #expect(actual.ys == Array(run.test.values.suffix(60)))
        #expect(actual.xs.last == run.test.dates.last!.timeIntervalSince1970)
        // The path starts at the last observation and ends at the forecast, for h = 1 too.
        let path = try #require(chart.series.first { $0.name == "GRU forecast" })
        #expect(path.ys == [run.test.values.last!, next.value])
        #expect(path.xs == [run.test.dates.last!.timeIntervalSince1970, next.date.timeIntervalSince1970])
        // One band per level, widest first, fanning out from the last observation.
        #expect(chart.bands.map(\.name) == ["95% interval", "80% interval"])
        for band in chart.bands {
            let level = band.name.hasPrefix("95") ? 0.95 : 0.8
            let bound = try #require(next.intervals.first { $0.level == level })
            #expect(band.lower == [run.test.values.last!, bound.lower])
            #expect(band.upper == [run.test.values.last!, bound.upper])
        }
        // The runner-up (second-lowest validation MAE) is dashed.
        let runnerUp = try #require(ReportCharts.runnerUp(run))
        let others = run.models.filter { $0.status.isOK && $0.name != "GRU" }.compactMap(\.selectionMAE)
        #expect(runnerUp.selectionMAE == others.min())
        #expect(chart.series.contains { $0.name == "\(runnerUp.displayName) (runner-up)" && $0.dash != nil })

        let md = render(run)
        let fan = try #require(md.range(of: "![Fan chart"))
        let firstOtherChart = try #require(md.range(of: "![Test period"))
        let data = try #require(md.range(of: "## Data"))
        #expect(fan.lowerBound < firstOtherChart.lowerBound && fan.lowerBound < data.lowerBound)
        #expect(md.contains("; GRU forecasts \(Format.value(next.value)) for \(run.dataset.frequency.format(next.date))"))
    }

    @Test func fanChartShowsFewerPointsWhenTheTestPartIsShorterThanThreeHorizons() throws {
        let run = SampleRun.make(horizon: 30)
        #expect(ReportCharts.fanHistoryLength(horizon: 30) == 90)
        let chart = try #require(ReportCharts.fan(run))
        #expect(chart.series.first { $0.name == "actual" }?.ys.count == run.test.values.count)
        #expect(chart.series.first { $0.name == "GRU forecast" }?.ys.count == 31)
    }

    @Test func multiStepHeadlineGivesTheWholePathAsATable() throws {
        let run = SampleRun.make(horizon: 3)
        let pick = try #require(run.pickedModel)
        let lines = render(run).components(separatedBy: "\n")
        #expect(lines[2].contains("Forecast for the next 3 steps, 2025-02-24 to 2025-02-26: **"))
        #expect(lines[2].contains("the whole path with its intervals in the table below"))
        #expect(lines[4] == "| Step | Date | Forecast | 80% | 95% |")
        for next in pick.nextForecasts {
            let b80 = try #require(next.intervals.first { $0.level == 0.8 })
            let b95 = try #require(next.intervals.first { $0.level == 0.95 })
            #expect(lines[5 + next.step] == "| \(next.step) | \(run.dataset.frequency.format(next.date)) | \(Format.value(next.value)) | "
                    + "\(Format.value(b80.lower)) to \(Format.value(b80.upper)) | \(Format.value(b95.lower)) to \(Format.value(b95.upper)) |")
        }
        // Before the run line and the fan chart.
        #expect(lines[9] == "" && lines[10].hasPrefix("Data file"))
    }

    @Test func aLongSubtitleWrapsInsideTheChart() {
        let words = (1...60).map { "word\($0)" }
        let lines = SVGLineChart.wrap(words.joined(separator: " "), maxCharacters: 40)
        #expect(lines.allSatisfy { $0.count <= 40 } && lines.count > 1)
        #expect(lines.joined(separator: " ") == words.joined(separator: " "), "nothing lost or reordered")
        var chart = SVGLineChart(title: "t", subtitle: words.joined(separator: " "), description: "", xAxis: .numbers(label: "x"), yLabel: "y")
        chart.series.append(.init(name: "s", xs: [0, 1], ys: [0, 1], color: "#000"))
        let svg = chart.render()
        #expect(svg.contains(">word1 word2 ") && svg.contains(" word60</text>"))
        #expect(!svg.contains(words.joined(separator: " ")), "not on one line")
    }

    // MARK: - Significance and naive

    /// SampleRun with the feed-forward-vs-recurrent comparison made significant in GRU's favour and
    /// each network's test against naive set as given (p-value, sign of the loss difference).
    func runWithContrast(gru: (p: Double, diff: Double), ff: (p: Double, diff: Double)) throws -> RunResult {
        var run = SampleRun.make()
        let c = try #require(run.comparisons.firstIndex { $0.label == "best recurrent vs feed-forward" })
        run.comparisons[c].result = DieboldMarianoResult(count: 60, meanLossDifference: -0.4, statistic: -3.1, pValue: 0.003)
        run.models[try index(of: "GRU", in: run)].dmVsNaive = DieboldMarianoResult(count: 60, meanLossDifference: gru.diff, statistic: 0, pValue: gru.p)
        run.models[try index(of: "FF", in: run)].dmVsNaive = DieboldMarianoResult(count: 60, meanLossDifference: ff.diff, statistic: 0, pValue: ff.p)
        return run
    }

    @Test func significantlyMoreAccurateSaysInTheSameSentenceThatNeitherBeatsNaive() throws {
        let run = try runWithContrast(gru: (0.40, -0.1), ff: (0.01, 0.3))
        let md = render(run)
        let gruSkill = Format.fixed(run.models[try index(of: "GRU", in: run)].test!.skill!, decimals: 3)
        let ffSkill = Format.fixed(run.models[try index(of: "FF", in: run)].test!.skill!, decimals: 3)
        #expect(md.contains("What the data says: the recurrent state pays off here: GRU is significantly more accurate than the feed-forward network (DM p = 0.003), "
                            + "but neither beats naive on the test part (GRU not significantly different from naive, skill \(gruSkill), DM p = 0.400; "
                            + "FF significantly worse than naive, skill \(ffSkill), DM p = 0.010)."))
        #expect(md.contains("| best recurrent vs feed-forward | GRU | FF | 60 | -3.100 | 0.003 | GRU significantly more accurate, but neither beats naive on the test part |"))
    }

    @Test func onlyOneOrBothBeatingNaiveIsSaidAsSuch() throws {
        let one = render(try runWithContrast(gru: (0.01, -0.2), ff: (0.30, -0.1)))
        #expect(one.contains("(DM p = 0.003), but only GRU beats naive on the test part (GRU significantly better than naive"))
        let both = render(try runWithContrast(gru: (0.01, -0.2), ff: (0.02, -0.1)))
        #expect(both.contains("(DM p = 0.003), and both beat naive on the test part (GRU significantly better than naive"))
        // The statistical-vs-network sentence carries the clause too.
        var run = SampleRun.make(statistical: true)
        let c = try #require(run.comparisons.firstIndex { $0.label == "best network vs best statistical" })
        run.comparisons[c].result = DieboldMarianoResult(count: 60, meanLossDifference: 0.5, statistic: 2.5, pValue: 0.02)
        let md = render(run)
        #expect(md.contains("ets ETS(A,N,N) is significantly more accurate than the best network (DM p = 0.020, 60 test points), "))
        let sentence = try #require(md.components(separatedBy: "\n").first { $0.contains("is significantly more accurate than the best network") })
        #expect(sentence.contains("beat naive on the test part") || sentence.contains("beats naive on the test part"))
    }

    @Test func verdictSaysPlainlyWhenNaiveDidBetterOnTheTestPart() throws {
        var run = SampleRun.make()
        let plain = "**Naive did better on the held-out test part:**"
        #expect(!render(run).components(separatedBy: "\n")[2].contains(plain), "GRU has positive skill in the sample")
        let g = try index(of: "GRU", in: run)
        let naiveMAE = try #require(run.naiveModel?.test?.mae)
        run.models[g].testMetrics[0].mae = naiveMAE * 1.05
        run.models[g].testMetrics[0].skill = -0.05
        let verdict = render(run).components(separatedBy: "\n")[2]
        #expect(verdict.contains("\(plain) MAE \(Format.number(naiveMAE)) for naive against \(Format.number(naiveMAE * 1.05)) for GRU (skill -0.050)."))
    }

    // MARK: - MASE scale

    @Test func maseStatesItsScaleNextToTheNumber() throws {
        #expect(MASEScale.label(season: nil) == "vs naive, in-sample")
        #expect(MASEScale.label(season: 1) == "vs naive, in-sample")
        #expect(MASEScale.label(season: 12) == "vs seasonal naive, m=12, in-sample")
        var run = SampleRun.make()
        run.dataset.season = SeasonChoice(season: nil, reason: "none")
        #expect(render(run).contains("| Model | Params | Val MAE | MAE | RMSE | sMAPE % | MASE (vs naive, in-sample) |"))
        run.dataset.season = SeasonChoice(season: 5, reason: "5 (--season 5)")
        let md = render(run)
        #expect(md.contains("| MASE (vs seasonal naive, m=5, in-sample) |"))
        #expect(md.contains("never MASE with 1"))
    }

    // MARK: - Counts

    @Test func countsNameWhatTheyCount() {
        var run = SampleRun.make()
        run.dataset.rowsRead = 310
        run.dataset.pointsPerPart = (180, 60, 60)
        run.dataset.trainCount = 160
        let md = render(run)
        #expect(md.contains("| Rows read from the file | 310 |"))
        #expect(md.contains("| Points after cleaning | 300 |"))
        #expect(md.contains("| Points per part (in time order) | train 180 · validation 60 · test 60 |"))
        #expect(md.contains("| Network windows per part | train 160 · validation 60 · test 60 (fewer windows than points in train: a training window needs 20 input steps and 1 target step inside the training part; the networks forecast from every validation and test point, as the other models do) |"))
        #expect(!md.contains("| Split (in time order)"))
        #expect(md.contains("Test part, one step ahead: 60 points"), "the test part's points, as the data table counts them")
    }

    // MARK: - Training section

    /// SampleRun whose GRU validation loss is at `ratio` of its training loss throughout.
    func runWithLossGap(ratio: Double, variance: (train: Double, validation: Double)?, configuration: String = "hidden 16") throws -> RunResult {
        var run = SampleRun.make()
        let g = try index(of: "GRU", in: run)
        run.models[g].trainLoss = [1.2, 1.05, 1.0]
        run.models[g].validationLoss = run.models[g].trainLoss.map { $0 * ratio }
        run.models[g].configuration = configuration
        run.dataset.scaledTargetVariance = variance
        return run
    }

    @Test func aCalmerValidationPartExplainsALowValidationLoss() throws {
        let md = render(try runWithLossGap(ratio: 0.27, variance: (1.0, 0.26)))
        #expect(md.contains("**Why the validation loss is far below the training loss** (lowest validation loss vs training loss at that epoch: GRU 0.270 vs 1.00 at epoch 3): "
                            + "the validation part is calmer than the training part (variance of the scaled target 0.26 on the validation part against 1.0 on the training part), so the same model makes smaller errors there."))
        #expect(!md.contains("dropout"), "the model has none")
    }

    @Test func dropoutIsNamedOnlyWhenTheModelHasIt() throws {
        let md = render(try runWithLossGap(ratio: 0.3, variance: (1.0, 0.98), configuration: "gru(16, layers: 2, dropout: 0.2) > dense(1)"))
        let line = try #require(md.components(separatedBy: "\n").first { $0.hasPrefix("**Why the validation loss") })
        #expect(line.contains("the model has dropout, which is on while the training loss is measured and off for validation"))
        #expect(line.contains("the validation part is not calmer (variance of the scaled target 0.98 on the validation part against 1.0 on the training part)"))
        let noDropout = render(try runWithLossGap(ratio: 0.3, variance: (1.0, 0.98)))
        let other = try #require(noDropout.components(separatedBy: "\n").first { $0.hasPrefix("**Why the validation loss") })
        #expect(!other.contains("dropout"))
        #expect(other.contains("the training loss is the mean over the epoch's mini-batches while the weights are still changing"))
        // No gap, no explanation.
        #expect(!render(try runWithLossGap(ratio: 0.9, variance: (1.0, 0.26))).contains("**Why the validation loss"))
    }

    @Test func epochCapWarningsAppearInTheTrainingSection() throws {
        var run = SampleRun.make()
        run.trainingWarnings = ["GRU reached --epochs 40 while its validation loss was still falling (0.081 → 0.08 at the last epoch): more epochs may help"]
        let md = render(run)
        let training = try #require(md.range(of: "## Training"))
        let warning = try #require(md.range(of: "**Stopped by the epoch cap:** GRU reached --epochs 40 while its validation loss was still falling (0.081 → 0.08 at the last epoch): more epochs may help."))
        #expect(training.lowerBound < warning.lowerBound)
        #expect(!render(SampleRun.make()).contains("Stopped by the epoch cap"))
    }
}
