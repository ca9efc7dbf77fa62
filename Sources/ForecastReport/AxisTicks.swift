import ForecastIngest
import Foundation

/// Where an axis puts its ticks, and their labels: round numbers (1, 2, 5 × 10ᵏ) on linear
/// axes, powers of ten on log axes, calendar boundaries on date axes.
enum AxisTicks {
    struct Tick: Equatable {
        var value: Double
        var label: String
    }

    /// Ticks on a linear axis covering [lo, hi] with about `target` intervals. The returned
    /// domain is [lo, hi] widened outward to whole steps, so the first and last ticks sit on the
    /// plot's edges.
    static func linear(_ lo: Double, _ hi: Double, target: Int = 5) -> (domain: ClosedRange<Double>, ticks: [Tick]) {
        let biggest = Double.greatestFiniteMagnitude
        guard lo.isFinite, hi.isFinite, lo <= hi else { return linear(0, 1, target: target) }
        var (lo, hi) = (lo, hi)
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo = max(-biggest, lo - pad)
            hi = min(biggest, hi + pad)
        }
        // Halves first: hi − lo overflows for data spanning more than half the Double range.
        let step = niceStep((hi / 2 - lo / 2) / Double(max(target, 1)) * 2)
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        // Whole steps from first to last; counted with integers, since k += 1 stops moving a
        // Double past 2^53 (and the loop never ended for values near 1e308).
        guard step.isFinite, step > 0, first.isFinite, last.isFinite, last - first >= 0, last - first <= 1_000 else {
            return (lo...hi, [Tick(value: lo, label: linearLabel(lo, decimals: 0)), Tick(value: hi, label: linearLabel(hi, decimals: 0))])
        }
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        let ticks = (0...Int(last - first)).map { i -> Tick in
            let v = min(biggest, max(-biggest, (first + Double(i)) * step))
            return Tick(value: v, label: linearLabel(v, decimals: decimals))
        }
        return (ticks.first!.value...ticks.last!.value, ticks)
    }

    /// Ticks inside [lo, hi] (domain unchanged), for axes whose ends must stay at the data
    /// (epochs, lags).
    static func linearInside(_ lo: Double, _ hi: Double, target: Int = 6) -> [Tick] {
        guard lo.isFinite, hi.isFinite else { return [] }
        guard hi > lo else { return [Tick(value: lo, label: linearLabel(lo, decimals: 0))] }
        let step = max(niceStep((hi / 2 - lo / 2) / Double(max(target, 1)) * 2), 1e-12)
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        let first = (lo / step).rounded(.up), last = (hi / step + 1e-9).rounded(.down)
        guard first.isFinite, last.isFinite, last - first >= 0, last - first <= 1_000 else {
            return [Tick(value: lo, label: linearLabel(lo, decimals: 0)), Tick(value: hi, label: linearLabel(hi, decimals: 0))]
        }
        return (0...Int(last - first)).map { i in
            let v = (first + Double(i)) * step
            return Tick(value: v, label: linearLabel(v, decimals: decimals))
        }
    }

    /// 1, 2, 5 or 10 × 10ᵏ, the smallest not below `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        let nice: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        return nice * magnitude
    }

    private static func linearLabel(_ v: Double, decimals: Int) -> String {
        // Beyond 10^15 a fixed label would be digits nobody reads (308 of them near 1e308).
        let text = abs(v) >= 1e15 ? String(format: "%.4g", v).replacingOccurrences(of: "e+", with: "e")
                                  : Format.fixed(abs(v) < 1e-12 ? 0 : v, decimals: decimals)
        return text.hasPrefix("-") ? "−" + text.dropFirst() : text  // typographic minus
    }

    /// Ticks on a log₁₀ axis covering [lo, hi] (both > 0): the domain is widened to whole
    /// decades; ticks at 10ᵏ, plus 2·10ᵏ and 5·10ᵏ when the axis spans at most two decades, and
    /// only every second or third decade when it spans many.
    static func log(_ lo: Double, _ hi: Double) -> (domain: ClosedRange<Double>, ticks: [Tick]) {
        precondition(lo > 0 && hi > 0)
        let a = Int(floor(log10(lo) + 1e-12))
        var b = Int(ceil(log10(hi) - 1e-12))
        if b <= a { b = a + 1 }
        let every = b - a > 16 ? 4 : b - a > 10 ? 3 : b - a > 6 ? 2 : 1
        // Widen to a whole number of labelled steps so both ends carry a label.
        b = a + (b - a + every - 1) / every * every
        let decades = b - a
        var ticks: [Tick] = []
        for k in a...b {
            if (k - a) % every == 0 { ticks.append(Tick(value: pow(10, Double(k)), label: powerLabel(1, k))) }
            if decades <= 2 && k < b {
                ticks.append(Tick(value: 2 * pow(10, Double(k)), label: powerLabel(2, k)))
                ticks.append(Tick(value: 5 * pow(10, Double(k)), label: powerLabel(5, k)))
            }
        }
        return (pow(10, Double(a))...pow(10, Double(b)), ticks.sorted { $0.value < $1.value })
    }

    /// "0.001", "20", "1e-6", "5e7": plain decimals for moderate exponents, else m·eᵏ.
    private static func powerLabel(_ mantissa: Int, _ k: Int) -> String {
        if k >= -4 && k <= 5 {
            let v = Double(mantissa) * pow(10, Double(k))
            return Format.fixed(v, decimals: max(0, -k))
        }
        return "\(mantissa)e\(k)"
    }

    /// Date ticks at calendar boundaries (hours, days, Mondays, month starts, year starts) inside
    /// [lo, hi], at most `maxTicks` of them, labelled to the tick's granularity (UTC).
    static func dates(_ lo: Date, _ hi: Date, maxTicks: Int = 8) -> [Tick] {
        let span = hi.timeIntervalSince(lo)
        enum Unit { case hour, day, week, month, year }
        let steps: [(Unit, Int, Double)] = [  // (unit, count, approximate seconds)
            (.hour, 1, 3600), (.hour, 2, 7200), (.hour, 3, 10_800), (.hour, 6, 21_600), (.hour, 12, 43_200),
            (.day, 1, 86_400), (.day, 2, 172_800), (.week, 1, 604_800), (.week, 2, 1_209_600),
            (.month, 1, 2_629_746), (.month, 2, 5_259_492), (.month, 3, 7_889_238), (.month, 6, 15_778_476),
            (.year, 1, 31_556_952), (.year, 2, 63_113_904), (.year, 5, 157_784_760), (.year, 10, 315_569_520),
            (.year, 20, 631_139_040), (.year, 50, 1_577_847_600), (.year, 100, 3_155_695_200),
        ]
        let (unit, count, _) = steps.first { span / $0.2 <= Double(maxTicks - 1) } ?? steps.last!
        // Proleptic Gregorian arithmetic (UTCDateTime): Foundation's calendar turns Julian
        // before 1583 and would label a series starting in 1500 ten days off.
        let c = UTCDateTime(lo)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let pad = UTCDateTime.padded
        var start: UTCDateTime
        let label: (UTCDateTime) -> String
        let next: (UTCDateTime) -> UTCDateTime
        switch unit {
        case .hour:
            start = UTCDateTime(year: c.year, month: c.month, day: c.day, hour: c.hour - c.hour % count)
            label = { "\(pad($0.month, 2))-\(pad($0.day, 2)) \(pad($0.hour, 2)):\(pad($0.minute, 2))" }
            next = { UTCDateTime($0.date.addingTimeInterval(Double(3600 * count))) }
        case .day, .week:
            start = UTCDateTime(year: c.year, month: c.month, day: c.day)
            let days = unit == .week ? 7 * count : count
            if unit == .week { start = UTCDateTime(start.date.addingTimeInterval(-Double(start.weekday) * 86_400)) }  // back to Monday
            label = { $0.dayText }
            next = { UTCDateTime($0.date.addingTimeInterval(Double(86_400 * days))) }
        case .month:
            start = UTCDateTime(year: c.year, month: c.month - (c.month - 1) % count, day: 1)
            label = { "\(months[$0.month - 1]) \(pad($0.year, 4))" }
            next = { UTCDateTime(UTCDateTime(year: $0.year, month: $0.month + count, day: 1).date) }
        case .year:
            start = UTCDateTime(year: c.year - ((c.year % count) + count) % count, month: 1, day: 1)
            label = { pad($0.year, 4) }
            next = { UTCDateTime(year: $0.year + count, month: 1, day: 1) }
        }
        var ticks: [Tick] = []
        var d = start
        while d.date <= hi && ticks.count < 200 {
            if d.date >= lo { ticks.append(Tick(value: d.date.timeIntervalSince1970, label: label(d))) }
            d = next(d)
        }
        return ticks
    }
}
