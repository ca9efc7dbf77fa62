import Foundation
import ForecastIngest

/// The three consecutive parts of a series: the models train on `train`, are chosen on
/// `validation`, and are scored on `test`. Indices are into the full series.
public struct SeriesSplit: Codable, Equatable, Sendable {
    public var train: Range<Int>
    public var validation: Range<Int>
    public var test: Range<Int>

    public init(train: Range<Int>, validation: Range<Int>, test: Range<Int>) {
        precondition(train.upperBound == validation.lowerBound && validation.upperBound == test.lowerBound,
                     "SeriesSplit: parts must be consecutive")
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Splits `count` points: the test part is the last ⌊count·testFraction + ½⌋ points, the
    /// validation part the ⌊count·validationFraction + ½⌋ before it, the rest is training.
    public init(count: Int, validationFraction: Double, testFraction: Double = 0.2) {
        let test = Int((Double(count) * testFraction).rounded())
        let validation = Int((Double(count) * validationFraction).rounded())
        let train = max(count - test - validation, 0)
        self.init(train: 0..<train, validation: train..<(train + validation),
                  test: (train + validation)..<count)
    }
}

/// What a trained (or failed) model hands to the evaluator, all on the original scale of the
/// target (the lead inverts transform and scaling before filling it).
public struct ModelOutput: Sendable {
    public var name: String
    /// The stable id programs read (``ModelResult/id``); the name unless given.
    public var id: String
    public var kind: ModelKind
    public var parameters: Int
    public var configuration: String
    public var epochsRun: Int?
    public var trainSeconds: Double?
    public var trainLoss: [Double]
    public var validationLoss: [Double]
    public var gradientFlow: [Double]?
    /// Rolling-origin forecasts whose step-1 targets lie in the validation / test part (see
    /// `RollingForecasts`); each row has `horizon` values. Give every model all the origins of
    /// each part so that models are compared on the same points.
    public var validationForecasts: RollingForecasts?
    public var testForecasts: RollingForecasts?
    /// Forecasts of the `horizon` values after the last row.
    public var nextForecast: [Double]
    /// Set when the model failed (divergence, too little data for its window, …); the other
    /// fields may then be partial (loss curves up to the failure are still charted).
    public var failureReason: String?

    public init(name: String, id: String? = nil, kind: ModelKind, parameters: Int, configuration: String = "",
                epochsRun: Int? = nil, trainSeconds: Double? = nil, trainLoss: [Double] = [],
                validationLoss: [Double] = [], gradientFlow: [Double]? = nil,
                validationForecasts: RollingForecasts?, testForecasts: RollingForecasts?,
                nextForecast: [Double], failureReason: String? = nil) {
        self.name = name
        self.id = id ?? name
        self.kind = kind
        self.parameters = parameters
        self.configuration = configuration
        self.epochsRun = epochsRun
        self.trainSeconds = trainSeconds
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.gradientFlow = gradientFlow
        self.validationForecasts = validationForecasts
        self.testForecasts = testForecasts
        self.nextForecast = nextForecast
        self.failureReason = failureReason
    }

    /// A model that produced nothing usable.
    public static func failed(name: String, id: String? = nil, kind: ModelKind, reason: String, parameters: Int = 0,
                              configuration: String = "", epochsRun: Int? = nil, trainSeconds: Double? = nil,
                              trainLoss: [Double] = [], validationLoss: [Double] = []) -> ModelOutput {
        ModelOutput(name: name, id: id, kind: kind, parameters: parameters, configuration: configuration,
                    epochsRun: epochsRun, trainSeconds: trainSeconds, trainLoss: trainLoss,
                    validationLoss: validationLoss, validationForecasts: nil, testForecasts: nil,
                    nextForecast: [], failureReason: reason)
    }
}

/// The evaluator's output; `RunResult(dataset:evaluation:…)` adds the run's context.
public struct RunEvaluation: Codable, Sendable {
    public var models: [ModelResult]
    public var pick: String?
    public var pickReason: String
    public var comparisons: [ModelComparison]
    public var test: SeriesExcerpt
    public var intervalLevels: [Double]
    /// The lower bound intervals are cut at: 0 when the training part never went below 0
    /// (counts, prices, rainfall), nil otherwise.
    public var intervalFloor: Double? = nil
    /// Set when the pick is the reference baseline because the validation part could not
    /// support another choice (``ModelSelection/Fallback``).
    public var selectionFallback: ModelSelection.Fallback? = nil
    /// The validation folds (``ModelSelection/folds(of:)``), origin ranges into the series.
    public var validationFolds: [Range<Int>] = []
}

/// Scores every model the same way on the original scale of the target: the naive, seasonal
/// naive (when there is a season) and drift baselines are added, then for each model
/// - validation and test metrics per step (targets must lie inside the part),
/// - MASE scaled by the seasonal naive (or naive) in-sample MAE on the training part,
/// - skill against the naive forecast on the same targets,
/// - a Diebold–Mariano test against the naive forecast on the test part (step 1),
/// - split-conformal intervals from the validation residuals, per step, with their test coverage,
/// - next forecasts dated with the data frequency (see `nextDateFrequency`);
/// then picks a model on validation MAE (`ModelSelection`) and runs the pick-vs-naive and
/// best-recurrent-vs-feed-forward Diebold–Mariano tests.
public struct RunEvaluator: Sendable {
    /// Target values on the original scale, every row (after missing values were filled).
    public var series: [Double]
    /// One date per value, increasing (for a dateless series, synthetic ones at a fixed spacing).
    public var dates: [Date]
    /// The frequency ingest inferred; next forecasts are dated with its `advance(_:by:)`.
    public var frequency: Frequency
    public var split: SeriesSplit
    /// Steps ahead (≥ 1).
    public var horizon: Int
    /// Season for the seasonal naive and MASE (see `chooseSeason`), nil for none.
    public var season: Int?
    /// Nominal interval coverages.
    public var intervalLevels: [Double]
    /// Whether to add the combination `combo` of the statistical models and the best network.
    public var combine = false

    /// 0 when no training value is negative: a symmetric interval below 0 would claim values the
    /// series never takes, so lower bounds are cut there (and the report says so).
    var intervalFloor: Double? {
        !split.train.isEmpty && series[split.train].allSatisfy { $0 >= 0 } ? 0 : nil
    }

    public init(series: [Double], dates: [Date], frequency: Frequency, split: SeriesSplit,
                horizon: Int = 1, season: Int?, intervalLevels: [Double] = [0.8, 0.95]) {
        precondition(series.count == dates.count, "RunEvaluator: one date per value")
        precondition(split.test.upperBound <= series.count, "RunEvaluator: split beyond the series")
        precondition(horizon >= 1)
        self.series = series
        self.dates = dates
        self.frequency = frequency
        self.split = split
        self.horizon = horizon
        self.season = season
        self.intervalLevels = intervalLevels
    }

    /// The frequency next forecasts are dated with: the data's, except that a series without
    /// dates (`.unknown`, numbered with synthetic dates) continues the spacing of its last two dates.
    var nextDateFrequency: Frequency {
        guard frequency == .unknown, dates.count >= 2 else { return frequency }
        return .irregular(step: dates[dates.count - 1].timeIntervalSince(dates[dates.count - 2]))
    }

    /// The baselines' outputs: naive, seasonal naive (if a season is set), drift. A baseline
    /// whose history is too short for the first validation origin is reported as failed.
    public func baselineOutputs() -> [ModelOutput] {
        var baselines: [any BaselineForecaster] = [NaiveForecaster()]
        if let m = season, m >= 2 { baselines.append(SeasonalNaiveForecaster(season: m)) }
        baselines.append(DriftForecaster())
        return baselines.map { b in
            guard split.validation.lowerBound >= b.minimumHistory, series.count >= b.minimumHistory else {
                return .failed(name: b.name, id: b.id, kind: .baseline,
                               reason: "too little data: needs \(b.minimumHistory) observations before the validation part, has \(split.validation.lowerBound)")
            }
            return ModelOutput(
                name: b.name, id: b.id, kind: .baseline, parameters: 0,
                validationForecasts: b.rollingForecasts(series: series, targets: split.validation, steps: horizon),
                testForecasts: b.rollingForecasts(series: series, targets: split.test, steps: horizon),
                nextForecast: b.nextForecasts(series: series, steps: horizon))
        }
    }

    /// Evaluates the baselines and `models` (in that order) and picks one.
    /// The equal-weight combination `combo` (Makridakis et al., the M4 competition, 2020:
    /// combinations of statistical models are hard to beat, hybrids with networks win): the mean
    /// of the working statistical models (ETS, Theta) and the network with the lowest validation
    /// error, members chosen without the test part. Each forecast is the mean of the members'
    /// forecasts from the same origin and step; origins not shared by every member are left out.
    /// Nil with fewer than two members. O(members · (validation + test) · horizon).
    static func combination(of outputs: [ModelOutput], results: [ModelResult]) -> ModelOutput? {
        let statistical = results.filter { $0.kind == .statistical && $0.status.isOK }.map(\.name)
        let network = ModelSelection.bestNetwork(results).map { [$0.name] } ?? []
        let names = statistical + network
        let members = names.compactMap { name in outputs.first { $0.name == name } }
        guard members.count >= 2 else { return nil }
        func mean(_ part: KeyPath<ModelOutput, RollingForecasts?>) -> RollingForecasts? {
            let parts = members.compactMap { $0[keyPath: part] }
            guard parts.count == members.count else { return nil }
            let rows = parts.map { Dictionary(zip($0.origins, $0.values), uniquingKeysWith: { a, _ in a }) }
            let shared = parts[0].origins.filter { o in rows.allSatisfy { $0[o] != nil } }
            let values = shared.map { o -> [Double] in
                let first = rows[0][o]!
                return first.indices.map { j in rows.reduce(0) { $0 + ($1[o]!.count > j ? $1[o]![j] : .nan) } / Double(rows.count) }
            }
            return RollingForecasts(origins: shared, values: values)
        }
        let steps = members.map(\.nextForecast.count).min() ?? 0
        let next = (0..<steps).map { j in members.reduce(0) { $0 + $1.nextForecast[j] } / Double(members.count) }
        return ModelOutput(name: "combo", kind: .combination, parameters: members.reduce(0) { $0 + $1.parameters },
                           configuration: "mean of " + names.joined(separator: ", "),
                           trainSeconds: members.reduce(0) { $0 + ($1.trainSeconds ?? 0) },
                           validationForecasts: mean(\.validationForecasts), testForecasts: mean(\.testForecasts),
                           nextForecast: next)
    }

    public func evaluate(models: [ModelOutput]) -> RunEvaluation {
        let scale = maseScale(training: Array(series[split.train]), season: season)
        let outputs = baselineOutputs() + models
        var results = outputs.map { evaluate($0, maseScale: scale) }
        if combine, let combo = Self.combination(of: outputs, results: results) {
            results.append(evaluate(combo, maseScale: scale))
        }
        var pickIndex = ModelSelection.pickIndex(results)
        let fallback = pickIndex.flatMap { fallbackFromPick(results, pick: $0) }
        if let f = fallback { pickIndex = f.reference }
        let pick = pickIndex.map { results[$0].name }
        var comparisons: [ModelComparison] = []
        if let p = pickIndex, results[p].name != NaiveForecaster().name, let naive = results.first(where: { $0.name == NaiveForecaster().name }) {
            comparisons.append(compare(results[p], naive, label: "pick vs naive"))
        }
        if let recurrent = ModelSelection.bestRecurrent(results),
           let ff = results.first(where: { $0.kind == .feedForward && $0.status.isOK }) {
            comparisons.append(compare(recurrent, ff, label: "best recurrent vs feed-forward"))
        }
        if let network = ModelSelection.bestNetwork(results), let statistical = ModelSelection.bestStatistical(results) {
            comparisons.append(compare(network, statistical, label: "best network vs best statistical"))
        }
        let working = results.filter { $0.status.isOK && $0.selectionMAE != nil }.count
        let reason: String
        if let f = fallback, let p = pickIndex {
            let base = results[p].name
            switch f.why {
            case .tooFewPoints(let points):
                reason = "\(base) kept: the validation part gives \(points) point\(points == 1 ? "" : "s") at step \(horizon), "
                    + "fewer than the \(ModelSelection.minimumSelectionPoints) a choice between models needs"
            case .withinNoise(let model, let test):
                // The one-sided p is the number the rule compares with its level.
                let evidence = test.map { "Diebold–Mariano one-sided \(pText($0.oneSidedPValue)) on \($0.count) validation points" } ?? "no test possible"
                reason = "\(base) kept: \(model) had the lowest validation MAE but was not significantly more accurate than \(base) "
                    + "(\(evidence); the rule asks one-sided p < \(shortNumber(ModelSelection.noiseLevel)))"
            }
        } else if let p = pickIndex, let v = results[p].validation, let selection = results[p].selectionMAE {
            let measure = horizon == 1
                ? "lowest one-step validation MAE (\(shortNumber(v.mae)) over \(v.count) point\(v.count == 1 ? "" : "s"))"
                : "lowest validation MAE averaged over steps 1–\(horizon) (\(shortNumber(selection)); \(v.count) point\(v.count == 1 ? "" : "s") at step 1)"
            reason = "\(measure) among \(working) working models; ties go to the simpler model"
        } else {
            reason = "no model produced usable validation forecasts"
        }
        return RunEvaluation(
            models: results, pick: pick, pickReason: reason, comparisons: comparisons,
            test: SeriesExcerpt(startIndex: split.test.lowerBound, dates: Array(dates[split.test]),
                                values: Array(series[split.test])),
            intervalLevels: intervalLevels, intervalFloor: intervalFloor, selectionFallback: fallback?.why,
            validationFolds: ModelSelection.folds(of: split.validation))
    }

    /// The reference baseline a doubtful pick falls back to, and why; nil when the pick stands.
    ///
    /// The reference is naive, or seasonal naive when its validation error is lower. The pick
    /// falls back to it when (1) the validation part gives fewer than
    /// ``ModelSelection/minimumSelectionPoints`` targets at the last step asked for, or (2) the
    /// pick is not significantly more accurate than the reference on its one-step validation
    /// errors (Diebold–Mariano on the shared targets, one-sided at ``ModelSelection/noiseLevel``).
    func fallbackFromPick(_ results: [ModelResult], pick: Int) -> (reference: Int, why: ModelSelection.Fallback)? {
        let baselines = [NaiveForecaster().name] + (season.map { [SeasonalNaiveForecaster(season: $0).name] } ?? [])
        let candidates = results.indices.filter { baselines.contains(results[$0].name) && results[$0].selectionMAE != nil }
        guard let reference = candidates.min(by: { results[$0].selectionMAE! < results[$1].selectionMAE! }) else { return nil }
        let points = results[pick].validationMetrics.last?.count ?? 0
        if points < ModelSelection.minimumSelectionPoints {
            return pick == reference ? nil : (reference, .tooFewPoints(points: points))
        }
        guard pick != reference, let fp = results[pick].validationForecasts, let fr = results[reference].validationForecasts else { return nil }
        let (ep, er) = stepOneErrors(fp, fr, targetsBelow: split.validation.upperBound)
        let test = try? DieboldMariano.test(errors1: ep, errors2: er)
        if let t = test, t.meanLossDifference < 0, t.oneSidedPValue < ModelSelection.noiseLevel { return nil }
        return (reference, .withinNoise(model: results[pick].name, test: test))
    }

    /// "p = 0.034", or "p < 0.001".
    func pText(_ p: Double) -> String { p < 0.001 ? "p < 0.001" : "p = \(String(format: "%.3f", p))" }

    // MARK: - One model

    func evaluate(_ output: ModelOutput, maseScale scale: Double?) -> ModelResult {
        var result = ModelResult(
            name: output.name, id: output.id, kind: output.kind, status: .ok, parameters: output.parameters,
            configuration: output.configuration, epochsRun: output.epochsRun, trainSeconds: output.trainSeconds,
            trainLoss: output.trainLoss, validationLoss: output.validationLoss, gradientFlow: output.gradientFlow,
            validationMetrics: [], testMetrics: [], dmVsNaive: nil, dmNote: nil, testForecasts: nil,
            intervals: [], nextForecasts: [])
        if let reason = output.failureReason ?? problem(with: output) {
            result.status = .failed(reason: reason)
            return result
        }
        let validation = output.validationForecasts!, test = output.testForecasts!
        result.validationForecasts = validation
        result.testForecasts = test
        result.validationMetrics = (1...horizon).compactMap { metrics(validation, step: $0, part: split.validation, scale: scale) }
        result.testMetrics = (1...horizon).compactMap { metrics(test, step: $0, part: split.test, scale: scale) }
        if result.validationMetrics.isEmpty || result.testMetrics.isEmpty {
            result.status = .failed(reason: "no forecast target inside the validation or test part")
            return result
        }

        // Split-conformal half-widths per level and step, from validation residuals.
        let floor = intervalFloor
        var halfWidths: [[Double]] = []  // [level][step]
        for level in intervalLevels {
            var widths: [Double] = [], coverages: [Double?] = []
            for step in 1...horizon {
                let residuals = validation.step(step, targetsBelow: split.validation.upperBound).map { abs(series[$0.target] - $0.value) }
                let q = SplitConformal.halfWidth(absoluteResiduals: residuals, coverage: level) ?? .infinity
                let pairs = test.step(step, targetsBelow: split.test.upperBound)
                widths.append(q)
                coverages.append(SplitConformal.empiricalCoverage(
                    actuals: pairs.map { series[$0.target] }, lower: pairs.map { IntervalBound.lower($0.value, halfWidth: q, floor: floor) },
                    upper: pairs.map { $0.value + q }))
            }
            halfWidths.append(widths)
            result.intervals.append(IntervalCalibration(level: level, halfWidth: widths, testCoverage: coverages))
        }

        // Diebold–Mariano against the naive forecast, step 1 on the test part.
        if output.name == NaiveForecaster().name {
            result.dmNote = "reference model"
        } else {
            let pairs = test.step(1, targetsBelow: split.test.upperBound)
            let modelErrors = pairs.map { series[$0.target] - $0.value }
            let naiveErrors = pairs.map { series[$0.target] - series[$0.previous] }
            do { result.dmVsNaive = try DieboldMariano.test(errors1: modelErrors, errors2: naiveErrors) }
            catch { result.dmNote = error.description }
        }

        let last = dates[dates.count - 1]
        let stepping = nextDateFrequency
        result.nextForecasts = output.nextForecast.prefix(horizon).enumerated().map { j, value in
            NextForecast(step: j + 1, date: stepping.advance(last, by: j + 1), value: value,
                         intervals: intervalLevels.indices.map { l in
                             IntervalBound(level: intervalLevels[l], lower: IntervalBound.lower(value, halfWidth: halfWidths[l][j], floor: floor),
                                           upper: value + halfWidths[l][j])
                         })
        }
        return result
    }

    /// Why a model's forecasts cannot be scored, or nil when they can.
    func problem(with output: ModelOutput) -> String? {
        guard let v = output.validationForecasts, let t = output.testForecasts else {
            return "no validation or test forecasts"
        }
        for (part, f) in [("validation", v), ("test", t)] {
            if let row = f.values.firstIndex(where: { !$0.allSatisfy(\.isFinite) }) {
                let which = row < f.origins.count ? " for row \(f.origins[row] + 1)" : ""
                return "its \(part) forecast\(which) is not a finite number"
                    + " (the model diverged, or its output overflowed when mapped back to the data's scale)"
            }
        }
        if !output.nextForecast.allSatisfy(\.isFinite) {
            return "its next forecast is not a finite number (the model diverged, or its output overflowed when mapped back to the data's scale)"
        }
        for (name, f, part) in [("validation", v, split.validation), ("test", t, split.test)] {
            if f.origins.isEmpty { return "no \(name) forecasts" }
            // An origin needs one earlier observation (the "previous actual" of directional accuracy).
            if let bad = f.origins.first(where: { $0 < 1 }) { return "\(name) forecast origin \(bad) has no history" }
            if let bad = f.origins.first(where: { !part.contains($0) }) {
                return "\(name) forecast origin \(bad) outside the \(name) part \(part.lowerBound)..<\(part.upperBound)"
            }
            if f.values.contains(where: { $0.count != horizon }) {
                return "\(name) forecasts do not have \(horizon) steps"
            }
        }
        if output.nextForecast.count < horizon { return "next forecast has fewer than \(horizon) steps" }
        return nil
    }

    /// Metrics of step `step` over the rows whose target lies inside `part`.
    func metrics(_ f: RollingForecasts, step: Int, part: Range<Int>, scale: Double?) -> ForecastMetrics? {
        let pairs = f.step(step, targetsBelow: part.upperBound)
        guard !pairs.isEmpty else { return nil }
        let actuals = pairs.map { series[$0.target] }
        let previous = pairs.map { series[$0.previous] }
        return ForecastMetrics(
            actuals: actuals, forecasts: pairs.map(\.value), previousActuals: previous, maseScale: scale,
            naiveMAE: ForecastMetrics.meanAbsoluteError(actuals: actuals, forecasts: previous))
    }

    /// The one-step errors (actual − forecast) of `a` and of `b` on the targets below `limit`
    /// that both forecast, in `a`'s order: the pairs a Diebold–Mariano test compares.
    func stepOneErrors(_ a: RollingForecasts, _ b: RollingForecasts, targetsBelow limit: Int) -> ([Double], [Double]) {
        var byTarget: [Int: Double] = [:]
        for p in b.step(1, targetsBelow: limit) { byTarget[p.target] = p.value }
        var ea: [Double] = [], eb: [Double] = []
        for p in a.step(1, targetsBelow: limit) {
            if let other = byTarget[p.target] {
                ea.append(series[p.target] - p.value)
                eb.append(series[p.target] - other)
            }
        }
        return (ea, eb)
    }

    /// Diebold–Mariano of `a` against `b` on the step-1 test targets both forecast (results of
    /// this evaluator's ``evaluate(models:)``); `label` names the comparison in the report.
    public func compare(_ a: ModelResult, _ b: ModelResult, label: String) -> ModelComparison {
        guard let fa = a.testForecasts, let fb = b.testForecasts else {
            return ModelComparison(label: label, model: a.name, reference: b.name, result: nil, note: "no test forecasts")
        }
        let (ea, eb) = stepOneErrors(fa, fb, targetsBelow: split.test.upperBound)
        do {
            return ModelComparison(label: label, model: a.name, reference: b.name,
                                   result: try DieboldMariano.test(errors1: ea, errors2: eb), note: nil)
        } catch {
            return ModelComparison(label: label, model: a.name, reference: b.name, result: nil, note: error.description)
        }
    }
}
