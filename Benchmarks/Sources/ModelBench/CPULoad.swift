import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Guards timings against other processes on a shared machine; a Swift port of
/// `../shared/anchors/cpuload.py` so both sides of the comparison apply the same rules.
///
/// `foreignCores` is the CPU used by everything except this process during a block
/// (busy jiffies from /proc/stat minus our own getrusage), in average cores.
enum CPULoad {
    /// `BENCH_WAIT_SCALE=0` turns waiting for idle cores off.
    static let waitScale = Double(ProcessInfo.processInfo.environment["BENCH_WAIT_SCALE"] ?? "") ?? 1
    /// `BENCH_ATTEMPTS` caps re-measurements of a disturbed block (default 3).
    static let attempts = Int(ProcessInfo.processInfo.environment["BENCH_ATTEMPTS"] ?? "") ?? 3
    static let cpuCount = ProcessInfo.processInfo.activeProcessorCount

    /// Busy and steal seconds of the whole machine since boot.
    static func machineSeconds() -> (busy: Double, steal: Double) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first else { return (0, 0) }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 8 else { return (0, 0) }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        // user nice system idle iowait irq softirq steal
        return ((v[0] + v[1] + v[2] + v[5] + v[6]) / hz, v[7] / hz)
    }

    /// CPU seconds (user + system) used by this process.
    static func ownSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// Foreign load that still leaves `threads` cores free for us (+0.15 slack).
    static func allowedForeign(threads: Int) -> Double {
        Double(max(0, cpuCount - threads)) + 0.15
    }

    /// Blocks until other processes used less than `allowedForeign − 0.05` cores over a 1 s
    /// window, or `maxWait · waitScale` seconds have passed. Returns the seconds waited.
    @discardableResult
    static func waitIdle(maxWait: Double, threads: Int) -> Double {
        let threshold = allowedForeign(threads: threads) - 0.05
        let limit = maxWait * waitScale
        let start = Date()
        while true {
            let probe = Probe()
            Thread.sleep(forTimeInterval: 1.0)
            let p = probe.finish()
            let waited = Date().timeIntervalSince(start)
            if p.foreignCores < threshold || waited > limit { return waited }
        }
    }

    /// Measures wall time, own CPU and foreign CPU over a block.
    struct Probe {
        let busy0: Double, steal0: Double, own0: Double, t0: UInt64

        init() {
            (busy0, steal0) = CPULoad.machineSeconds()
            own0 = CPULoad.ownSeconds()
            t0 = DispatchTime.now().uptimeNanoseconds
        }

        func finish() -> (wall: Double, ownCores: Double, foreignCores: Double, stealCores: Double) {
            let (busy1, steal1) = CPULoad.machineSeconds()
            let own1 = CPULoad.ownSeconds()
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            let own = own1 - own0
            return (wall, own / wall, max(0, (busy1 - busy0 - own) / wall), (steal1 - steal0) / wall)
        }
    }
}
