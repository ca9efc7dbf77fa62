import ForecastEvaluation
import Foundation

/// One global network against its local twin on one series: test MAE at step 1 of both, their
/// ratio, and the Diebold–Mariano test of the global one against the local one on the one-step
/// test errors both have (``RunEvaluator/compare(_:_:label:)``).
public struct GlobalLocalComparison: Codable, Equatable, Sendable {
    /// `global-gru`.
    public var global: String
    /// `gru`.
    public var local: String
    public var globalTestMAE: Double
    public var localTestMAE: Double
    /// nil when the test could not run (too few points, identical errors).
    public var dmPValue: Double?
    /// Global better and the difference significant at 5 %.
    public var globalSignificantlyBetter: Bool
    /// Local better and the difference significant at 5 %.
    public var localSignificantlyBetter: Bool

    public init(global: String, local: String, globalTestMAE: Double, localTestMAE: Double, dmPValue: Double?,
                globalSignificantlyBetter: Bool, localSignificantlyBetter: Bool) {
        self.global = global
        self.local = local
        self.globalTestMAE = globalTestMAE
        self.localTestMAE = localTestMAE
        self.dmPValue = dmPValue
        self.globalSignificantlyBetter = globalSignificantlyBetter
        self.localSignificantlyBetter = localSignificantlyBetter
    }

    /// Global MAE / local MAE: below 1 the global network was more accurate. nil when the local
    /// MAE is 0 (a ratio without meaning).
    public var ratio: Double? { localTestMAE > 0 ? globalTestMAE / localTestMAE : nil }

    /// The global network had the lower test MAE.
    public var globalBetter: Bool { globalTestMAE < localTestMAE }

    /// The prefix of a global network's name (`global-gru`).
    public static let globalPrefix = "global-"

    /// The label of the run's comparison of `global` against `local` (`global-gru vs gru`).
    public static func label(global: String, local: String) -> String { "\(global) vs \(local)" }

    /// Every global network of `run` that worked, against its local twin when that worked too,
    /// in the run's model order. The twin of `global-x` is the model with id `x`.
    public static func all(in run: RunResult) -> [GlobalLocalComparison] {
        run.models.compactMap { g in
            guard g.id.hasPrefix(globalPrefix), g.status.isOK, let gm = g.testMetrics.first?.mae, gm.isFinite,
                  let l = run.models.first(where: { $0.id == String(g.id.dropFirst(globalPrefix.count)) }),
                  l.status.isOK, let lm = l.testMetrics.first?.mae, lm.isFinite else { return nil }
            let test = run.comparisons.first { $0.label == label(global: g.name, local: l.name) }?.result
            let p = test.flatMap { $0.pValue.isFinite ? $0.pValue : nil }
            return GlobalLocalComparison(global: g.id, local: l.id, globalTestMAE: gm, localTestMAE: lm, dmPValue: p,
                                         globalSignificantlyBetter: test?.firstIsSignificantlyBetter(level: 0.05) ?? false,
                                         localSignificantlyBetter: test.map { $0.meanLossDifference > 0 && $0.pValue < 0.05 } ?? false)
        }
    }
}

/// What a portfolio's global networks (`--global`) were trained on, for the summary: the common
/// window, the embedding, the series in the model and those left out with the reason, and the
/// networks that failed.
public struct PortfolioGlobalNetworks: Codable, Equatable, Sendable {
    public struct Exclusion: Codable, Equatable, Sendable {
        public var series: String
        public var reason: String
        public init(series: String, reason: String) {
            self.series = series
            self.reason = reason
        }
    }

    /// The time steps T every series' windows have in the global model.
    public var window: Int
    /// Where T comes from: "--window" or "the smallest of the series' data-derived windows".
    public var windowSource: String
    /// `none` or `onehot`.
    public var embedding: String
    /// Series in the global model (S), in id order.
    public var series: [String]
    /// Pooled windows it was trained on and stopped early on.
    public var trainingWindows: Int
    public var validationWindows: Int
    /// `global-ff`, `global-gru`…
    public var models: [String]
    public var excluded: [Exclusion]
    /// Global networks whose training failed, with the reason (they are failed in every series' report).
    public var failures: [Exclusion]
    /// Wall-clock seconds of the pooled training (timing: differs run to run).
    public var seconds: Double

    public init(window: Int, windowSource: String, embedding: String, series: [String], trainingWindows: Int,
                validationWindows: Int, models: [String], excluded: [Exclusion], failures: [Exclusion], seconds: Double) {
        self.window = window
        self.windowSource = windowSource
        self.embedding = embedding
        self.series = series
        self.trainingWindows = trainingWindows
        self.validationWindows = validationWindows
        self.models = models
        self.excluded = excluded
        self.failures = failures
        self.seconds = seconds
    }

    /// One global network against its local twin over the series that have both.
    public struct Tally: Equatable, Sendable {
        public var global: String
        public var local: String
        public var series: Int
        public var globalBetter: Int
        public var globalSignificantlyBetter: Int
        public var localSignificantlyBetter: Int
        /// exp(mean log(global MAE / local MAE)) over the series with a ratio; nil without one.
        public var geometricMeanRatio: Double?
    }

    /// The tallies of `comparisons` per global network (in order of first appearance), then
    /// over every pair (`global` "all").
    public static func tallies(_ comparisons: [GlobalLocalComparison]) -> (perModel: [Tally], overall: Tally) {
        func tally(_ cs: [GlobalLocalComparison], global: String, local: String) -> Tally {
            let ratios = cs.compactMap(\.ratio).filter { $0 > 0 && $0.isFinite }
            let mean = ratios.isEmpty ? nil : Foundation.exp(ratios.map { Foundation.log($0) }.reduce(0, +) / Double(ratios.count))
            return Tally(global: global, local: local, series: cs.count, globalBetter: cs.filter(\.globalBetter).count,
                         globalSignificantlyBetter: cs.filter(\.globalSignificantlyBetter).count,
                         localSignificantlyBetter: cs.filter(\.localSignificantlyBetter).count, geometricMeanRatio: mean)
        }
        var order: [String] = []
        for c in comparisons where !order.contains(c.global) { order.append(c.global) }
        let perModel = order.map { g in
            let cs = comparisons.filter { $0.global == g }
            return tally(cs, global: g, local: cs[0].local)
        }
        return (perModel, tally(comparisons, global: "all", local: "all"))
    }

    /// The verdict of one tally in words that follow its numbers.
    static func sentence(_ t: Tally, subject: String, unit: String = "series") -> String {
        guard t.series > 0 else { return "\(subject): no series had both a working global and a working local network." }
        let share = t.globalBetter * 2 > t.series ? "more than half" : t.globalBetter * 2 == t.series ? "exactly half" : "fewer than half"
        var s = "\(subject): the global network had the lower test MAE on **\(t.globalBetter) of \(t.series)** \(unit) (\(share)); "
            + "significantly better (Diebold–Mariano, 5 %) on \(t.globalSignificantlyBetter), significantly worse on \(t.localSignificantlyBetter)."
        if let g = t.geometricMeanRatio {
            let change = abs(1 - g) * 100
            let direction = g < 1 ? "lower than the local one's" : g > 1 ? "higher than the local one's" : "equal to the local one's"
            s += " Geometric mean of global MAE / local MAE: \(Format.fixed(g, decimals: 3))"
                + (g == 1 ? " (\(direction))." : " (the global MAE \(Format.fixed(change, decimals: 1)) % \(direction), typically).")
        }
        return s
    }
}
