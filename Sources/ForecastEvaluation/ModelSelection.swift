/// Chooses the model to trust for tomorrow.
///
/// Rule: among models with status ok and validation metrics, the lowest **validation MAE at the
/// horizon asked for**: the mean over steps 1…h of each step's MAE on the validation part
/// (``ModelResult/selectionMAE``; with h = 1 the one-step MAE). A model chosen for a 12-step
/// forecast is judged on 12-step errors, not on tomorrow's. The test part is never looked at, so the test metrics stay an honest
/// estimate of the pick's accuracy. MAE (not RMSE) because the report's headline error is MAE and
/// it is not dominated by a few outliers. Ties — validation MAEs within a relative 1e-9 of the
/// lowest — go to the simpler model: baseline before statistical (ETS, Theta) before feed-forward
/// before recurrent, then fewer parameters, then the earlier model in the list (naive before
/// seasonal naive before drift).
public enum ModelSelection {
    /// Relative tolerance under which two validation MAEs count as a tie.
    public static let tieTolerance = 1e-9

    /// Validation residuals per horizon step a run asks for: with 20, the 95% split-conformal
    /// interval is bounded (it needs ⌈(n + 1)·0.95⌉ ≤ n, i.e. n ≥ 19) and the 80% one rests on
    /// its 17th smallest residual rather than on the largest.
    public static let calibrationPoints = 20

    /// Points the validation part should have so that step `horizon` still gets
    /// ``calibrationPoints`` targets: a forecast from origin t reaches t + h − 1.
    public static func preferredValidationPoints(horizon: Int) -> Int { calibrationPoints + horizon - 1 }

    /// The fewest validation targets, at the last step asked for, a pick may rest on. With fewer,
    /// ranking models is mostly luck: the run keeps the reference baseline and says why.
    public static let minimumSelectionPoints = 10

    /// One-sided level of the noise rule: a pick other than the reference baseline must have a
    /// smaller one-step squared error than it on the validation part with a Diebold–Mariano
    /// p-value below 2 × this (the two-sided p of a difference in the pick's favour), else the
    /// run keeps the baseline. 10%: a model that is not clearly better on the points it was chosen
    /// on is not worth the risk (Diebold & Mariano 1995; Harvey, Leybourne & Newbold 1997).
    public static let noiseLevel = 0.10

    /// The folds of a validation part: consecutive blocks of its origins, each at least
    /// ``foldPoints`` long, at most ``maximumFolds`` of them (the last one takes the remainder).
    /// Models refitted per fold (ETS, Theta, baselines need no fit) are estimated on every point
    /// before a fold's first origin and forecast that fold with their parameters fixed, as a
    /// forecaster refitting on a schedule would; networks are trained once, before the validation
    /// part. Selection and the conformal intervals pool every fold's errors. O(1) per fold.
    public static func folds(of validation: Range<Int>) -> [Range<Int>] {
        let k = min(maximumFolds, max(1, validation.count / foldPoints))
        guard k > 1 else { return validation.isEmpty ? [] : [validation] }
        let size = validation.count / k
        return (0..<k).map { j in
            let start = validation.lowerBound + j * size
            return start..<(j == k - 1 ? validation.upperBound : start + size)
        }
    }

    /// The fewest origins in a fold.
    public static let foldPoints = 10
    /// The most folds of a validation part.
    public static let maximumFolds = 5

    /// Why a run kept a baseline rather than the model with the lowest validation error.
    public enum Fallback: Codable, Equatable, Sendable {
        /// The validation part gave `points` targets at the last step, fewer than ``minimumSelectionPoints``.
        case tooFewPoints(points: Int)
        /// `model` had the lowest validation error, but not significantly below the baseline's.
        case withinNoise(model: String, test: DieboldMarianoResult?)
    }

    /// Index into `models` of the pick, or nil when no model is usable. Complexity O(n).
    public static func pickIndex(_ models: [ModelResult]) -> Int? {
        let usable = models.indices.filter { models[$0].status.isOK && models[$0].selectionMAE != nil }
        guard let best = usable.map({ models[$0].selectionMAE! }).min() else { return nil }
        let tied = usable.filter { models[$0].selectionMAE! <= best + tieTolerance * abs(best) }
        return tied.min { a, b in
            let (ma, mb) = (models[a], models[b])
            if ma.kind != mb.kind { return ma.kind < mb.kind }
            if ma.parameters != mb.parameters { return ma.parameters < mb.parameters }
            return a < b
        }
    }

    /// The name of the pick, or nil.
    public static func pick(_ models: [ModelResult]) -> String? {
        pickIndex(models).map { models[$0].name }
    }

    /// The model the pick rule would choose among those of the given kinds (same tie rule), for
    /// the report's comparisons. Complexity O(n).
    public static func best(_ models: [ModelResult], among kinds: Set<ModelKind>) -> ModelResult? {
        let candidates = models.filter { kinds.contains($0.kind) }
        return pickIndex(candidates).map { candidates[$0] }
    }

    /// The recurrent model the pick rule would choose, for the recurrent-vs-feed-forward comparison.
    public static func bestRecurrent(_ models: [ModelResult]) -> ModelResult? { best(models, among: [.recurrent]) }

    /// The network (feed-forward or recurrent) the pick rule would choose among the networks.
    public static func bestNetwork(_ models: [ModelResult]) -> ModelResult? { best(models, among: [.feedForward, .recurrent]) }

    /// The statistical model (ETS, Theta) the pick rule would choose among them.
    public static func bestStatistical(_ models: [ModelResult]) -> ModelResult? { best(models, among: [.statistical]) }
}
