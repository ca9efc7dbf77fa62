/// Options for building sliding windows and splits from a series.
public struct WindowingOptions: Sendable, Equatable, Codable {
    /// Past steps in each window (`time_steps`, `--window`).
    public var timeSteps: Int
    /// Distance between the starts of consecutive windows (`--stride`).
    public var stride: Int
    /// Steps ahead predicted by each window: targets y[t+1 ... t+h] (`--horizon`).
    public var horizon: Int
    /// Fraction of the series' points, at the end, forming the test part.
    public var testFraction: Double
    /// Fraction of the points before the test part, at their end, forming the validation part.
    public var validationFraction: Double
    /// The validation part's least length in points, when the points before the test part can
    /// spare it (the validation part never takes more than 40% of them); nil: `validationFraction`
    /// alone. Model selection and split-conformal intervals are computed on the validation part,
    /// so a share of a short series (8 points of a 100-point one) is too few for either.
    public var minimumValidationPoints: Int? = nil
    public var scaling: Scaling
    public var transform: TargetTransform

    /// The window length when the user gives none: two seasons when the series has one (m ≥ 2),
    /// else 32 steps; never more than a quarter of the training points, so a short series keeps
    /// at least three quarters of them as training windows (a fixed 32 left a 100-point quarterly
    /// series about 50). At least 1. O(1).
    public static func defaultTimeSteps(season: Int?, trainingPoints: Int) -> Int {
        let wanted = season.map { $0 >= 2 ? 2 * $0 : 32 } ?? 32
        return max(1, min(wanted, trainingPoints / 4))
    }

    /// The first index of the validation part and of the test part for a series of `count`
    /// points (the split does not depend on the window).
    public func splitBoundaries(count: Int) -> (validationStart: Int, testStart: Int) {
        let b = SlidingWindows.boundaries(count, self)
        return (b.validation, b.test)
    }

    public init(timeSteps: Int = 32, stride: Int = 1, horizon: Int = 1, testFraction: Double = 0.2,
                validationFraction: Double = 0.1, minimumValidationPoints: Int? = nil,
                scaling: Scaling = .zscore, transform: TargetTransform = .none) {
        self.minimumValidationPoints = minimumValidationPoints
        self.timeSteps = timeSteps
        self.stride = stride
        self.horizon = horizon
        self.testFraction = testFraction
        self.validationFraction = validationFraction
        self.scaling = scaling
        self.transform = transform
    }
}
