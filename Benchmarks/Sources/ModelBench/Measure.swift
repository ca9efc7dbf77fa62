import Foundation

/// One timed block of `reps` calls, as in bench_torch.py's `measure`.
struct Measurement: Codable {
    var times: [Double]
    var median: Double
    var min: Double
    var max: Double
    /// (max − min) / median.
    var spread: Double
    var foreign_cores: Double
    var steal_cores: Double
    var own_cores: Double
    var disturbed: Bool
    var attempts: Int

    var key: (Int, Double) { (disturbed ? 1 : 0, spread) }
}

/// Re-measure limit, same as bench_torch.py.
let spreadLimit = 0.20

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
}

/// Times `reps` calls of `body`; a block that is disturbed (foreign load above
/// `CPULoad.allowedForeign`) or spreads more than 20 % is re-measured up to
/// `CPULoad.attempts` times and the cleanest block is kept.
func measure(reps: Int, threads: Int, _ body: () -> Void) -> Measurement {
    var best: Measurement?
    var attempt = 0
    for a in 1...max(1, CPULoad.attempts) {
        attempt = a
        if a > 1 { CPULoad.waitIdle(maxWait: 20, threads: threads) }
        var ts: [Double] = []
        let probe = CPULoad.Probe()
        for _ in 0..<reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            ts.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        let p = probe.finish()
        let med = median(ts)
        let cand = Measurement(
            times: ts, median: med, min: ts.min()!, max: ts.max()!,
            spread: (ts.max()! - ts.min()!) / med,
            foreign_cores: p.foreignCores, steal_cores: p.stealCores, own_cores: p.ownCores,
            disturbed: p.foreignCores > CPULoad.allowedForeign(threads: threads), attempts: a)
        if best == nil || cand.key < best!.key { best = cand }
        if cand.spread <= spreadLimit && !cand.disturbed { break }
    }
    best!.attempts = attempt
    return best!
}
