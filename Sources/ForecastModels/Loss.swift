import Foundation

/// A training loss, averaged over all B·outputDim elements of a batch (PyTorch's
/// `reduction="mean"`).
public enum Loss: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Mean squared error: mean (ŷ − y)².
    case mse
    /// Mean absolute error: mean |ŷ − y| (gradient sign(ŷ − y), 0 at 0).
    case mae
    /// Huber loss (PyTorch `HuberLoss`): ½d² for |d| < δ, else δ(|d| − ½δ).
    case huber(delta: Double)

    /// The loss family's command-line name.
    public var name: LossName {
        switch self {
        case .mse: return .mse
        case .mae: return .mae
        case .huber: return .huber
        }
    }

    public var description: String {
        switch self {
        case .mse: return "mse"
        case .mae: return "mae"
        case let .huber(delta): return "huber(\(delta))"
        }
    }

    /// Parses "mse", "mae", "huber" (δ = 1) or "huber(δ)"; nil otherwise.
    public init?(parsing text: String) {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        switch t {
        case "mse": self = .mse
        case "mae": self = .mae
        case "huber": self = .huber(delta: 1)
        default:
            guard t.hasPrefix("huber("), t.hasSuffix(")"),
                  let d = Double(t.dropFirst(6).dropLast()), d > 0 else { return nil }
            self = .huber(delta: d)
        }
    }

    /// Mean loss over `count` elements (accumulated in Double); writes dL/dŷ to `gradient`
    /// when given. O(count).
    func evaluate<S: NetworkScalar>(prediction: UnsafePointer<S>, target: UnsafePointer<S>, count: Int,
                                    gradient: UnsafeMutablePointer<S>?) -> Double {
        guard count > 0 else { return 0 }
        var total = 0.0
        let n = S(count)
        switch self {
        case .mse:
            for i in 0..<count {
                let d = prediction[i] - target[i]
                total += Double(d) * Double(d)
                gradient?[i] = 2 * d / n
            }
        case .mae:
            for i in 0..<count {
                let d = prediction[i] - target[i]
                total += Double(abs(d))
                gradient?[i] = (d > 0 ? 1 : (d < 0 ? -1 : 0)) / n
            }
        case let .huber(delta):
            let dl = S(delta)
            for i in 0..<count {
                let d = prediction[i] - target[i]
                if abs(d) < dl {
                    total += 0.5 * Double(d) * Double(d)
                    gradient?[i] = d / n
                } else {
                    total += delta * (Double(abs(d)) - 0.5 * delta)
                    gradient?[i] = (d > 0 ? dl : -dl) / n
                }
            }
        }
        return total / Double(count)
    }

    /// Mean loss of `prediction` against `target` (equal lengths).
    public func value(prediction: [Float], target: [Float]) -> Double {
        precondition(prediction.count == target.count)
        return prediction.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { t in
                evaluate(prediction: p.baseAddress!, target: t.baseAddress!, count: p.count, gradient: nil)
            }
        }
    }
}
