import ForecastModels

/// Relative error of an analytic gradient against central finite differences, per tensor:
/// ‖g_analytic − g_numeric‖₂ / max(‖g_analytic‖₂, ‖g_numeric‖₂, 1e-12).
struct GradientCheckReport {
    /// Error per parameter tensor name, plus "input" for dL/dX.
    var errors: [String: Double]
    /// Analytic gradient norm per tensor (a check is meaningless on an all-zero gradient).
    var norms: [String: Double]

    var worst: (name: String, error: Double) {
        let w = errors.max { $0.value < $1.value }!
        return (w.key, w.value)
    }
}

/// Finite-difference gradient check in Float64 of `net` on a random batch: the loss is the
/// random linear functional L = Σ w ⊙ output, so dL/d(output) = w. Every parameter and every
/// input element is perturbed by ±`step` (central differences, truncation error O(step²)).
/// `tamper` may alter the analytic parameter gradients before the comparison (to test the checker).
func checkGradients(_ net: Network<Double>, batch: Int, seed: UInt64, step: Double = 5e-6,
                    tamper: ((inout [Double]) -> Void)? = nil) -> GradientCheckReport {
    var rng = SplitMix64(seed: seed)
    var x = (0..<(net.timeSteps * batch * net.inputDim)).map { _ in rng.normal() }
    let w = (0..<(batch * net.outputDim)).map { _ in rng.normal() }
    func loss(_ x: [Double]) -> Double {
        zip(net.forward(x: x, batch: batch), w).reduce(0) { $0 + $1.0 * $1.1 }
    }
    net.zeroGrad()
    _ = net.forward(x: x, batch: batch)
    let dx = net.backward(dOutput: w)
    var analytic = Array(net.gradients)
    tamper?(&analytic)

    var errors: [String: Double] = [:]
    var norms: [String: Double] = [:]
    func relativeError(_ a: [Double], _ n: [Double]) -> Double {
        let diff = zip(a, n).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let nn = n.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return diff / max(na, nn, 1e-12)
    }
    for view in net.parameterViews {
        var numeric = [Double](repeating: 0, count: view.count)
        for k in 0..<view.count {
            let i = view.offset + k
            let original = net.parameters[i]
            net.parameters[i] = original + step
            let plus = loss(x)
            net.parameters[i] = original - step
            let minus = loss(x)
            net.parameters[i] = original
            numeric[k] = (plus - minus) / (2 * step)
        }
        let a = Array(analytic[view.offset..<(view.offset + view.count)])
        errors[view.name] = relativeError(a, numeric)
        norms[view.name] = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
    var numericX = [Double](repeating: 0, count: x.count)
    for i in 0..<x.count {
        let original = x[i]
        x[i] = original + step
        let plus = loss(x)
        x[i] = original - step
        let minus = loss(x)
        x[i] = original
        numericX[i] = (plus - minus) / (2 * step)
    }
    errors["input"] = relativeError(dx, numericX)
    norms["input"] = dx.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return GradientCheckReport(errors: errors, norms: norms)
}
