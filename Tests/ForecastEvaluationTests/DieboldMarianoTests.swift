import Foundation
import Testing
@testable import ForecastEvaluation

/// Reference values: hand computation for the small case; 50-digit mpmath for the others
/// (Tests/ForecastEvaluationTests/Scripts/reference_values.py, same formulas as R's
/// forecast::dm.test(h = 1, power = 2)).
@Suite struct DieboldMarianoTests {
    @Test func smallCaseByHand() throws {
        // e1 = [1, −2, 3, 0.5, −1], e2 = [0.5, 1, −1, 1, 2]
        // d = e1² − e2² = [0.75, 3, 8, −0.75, −3], d̄ = 8/5 = 1.6
        // γ₀ = ((−0.85)² + 1.4² + 6.4² + (−2.35)² + (−4.6)²)/5 = 70.325/5 = 14.065
        // DM = 1.6/√(14.065/5) = 0.953969…; DM* = DM·√(4/5) = 0.853257…
        // p = 2·P(T₄ > 0.853257) = 0.441599 (mpmath)
        let r = try DieboldMariano.test(errors1: [1, -2, 3, 0.5, -1], errors2: [0.5, 1, -1, 1, 2])
        #expect(r.count == 5)
        #expect(abs(r.meanLossDifference - 1.6) < 1e-14)
        let dm = 1.6 / (14.065 / 5).squareRoot() * (4.0 / 5).squareRoot()
        #expect(abs(r.statistic - dm) < 1e-13)
        #expect(abs(r.statistic - 0.85325749159356365) < 1e-13)
        #expect(abs(r.pValue - 0.44159879029931006) < 1e-12)
        #expect(!r.firstIsSignificantlyBetter())
    }

    @Test func longerCaseAgainstReference() throws {
        let e1 = (0..<40).map { i in sin(1.3 * Double(i)) * (1 + 0.1 * Double(i)) }
        let e2 = (0..<40).map { i in cos(0.7 * Double(i)) * 1.5 + 0.2 }
        let r = try DieboldMariano.test(errors1: e1, errors2: e2)
        #expect(abs(r.meanLossDifference - 3.7024680480029803) < 1e-12)
        #expect(abs(r.statistic - 4.3569752586335372) < 1e-11)
        #expect(abs(r.pValue - 9.2858389576665099e-5) / 9.2858389576665099e-5 < 1e-8)
        // Swapping the models flips the sign and keeps the p-value.
        let swapped = try DieboldMariano.test(errors1: e2, errors2: e1)
        #expect(abs(swapped.statistic + r.statistic) < 1e-12)
        #expect(abs(swapped.pValue - r.pValue) < 1e-15)
        #expect(swapped.firstIsSignificantlyBetter())
    }

    @Test func degenerateInputsAreErrorsNotCrashes() {
        #expect(throws: DieboldMarianoError.zeroVariance) {
            try DieboldMariano.test(errors1: [1, 2, 3], errors2: [1, 2, 3])
        }
        #expect(throws: DieboldMarianoError.tooFewPairs(2)) {
            try DieboldMariano.test(errors1: [1, 2], errors2: [2, 1])
        }
        #expect(throws: DieboldMarianoError.lengthMismatch(3, 2)) {
            try DieboldMariano.test(errors1: [1, 2, 3], errors2: [2, 1])
        }
        #expect(throws: DieboldMarianoError.nonFiniteError) {
            try DieboldMariano.test(errors1: [1, .nan, 3], errors2: [2, 1, 0])
        }
    }

    @Test func studentTAgainstClosedFormsAndReference() {
        // Closed forms: t(1) is Cauchy, F(1) = 3/4; t(2): F(t) = ½ + t/(2√(2 + t²)).
        #expect(abs(StudentT.cdf(1, degreesOfFreedom: 1) - 0.75) < 1e-14)
        #expect(StudentT.cdf(0, degreesOfFreedom: 5) == 0.5)
        for t in [-3.0, -0.4, 0.7, 2.5] {
            #expect(abs(StudentT.cdf(t, degreesOfFreedom: 2) - (0.5 + t / (2 * (2 + t * t).squareRoot()))) < 1e-14)
        }
        // mpmath references: (t, ν, cdf, two-sided p).
        let cases: [(Double, Double, Double, Double)] = [
            (2.776445105197793, 4, 0.97499999999999996, 0.050000000000000071),
            (-1.5, 7, 0.088649243494985017, 0.17729848698997003),
            (0.3, 29, 0.61684145333551612, 0.76631709332896775),
            (3.2, 12, 0.9961837305995946, 0.0076325388008107972),
            (-10.0, 3, 0.001064199529207075, 0.0021283990584141501),
            (1.0, 2.5, 0.79796948636086327, 0.40406102727827347),
            (2.0, 200, 0.97657340690646451, 0.046853186187070977),
        ]
        for (t, nu, cdf, p) in cases {
            #expect(abs(StudentT.cdf(t, degreesOfFreedom: nu) - cdf) < 1e-12, "cdf(\(t), \(nu))")
            #expect(abs(StudentT.twoSidedPValue(t, degreesOfFreedom: nu) - p) < 1e-12 * max(1, p / 1e-3), "p(\(t), \(nu))")
        }
    }

    @Test func incompleteBetaAgainstReference() {
        // I_0.3(2, 3) = 0.3483 exactly: Σ_{j=2}^{4} C(4, j) 0.3^j 0.7^{4−j}.
        #expect(abs(regularizedIncompleteBeta(0.3, a: 2, b: 3) - 0.3483) < 1e-14)
        // I_x(½, ½) = (2/π) asin √x.
        #expect(abs(regularizedIncompleteBeta(0.9, a: 0.5, b: 0.5) - 2 / Double.pi * asin(0.9.squareRoot())) < 1e-14)
        #expect(abs(regularizedIncompleteBeta(0.05, a: 10, b: 0.5) - 1.7611787432590982e-14) < 1e-24)
        #expect(abs(regularizedIncompleteBeta(0.7, a: 15, b: 0.5) - 0.0011753422790460748) < 1e-15)
    }
}
