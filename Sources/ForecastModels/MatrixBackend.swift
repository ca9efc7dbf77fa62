import CCBLAS
import CDNNL
import CForecastKernels
#if canImport(Glibc)
import Glibc
#endif

/// The library that multiplies Float32 matrices, chosen once per process.
///
/// OpenBLAS (through CBLAS) is the default. Debian 12's OpenBLAS 0.3.21 predates AMD Zen 4/5
/// and runs its AVX2 "Haswell" kernels there (forced with `OPENBLAS_CORETYPE`, since its
/// auto-detection misbehaves on them). oneDNN's `dnnl_sgemm` (the library PyTorch's CPU kernels
/// use) dispatches on the processor's features at run time and so uses AVX-512, about twice
/// OpenBLAS's speed at the recurrent layers' shapes (figures: Benchmarks/README.md). So
/// `automatic` takes oneDNN exactly when the processor has AVX-512 and OpenBLAS's kernels do
/// not use it.
///
/// Both are deterministic on one thread; they round differently, so the backend is part of a
/// run's configuration (reports name it). `FORECAST_GEMM=openblas` or `=onednn` overrides
/// the choice. Float64 products (the gradient checks) always use OpenBLAS's `dgemm`.
public enum MatrixBackend: String, Sendable, CaseIterable {
    case openblas
    case onednn

    /// The backend of this process: `FORECAST_GEMM` when set to a backend's name, else
    /// ``automatic``.
    public static let current: MatrixBackend = environmentValue.flatMap(MatrixBackend.init(rawValue:)) ?? automatic

    /// The value of `FORECAST_GEMM` when it is set but names no backend (the choice then falls
    /// back to ``automatic``; the CLI refuses to run instead, so a typo is not silently ignored).
    public static var unrecognisedEnvironmentValue: String? {
        environmentValue.flatMap { MatrixBackend(rawValue: $0) == nil ? $0 : nil }
    }

    private static var environmentValue: String? { getenv("FORECAST_GEMM").map { String(cString: $0) } }

    /// oneDNN when the processor runs AVX-512 but OpenBLAS's kernels for it do not; else OpenBLAS.
    public static var automatic: MatrixBackend {
        guard fk_cpu_has_avx512() == 1 else { return .openblas }
        // OpenBLAS's names for its AVX-512 kernel sets (0.3.21: SkylakeX, Cooperlake; later
        // releases add SapphireRapids).
        let avx512Cores = ["skylakex", "cooperlake", "sapphirerapids"]
        return avx512Cores.contains(openBLASCore.lowercased()) ? .openblas : .onednn
    }

    /// The kernel set OpenBLAS picked at load time (e.g. "Haswell").
    public static var openBLASCore: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// A short description for logs and reports, e.g. "onednn (OpenBLAS core Haswell, AVX-512)".
    public static var summary: String {
        "\(current.rawValue) (OpenBLAS core \(openBLASCore)\(fk_cpu_has_avx512() == 1 ? ", AVX-512" : ""))"
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, through this backend (see
    /// ``NetworkScalar/gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``). O(m·n·k).
    @inline(__always)
    public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        switch self {
        case .openblas:
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        case .onednn:
            // One OpenMP thread per calling thread: models train side by side on their own
            // threads, and a fixed team size keeps the results reproducible.
            fk_single_openmp_thread()
            let status = dnnl_sgemm(transA ? 84 : 78, transB ? 84 : 78, Int64(m), Int64(n), Int64(k), alpha,
                                    a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc)) // 'T' : 'N'
            precondition(status == dnnl_success, "dnnl_sgemm rejected its arguments (status \(status.rawValue))")
        }
    }
}
