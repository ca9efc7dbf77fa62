// Reads a numeric CSV with ForecastIngest `repeats` times and prints one line per run:
//   ours <MB/s> <seconds> rows=<n> cols=<d> maxrss_kb=<peak RSS> checksum=<sum> cpu=<CPU seconds, all threads>
// Usage: IngestBench FILE COLUMNS(comma-separated) [REPEATS] [THREADS]  (THREADS default: automatic)
import ForecastIngest
import Foundation
#if canImport(Glibc)
import Glibc
#endif

let args = CommandLine.arguments
guard args.count >= 3 else {
    FileHandle.standardError.write("usage: IngestBench FILE COLUMNS [REPEATS]\n".data(using: .utf8)!)
    exit(64)
}
let path = args[1]
let columns = args[2].split(separator: ",").map(String.init)
let repeats = args.count > 3 ? Int(args[3]) ?? 1 : 1
let threads = args.count > 4 ? Int(args[4]) : nil
let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}

for _ in 0..<repeats {
    let cpu0 = cpuSeconds()
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    let series: Series
    do {
        series = try loadSeries(IngestOptions(path: path, target: columns[0], features: columns, threads: threads))
    } catch {
        FileHandle.standardError.write("\(error)\n".data(using: .utf8)!)
        exit(1)
    }
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9
    let cpu = cpuSeconds() - cpu0
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    // A checksum keeps the work observable.
    var checksum = 0.0
    for column in series.values { checksum += column.reduce(0, +) }
    print(String(format: "ours %.1f MB/s %.3f s rows=%d cols=%d maxrss_kb=%ld checksum=%.6e cpu=%.3f",
                 Double(size) / seconds / 1e6, seconds, series.count, series.dimInput, usage.ru_maxrss, checksum, cpu))
}
