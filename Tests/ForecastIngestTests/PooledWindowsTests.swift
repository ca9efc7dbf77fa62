import Testing
@testable import ForecastIngest

@Suite("pooled windows of several series (global networks)")
struct PooledWindowsTests {
    /// Series k's window i at step s, feature d, as a value that names all four.
    static func value(_ k: Int, _ i: Int, _ s: Int, _ d: Int) -> Float { Float(1000 * (k + 1) + 100 * i + 10 * s + d) }

    /// A set of `n` windows of T = 3 steps and D = 2 features in the (T, N, D) time-major layout.
    static func set(_ k: Int, count n: Int) -> WindowSet {
        let T = 3, D = 2
        var x = [Float](repeating: 0, count: T * n * D)
        for s in 0..<T { for i in 0..<n { for d in 0..<D { x[(s * n + i) * D + d] = value(k, i, s, d) } } }
        return WindowSet(count: n, timeSteps: T, dimInput: D, horizon: 1, x: x,
                         y: (0..<n).map { Float(-(k + 1) * 10 - $0) }, targetIndex: (0..<n).map { 20 + $0 })
    }

    @Test("two series stack along n_samples: window j of series 2 at step t sits at (t · N + N₁ + j) · D, per step, not after series 1's buffer")
    func stackedLayout() throws {
        let a = Self.set(0, count: 2), b = Self.set(1, count: 3)
        let pooled = try #require(WindowSet.stacked([a, b]))
        #expect(pooled.count == 5 && pooled.timeSteps == 3 && pooled.dimInput == 2 && pooled.horizon == 1)
        let N = 5, D = 2
        for s in 0..<3 {
            for d in 0..<D {
                for i in 0..<2 { #expect(pooled.x[(s * N + i) * D + d] == Self.value(0, i, s, d)) }
                for j in 0..<3 { #expect(pooled.x[(s * N + 2 + j) * D + d] == Self.value(1, j, s, d)) }
            }
        }
        // Hand-written: step 1 of the pooled input is series 1's two windows, then series 2's three.
        #expect(Array(pooled.x[10..<20]) == [1010, 1011, 1110, 1111, 2010, 2011, 2110, 2111, 2210, 2211])
        #expect(pooled.y == [-10, -11, -20, -21, -22])
        #expect(pooled.targetIndex == [20, 21, 20, 21, 22])
        // The feed-forward view of the pooled set is each series' own flat rows, one after the other.
        #expect(pooled.flat() == a.flat() + b.flat())
    }

    @Test("with the one-hot embedding each window carries S columns after its features, 1 in its series' column")
    func stackedOneHot() throws {
        let a = Self.set(0, count: 2), b = Self.set(1, count: 3)
        let pooled = try #require(WindowSet.stacked([a, b], oneHot: true))
        #expect(pooled.dimInput == 4)
        // Step 0, window 0 of series 2 (pooled window 2): features 2000, 2001, then (0, 1).
        #expect(Array(pooled.x[(0 * 5 + 2) * 4..<(0 * 5 + 3) * 4]) == [2000, 2001, 0, 1])
        // Step 2, window 1 of series 1: features 1120, 1121, then (1, 0).
        #expect(Array(pooled.x[(2 * 5 + 1) * 4..<(2 * 5 + 2) * 4]) == [1120, 1121, 1, 0])
        // The same columns as appending them to series 2's own windows.
        let own = b.appendingOneHot(index: 1, of: 2)
        for s in 0..<3 {
            for j in 0..<3 { #expect(Array(pooled.x[(s * 5 + 2 + j) * 4..<(s * 5 + 3 + j) * 4]) == Array(own.x[(s * 3 + j) * 4..<(s * 3 + j + 1) * 4])) }
        }
    }

    @Test("sets of different window lengths or feature counts are not stacked")
    func mismatchedShapes() {
        let a = Self.set(0, count: 2)
        let other = WindowSet(count: 1, timeSteps: 2, dimInput: 2, horizon: 1, x: [Float](repeating: 0, count: 4), y: [0], targetIndex: [5])
        #expect(WindowSet.stacked([a, other]) == nil)
        #expect(WindowSet.stacked([]) == nil)
    }
}
