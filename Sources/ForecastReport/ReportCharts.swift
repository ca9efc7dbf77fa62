import ForecastEvaluation
import ForecastIngest
import Foundation

/// The report's charts (fan chart, test period, loss curves, gradient flow), built from a `RunResult`. Each returns nil when the run has no
/// data for it (e.g. no trained model recorded losses), and the report then says so in words.
enum ReportCharts {
    /// How many observed points the fan chart shows before the forecast: max(3·h, 60), or fewer
    /// when the test part (the end of the series) is shorter.
    static func fanHistoryLength(horizon: Int) -> Int { max(3 * horizon, 60) }

    /// The working model with a forecast path and the lowest validation MAE other than the pick;
    /// nil when there is none. Usually the runner-up, but when the run kept a baseline as the
    /// safe choice (``RunResult/selectionFallback``) it is the model that had the lowest
    /// validation MAE of all (see ``runnerUpRole(_:_:)``).
    static func runnerUp(_ run: RunResult) -> ModelResult? {
        run.models.filter { $0.status.isOK && $0.name != run.pick && !$0.nextForecasts.isEmpty && $0.selectionMAE?.isFinite == true }
            .min { $0.selectionMAE! < $1.selectionMAE! }
    }

    /// What `other` (from ``runnerUp(_:)``) was on validation, for the legend and the sentence:
    /// "the runner-up on validation", or, when its validation MAE is below the pick's (the pick
    /// is a baseline kept as the safe choice), "the lowest validation MAE, not picked".
    static func runnerUpRole(_ run: RunResult, _ other: ModelResult) -> (legend: String, sentence: String) {
        guard let pickMAE = run.pickedModel?.selectionMAE, let otherMAE = other.selectionMAE, otherMAE < pickMAE else {
            return ("runner-up", "the runner-up on validation, \(other.displayName)")
        }
        return ("lowest validation MAE, not picked",
                "\(other.displayName), which had the lowest validation MAE but was not picked (see the verdict)")
    }

    /// Fan chart, the report's first: the last observed values (the end of the test part), then
    /// the pick's forecast path for steps 1…h joined to the last observation, with its
    /// split-conformal bands fanning out from that observation (widest first, so the narrow band
    /// is drawn on top), and the runner-up's path dashed. For h = 1 the fan is a wedge from the
    /// last value to the next point's interval. Nil when the pick has no forecast.
    static func fan(_ run: RunResult) -> SVGLineChart? {
        guard let pick = run.pickedModel, !pick.nextForecasts.isEmpty,
              let lastDate = run.test.dates.last, let lastValue = run.test.values.last else { return nil }
        let f = run.dataset.frequency
        let dateless = f == .unknown
        let x: (Date) -> Double = { dateless ? Double(Frequency.rowNumber(of: $0)) : $0.timeIntervalSince1970 }
        let shown = min(run.test.values.count, fanHistoryLength(horizon: run.dataset.horizon))
        let historyDates = Array(run.test.dates.suffix(shown)), historyValues = Array(run.test.values.suffix(shown))
        let path = pick.nextForecasts.sorted { $0.step < $1.step }
        let h = path.count
        let xs = [x(lastDate)] + path.map { x($0.date) }
        var chart = SVGLineChart(
            title: "Forecast: the next \(h == 1 ? "value" : "\(h) values") of \(run.dataset.target) from \(pick.displayName) (pick)",
            subtitle: "Last \(shown) observed values, then the forecast from \(f.format(path[0].date))"
                + (h > 1 ? " to \(f.format(path[h - 1].date))" : "") + "; shaded: prediction intervals",
            description: "",
            xAxis: dateless ? .numbers(label: "row") : .dates, yLabel: run.dataset.target)
        chart.xPaddingAfter = 0.04
        for level in run.intervalLevels.sorted(by: >) {
            let bounds = path.map { p in p.intervals.first { $0.level == level } }
            // An unbounded step breaks the band there (the chart skips non-finite values).
            let lower = [lastValue] + bounds.map { $0?.lower ?? .nan }, upper = [lastValue] + bounds.map { $0?.upper ?? .nan }
            guard bounds.contains(where: { $0?.isBounded == true }) else { continue }
            chart.bands.append(.init(name: "\(Format.level(level)) interval", xs: xs, lower: lower, upper: upper,
                                     color: SVGLineChart.palette[0], opacity: level >= 0.9 ? 0.13 : 0.26))
        }
        chart.series.append(.init(name: "actual", xs: historyDates.map(x), ys: historyValues, color: "#222222", width: 2,
                                  markers: shown <= 60))
        let runnerUp = runnerUp(run)
        if let runnerUp {
            let other = runnerUp.nextForecasts.sorted { $0.step < $1.step }
            chart.series.append(.init(name: "\(runnerUp.displayName) (\(runnerUpRole(run, runnerUp).legend))", xs: [x(lastDate)] + other.map { x($0.date) },
                                      ys: [lastValue] + other.map(\.value), color: SVGLineChart.palette[1], dash: "6 4", width: 1.6))
        }
        chart.series.append(.init(name: "\(pick.displayName) forecast", xs: xs, ys: [lastValue] + path.map(\.value),
                                  color: SVGLineChart.palette[0], width: 2.4, markers: true))
        chart.description = "Fan chart. " + fanSummary(run, pick: pick, shown: shown, runnerUp: runnerUp)
        return chart
    }

    /// The fan chart's text alternative, also printed under it in the report.
    static func fanSummary(_ run: RunResult, pick: ModelResult, shown: Int, runnerUp: ModelResult?) -> String {
        let f = run.dataset.frequency
        let path = pick.nextForecasts.sorted { $0.step < $1.step }
        guard let first = path.first, let last = path.last, let lastValue = run.test.values.last else { return "" }
        var s = "The last \(shown) observed values of \(run.dataset.target) end at \(Format.value(lastValue))"
        if let date = run.test.dates.last { s += " (\(f.format(date)))" }
        s += path.count == 1
            ? "; \(pick.displayName) forecasts \(Format.value(first.value)) for \(f.format(first.date))"
            : "; \(pick.displayName) forecasts \(Format.value(first.value)) for \(f.format(first.date)) to \(Format.value(last.value)) for \(f.format(last.date))"
        let widest = last.intervals.filter(\.isBounded).max { $0.level < $1.level }
        if let widest {
            s += ", with the \(Format.level(widest.level)) interval \(Format.value(widest.lower)) to \(Format.value(widest.upper))"
                + (path.count > 1 ? " at the last step" : "")
        } else if !last.intervals.isEmpty {
            s += " (its intervals at \(path.count > 1 ? "the last step" : "that step") are unbounded: too few validation points)"
        }
        s += "."
        if let runnerUp { s += " Dashed: \(runnerUpRole(run, runnerUp).sentence)." }
        return s
    }

    /// Test period: actual values, the pick's and the naive one-step forecasts, and the pick's
    /// split-conformal bands (widest first so the narrow band is drawn on top).
    static func testPeriod(_ run: RunResult) -> SVGLineChart? {
        guard let pick = run.pickedModel, let pickForecasts = pick.testForecasts, !run.test.values.isEmpty else { return nil }
        let f = run.dataset.frequency
        // A series without dates is plotted against its row numbers, as the report prints them.
        let dateless = f == .unknown
        let x: (Date) -> Double = { date in
            dateless ? Double(Frequency.rowNumber(of: date)) : date.timeIntervalSince1970
        }
        let xOf: (Int) -> Double? = { index in
            let i = index - run.test.startIndex
            return run.test.dates.indices.contains(i) ? x(run.test.dates[i]) : nil
        }
        func oneStep(_ r: RollingForecasts) -> (xs: [Double], ys: [Double]) {
            var xs: [Double] = [], ys: [Double] = []
            for (i, origin) in r.origins.enumerated() {
                if let x = xOf(origin), let y = r.values[i].first {
                    xs.append(x)
                    ys.append(y)
                }
            }
            return (xs, ys)
        }
        let actualXs = run.test.dates.map(x)
        let markers = run.test.values.count <= 60
        var chart = SVGLineChart(
            title: pick.name == NaiveForecaster().name ? "Test period: actual vs naive (pick)"
                                                       : "Test period: actual vs \(pick.displayName) (pick) and naive",
            subtitle: "One step ahead, \(run.test.values.count) points, \(f.format(run.test.dates.first!)) to \(f.format(run.test.dates.last!)); shaded: \(pick.name) prediction intervals",
            description: "",
            xAxis: dateless ? .numbers(label: "row") : .dates, yLabel: run.dataset.target)
        let (px, py) = oneStep(pickForecasts)
        for calibration in pick.intervals.sorted(by: { $0.level > $1.level }) {
            guard let q = calibration.halfWidth.first, q.isFinite else { continue }
            let opacity = calibration.level >= 0.9 ? 0.13 : 0.26
            chart.bands.append(.init(name: "\(Format.level(calibration.level)) interval", xs: px,
                                     lower: py.map { IntervalBound.lower($0, halfWidth: q, floor: run.intervalFloor) }, upper: py.map { $0 + q },
                                     color: SVGLineChart.palette[0], opacity: opacity))
        }
        chart.series.append(.init(name: "actual", xs: actualXs, ys: run.test.values, color: "#222222", width: 2, markers: markers))
        if pick.name != NaiveForecaster().name, let naive = run.naiveModel?.testForecasts {
            let (nx, ny) = oneStep(naive)
            chart.series.append(.init(name: "naive", xs: nx, ys: ny, color: "#D55E00", dash: "6 4", width: 1.6))
        }
        chart.series.append(.init(name: "\(pick.displayName) (pick)", xs: px, ys: py, color: SVGLineChart.palette[0], width: 2, markers: markers))
        let naiveMAE = run.naiveModel?.test?.mae
        chart.description = "Line chart of the test period. " + testSummary(run, pick: pick, naiveMAE: naiveMAE)
        return chart
    }

    /// One sentence on the test period, used as the chart's text alternative and in the report.
    static func testSummary(_ run: RunResult, pick: ModelResult, naiveMAE: Double?) -> String {
        var s = "Over \(run.test.values.count) test points the pick \(pick.displayName) had MAE \(Format.number(pick.test?.mae ?? .nan))"
        if let naiveMAE, pick.name != NaiveForecaster().name { s += " against \(Format.number(naiveMAE)) for the naive forecast" }
        s += "."
        let coverage = pick.intervals.compactMap { c -> String? in
            guard let q = c.halfWidth.first, let cov = c.testCoverage.first ?? nil else { return nil }
            return q.isFinite
                ? "the \(Format.level(c.level)) interval (±\(Format.number(q))) covered \(Format.percent(cov)) of the actual values"
                : "the \(Format.level(c.level)) interval is unbounded (too few validation points)"
        }
        if !coverage.isEmpty { s += " " + capitalizedFirst(coverage.joined(separator: "; ")) + "." }
        return s
    }

    /// Training and validation loss per epoch for every model that recorded them; log scale when
    /// the losses span more than a factor of 30.
    static func lossCurves(_ run: RunResult) -> SVGLineChart? {
        let models = run.models.filter { !$0.trainLoss.isEmpty || !$0.validationLoss.isEmpty }
        guard !models.isEmpty else { return nil }
        let all = models.flatMap { $0.trainLoss + $0.validationLoss }.filter(\.isFinite)
        let positive = all.allSatisfy { $0 > 0 }
        let useLog = positive && (all.max() ?? 1) / max(all.min() ?? 1, .leastNormalMagnitude) > 30
        var chart = SVGLineChart(
            title: "Training and validation loss per epoch",
            subtitle: "Loss on the scaled target" + (useLog ? " (log scale)" : ""),
            description: "",
            xAxis: .numbers(label: "epoch"), yLabel: "loss", yScale: useLog ? .log : .linear,
            legendNote: "solid = training, dashed = validation")
        var sentences: [String] = []
        for model in models {
            let color = color(for: model.name, in: run)
            chart.series.append(.init(name: model.name, xs: model.trainLoss.indices.map { Double($0 + 1) }, ys: model.trainLoss, color: color, width: 2))
            chart.series.append(.init(name: model.name + " validation", xs: model.validationLoss.indices.map { Double($0 + 1) },
                                      ys: model.validationLoss, color: color, dash: "6 4", width: 2, inLegend: model.trainLoss.isEmpty))
            sentences.append(lossSummary(model))
        }
        chart.description = "Line chart of loss per epoch. " + sentences.joined(separator: " ")
        return chart
    }

    /// "GRU: 40 epochs; training loss 0.81 → 0.012; lowest validation loss 0.015 at epoch 31."
    static func lossSummary(_ model: ModelResult) -> String {
        var parts: [String] = []
        let epochs = model.epochsRun ?? max(model.trainLoss.count, model.validationLoss.count)
        parts.append("\(epochs) epoch\(epochs == 1 ? "" : "s")")
        if let first = model.trainLoss.first, let last = model.trainLoss.last {
            if last.isFinite {
                parts.append("training loss \(Format.number(first, significant: 3)) → \(Format.number(last, significant: 3))")
            } else {
                let finite = model.trainLoss.prefix { $0.isFinite }
                parts.append("training loss \(Format.number(first, significant: 3)) → \(Format.number(finite.last ?? .nan, significant: 3)), then not a number at epoch \(finite.count + 1)")
            }
        }
        if let best = model.validationLoss.enumerated().filter({ $0.element.isFinite }).min(by: { $0.element < $1.element }) {
            parts.append("lowest validation loss \(Format.number(best.element, significant: 3)) at epoch \(best.offset + 1)")
        }
        if let reason = model.status.failureReason { parts.append("failed: \(reason)") }
        return "\(model.name): " + parts.joined(separator: "; ") + "."
    }

    /// ‖∂L/∂h_{T−k}‖ against k for every model that recorded it, log scale.
    static func gradientFlow(_ run: RunResult) -> SVGLineChart? {
        let models = run.models.filter { ($0.gradientFlow?.contains { $0.isFinite && $0 > 0 }) ?? false }
        guard !models.isEmpty else { return nil }
        var chart = SVGLineChart(
            title: "Gradient flow through time",
            subtitle: "‖∂L/∂h(T−k)‖: size of the loss gradient at the hidden state k steps before the last input (log scale)",
            description: "",
            xAxis: .numbers(label: "k (steps back from the last input)"), yLabel: "gradient norm", yScale: .log)
        for model in models {
            let g = model.gradientFlow!
            chart.series.append(.init(name: model.name, xs: g.indices.map(Double.init), ys: g,
                                      color: color(for: model.name, in: run), width: 2, markers: g.count <= 40))
        }
        chart.description = "Line chart, log scale. " + gradientSummary(models)
        return chart
    }

    /// "From k = 0 to k = 19 the gradient norm shrank by a factor of 3.9 × 10⁶ for RNN and 22 for GRU."
    static func gradientSummary(_ models: [ModelResult]) -> String {
        var shrank: [String] = [], grew: [String] = []
        for m in models {
            guard let g = m.gradientFlow, let first = g.first, let last = g.last, first > 0, last > 0, g.count > 1 else { continue }
            if first >= last {
                shrank.append("\(Format.factor(first / last)) for \(m.name) (k = 0…\(g.count - 1))")
            } else {
                grew.append("\(Format.factor(last / first)) for \(m.name) (k = 0…\(g.count - 1))")
            }
        }
        var sentences: [String] = []
        if !shrank.isEmpty { sentences.append("Going back in time the gradient norm shrank by a factor of " + listed(shrank) + ".") }
        if !grew.isEmpty { sentences.append("It grew by a factor of " + listed(grew) + ".") }
        return sentences.joined(separator: " ")
    }

    private static func listed(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    /// A stable colour per network (same colour in every chart); statistical models draw no loss
    /// or gradient curves, so they do not shift the networks' colours.
    static func color(for name: String, in run: RunResult) -> String {
        let trained = run.models.filter { $0.kind.isNetwork }.map(\.name)
        let index = trained.firstIndex(of: name) ?? (run.models.firstIndex { $0.name == name } ?? 0)
        return SVGLineChart.palette[index % SVGLineChart.palette.count]
    }
}

func capitalizedFirst(_ s: String) -> String {
    guard let first = s.first else { return s }
    return first.uppercased() + s.dropFirst()
}
