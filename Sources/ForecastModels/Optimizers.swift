import CForecastKernels

/// An optimizer updating a contiguous Float parameter buffer from the gradient buffer of the same
/// layout in one loop.
public protocol Optimizer: AnyObject {
    var learningRate: Double { get set }
    /// One update of `parameters` from `gradients` (equal counts). O(count), no allocation.
    func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>)
}

extension Optimizer {
    /// One update of a network's parameters from its gradients.
    public func step(_ network: Network<Float>) {
        step(parameters: network.parameters, gradients: UnsafeBufferPointer(network.gradients))
    }
}

/// Adam with bias correction, exactly as PyTorch's `torch.optim.Adam` (single-tensor path,
/// no weight decay, no amsgrad):
///
///     t += 1;  m = m + (1 − β₁)(g − m);  v = β₂ v + (1 − β₂) g²
///     p −= (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// State (t, m, v) is readable (a checkpoint may record it).
public final class Adam: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    /// Number of steps taken (t).
    public private(set) var stepCount: Int = 0
    /// First-moment estimates m, one per parameter.
    public private(set) var firstMoment: [Float]
    /// Second-moment estimates v, one per parameter.
    public private(set) var secondMoment: [Float]

    public init(parameterCount: Int, learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = [Float](repeating: 0, count: parameterCount)
    }

    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count)
        stepCount += 1
        let t = Double(stepCount)
        let bc1 = 1 - Double.pow(beta1, t)
        let bc2 = 1 - Double.pow(beta2, t)
        let stepSize = Float(learningRate / bc1)
        let bc2Sqrt = Float(bc2.squareRoot())
        let w1 = Float(1 - beta1), b2 = Float(beta2), w2 = Float(1 - beta2), eps = Float(epsilon)
        let n = parameters.count
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        firstMoment.withUnsafeMutableBufferPointer { mb in
            secondMoment.withUnsafeMutableBufferPointer { vb in
                // C kernel, vectorised for the processor; the same operations per element as
                // the formula above, with no contraction, on every instruction set.
                fk_adam_step(p, g, mb.baseAddress!, vb.baseAddress!, n, w1, b2, w2, stepSize, bc2Sqrt, eps)
            }
        }
    }
}

/// Stochastic gradient descent with (heavy-ball) momentum, as PyTorch's `torch.optim.SGD`
/// (dampening 0, no Nesterov): `b = μ b + g` (b = g at the first step), `p −= lr · b`.
/// With momentum 0 it is plain SGD.
public final class SGD: Optimizer {
    public var learningRate: Double
    public let momentum: Double
    /// Momentum buffer b, one per parameter.
    public private(set) var velocity: [Float]
    public private(set) var stepCount: Int = 0

    public init(parameterCount: Int, learningRate: Double = 1e-2, momentum: Double = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
        velocity = [Float](repeating: 0, count: parameterCount)
    }

    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>) {
        precondition(parameters.count == velocity.count && gradients.count == velocity.count)
        let lr = Float(learningRate), mu = Float(momentum)
        let first = stepCount == 0
        stepCount += 1
        let n = parameters.count
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        velocity.withUnsafeMutableBufferPointer { vb in
            let v = vb.baseAddress!
            if momentum == 0 {
                for i in 0..<n { p[i] -= lr * g[i] }
            } else {
                for i in 0..<n {
                    let b = first ? g[i] : mu * v[i] + g[i]
                    v[i] = b
                    p[i] -= lr * b
                }
            }
        }
    }
}
