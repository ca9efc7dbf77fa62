import Foundation

/// A transform of the target applied before windowing and inverted after prediction.
public enum TargetTransform: String, CaseIterable, Sendable, Codable {
    /// Levels y[t].
    case none
    /// y[t] − y[t−1].
    case diff
    /// log(y[t] / y[t−1]); every target value must be positive.
    case logReturn = "log-return"

    /// Points lost at the start of the series (the first value has no predecessor).
    public var lostPoints: Int { self == .none ? 0 : 1 }
}

extension TargetTransform {
    /// The transformed target, indexed by series index; the first `lostPoints` entries are NaN.
    /// Throws `.invalidOption` for a log-return of a non-positive value.
    func apply(to series: Series) throws -> [Double] {
        let y = series.target
        let n = y.count
        var z = y
        switch self {
        case .none:
            break
        case .diff:
            for t in stride(from: n - 1, through: 1, by: -1) { z[t] = y[t] - y[t - 1] }
            if n > 0 { z[0] = .nan }
        case .logReturn:
            if let bad = y.firstIndex(where: { !($0 > 0) }) {
                let when = series.dates.map { " on " + IngestSummary.isoDay($0[bad]) } ?? " at row \(bad + 1)"
                throw IngestError(.invalidOption, file: series.summary.file, offendingText: String(y[bad]),
                                  message: "--transform log-return needs positive values, but \(quoted(series.targetName)) is \(y[bad])\(when)",
                                  hint: "use --transform diff or none")
            }
            for t in stride(from: n - 1, through: 1, by: -1) { z[t] = Foundation.log(y[t] / y[t - 1]) }
            if n > 0 { z[0] = .nan }
        }
        return z
    }
}
