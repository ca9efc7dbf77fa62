import Foundation
import Testing
@testable import ForecastIngest

/// Sliding windows, layouts, splits, scaling and target transforms.
@Suite struct WindowingTests {
    /// y[t] = 100 + t + 5 sin(t) (positive, trending), x[t] = 2t + 0.5 cos(t); no dates.
    static func series(_ n: Int = 200, features: [String] = ["y", "x"]) -> Series {
        let y = (0..<n).map { 100 + Double($0) + 5 * sin(Double($0)) }
        let x = (0..<n).map { 2 * Double($0) + 0.5 * cos(Double($0)) }
        let columns = features.map { $0 == "y" ? y : x }
        return Series(dates: nil, targetName: "y", featureNames: features, values: columns, target: y,
                      frequency: .unknown, summary: IngestSummary(file: "synthetic.csv", rowsRead: n, rowsUsed: n))
    }

    /// The target after `transform`, indexed by series index (NaN where undefined).
    static func transformed(_ y: [Double], _ transform: TargetTransform) -> [Double] {
        switch transform {
        case .none: return y
        case .diff: return [.nan] + (1..<y.count).map { y[$0] - y[$0 - 1] }
        case .logReturn: return [.nan] + (1..<y.count).map { log(y[$0] / y[$0 - 1]) }
        }
    }

    func relativeClose(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test(arguments: TargetTransform.allCases)
    func layoutsMatchTheSourceElementByElement(_ transform: TargetTransform) throws {
        let s = Self.series()
        let o = WindowingOptions(timeSteps: 5, stride: 2, horizon: 3, transform: transform)
        let ds = try makeWindows(s, o)
        let z = Self.transformed(s.target, transform)
        let sources = [z, s.values[1]]  // feature 0 is the target (transformed), feature 1 a level
        #expect(ds.dimInput == 2)
        for (set, forecastOnly) in [(ds.train, false), (ds.validation, false), (ds.test, true)] {
            let T = 5, N = set.count, D = 2, h = 3
            #expect(N > 0)
            #expect(set.x.count == T * N * D)
            #expect(set.y.count == N * h)
            let flat = set.flat()
            #expect(flat.count == N * T * D)
            for i in 0..<N {
                let t0 = set.targetIndex[i]
                for step in 0..<T {
                    for d in 0..<D {
                        let expected = Float(ds.scaler.scale(sources[d][t0 - T + step], feature: d))
                        #expect(set.x[(step * N + i) * D + d] == expected)
                        #expect(flat[i * T * D + step * D + d] == expected)
                    }
                }
                for k in 0..<h {
                    if t0 + k < s.count {
                        #expect(set.y[i * h + k] == Float(ds.scaler.scaleTarget(z[t0 + k])))
                    } else {
                        #expect(forecastOnly && set.y[i * h + k].isNaN, "a target past the last row is unknown")
                    }
                }
            }
            // Training and validation windows start stride 2 apart; the test part has a window
            // at every origin, the last one forecasting from the last row.
            for i in 1..<N { #expect(set.targetIndex[i] - set.targetIndex[i - 1] == (forecastOnly ? 1 : 2)) }
        }
        #expect(ds.test.targetIndex == Array(ds.testStart..<200))
    }

    @Test func splitsAreByTimeAndTargetsNeverCrossIntoALaterSplit() throws {
        let s = Self.series(200)
        let ds = try makeWindows(s, WindowingOptions(timeSteps: 32))
        #expect(ds.testStart == 160)        // last 20% of 200 points
        #expect(ds.validationStart == 144)  // last 10% of the 160 before
        #expect(ds.train.targetIndex == Array(32..<144))
        #expect(ds.validation.targetIndex == Array(144..<160))
        #expect(ds.test.targetIndex == Array(160..<200))

        let h = 4
        let multi = try makeWindows(s, WindowingOptions(timeSteps: 10, horizon: h))
        for t in multi.train.targetIndex { #expect(t + h - 1 < multi.validationStart) }
        for t in multi.validation.targetIndex { #expect(t >= multi.validationStart && t + h - 1 < multi.testStart) }
        // Only straddling windows are left out of training and validation; the test part keeps
        // every origin (its last h − 1 windows have targets past the end), as the other models
        // forecast from every test point.
        #expect(multi.train.count + multi.validation.count == multi.testStart - 10 - 2 * (h - 1))
        #expect(multi.test.targetIndex == Array(multi.testStart..<200))
        let last = try #require(multi.actuals(for: multi.test).last)
        #expect(last[0] == s.target[199] && last.count == h && last.dropFirst().allSatisfy(\.isNaN))
    }

    @Test("forecast windows: one per origin whatever the stride, from the first with a full input window to the last row; inputs as the source, targets NaN past the end")
    func forecastWindowsCoverEveryOrigin() throws {
        let s = Self.series(60)
        let T = 6, h = 4
        let ds = try makeWindows(s, WindowingOptions(timeSteps: T, stride: 3, horizon: h, transform: .diff))
        let z = Self.transformed(s.target, .diff)
        // Origins before T + 1 (diff loses the first point) have no full window; none past the last row.
        let w = ds.windows(forecastingFrom: 0..<100)
        #expect(w.targetIndex == Array((T + 1)..<60))
        let v = ds.windows(forecastingFrom: ds.validationStart..<ds.testStart)
        #expect(v.targetIndex == Array(ds.validationStart..<ds.testStart))
        #expect(ds.test.targetIndex == Array(ds.testStart..<60))
        for i in [0, w.count / 2, w.count - 1] {
            let o = w.targetIndex[i]
            for step in 0..<T { #expect(w.x[(step * w.count + i) * 2] == Float(ds.scaler.scale(z[o - T + step], feature: 0))) }
            for k in 0..<h {
                let y = w.y[i * h + k]
                #expect(o + k < 60 ? y == Float(ds.scaler.scaleTarget(z[o + k])) : y.isNaN)
            }
        }
        #expect(ds.windows(forecastingFrom: 60..<70).count == 0)
    }

    @Test("the default window: two seasons, or 32 without one, at most a quarter of the training points, at least 1")
    func defaultWindowFollowsSeasonAndLength() {
        #expect(WindowingOptions.defaultTimeSteps(season: 12, trainingPoints: 500) == 24)
        #expect(WindowingOptions.defaultTimeSteps(season: 4, trainingPoints: 60) == 8)
        #expect(WindowingOptions.defaultTimeSteps(season: nil, trainingPoints: 500) == 32)
        #expect(WindowingOptions.defaultTimeSteps(season: 1, trainingPoints: 500) == 32)
        #expect(WindowingOptions.defaultTimeSteps(season: nil, trainingPoints: 72) == 18)   // lynx: 72 training points
        #expect(WindowingOptions.defaultTimeSteps(season: 52, trainingPoints: 300) == 75)
        #expect(WindowingOptions.defaultTimeSteps(season: nil, trainingPoints: 2) == 1)
    }

    @Test("the validation part is raised to minimumValidationPoints, but never beyond 40% of the points before the test part")
    func validationPartHasItsMinimum() throws {
        // 100 points: test 20, 10% of the 80 before = 8, raised to 20.
        let ds = try makeWindows(Self.series(100), WindowingOptions(timeSteps: 8, minimumValidationPoints: 20))
        #expect(ds.testStart == 80 && ds.validationStart == 60)
        // 40 points: test 8, 32 before; 20 would leave too little training: ⌊0.4 · 32⌋ = 12.
        let short = try makeWindows(Self.series(40), WindowingOptions(timeSteps: 4, minimumValidationPoints: 20))
        #expect(short.testStart == 32 && short.validationStart == 20)
        // A share larger than the minimum is kept; without a minimum the share alone decides.
        let long = try makeWindows(Self.series(500), WindowingOptions(timeSteps: 8, minimumValidationPoints: 20))
        #expect(long.validationStart == 400 - 40)
        let plain = try makeWindows(Self.series(100), WindowingOptions(timeSteps: 8))
        #expect(plain.validationStart == 72)
    }

    @Test(arguments: [Scaling.zscore, .minmax])
    func scalingIsFittedOnTheTrainingPartOnly(_ scaling: Scaling) throws {
        for transform in TargetTransform.allCases {
            let o = WindowingOptions(timeSteps: 8, scaling: scaling, transform: transform)
            let base = try makeWindows(Self.series(), o)
            for t in base.validationStart..<200 {
                var s = Self.series()
                s.values[0][t] += 1000
                s.values[1][t] *= 3
                s.target[t] += 1000
                let changed = try makeWindows(s, o)
                #expect(changed.scaler == base.scaler, "value \(t) changed a statistic")
            }
            // A change in the training part does change the statistics (so the check above can fail).
            var s = Self.series()
            s.values[0][10] += 1000
            s.values[1][10] += 1000
            s.target[10] += 1000
            #expect(try makeWindows(s, o).scaler != base.scaler)
        }
    }

    @Test func scalingStatistics() throws {
        let s = Self.series()
        let ds = try makeWindows(s, WindowingOptions(timeSteps: 8))
        let train = Array(s.values[1][0..<ds.validationStart])
        let mean = train.reduce(0, +) / Double(train.count)
        let std = (train.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(train.count)).squareRoot()
        #expect(relativeClose(ds.scaler.offsets[1], mean, 1e-12))
        #expect(relativeClose(ds.scaler.scales[1], std, 1e-12))
        #expect(ds.scaler.targetOffset == ds.scaler.offsets[0])

        let mm = try makeWindows(s, WindowingOptions(timeSteps: 8, scaling: .minmax))
        #expect(mm.scaler.offsets[1] == train.min()!)
        #expect(relativeClose(mm.scaler.scales[1], train.max()! - train.min()!, 1e-12))

        let none = try makeWindows(s, WindowingOptions(timeSteps: 8, scaling: .none))
        #expect(none.scaler.offsets == [0, 0] && none.scaler.scales == [1, 1])
        #expect(none.train.x.first == Float(s.values[0][0]))

        // A constant feature scales by 1, not by 0.
        var flat = s
        flat.values[1] = [Double](repeating: 7, count: 200)
        let c = try makeWindows(flat, WindowingOptions(timeSteps: 8))
        #expect(c.scaler.scales[1] == 1)
        #expect(c.train.x.allSatisfy { $0.isFinite })
    }

    @Test(arguments: TargetTransform.allCases, [1, 3])
    func inversionIsExact(_ transform: TargetTransform, _ horizon: Int) throws {
        let s = Self.series()
        let ds = try makeWindows(s, WindowingOptions(timeSteps: 6, horizon: horizon, transform: transform))
        let z = Self.transformed(s.target, transform)
        for set in [ds.train, ds.validation, ds.test] {
            // Perfect predictions in Double invert to the actual levels (steps past the last row,
            // in the test part's last windows, have none and are skipped).
            func known(_ i: Int, _ k: Int) -> Bool { set.targetIndex[i] + k < s.count }
            var predictions: [Double] = []
            for t in set.targetIndex { for k in 0..<horizon { predictions.append(t + k < s.count ? ds.scaler.scaleTarget(z[t + k]) : 0) } }
            let levels = ds.inverse(predictions: predictions, for: set)
            let actual = ds.actuals(for: set)
            #expect(levels.count == set.count)
            for i in 0..<set.count {
                for k in 0..<horizon where known(i, k) {
                    #expect(actual[i][k] == s.target[set.targetIndex[i] + k])
                    #expect(relativeClose(levels[i][k], actual[i][k], 1e-12))
                }
            }
            // The Float32 targets invert to within Float precision.
            let fromFloat = ds.inverse(predictions: set.y, for: set)
            for i in 0..<set.count {
                for k in 0..<horizon where known(i, k) { #expect(relativeClose(fromFloat[i][k], actual[i][k], 1e-5)) }
            }
        }
    }

    @Test func nextForecastUsesTheLastPoints() throws {
        let s = Self.series()
        let T = 7
        let ds = try makeWindows(s, WindowingOptions(timeSteps: T, horizon: 2, transform: .diff))
        let next = ds.nextInput()
        #expect(next.count == T * 1 * 2)
        let z = Self.transformed(s.target, .diff)
        for step in 0..<T {
            #expect(next[step * 2 + 0] == Float(ds.scaler.scale(z[200 - T + step], feature: 0)))
            #expect(next[step * 2 + 1] == Float(ds.scaler.scale(s.values[1][200 - T + step], feature: 1)))
        }
        // Predicted diffs of +1 and +2 add to the last actual value.
        let out = ds.inverseNext([ds.scaler.scaleTarget(1), ds.scaler.scaleTarget(2)])
        #expect(relativeClose(out[0], s.target[199] + 1, 1e-12))
        #expect(relativeClose(out[1], s.target[199] + 3, 1e-12))
        #expect(ds.nextDates() == nil)
    }

    @Test func nextDatesFollowTheFrequency() throws {
        let dates = (0..<60).map { Frequency.businessDaily.advance(utc(2024, 1, 1), by: $0) }
        let s = Series(target: (0..<60).map { Double($0) + 1 }, name: "price", dates: dates)
        #expect(s.frequency == .businessDaily)
        let ds = try makeWindows(s, WindowingOptions(timeSteps: 5, horizon: 3))
        let last = dates.last!  // a Friday
        #expect(CivilCalendar.weekday(days: CivilCalendar.dayNumber(last.timeIntervalSince1970)) == 4)
        #expect(ds.nextDates() == [1, 2, 3].map { Frequency.businessDaily.advance(last, by: $0) })
        #expect(ds.nextDates()?.first == last.addingTimeInterval(3 * 86_400))
    }

    @Test func aSavedScalerWindowsNewDataTheSameWay() throws {
        let ds = try makeWindows(Self.series(), WindowingOptions(timeSteps: 8, transform: .logReturn))
        let data = try JSONEncoder().encode(ds.scaler)
        let restored = try JSONDecoder().decode(Scaler.self, from: data)
        #expect(restored == ds.scaler)

        var fresh = Self.series(50)
        fresh.values[1] = fresh.values[1].map { $0 + 10 }
        let o = WindowingOptions(timeSteps: 8, testFraction: 1, validationFraction: 0, transform: .logReturn)
        let applied = try makeWindows(fresh, o, scaler: restored)
        #expect(applied.scaler == ds.scaler)
        #expect(applied.train.count == 0 && applied.validation.count == 0)
        #expect(applied.test.count == 50 - 1 - 8)
        let i = 0, step = 3
        let t = applied.test.targetIndex[i] - 8 + step
        #expect(applied.test.x[(step * applied.test.count + i) * 2 + 1] == Float((fresh.values[1][t] - restored.offsets[1]) / restored.scales[1]))

        // A series with other columns does not fit the scaler.
        let other = Self.series(50, features: ["x", "y"])
        let e = ingestError { try makeWindows(other, o, scaler: restored) }
        #expect(e?.exitCode == 32)
        #expect(e?.kind == .columnMismatch)
    }

    @Test func badOptionsAndNonPositivePrices() {
        var s = Self.series()
        for bad in [WindowingOptions(timeSteps: 0), WindowingOptions(stride: 0), WindowingOptions(horizon: 0),
                    WindowingOptions(testFraction: 1.5), WindowingOptions(validationFraction: -0.1)] {
            let e = ingestError { try makeWindows(s, bad) }
            #expect(e?.exitCode == 64)
        }
        s.target[50] = 0
        s.values[0][50] = 0
        let e = ingestError { try makeWindows(s, WindowingOptions(timeSteps: 4, transform: .logReturn)) }
        #expect(e?.exitCode == 64)
        #expect(e?.message.contains("positive") == true)
    }

    @Test func tooFewRowsSaysHowManyAreNeeded() {
        let e = ingestError { try makeWindows(Self.series(40), WindowingOptions(timeSteps: 32)) }
        #expect(e?.exitCode == 18)
        // 40 points: no validation or test window fits; the message names a sufficient count.
        let needed = Int(e?.message.split(separator: " ").last ?? "") ?? 0
        #expect(needed > 40)
        #expect((try? makeWindows(Self.series(needed), WindowingOptions(timeSteps: 32))) != nil)
        #expect((try? makeWindows(Self.series(needed - 1), WindowingOptions(timeSteps: 32))) == nil)
    }
}
