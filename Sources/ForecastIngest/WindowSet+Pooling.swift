/// Windows of several series in one set, for a network trained on all of them (a global model).
extension WindowSet {
    /// `sets` stacked along n_samples, in the order given: with N = Σ N_k and o_k = N_0 + … + N_(k−1),
    /// window i of set k becomes window o_k + i. The input is time-major, so for every step s
    /// the blocks of the sets follow one another:
    /// `x[(s · N + o_k + i) · D′ + d] = sets[k].x[(s · N_k + i) · D + d]`; targets and target
    /// indices are concatenated (a target index then refers to its own series).
    ///
    /// With `oneHot`, every window of set k also gets S = `sets.count` columns after its D
    /// features, 1 in column D + k and 0 elsewhere (D′ = D + S; else D′ = D): the one-hot
    /// series embedding, written in place instead of through a copy of each set.
    /// Nil when `sets` is empty or the sets differ in T, D or h. O(N · T · D′) time and memory.
    public static func stacked(_ sets: [WindowSet], oneHot: Bool = false) -> WindowSet? {
        guard let first = sets.first else { return nil }
        let T = first.timeSteps, D = first.dimInput, h = first.horizon
        guard sets.allSatisfy({ $0.timeSteps == T && $0.dimInput == D && $0.horizon == h }) else { return nil }
        let N = sets.reduce(0) { $0 + $1.count }
        let width = D + (oneHot ? sets.count : 0)
        var x = [Float](repeating: 0, count: T * N * width)
        var y: [Float] = [], targetIndex: [Int] = []
        y.reserveCapacity(N * h)
        targetIndex.reserveCapacity(N)
        x.withUnsafeMutableBufferPointer { out in
            var offset = 0
            for (k, set) in sets.enumerated() {
                let n = set.count
                set.x.withUnsafeBufferPointer { src in
                    for s in 0..<T {
                        for i in 0..<n {
                            let from = (s * n + i) * D, to = (s * N + offset + i) * width
                            for d in 0..<D { out[to + d] = src[from + d] }
                            if oneHot { out[to + D + k] = 1 }
                        }
                    }
                }
                offset += n
            }
        }
        for set in sets {
            y += set.y
            targetIndex += set.targetIndex
        }
        return WindowSet(count: N, timeSteps: T, dimInput: width, horizon: h, x: x, y: y, targetIndex: targetIndex)
    }

    /// The same windows with `count` one-hot columns after the D features of every step: column
    /// D + `index` is 1, the others 0 (dim_input D + count). `index` must lie in 0..<count.
    /// O(N · T · (D + count)).
    public func appendingOneHot(index: Int, of count: Int) -> WindowSet {
        WindowSet(count: self.count, timeSteps: timeSteps, dimInput: dimInput + count, horizon: horizon,
                  x: Self.appendingOneHot(to: x, rows: timeSteps * self.count, dimInput: dimInput, index: index, of: count),
                  y: y, targetIndex: targetIndex)
    }

    /// A row-major (rows, D) buffer (e.g. a (T, N, D) input, T · N rows) with `count` one-hot
    /// columns appended to every row: (rows, D + count), column D + `index` set to 1.
    public static func appendingOneHot(to x: [Float], rows: Int, dimInput D: Int, index: Int, of count: Int) -> [Float] {
        let width = D + count
        var out = [Float](repeating: 0, count: rows * width)
        for r in 0..<rows {
            for d in 0..<D { out[r * width + d] = x[r * D + d] }
            if (0..<count).contains(index) { out[r * width + D + index] = 1 }
        }
        return out
    }
}
