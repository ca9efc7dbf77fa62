// ModelBench: our side of the speed comparison with ../shared/anchors/bench_torch.py.
//
// Same workloads, same method: random Float32 windows in fixed contiguous mini-batches
// (no shuffle), Adam lr 1e-3, MSE; one warm-up epoch, then the median of `reps` timed
// epochs; inference over all N windows in batches of 1024. One BLAS thread.
//
//   ModelBench [--workloads W-small,W-ref,W-large] [--models mlp,rnn,gru,lstm]
//              [--reps 5] [--out results.json] [--shape NAME=T,D,H,B,N]
//   --shape adds a workload of that shape (e.g. the pooled windows of a global network,
//   scripts/bench/global_epoch.sh); --workloads then defaults to it alone.
//   ModelBench --gemm      single-thread sgemm GFLOP/s at the workloads' per-step shapes
//   ModelBench --backend   which library does the Float32 products (FORECAST_GEMM overrides)
//
// Prints one line per (workload, model) and writes rows in bench_torch.py's JSON shape.
import Foundation
import ForecastModels
#if canImport(Glibc)
import Glibc
#endif

struct Row: Codable {
    var workload: String, model: String
    var T: Int, D: Int, H: Int, B: Int, N: Int
    var threads: Int
    var train: Measurement
    var train_windows_per_s: Double
    var train_flops: Double, train_gflops: Double
    var infer: Measurement
    var infer_windows_per_s: Double
    var infer_flops: Double, infer_gflops: Double
    var n_batches: Int
    var us_per_batch_train: Double
    var last_loss: Double
    var waited_idle_s: Double
    var when: String
}

struct Document: Codable {
    var meta: [String: String]
    var rows: [Row]
}

/// Pins OpenBLAS to one thread at run time too (the environment variable only acts at
/// library load). Looked up dynamically: the symbol is in the process through ForecastModels.
func setBLASThreads(_ n: Int32) -> Bool {
    guard let handle = dlopen(nil, RTLD_NOW),
          let sym = dlsym(handle, "openblas_set_num_threads") else { return false }
    typealias SetThreads = @convention(c) (Int32) -> Void
    unsafeBitCast(sym, to: SetThreads.self)(n)
    return true
}

func timestamp(_ format: String) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.dateFormat = format
    return f.string(from: Date())
}

func option(_ name: String, _ args: [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

let args = CommandLine.arguments
let known = Set(["--workloads", "--models", "--reps", "--out", "--gemm", "--backend", "--shape"])
for (i, a) in args.enumerated().dropFirst() where a.hasPrefix("--") && !known.contains(a) {
    FileHandle.standardError.write("ModelBench: unknown option \(a) (argument \(i))\n".data(using: .utf8)!)
    exit(64)
}
var workloads = Workload.all
if let text = option("--shape", args) {
    guard let shaped = Workload(parsing: text) else {
        FileHandle.standardError.write("ModelBench: --shape wants NAME=T,D,H,B,N with positive whole numbers (got \(text))\n".data(using: .utf8)!)
        exit(64)
    }
    workloads.append(shaped)
}
let workloadNames = (option("--workloads", args) ?? (option("--shape", args) != nil ? workloads.last!.name : Workload.all.map(\.name).joined(separator: ",")))
    .split(separator: ",").map(String.init)
let modelNames = (option("--models", args) ?? allModels.joined(separator: ",")).split(separator: ",").map(String.init)
let reps = Int(option("--reps", args) ?? "5") ?? 5
let outPath = option("--out", args)

for name in workloadNames where !workloads.contains(where: { $0.name == name }) {
    FileHandle.standardError.write("ModelBench: unknown workload \(name)\n".data(using: .utf8)!)
    exit(64)
}
for name in modelNames where !allModels.contains(name) {
    FileHandle.standardError.write("ModelBench: unknown model \(name)\n".data(using: .utf8)!)
    exit(64)
}

let threads = 1
let pinned = setBLASThreads(Int32(threads))
if args.contains("--backend") {
    print(MatrixBackend.summary)
    exit(0)
}
if args.contains("--gemm") {
    GemmPeak.run()
    exit(0)
}
var doc = Document(meta: [
    "impl": "forecast ForecastModels (Swift, Float32)",
    "threads": String(threads),
    "openblas_set_num_threads": pinned ? "1" : "not found",
    "OPENBLAS_NUM_THREADS": ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset",
    "matrix_backend": MatrixBackend.summary,
    "start": timestamp("yyyy-MM-dd'T'HH:mm:ss"),
], rows: [])

for wlName in workloadNames {
    let w = workloads.first { $0.name == wlName }!
    for model in modelNames {
        var rng = NormalGenerator(seed: 1)
        let trainData = WindowData(w, rng: &rng)
        let inferData = WindowData(w, rng: &rng)
        let runner: NetworkRunner
        do {
            runner = try NetworkRunner(model: model, workload: w, data: trainData, inferData: inferData)
        } catch {
            FileHandle.standardError.write("ModelBench: \(w.name) \(model): \(error)\n".data(using: .utf8)!)
            exit(1)
        }
        let waited = CPULoad.waitIdle(maxWait: 45, threads: threads)
        var lastLoss = runner.trainEpoch()  // warm-up
        let tr = measure(reps: reps, threads: threads) { lastLoss = runner.trainEpoch() }
        var sink = runner.inferAll()  // warm-up
        let inf = measure(reps: reps, threads: threads) { sink += runner.inferAll() }
        if !sink.isFinite || !lastLoss.isFinite {
            FileHandle.standardError.write("ModelBench: \(w.name) \(model): non-finite result\n".data(using: .utf8)!)
        }
        let ff = forwardFLOPs(model: model, w)
        let nBatches = (w.N + w.B - 1) / w.B
        let row = Row(
            workload: w.name, model: model, T: w.T, D: w.D, H: w.H, B: w.B, N: w.N, threads: threads,
            train: tr, train_windows_per_s: Double(w.N) / tr.median,
            train_flops: 3 * ff, train_gflops: 3 * ff / tr.median / 1e9,
            infer: inf, infer_windows_per_s: Double(w.N) / inf.median,
            infer_flops: ff, infer_gflops: ff / inf.median / 1e9,
            n_batches: nBatches, us_per_batch_train: tr.median / Double(nBatches) * 1e6,
            last_loss: lastLoss, waited_idle_s: waited, when: timestamp("HH:mm:ss"))
        doc.rows.append(row)
        print(w.name.padding(toLength: 8, withPad: " ", startingAt: 0), model.padding(toLength: 5, withPad: " ", startingAt: 0),
              String(format: "thr=%d train med %.3fs [%.3f,%.3f] att=%d %.0f win/s %.2f GF/s fgn=%.2f own=%.2f | infer %.1f ms %.2f GF/s att=%d fgn=%.2f",
                     threads, tr.median, tr.min, tr.max, tr.attempts, row.train_windows_per_s,
                     row.train_gflops, tr.foreign_cores, tr.own_cores, inf.median * 1e3, row.infer_gflops,
                     inf.attempts, inf.foreign_cores))
        fflush(stdout)
        if let outPath {
            doc.meta["end"] = timestamp("yyyy-MM-dd'T'HH:mm:ss")
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            do {
                try enc.encode(doc).write(to: URL(fileURLWithPath: outPath))
            } catch {
                FileHandle.standardError.write("ModelBench: cannot write \(outPath): \(error)\n".data(using: .utf8)!)
                exit(73)
            }
        }
    }
}
