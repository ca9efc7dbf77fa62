import ForecastEvaluation
import Foundation

/// A model's split-conformal interval half-widths (Vovk, Gammerman & Shafer 2005; Lei et al. 2018)
/// as `fit` calibrated them on the validation part, stored in its checkpoint so that `predict`
/// can put the same intervals around a new forecast: for step j at level ℓ,
/// [max(floor, ŷⱼ − wℓ,ⱼ), ŷⱼ + wℓ,ⱼ] (``IntervalBound/lower(_:halfWidth:floor:)``, the one cut
/// the run uses everywhere).
///
/// JSON (snake_case): `floor` (the run's ``RunResult/intervalFloor``: 0 when the training part was
/// never negative; absent when bounds are not cut) and `levels`, one `{level, half_width}` per
/// coverage the fit asked for (`--intervals`, 0.8 and 0.95 by default), `half_width` holding one
/// value per trained step: a finite number ≥ 0, or null when the level was unbounded (too few
/// validation points for it). Size O(levels · horizon).
public struct StoredIntervals: Codable, Equatable, Sendable {
    public struct Level: Codable, Equatable, Sendable {
        /// Nominal coverage in (0, 1).
        public var level: Double
        /// Half-width per step (index 0 is one step ahead), original units; nil when unbounded.
        public var halfWidth: [Double?]

        enum CodingKeys: String, CodingKey { case level, halfWidth = "half_width" }
    }

    public var floor: Double?
    public var levels: [Level]

    /// The most levels a file may hold.
    public static let maximumLevels = 64

    public init(floor: Double?, levels: [Level]) {
        self.floor = floor
        self.levels = levels
    }

    /// The intervals of `model` in `run` (nil for a model without calibrated intervals).
    public init?(_ model: ModelResult, in run: RunResult) {
        guard model.status.isOK, !model.intervals.isEmpty else { return nil }
        floor = run.intervalFloor
        levels = model.intervals.map { c in
            Level(level: c.level, halfWidth: c.halfWidth.map { $0.isFinite ? $0 : nil })
        }
    }

    /// The bounds around `value`, the forecast `step` (1-based) ahead, one per stored level;
    /// nil bounds where the level is unbounded.
    public func bounds(around value: Double, step: Int) -> [PredictedInterval] {
        levels.map { l in
            guard step >= 1, step <= l.halfWidth.count, let w = l.halfWidth[step - 1] else {
                return PredictedInterval(level: l.level, lower: nil, upper: nil)
            }
            return PredictedInterval(level: l.level, lower: IntervalBound.lower(value, halfWidth: w, floor: floor), upper: value + w)
        }
    }

    /// Checks the stored values of an untrusted file against the model's `horizon`.
    /// - Throws: the error `bad(field, reason)` makes, naming the first bad field under `prefix`
    ///   (e.g. `intervals.levels[1].half_width[0]`).
    func validate(horizon: Int, prefix: String, _ bad: (String, String) -> PredictError) throws {
        if let floor, !floor.isFinite { throw bad("\(prefix).floor", "is \(floor), not a finite number") }
        guard levels.count <= Self.maximumLevels else {
            throw bad("\(prefix).levels", "has \(levels.count) levels, more than \(Self.maximumLevels)")
        }
        for (i, l) in levels.enumerated() {
            let name = "\(prefix).levels[\(i)]"
            guard l.level > 0, l.level < 1 else { throw bad("\(name).level", "is \(l.level), outside (0, 1)") }
            if levels[..<i].contains(where: { $0.level == l.level }) { throw bad("\(name).level", "is \(l.level), listed twice") }
            guard l.halfWidth.count == horizon else {
                throw bad("\(name).half_width", "has \(l.halfWidth.count) values for a horizon of \(horizon)")
            }
            for (j, w) in l.halfWidth.enumerated() {
                if let w, !(w.isFinite && w >= 0) { throw bad("\(name).half_width[\(j)]", "is \(w), not a finite number ≥ 0 (or null)") }
            }
        }
    }
}
