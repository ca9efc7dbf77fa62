/// One split's windows, ready for a model. N = `count`, T = `timeSteps`, D = `dimInput`, h = `horizon`.
public struct WindowSet: Sendable {
    public let count: Int
    public let timeSteps: Int
    public let dimInput: Int
    public let horizon: Int
    /// Recurrent input, shape (T, N, D), time-major, contiguous:
    /// `x[(s * N + i) * D + d]` is window i, step s, feature d (scaled, target transformed).
    public let x: [Float]
    /// Targets, shape (N, h): `y[i * h + k]` is the scaled (transformed) target at series index
    /// `targetIndex[i] + k`, NaN when that index lies past the last row (only in windows made to
    /// forecast from every origin, such as ``WindowedDataset/test``; never in training windows).
    public let y: [Float]
    /// Series index of the first target point of each window; the window's inputs are the
    /// points `targetIndex[i] − T ..< targetIndex[i]`.
    public let targetIndex: [Int]

    /// Windows built elsewhere (tests, synthetic data). Shapes: x (T, N, D), y (N, h), targetIndex N.
    public init(count: Int, timeSteps: Int, dimInput: Int, horizon: Int, x: [Float], y: [Float], targetIndex: [Int]) {
        precondition(x.count == timeSteps * count * dimInput && y.count == count * horizon && targetIndex.count == count,
                     "WindowSet shapes: x (T, N, D), y (N, h), targetIndex (N)")
        self.count = count
        self.timeSteps = timeSteps
        self.dimInput = dimInput
        self.horizon = horizon
        self.x = x
        self.y = y
        self.targetIndex = targetIndex
    }

    /// Feed-forward input, shape (N, T·D): `flat()[i * T * D + s * D + d] == x[(s * N + i) * D + d]`.
    /// Computed on each call: O(N·T·D).
    public func flat() -> [Float] {
        let T = timeSteps, N = count, D = dimInput
        var out = [Float](repeating: 0, count: N * T * D)
        out.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer { src in
                for s in 0..<T {
                    for i in 0..<N {
                        for d in 0..<D { o[i * T * D + s * D + d] = src[(s * N + i) * D + d] }
                    }
                }
            }
        }
        return out
    }
}
