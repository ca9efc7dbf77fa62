import CCBLAS
import CForecastKernels
import Numerics

/// The scalar a ``Network`` computes in: `Float` for training and inference, `Double` for the
/// finite-difference gradient checks. Every layer is written once, generic over this protocol,
/// so the Float64 checks exercise the code that trains in Float32 — except the kernels below,
/// which `Float` runs in C (CForecastKernels) and `Double` as the Swift reference formulas
/// (`RecurrentKernels.Reference`), operation for operation the same (the golden tests against
/// PyTorch check the Float32 kernels, the finite-difference checks the Double reference).
///
/// Besides the arithmetic of `Real`, a scalar supplies the kernels the layers spend their time
/// in: a row-major matrix product, in-place-capable vector sigmoid and tanh, the elementwise
/// LSTM and GRU time steps, column sums and a transpose. `Float` uses polynomial approximations
/// of `exp` and `tanh` (a few ulp; bounds in ``FastMath``); `Double` uses libm and OpenBLAS's
/// `dgemm`.
///
/// Matrix products take most of the training time. Float32 products go through
/// ``MatrixBackend/current`` (OpenBLAS, or oneDNN on AVX-512 processors OpenBLAS 0.3.21 does not
/// drive with AVX-512); Float32 sigmoid and tanh through C kernels compiled per instruction set
/// (CForecastKernels) that evaluate ``FastMath``'s formulas bit for bit. The library never sets
/// the BLAS thread count (the caller does, e.g. `OPENBLAS_NUM_THREADS=1`); oneDNN always runs on
/// the calling thread alone.
public protocol NetworkScalar: BinaryFloatingPoint, Real, Sendable {
    /// `C = alpha · op(A) · op(B) + beta · C` for row-major matrices, where `op(A)` is `m × k`,
    /// `op(B)` is `k × n` and `C` is `m × n`; `transA`/`transB` select `op(X) = Xᵀ`.
    /// `lda`, `ldb`, `ldc` are the row strides of the matrices as stored. O(m·n·k).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// Whether ``gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` is oneDNN's, which
    /// prefers other operand orientations than OpenBLAS for the recurrent layers' products.
    static var gemmIsOneDNN: Bool { get }

    /// `y[i] = 1 / (1 + exp(-x[i]))` for `i < count`; `x` and `y` may be the same buffer.
    static func sigmoidVector(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)

    /// `y[i] = max(y[i], 0)` in place for `i < count` (NaN stays NaN).
    static func reluVector(_ y: UnsafeMutablePointer<Self>, count: Int)

    /// `dx[i] = y[i] > 0 ? dy[i] : 0` for `i < count`: ReLU backward through its output `y`.
    static func reluBackward(output y: UnsafePointer<Self>, gradient dy: UnsafePointer<Self>,
                             into dx: UnsafeMutablePointer<Self>, count: Int)

    /// `y[i] = tanh(x[i])` for `i < count`; `x` and `y` may be the same buffer.
    static func tanhVector(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)

    /// One LSTM time step over a (B, 4H) gate block [i | f | g | o] (PyTorch's `nn.LSTM`):
    /// `gates` holds W_ih x + W_hh h on entry (`bias` (4H) = b_ih + b_hh is added here) and
    /// i, f, g, o on exit; c′ = f ⊙ c + i ⊙ g to `cOut`, tanh(c′) to `tanhC`, h′ = o ⊙ tanh(c′)
    /// to `hOut`, each (B, H). O(B·H). Float's tanh here is ``FastMath/tanhFast(_:)-(Float)``.
    static func lstmStepForward(gates: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>,
                                cPrev: UnsafePointer<Self>, cOut: UnsafeMutablePointer<Self>,
                                tanhC: UnsafeMutablePointer<Self>, hOut: UnsafeMutablePointer<Self>,
                                batch: Int, hidden: Int)

    /// LSTM step backward: `dh` (B, H) = ∂L/∂h_t, `dc` (B, H) = ∂L/∂c_t from step t + 1 (replaced
    /// by ∂L/∂c_{t−1}); writes the pre-activation gradients (B, 4H) to `dGates` (which may be
    /// `gates`) and adds their column sums, rows in order, to `dBias` (4H). O(B·H).
    static func lstmStepBackward(gates: UnsafePointer<Self>, cPrev: UnsafePointer<Self>, tanhC: UnsafePointer<Self>,
                                 dh: UnsafePointer<Self>, dc: UnsafeMutablePointer<Self>,
                                 dGates: UnsafeMutablePointer<Self>, dBias: UnsafeMutablePointer<Self>,
                                 batch: Int, hidden: Int)

    /// One GRU time step over a (B, 3H) gate block [r | z | n] (PyTorch's `nn.GRU`): `gates`
    /// holds W_ih x + b_ih (+ b_hh for r and z) on entry and r, z, n on exit;
    /// `hiddenProjection` (B, 3H) = h_{t−1} W_hhᵀ; `biasHN` (H) = b_hn; `hn` (B, H) receives
    /// W_hn h_{t−1} + b_hn; h′ = (1 − z) ⊙ n + z ⊙ h_{t−1}, computed as n + z ⊙ (h − n). O(B·H).
    static func gruStepForward(gates: UnsafeMutablePointer<Self>, hiddenProjection: UnsafePointer<Self>,
                               biasHN: UnsafePointer<Self>, hn: UnsafeMutablePointer<Self>,
                               hPrev: UnsafePointer<Self>, hOut: UnsafeMutablePointer<Self>, batch: Int, hidden: Int)

    /// GRU step backward: `dh` (B, H) = ∂L/∂h_t on entry, the direct path dh ⊙ z on exit (the
    /// caller adds dGatesHidden · W_hh); writes [da_r, da_z, da_n] to `dGates` and
    /// [da_r, da_z, da_n ⊙ r] to `dGatesHidden` (each (B, 3H)), and adds their column sums, rows
    /// in order, to `dBias` (3H) and (n block of `dGatesHidden`) `dBiasHN` (H). O(B·H).
    static func gruStepBackward(gates: UnsafePointer<Self>, hn: UnsafePointer<Self>, hPrev: UnsafePointer<Self>,
                                dh: UnsafeMutablePointer<Self>, dGates: UnsafeMutablePointer<Self>,
                                dGatesHidden: UnsafeMutablePointer<Self>, dBias: UnsafeMutablePointer<Self>,
                                dBiasHN: UnsafeMutablePointer<Self>, batch: Int, hidden: Int)

    /// `sums[j] += Σ_r m[r·rowStride + j]` for j < `columns`, r < `rows`, rows added in order.
    static func addColumnSums(_ m: UnsafePointer<Self>, rows: Int, columns: Int, rowStride: Int,
                              into sums: UnsafeMutablePointer<Self>)

    /// `out` (columns × rows) = `m`ᵀ, or `out` += `m`ᵀ when `accumulate`, for a row-major
    /// (rows × columns) `m`; the two must not overlap. O(rows·columns).
    static func transpose(_ m: UnsafePointer<Self>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Self>,
                          accumulate: Bool)
}

@inline(__always)
private func blasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: NetworkScalar {
    public static let gemmIsOneDNN = MatrixBackend.current == .onednn

    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        MatrixBackend.current.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    public static func sigmoidVector(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        fk_sigmoid(x, y, count)
    }

    public static func tanhVector(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        fk_tanh(x, y, count)
    }

    public static func reluVector(_ y: UnsafeMutablePointer<Float>, count: Int) {
        fk_relu(y, count)
    }

    public static func reluBackward(output y: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>,
                                    into dx: UnsafeMutablePointer<Float>, count: Int) {
        fk_relu_backward(y, dy, dx, count)
    }

    public static func lstmStepForward(gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                                       cPrev: UnsafePointer<Float>, cOut: UnsafeMutablePointer<Float>,
                                       tanhC: UnsafeMutablePointer<Float>, hOut: UnsafeMutablePointer<Float>,
                                       batch: Int, hidden: Int) {
        fk_lstm_forward(gates, bias, cPrev, cOut, tanhC, hOut, batch, hidden)
    }

    public static func lstmStepBackward(gates: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                                        tanhC: UnsafePointer<Float>, dh: UnsafePointer<Float>,
                                        dc: UnsafeMutablePointer<Float>, dGates: UnsafeMutablePointer<Float>,
                                        dBias: UnsafeMutablePointer<Float>, batch: Int, hidden: Int) {
        fk_lstm_backward(gates, cPrev, tanhC, dh, dc, dGates, dBias, batch, hidden)
    }

    public static func gruStepForward(gates: UnsafeMutablePointer<Float>, hiddenProjection: UnsafePointer<Float>,
                                      biasHN: UnsafePointer<Float>, hn: UnsafeMutablePointer<Float>,
                                      hPrev: UnsafePointer<Float>, hOut: UnsafeMutablePointer<Float>,
                                      batch: Int, hidden: Int) {
        fk_gru_forward(gates, hiddenProjection, biasHN, hn, hPrev, hOut, batch, hidden)
    }

    public static func gruStepBackward(gates: UnsafePointer<Float>, hn: UnsafePointer<Float>,
                                       hPrev: UnsafePointer<Float>, dh: UnsafeMutablePointer<Float>,
                                       dGates: UnsafeMutablePointer<Float>, dGatesHidden: UnsafeMutablePointer<Float>,
                                       dBias: UnsafeMutablePointer<Float>, dBiasHN: UnsafeMutablePointer<Float>,
                                       batch: Int, hidden: Int) {
        fk_gru_backward(gates, hn, hPrev, dh, dGates, dGatesHidden, dBias, dBiasHN, batch, hidden)
    }

    public static func addColumnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int,
                                     into sums: UnsafeMutablePointer<Float>) {
        fk_add_column_sums(m, rows, columns, rowStride, sums)
    }

    public static func transpose(_ m: UnsafePointer<Float>, rows: Int, columns: Int,
                                 into out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        fk_transpose(m, rows, columns, out, accumulate ? 1 : 0)
    }
}

extension Double: NetworkScalar {
    public static var gemmIsOneDNN: Bool { false }

    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_dgemm(CblasRowMajor, blasTranspose(transA), blasTranspose(transB),
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }

    public static func sigmoidVector(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count {
            y[i] = 1 / (1 + Double.exp(-x[i]))
        }
    }

    public static func tanhVector(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count {
            y[i] = Double.tanh(x[i])
        }
    }

    public static func reluVector(_ y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count where y[i] < 0 { y[i] = 0 }
    }

    public static func reluBackward(output y: UnsafePointer<Double>, gradient dy: UnsafePointer<Double>,
                                    into dx: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { dx[i] = y[i] > 0 ? dy[i] : 0 }
    }

    public static func lstmStepForward(gates: UnsafeMutablePointer<Double>, bias: UnsafePointer<Double>,
                                       cPrev: UnsafePointer<Double>, cOut: UnsafeMutablePointer<Double>,
                                       tanhC: UnsafeMutablePointer<Double>, hOut: UnsafeMutablePointer<Double>,
                                       batch: Int, hidden: Int) {
        RecurrentKernels.Reference.lstmForward(gates: gates, bias: bias, cPrev: cPrev, cOut: cOut, tanhC: tanhC,
                                               hOut: hOut, batch: batch, hidden: hidden)
    }

    public static func lstmStepBackward(gates: UnsafePointer<Double>, cPrev: UnsafePointer<Double>,
                                        tanhC: UnsafePointer<Double>, dh: UnsafePointer<Double>,
                                        dc: UnsafeMutablePointer<Double>, dGates: UnsafeMutablePointer<Double>,
                                        dBias: UnsafeMutablePointer<Double>, batch: Int, hidden: Int) {
        RecurrentKernels.Reference.lstmBackward(gates: gates, cPrev: cPrev, tanhC: tanhC, dh: dh, dc: dc,
                                                dGates: dGates, dBias: dBias, batch: batch, hidden: hidden)
    }

    public static func gruStepForward(gates: UnsafeMutablePointer<Double>, hiddenProjection: UnsafePointer<Double>,
                                      biasHN: UnsafePointer<Double>, hn: UnsafeMutablePointer<Double>,
                                      hPrev: UnsafePointer<Double>, hOut: UnsafeMutablePointer<Double>,
                                      batch: Int, hidden: Int) {
        RecurrentKernels.Reference.gruForward(gates: gates, hiddenProjection: hiddenProjection, biasHN: biasHN,
                                              hn: hn, hPrev: hPrev, hOut: hOut, batch: batch, hidden: hidden)
    }

    public static func gruStepBackward(gates: UnsafePointer<Double>, hn: UnsafePointer<Double>,
                                       hPrev: UnsafePointer<Double>, dh: UnsafeMutablePointer<Double>,
                                       dGates: UnsafeMutablePointer<Double>, dGatesHidden: UnsafeMutablePointer<Double>,
                                       dBias: UnsafeMutablePointer<Double>, dBiasHN: UnsafeMutablePointer<Double>,
                                       batch: Int, hidden: Int) {
        RecurrentKernels.Reference.gruBackward(gates: gates, hn: hn, hPrev: hPrev, dh: dh, dGates: dGates,
                                               dGatesHidden: dGatesHidden, dBias: dBias, dBiasHN: dBiasHN,
                                               batch: batch, hidden: hidden)
    }

    public static func addColumnSums(_ m: UnsafePointer<Double>, rows: Int, columns: Int, rowStride: Int,
                                     into sums: UnsafeMutablePointer<Double>) {
        RecurrentKernels.Reference.addColumnSums(m, rows: rows, columns: columns, rowStride: rowStride, into: sums)
    }

    public static func transpose(_ m: UnsafePointer<Double>, rows: Int, columns: Int,
                                 into out: UnsafeMutablePointer<Double>, accumulate: Bool) {
        RecurrentKernels.Reference.transpose(m, rows: rows, columns: columns, into: out, accumulate: accumulate)
    }
}
