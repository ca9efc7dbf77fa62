import Testing
@testable import ForecastEvaluation

@Suite struct ConformalTests {
    let residuals = (1...10).map { Double($0) / 10 }  // 0.1 … 1.0, shuffled below

    @Test func quantileIsTheCeilOfNPlusOneTimesCoverage() {
        let shuffled = [0.7, 0.1, 1.0, 0.4, 0.9, 0.2, 0.6, 0.3, 0.8, 0.5].map { -$0 }  // signs are ignored
        // n = 10, 80 %: k = ⌈11 · 0.8⌉ = ⌈8.8⌉ = 9 → 9th smallest = 0.9
        #expect(SplitConformal.halfWidth(absoluteResiduals: shuffled, coverage: 0.8) == 0.9)
        // 50 %: k = ⌈5.5⌉ = 6 → 0.6
        #expect(SplitConformal.halfWidth(absoluteResiduals: shuffled, coverage: 0.5) == 0.6)
        // 95 %: k = ⌈10.45⌉ = 11 > n → unbounded
        #expect(SplitConformal.halfWidth(absoluteResiduals: shuffled, coverage: 0.95) == .infinity)
        // n = 9, 80 %: (n + 1)·0.8 = 8 exactly → k = 8 (no rounding up past an integer)
        #expect(SplitConformal.halfWidth(absoluteResiduals: Array(residuals.prefix(9)), coverage: 0.8) == 0.8)
        // n = 19, 95 %: k = ⌈19⌉ = 19 → the largest
        let nineteen = (1...19).map(Double.init)
        #expect(SplitConformal.halfWidth(absoluteResiduals: nineteen, coverage: 0.95) == 19)
        #expect(SplitConformal.halfWidth(absoluteResiduals: [], coverage: 0.8) == nil)
    }

    @Test func coverageCountsClosedIntervals() {
        // 3 of 4 inside (the bound itself counts as inside).
        let c = SplitConformal.empiricalCoverage(actuals: [1, 2, 3, 4], lower: [0, 2, 3.5, 3], upper: [2, 3, 4, 4])
        #expect(c == 0.75)
    }
}
