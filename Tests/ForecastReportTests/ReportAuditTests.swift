import ForecastEvaluation
import Foundation
import Testing
@testable import ForecastReport

/// Sentences found false in an audit of `forecast fit` reports under options a user would try
/// (a fallback pick, --stride, --horizon, --models without networks, --missing drop): each test
/// builds the situation and checks that the sentence agrees with the run's numbers.
@Suite struct ReportAuditTests {
    let utc = TimeZone(identifier: "UTC")!

    func render(_ run: RunResult) -> String {
        let all: Set<String> = [ReportFileName.fanChart, ReportFileName.testPeriodChart, ReportFileName.lossChart, ReportFileName.gradientFlowChart]
        return MarkdownReport(run: run, charts: all, timeZone: utc).render()
    }

    // MARK: - The dashed model of the fan chart

    @Test("when a baseline is kept as the safe choice, the dashed model had the lowest validation MAE: it is not called the runner-up")
    func dashedModelUnderFallbackIsNotCalledTheRunnerUp() throws {
        var run = SampleRun.make(horizon: 1)
        let best = try #require(run.pickedModel)
        run.selectionFallback = .withinNoise(model: best.name, test: nil)
        run.pick = "naive"
        let naiveMAE = try #require(run.pickedModel?.selectionMAE)
        let bestMAE = try #require(best.selectionMAE)
        try #require(bestMAE < naiveMAE)  // the situation: the dashed model beat the pick on validation

        let dashed = try #require(ReportCharts.runnerUp(run))
        #expect(dashed.name == best.name)
        let report = render(run)
        #expect(!report.contains("Dashed: the runner-up on validation"), "\(report.prefix(1500))")
        #expect(report.contains("Dashed: \(best.displayName), which had the lowest validation MAE but was not picked (see the verdict)."))
        let chart = try #require(ReportCharts.fan(run))
        #expect(chart.series.contains { $0.name == "\(best.displayName) (lowest validation MAE, not picked)" && $0.dash != nil })
        #expect(!chart.series.contains { $0.name.hasSuffix("(runner-up)") })
        #expect(!chart.description.contains("runner-up"))

        // Without the fallback the pick has the lowest validation MAE: the dashed model is the runner-up.
        let plain = SampleRun.make(horizon: 1)
        let second = try #require(ReportCharts.runnerUp(plain))
        #expect(render(plain).contains("Dashed: the runner-up on validation, \(second.displayName)."))
    }
}

extension ReportAuditTests {
    // MARK: - Why the networks have fewer windows than points

    /// The data table's window row for SampleRun with these parts, counts, horizon and stride.
    func windowRow(horizon: Int, stride: Int, lost: Int, transform: String, windows: (Int, Int)) -> String {
        var run = SampleRun.make(horizon: horizon)
        run.dataset.pointsPerPart = (180, 60, 60)
        (run.dataset.trainCount, run.dataset.validationCount, run.dataset.testCount) = (windows.0, windows.1, 60)
        run.dataset.stride = stride
        run.dataset.transformLostPoints = lost
        run.dataset.transform = transform
        return render(run).split(separator: "\n").first { $0.hasPrefix("| Network windows per part |") }.map(String.init) ?? ""
    }

    @Test("the window row gives the reasons that apply: inputs before the training targets, only the h targets inside validation, the stride")
    func windowShortfallNamesTheRealReasons() {
        // --horizon 3, diff: training windows lose 1 + 20 + 3 − 1 = 23 points, validation ones 3 − 1 = 2.
        let h3 = windowRow(horizon: 3, stride: 1, lost: 1, transform: "diff", windows: (157, 58))
        #expect(h3 == "| Network windows per part | train 157 · validation 58 · test 60 (fewer windows than points in train, validation: "
                + "a training window needs 20 input steps (after the first point, which the diff transform uses up) and 3 target steps inside the training part; "
                + "an early-stopping window needs its 3 target steps inside the validation part (its 20 input steps may reach back into the training part); "
                + "the networks forecast from every validation and test point, as the other models do) |", "\(h3)")
        // The old sentence claimed validation windows need their inputs inside the part too: 60 − 20 − 3 + 1 = 38, not 58.
        #expect(!h3.contains("inside its part"))

        // --stride 2, h = 1, no transform: validation has half as many windows because of the stride alone.
        let s2 = windowRow(horizon: 1, stride: 2, lost: 0, transform: "none", windows: (80, 30))
        #expect(s2.contains("a training window needs 20 input steps and 1 target step inside the training part; "
                            + "an early-stopping window needs its 1 target step inside the validation part (its 20 input steps may reach back into the training part); "
                            + "training and early-stopping windows start every 2 points (--stride 2); "), "\(s2)")
    }
}

extension ReportAuditTests {
    // MARK: - The verdict names only rivals that ran

    @Test("a statistical pick with no network run (--models ets,theta) does not claim it beat every network")
    func statisticalPickWithoutNetworksClaimsNoNetworkWasBeaten() throws {
        var run = SampleRun.make(statistical: true)
        try #require(run.pickedModel?.kind == .statistical)
        #expect(render(run).contains("A classical statistical model won: it beat every network on the validation part."))

        let networkKinds: Set<ModelKind> = [.feedForward, .recurrent]
        var withoutNetworks = run
        withoutNetworks.models = run.models.filter { !networkKinds.contains($0.kind) }
        let report = render(withoutNetworks)
        #expect(!report.contains("beat every network"), "\(report.prefix(800))")
        #expect(report.contains("A classical statistical model won on the validation part; no network was run."))
        #expect(report.contains("There is nothing to compare: no network was run."))

        // Baselines only (--models naive,drift): a drift pick beat no network or statistical model.
        var baselinesOnly = run
        baselinesOnly.models = run.models.filter { $0.kind == .baseline }
        baselinesOnly.pick = "drift"
        try #require(baselinesOnly.pickedModel != nil)
        let baselines = render(baselinesOnly)
        #expect(baselines.contains("A simple baseline won on the validation part; only baselines were run."), "\(baselines.prefix(600))")
        #expect(!baselines.contains("no network or statistical model beat it"))

        // Networks that ran and all failed: said so, not "beaten".
        for i in run.models.indices where networkKinds.contains(run.models[i].kind) {
            run.models[i].status = .failed(reason: "diverged")
        }
        let failed = render(run)
        #expect(failed.contains("A classical statistical model won on the validation part; every network failed (reasons below)."))
        #expect(failed.contains("There is nothing to compare: every network failed."))
    }
}

extension ReportAuditTests {
    // MARK: - Missing values

    @Test("the missing-values row says what became of them: filled, or their rows dropped, as ingest counted")
    func missingValuesSayWhatBecameOfThem() {
        func row(policy: String, missing: Int, filled: Int?, dropped: Int?) -> String {
            var run = SampleRun.make()
            run.dataset.missingCount = missing
            run.dataset.missingPolicy = policy
            run.dataset.missingFilled = filled
            run.dataset.missingRowsDropped = dropped
            return render(run).split(separator: "\n").first { $0.hasPrefix("| Missing values |") }.map(String.init) ?? ""
        }
        // --missing drop: nothing was filled.
        #expect(row(policy: "drop", missing: 34, filled: 0, dropped: 34) == "| Missing values | 34 (34 rows dropped) |")
        // ffill with two leading gaps: those rows have nothing before them and are dropped.
        #expect(row(policy: "ffill", missing: 6, filled: 4, dropped: 2) == "| Missing values | 6 (4 filled by forward fill, 2 leading rows dropped) |")
        #expect(row(policy: "interpolate", missing: 6, filled: 6, dropped: 0) == "| Missing values | 6 (6 filled by linear interpolation) |")
        #expect(row(policy: "ffill", missing: 0, filled: 0, dropped: 0) == "| Missing values | none |")
        // Counts unknown: the policy alone, and never "filled by drop".
        #expect(row(policy: "drop", missing: 3, filled: nil, dropped: nil) == "| Missing values | 3, their rows dropped |")
    }
}

extension ReportAuditTests {
    // MARK: - Gradient flow

    @Test("a gradient that grew going back in time is said to have grown, never to have fallen (a factor below 1 is not 'fell')")
    func aGrowingGradientIsNotSaidToFall() throws {
        var run = SampleRun.make()
        let gated = try #require(run.models.first { $0.kind == .recurrent && $0.name.lowercased() != "rnn" && $0.status.isOK }?.name)
        for i in run.models.indices where run.models[i].kind == .recurrent && run.models[i].status.isOK {
            // The plain RNN's gradient grows by 1.5 over 2 steps back; the gated one falls by 100.
            run.models[i].gradientFlow = run.models[i].name.lowercased() == "rnn" ? [0.5, 0.6, 0.75] : [1, 0.1, 0.01]
        }
        let report = render(run)
        #expect(report.contains("It grew by a factor of 1.5 for RNN (k = 0…2)."), "the summary line already says so")
        #expect(!report.contains("least for RNN (×0.67)"), "\(report)")
        #expect(report.contains("In this run, going back 2 steps, the gradient fell by ×100 for \(gated) and grew by ×1.5 for RNN."))
        #expect(report.contains("This run does not agree: the plain RNN's gradient did not vanish, it grew by ×1.5 going back in time."))
        #expect(!report.contains("(×0.67)"))
    }
}

extension ReportAuditTests {
    // MARK: - The verdict at a horizon above 1

    @Test("at h > 1 the verdict's naive comparison says it is one step ahead, and gives the mean over the steps asked for, which can point the other way")
    func verdictAtLongHorizonSaysOneStepAndGivesTheMeanOverSteps() throws {
        var run = SampleRun.make(horizon: 3)
        let pick = try #require(run.pickedModel)
        let p = try #require(run.models.firstIndex { $0.name == pick.name })
        let naive = try #require(run.naiveModel)
        // As on visnights qldcntrl at --horizon 4: worse than naive at step 1, better over all steps.
        run.models[p].testMetrics[0].mae = naive.testMetrics[0].mae * 1.1
        run.models[p].testMetrics[0].skill = -0.1
        for k in 1..<3 { run.models[p].testMetrics[k].mae = naive.testMetrics[k].mae * 0.5 }
        let mean = run.models[p].testMetrics.reduce(0) { $0 + $1.mae } / 3
        let naiveMean = naive.testMetrics.reduce(0) { $0 + $1.mae } / 3
        try #require(mean < naiveMean)

        let verdict = render(run).components(separatedBy: "\n")[2]
        #expect(verdict.contains("Beats naive on the test part one step ahead: "), "\(verdict)")
        #expect(verdict.contains("**Naive did better on the held-out test part one step ahead:** MAE \(Format.number(naive.testMetrics[0].mae)) for naive"))
        #expect(verdict.contains("Averaged over the 3 steps asked for, its test MAE was \(Format.number(mean)) against \(Format.number(naiveMean)) for naive (lower than naive's)."))
        #expect(!verdict.contains("Naive did better on the held-out test part:"))

        // h = 1: no qualifier and no mean over steps.
        let one = render(SampleRun.make(horizon: 1)).components(separatedBy: "\n")[2]
        #expect(one.contains("Beats naive on the test part: ") && !one.contains("Averaged over"))
    }
}

extension ReportAuditTests {
    // MARK: - Portfolio summary at a horizon above 1

    @Test("a portfolio at --horizon 4 says its skill and DM counts are one step ahead; the horizon survives a merge of shards")
    func portfolioSummarySaysOneStepAtLongHorizon() throws {
        let results = [("a", 0.4, 0.01), ("b", -0.2, 0.5), ("c", 0.1, 0.2)].map { id, skill, p in
            PortfolioSeriesResult(id: id, status: .ok, report: "\(id)/x", pick: "ets", pickName: "ets", skill: skill, dmPValue: p,
                                  beatsNaiveSignificantly: p < 0.05, seconds: 1)
        }
        var summary = PortfolioSummary(name: "p", results: results, totalSeries: 3, warnings: [], settings: "horizon 4", version: "t",
                                       timing: .init(startedAt: Date(timeIntervalSince1970: 0), wallSeconds: 1, jobs: 1, shards: 1, commandLine: "t"))
        summary.horizon = 4
        let md = summary.markdown()
        #expect(md.contains("- The pick beat the naive forecast on the test part one step ahead for **2 of 3** series (skill > 0), significantly (Diebold–Mariano, 5 %) for **1**."), "\(md)")
        #expect(md.contains("- Median skill against naive one step ahead: 0.100."))
        #expect(md.contains("DM p is the Diebold–Mariano test of the pick against naive; all of them one step ahead."))
        let merged = try #require(PortfolioSummary.merging([summary], commandLine: "merge"))
        #expect(merged.horizon == 4)
        let decoded = try JSONDecoder().decode(PortfolioSummary.self, from: JSONEncoder().encode(summary))
        #expect(decoded.horizon == 4)

        summary.horizon = 1
        let one = summary.markdown()
        #expect(one.contains("- The pick beat the naive forecast on the test part for **2 of 3** series") && !one.contains("one step ahead"))
    }
}

extension ReportAuditTests {
    // MARK: - Next forecast: intervals cut at a floor

    @Test("the next-forecast note says 'forecast ± quantile' only where that holds: a bound cut at the floor is named (lynx: '95%: 0 to 5800.5')")
    func nextForecastNoteNamesTheFloorCut() throws {
        var run = SampleRun.make()
        let pick = try #require(run.pickedModel)
        let next = try #require(pick.nextForecasts.first)
        let q = try #require(pick.intervals.map { $0.halfWidth[0] }.max())
        let plain = "Intervals are split-conformal: the forecast ± the validation-part quantile of absolute errors (see *Prediction intervals*)."
        run.intervalFloor = next.value - q - 1_000  // far below every bound: nothing cut
        #expect(render(run).contains(plain))
        run.intervalFloor = next.value - q + 1  // the pick's widest lower bound would fall below it
        let md = render(run)
        #expect(!md.contains(plain))
        #expect(md.contains("Intervals are split-conformal: the forecast ± the validation-part quantile of absolute errors, with lower bounds that would fall below \(Format.number(next.value - q + 1)) cut there (see *Prediction intervals*)."))
    }
}

extension ReportAuditTests {
    // MARK: - Features

    @Test("with --features beyond the target, the data table says the baselines and statistical models do not use them")
    func featuresRowSaysWhoUsesThem() {
        func row(_ features: [String]) -> String {
            var run = SampleRun.make(statistical: true)
            run.dataset.features = features
            return render(run).split(separator: "\n").first { $0.hasPrefix("| Features |") }.map(String.init) ?? ""
        }
        #expect(row(["price", "volume"]) == "| Features | `price`, `volume` (the networks' inputs; the baselines and statistical models use the target's past alone) |")
        #expect(row(["price"]) == "| Features | `price` |")
    }
}

extension ReportAuditTests {
    // MARK: - Ensembles

    @Test("with --ensemble 3 the report says whose parameters, epochs and loss curves it shows (the first seed's) and that training time adds up the seeds")
    func ensembleFiguresSayWhoseTheyAre() {
        var run = SampleRun.make()
        let note = "Each network is an ensemble of 3 seeds (--ensemble 3): its forecasts and errors are the mean of 3 trained networks; "
            + "its parameters, epochs, loss figures and gradient flow are those of the first seed, and its training time is the sum of the 3 trainings."
        #expect(!render(run).contains("Each network is an ensemble"))
        run.networkSeeds = 3
        let md = render(run)
        #expect(md.components(separatedBy: note).count - 1 == 2, "once under the models table, once under the loss figures")
        let training = md.components(separatedBy: "## Training").last ?? ""
        #expect(training.contains(note))
    }
}

extension ReportAuditTests {
    // MARK: - Network windows without networks

    @Test("with no network run (--models naive,ets,theta) the data table has no network-window row about networks that never ran")
    func noNetworkWindowRowWithoutNetworks() {
        var run = SampleRun.make(statistical: true)
        run.dataset.pointsPerPart = (180, 60, 60)
        run.dataset.trainCount = 160
        #expect(render(run).contains("| Network windows per part |"))
        run.models = run.models.filter { $0.kind != .feedForward && $0.kind != .recurrent }
        let md = render(run)
        #expect(!md.contains("| Network windows per part |"), "\(md)")
        #expect(!md.contains("the networks forecast from every validation and test point"))
        #expect(!md.contains("| Split (in time order)"))
        #expect(md.contains("| Points per part (in time order) | train 180 · validation 60 · test 60 |"))
    }
}

extension ReportAuditTests {
    // MARK: - Squared error against MAE

    @Test("a significant DM result whose direction the MAE skill contradicts names its loss (squared error) in the verdict")
    func verdictNamesSquaredErrorWhenSkillDisagrees() throws {
        var run = SampleRun.make()
        let pick = try #require(run.pickedModel)
        let c = try #require(run.comparisons.firstIndex { $0.label == "pick vs naive" })
        let r = try #require(run.comparisons[c].result)
        try #require(r.pValue < 0.05 && r.meanLossDifference < 0 && (pick.test?.skill ?? 0) > 0)
        let agree = render(run).components(separatedBy: "\n")[2]
        #expect(agree.contains("Beats naive on the test part: **yes, significantly** (Diebold–Mariano "), "\(agree)")

        // As gru on a near-constant series: lower squared error (DM p = 0.034) but higher MAE (skill -0.015).
        let p = try #require(run.models.firstIndex { $0.name == pick.name })
        let naiveMAE = try #require(run.naiveModel?.test?.mae)
        run.models[p].testMetrics[0].mae = naiveMAE * 1.015
        run.models[p].testMetrics[0].skill = -0.015
        let disagree = render(run).components(separatedBy: "\n")[2]
        #expect(disagree.contains("Beats naive on the test part: **yes, significantly** (in squared error, Diebold–Mariano "), "\(disagree)")
        #expect(disagree.contains("**Naive did better on the held-out test part:**"))
    }
}
