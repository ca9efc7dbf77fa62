import Foundation
import ForecastModels

/// Single-thread `sgemm` throughput (through ForecastModels' `Float.gemm`: ``MatrixBackend/current``) at a
/// large square size and at the per-time-step shapes of the recurrent workloads: the ceiling
/// against which an epoch's FLOP count turns into a lower bound on its time.
enum GemmPeak {
    /// (label, m, n, k): C (m × n) += A (m × k) · B (k × n).
    static let shapes: [(String, Int, Int, Int)] = [
        ("square 1024", 1024, 1024, 1024),
        ("W-small lstm step  B32·H32→4H", 32, 128, 32),
        ("W-ref gru step     B64·H64→3H", 64, 192, 64),
        ("W-ref lstm step    B64·H64→4H", 64, 256, 64),
        ("W-large lstm step  B128·H256→4H", 128, 1024, 256),
        ("W-ref lstm dW_hh   4H×B·T→H (T=32)", 256, 64, 64 * 32),
    ]

    static func run() {
        for (label, m, n, k) in shapes {
            var a = [Float](repeating: 0.01, count: m * k)
            var b = [Float](repeating: 0.02, count: k * n)
            var c = [Float](repeating: 0, count: m * n)
            let flops = 2.0 * Double(m * n * k)
            let reps = max(3, Int(2e9 / flops))
            func once() {
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            for _ in 0..<reps {
                                Float.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                           a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                                           beta: 1, c: pc.baseAddress!, ldc: n)
                            }
                        }
                    }
                }
            }
            once()
            var best = Double.infinity
            for _ in 0..<5 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                once()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            }
            a[0] = c[0]; b[0] = a[0] // keep the buffers live
            print(label.padding(toLength: 36, withPad: " ", startingAt: 0),
                  String(format: "%7.2f GFLOP/s  %8.2f µs/call", flops * Double(reps) / best / 1e9, best / Double(reps) * 1e6))
        }
    }
}
