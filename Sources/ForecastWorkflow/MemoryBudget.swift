import Foundation

/// The memory a fit may plan to use: `FORECAST_MAX_MEMORY_BYTES` when set, else what the kernel
/// says is available now (`MemAvailable` in /proc/meminfo), lowered to the cgroup's limit
/// (`memory.max`, containers and Slurm jobs) when that is smaller. Read once per fit.
public struct MemoryBudget: Sendable {
    public let bytes: Int
    /// Where the figure comes from, for messages: "FORECAST_MAX_MEMORY_BYTES", "available memory"…
    public let source: String

    public init(bytes: Int, source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// This budget split evenly between `parts` fits that run at once (a portfolio's `--jobs`):
    /// each may plan to use its share. The source says so, for messages.
    public func shared(by parts: Int) -> MemoryBudget {
        parts <= 1 ? self : MemoryBudget(bytes: bytes / parts, source: "\(source) shared by --jobs \(parts)")
    }

    /// The budget of this process now.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> MemoryBudget {
        if let text = environment["FORECAST_MAX_MEMORY_BYTES"], let cap = Int(text), cap > 0 {
            return MemoryBudget(bytes: cap, source: "FORECAST_MAX_MEMORY_BYTES")
        }
        var budget = MemoryBudget(bytes: physicalBytes(), source: "the machine's memory")
        if let available = memAvailable() { budget = MemoryBudget(bytes: available, source: "available memory") }
        if let limit = cgroupLimit(), limit < budget.bytes { budget = MemoryBudget(bytes: limit, source: "the cgroup's memory limit") }
        return budget
    }

    private static func physicalBytes() -> Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? pages * size : .max
    }

    /// "MemAvailable:   20971520 kB" → bytes.
    private static func memAvailable() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kB = Int(fields[1]) { return kB * 1024 }
        }
        return nil
    }

    /// cgroup v2 `memory.max` of this process's group ("max" = no limit).
    private static func cgroupLimit() -> Int? {
        guard let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let line = membership.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
        let group = String(line.dropFirst(3))
        let path = "/sys/fs/cgroup" + (group == "/" ? "" : group) + "/memory.max"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Bytes as text for messages: "1.6 GB", "340 MB", "12 kB" (decimal units).
func byteText(_ bytes: Int) -> String {
    let b = Double(bytes)
    if b >= 1e12 { return String(format: "%.1f TB", b / 1e12) }
    if b >= 1e9 { return String(format: "%.1f GB", b / 1e9) }
    if b >= 1e6 { return String(format: "%.0f MB", b / 1e6) }
    return String(format: "%.0f kB", max(1, b / 1e3))
}
