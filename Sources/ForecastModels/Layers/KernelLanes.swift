/// A group of scalars the recurrent kernels compute on together: one `Float` or `Double`
/// (remainder columns, debug builds, the Float64 gradient checks) or eight `Float` lanes
/// (release builds' main loops). The kernels are written once, generic over this protocol, so
/// every lane type evaluates the same formulas in the same order: a lane of `SIMD8<Float>`
/// produces the same bits as the scalar `Float` path.
///
/// The transcendental functions are requirements with concrete implementations per type
/// (``FastMath`` for Float, libm for Double): generic `SIMD` code for them compiles to
/// lane-by-lane code, while the plain arithmetic of the kernels vectorises fine.
protocol KernelLanes {
    associatedtype Scalar: NetworkScalar
    /// Scalars per group.
    static var laneCount: Int { get }
    init(repeating: Scalar)
    /// Loads `laneCount` consecutive scalars (no alignment needed).
    init(loading p: UnsafePointer<Scalar>)
    /// Stores the lanes to `laneCount` consecutive scalars.
    func store(to p: UnsafeMutablePointer<Scalar>)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    /// `1 / (1 + exp(−x))` per lane.
    static func kernelSigmoid(_ x: Self) -> Self
    /// `tanh(x)` per lane, to absolute accuracy (``FastMath/tanhFast(_:)-(Float)`` for Float).
    static func kernelTanh(_ x: Self) -> Self
}

extension KernelLanes {
    @inline(__always) init(loading p: UnsafeMutablePointer<Scalar>) { self.init(loading: UnsafePointer(p)) }
}

extension Float: KernelLanes {
    typealias Scalar = Float
    @inline(__always) static var laneCount: Int { 1 }
    @inline(__always) init(repeating v: Float) { self = v }
    @inline(__always) init(loading p: UnsafePointer<Float>) { self = p.pointee }
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) { p.pointee = self }
    @inline(__always) static func kernelSigmoid(_ x: Float) -> Float { FastMath.sigmoid(x) }
    @inline(__always) static func kernelTanh(_ x: Float) -> Float { FastMath.tanhFast(x) }
}

extension Double: KernelLanes {
    typealias Scalar = Double
    @inline(__always) static var laneCount: Int { 1 }
    @inline(__always) init(repeating v: Double) { self = v }
    @inline(__always) init(loading p: UnsafePointer<Double>) { self = p.pointee }
    @inline(__always) func store(to p: UnsafeMutablePointer<Double>) { p.pointee = self }
    @inline(__always) static func kernelSigmoid(_ x: Double) -> Double { 1 / (1 + Double.exp(-x)) }
    @inline(__always) static func kernelTanh(_ x: Double) -> Double { Double.tanh(x) }
}

/// Eight Float lanes: two SSE registers per value on baseline x86-64, enough independent work
/// per loop iteration while the live values still (mostly) fit the sixteen registers.
extension SIMD8: KernelLanes where Scalar == Float {
    @inline(__always) static var laneCount: Int { 8 }
    @inline(__always) init(loading p: UnsafePointer<Float>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD8<Float>.self)
    }
    @inline(__always) static func kernelSigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { FastMath.sigmoid(x) }
    @inline(__always) static func kernelTanh(_ x: SIMD8<Float>) -> SIMD8<Float> { FastMath.tanhFast(x) }
}

/// The same memory viewed as scalars of type `T`: only called where `S == T` was checked.
@inline(__always)
func rebound<S, T>(_ p: UnsafeMutablePointer<S>, to _: T.Type) -> UnsafeMutablePointer<T> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
}

@inline(__always)
func rebound<S, T>(_ p: UnsafePointer<S>, to _: T.Type) -> UnsafePointer<T> {
    UnsafeRawPointer(p).assumingMemoryBound(to: T.self)
}
