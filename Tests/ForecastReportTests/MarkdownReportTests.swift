import ForecastEvaluation
import Foundation
import Testing
@testable import ForecastReport

@Suite struct MarkdownReportTests {
    let allCharts: Set<String> = [ReportFileName.testPeriodChart, ReportFileName.lossChart, ReportFileName.gradientFlowChart]

    func render(_ run: RunResult, charts: Set<String>? = nil) -> String {
        MarkdownReport(run: run, charts: charts ?? allCharts, timeZone: TimeZone(identifier: "UTC")!).render()
    }

    /// The model table's rows as cells (header and separator excluded).
    func modelTable(_ markdown: String) -> (header: [String], rows: [[String]]) {
        let lines = markdown.components(separatedBy: "\n")
        let start = lines.firstIndex { $0.hasPrefix("| Model | Params |") }!
        func cells(_ line: String) -> [String] {
            // Split on pipes that are not escaped.
            var cells: [String] = [], current = "", escaped = false
            for c in line.dropFirst().dropLast() {
                if c == "|" && !escaped { cells.append(current.trimmingCharacters(in: .whitespaces)); current = "" }
                else { current.append(c) }
                escaped = c == "\\"
            }
            cells.append(current.trimmingCharacters(in: .whitespaces))
            return cells
        }
        var rows: [[String]] = []
        var i = start + 2
        while i < lines.count, lines[i].hasPrefix("|") { rows.append(cells(lines[i])); i += 1 }
        return (cells(lines[start]), rows)
    }

    @Test func verdictComesFirstAndAllSectionsArePresent() {
        let run = SampleRun.make()
        let md = render(run)
        let lines = md.components(separatedBy: "\n")
        #expect(lines[0] == "# Forecast report: price in prices.csv")
        #expect(lines[2].hasPrefix("> **Pick: GRU.** Next value (2025-02-24): **"))
        #expect(lines[2].contains("80%:") && lines[2].contains("95%:"))
        #expect(lines[2].contains("Beats naive on the test part: **yes, significantly**"))
        let sections = ["## Data", "## Models", "## Next forecast", "## Test period", "## Prediction intervals",
                        "## Significance", "## Windowed feed-forward vs recurrent", "## Training", "## Gradient flow",
                        "## Reproducibility"]
        var last = -1
        for s in sections {
            let index = lines.firstIndex(of: s)
            #expect(index != nil, "missing \(s)")
            #expect((index ?? -1) > last, "\(s) out of order")
            last = index ?? last
        }
        #expect(md.contains("*How to read this:*"))
        #expect(md.contains("| Split (in time order) | train 180 · validation 60 · test 60 |"))
    }

    @Test func bestValuePerColumnIsBoldAndOnlyThere() throws {
        let run = SampleRun.make()
        let (header, rows) = modelTable(render(run))
        #expect(rows.count == run.models.count)
        let ok = run.models.filter(\.status.isOK)
        let columns: [(String, (ModelResult) -> Double?, Bool)] = [
            ("Val MAE", { $0.validation?.mae }, true), ("MAE", { $0.test?.mae }, true), ("RMSE", { $0.test?.rmse }, true),
            ("sMAPE %", { $0.test?.smape }, true), ("MASE (vs naive, in-sample)", { $0.test?.mase }, true),
            ("DirAcc %", { $0.name == "naive" ? nil : $0.test?.directionalAccuracy }, false), ("Skill vs naive", { $0.test?.skill }, false),
        ]
        // The naive forecast never moves, so its directional accuracy is not a number to compare.
        let dirAcc = try #require(header.firstIndex(of: "DirAcc %"))
        #expect(zip(rows, run.models).first { $0.1.name == "naive" }?.0[dirAcc] == "n/a (no-change forecast)")
        for (name, value, lowerIsBetter) in columns {
            let c = try #require(header.firstIndex(of: name))
            let values = ok.compactMap(value)
            let best = lowerIsBetter ? values.min()! : values.max()!
            for (row, model) in zip(rows, run.models) {
                let isBest = model.status.isOK && value(model) != nil && value(model) == best
                #expect(row[c].hasPrefix("**") == isBest, "\(name) for \(model.name): \(row[c])")
            }
        }
        // The pick is starred in the first column.
        #expect(rows.filter { $0[0].hasPrefix("★") }.map { $0[0] } == ["★ GRU"])
    }

    @Test func failedModelIsListedWithItsReason() {
        let md = render(SampleRun.make())
        #expect(md.contains("| LSTM (failed) | 1,201 | — |"))
        #expect(md.contains("- **LSTM**: diverged: loss became NaN at epoch 7"))
        #expect(md.contains("Other recurrent models: RNN MAE"))
        #expect(md.contains("LSTM failed."))
    }

    @Test func everyNetworkFailedStillGivesAReport() {
        let run = SampleRun.make(failAll: true)
        #expect(run.allTrainedModelsFailed)
        let md = render(run)
        // A baseline is picked; the networks are listed as failed with the reason.
        #expect(run.pick == "naive" || run.pick == "drift" || run.pick?.hasPrefix("seasonal") == true)
        for name in ["FF", "RNN", "GRU", "LSTM"] {
            #expect(md.contains("- **\(name)**: too little data for window 400"))
        }
        #expect(md.contains("The feed-forward network failed, so there is no contrast to draw."))
    }

    @Test("a statistical model is shown with its spec in the verdict, the models table and the test-period text; the network contrast is unchanged")
    func statisticalModelWithItsSpec() throws {
        let run = SampleRun.make(statistical: true)
        #expect(run.pick == "ets")
        let md = render(run)
        #expect(md.contains("> **Pick: ets ETS(A,N,N).**"))
        let table = modelTable(md)
        let row = try #require(table.rows.first { $0[0].contains("ets") })
        #expect(row[0] == "★ ets ETS(A,N,N)")
        #expect(row[1] == "3" && row[table.header.firstIndex(of: "Epochs")!] == "—")
        #expect(md.contains("the pick ets ETS(A,N,N) had MAE"))
        // The feed-forward vs recurrent section still compares the networks only.
        #expect(md.contains("The windowed feed-forward network FF (337 parameters"))
        #expect(md.contains("The best recurrent model on validation, GRU (913 parameters"))
        // No loss curve for ets: the training section lists the networks only, in their usual colours.
        #expect(!md.contains("- ets:"))
        for network in ["FF", "RNN", "GRU"] {
            #expect(ReportCharts.color(for: network, in: run) == ReportCharts.color(for: network, in: SampleRun.make()), "\(network)")
        }
    }

    @Test("every network failed but ETS works: not 'every trained model failed', and the report picks among the rest")
    func networksFailedStatisticalWorks() throws {
        let run = SampleRun.make(failAll: true, statistical: true)
        #expect(!run.allTrainedModelsFailed)
        #expect(run.pick == "ets")
        let md = render(run)
        #expect(md.contains("The feed-forward network failed, so there is no contrast to draw."))
    }

    @Test func chartsHaveAltTextAndRelativeLinksAndTextWithoutThem() {
        let run = SampleRun.make()
        let md = render(run)
        for file in allCharts {
            #expect(md.contains("](\(file))"), "link to \(file)")
        }
        #expect(md.contains("![Test period: actual values against"))
        // With no charts written, no links, but the text summaries remain.
        let textOnly = render(run, charts: [])
        #expect(!textOnly.contains(".svg)"))
        #expect(textOnly.contains("Over 60 test points the pick GRU had MAE"))
        #expect(textOnly.contains("- GRU: 40 epochs; training loss"))
        #expect(textOnly.contains("Going back in time the gradient norm shrank by a factor of"))
    }

    @Test func reproducibilityBlockHasCommandSeedChecksumAndHyperParameters() {
        let md = render(SampleRun.make())
        let block = md.components(separatedBy: "## Reproducibility")[1]
        #expect(block.contains("```text\nforecast version: 0.1.0\ncommand:          forecast fit data/prices.csv --seed 42 --horizon 1\nseed:             42\n"))
        #expect(block.contains("input sha256:     " + String(repeating: "ab", count: 32)))
        #expect(block.contains("  learning-rate  0.001"))
        #expect(block.contains("```sh\nforecast fit data/prices.csv --seed 42 --horizon 1\n```"))
    }

    @Test func namesWithMarkdownCharactersDoNotBreakTheTable() {
        let run = SampleRun.make(modelName: "GRU|*x*")
        let md = render(run)
        let (header, rows) = modelTable(md)
        #expect(rows.allSatisfy { $0.count == header.count })
        #expect(md.contains("GRU\\|\\*x\\*"))
    }

    @Test func multiStepRunShowsPerStepTableAndNextSteps() {
        let md = render(SampleRun.make(horizon: 3))
        #expect(md.contains("### Test MAE by step ahead"))
        #expect(md.contains("| Model | t+1 | t+2 | t+3 |"))
        #expect(md.contains("| **★ GRU** | 3 | 2025-02-26 |"))
    }

    @Test("the report mentions the cut at 0 only when some interval would have reached below it")
    func intervalCutIsMentionedOnlyWhenItCuts() throws {
        let run = SampleRun.make()
        let models = run.models.filter { $0.status.isOK && !$0.intervals.isEmpty }
        let lowest = models.flatMap { m in m.nextForecasts.map(\.value) + (m.testForecasts?.values.flatMap { $0 } ?? []) }.min()!
        let widest = models.flatMap { $0.intervals.flatMap(\.halfWidth) }.filter(\.isFinite).max()!
        // A floor far below every bound: nothing is cut, nothing is said.
        #expect(!MarkdownReport.intervalsReachBelow(lowest - widest - 1, models))
        var cutRun = run
        cutRun.intervalFloor = lowest - widest - 1
        #expect(!render(cutRun).contains("lower bounds are cut"))
        // A floor above the lowest bound: said.
        cutRun.intervalFloor = lowest
        #expect(MarkdownReport.intervalsReachBelow(lowest, models))
        #expect(render(cutRun).contains("Some lower bounds are cut at"))
    }

    @Test("the gradient paragraph says what this run's numbers show, and whether they agree with the textbook")
    func gradientTextFollowsTheNumbers() throws {
        func withFlows(rnn: [Double], gru: [Double]) -> RunResult {
            var run = SampleRun.make()
            for i in run.models.indices where run.models[i].kind == .recurrent && run.models[i].status.isOK {
                run.models[i].gradientFlow = run.models[i].name.lowercased() == "rnn" ? rnn : gru
            }
            return run
        }
        let gruName = try #require(SampleRun.make().models.first { $0.kind == .recurrent && $0.name.lowercased() != "rnn" && $0.status.isOK }?.name)
        // GRU's gradient vanishes faster than the plain RNN's (as on prices.csv): said plainly.
        let against = render(withFlows(rnn: [1, 0.5, 0.25], gru: [1, 1e-2, 1e-4]))
        #expect(against.contains("In this run the gradient fell fastest for \(gruName) (×1.0 × 10⁴ over 2 steps) and least for RNN (×4.0)"), "\(against)")
        #expect(against.contains("This run does not agree: \(gruName.lowercased()) fell by ×1.0 × 10⁴, as much as or more than the plain RNN (×4.0)."))
        #expect(!against.contains("This run agrees"))
        // The textbook case.
        let agrees = render(withFlows(rnn: [1, 1e-2, 1e-4], gru: [1, 0.9, 0.8]))
        #expect(agrees.contains("This run agrees: the plain RNN's gradient fell by more (×1.0 × 10⁴) than every gated model's."))
        #expect(!agrees.contains("does not agree"))
        // No fixed claim that gates carry the signal.
        #expect(!against.contains("a flat line means the gates (GRU, LSTM) carry the signal"))
    }
}
