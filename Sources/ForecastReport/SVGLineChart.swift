import Foundation

/// A hand-written SVG line chart: lines, shaded bands, axes with round-number (or calendar)
/// ticks, grid, legend, title. Self-contained (no scripts, no external fonts or CSS), white
/// background so it reads on dark viewers too, `<title>`/`<desc>` for screen readers.
/// Non-finite points (and non-positive ones on a log axis) break the line instead of breaking
/// the chart. Output size is O(plot width), whatever the number of points: each pixel column
/// keeps its first, lowest, highest and last point.
public struct SVGLineChart: Sendable {
    public enum XAxis: Sendable {
        /// x values are seconds since 1970 (UTC), labelled with calendar ticks.
        case dates
        /// x values are plain numbers with the given axis label.
        case numbers(label: String)
        /// x values are positions 0, 1, … named by `names` (e.g. short run dates), evenly spaced;
        /// at most about eight names are printed, evenly thinned. `label` names the axis.
        case positions(names: [String], label: String)
    }
    public enum YScale: Sendable { case linear, log }

    /// One line; NaN in `ys` breaks it.
    public struct Series: Sendable {
        public var name: String
        public var xs: [Double]
        public var ys: [Double]
        public var color: String
        /// SVG stroke-dasharray, nil for solid.
        public var dash: String? = nil
        public var width: Double = 2
        /// Draw a dot at every point (useful for short series).
        public var markers: Bool = false
        /// Omit from the legend (e.g. when a note explains the style instead).
        public var inLegend: Bool = true

        public init(name: String, xs: [Double], ys: [Double], color: String, dash: String? = nil,
                    width: Double = 2, markers: Bool = false, inLegend: Bool = true) {
            self.name = name
            self.xs = xs
            self.ys = ys
            self.color = color
            self.dash = dash
            self.width = width
            self.markers = markers
            self.inLegend = inLegend
        }
    }

    struct Band: Sendable {
        var name: String
        var xs: [Double]
        var lower: [Double]
        var upper: [Double]
        var color: String
        var opacity: Double
    }

    public var title: String
    public var subtitle: String? = nil
    /// Longer text description for `<desc>` (screen readers, images off).
    public var description: String
    public var xAxis: XAxis
    public var yLabel: String
    public var yScale: YScale = .linear
    public var series: [Series] = []
    var bands: [Band] = []
    /// Extra legend text after the entries, e.g. "solid = training, dashed = validation".
    var legendNote: String? = nil
    /// Extra room after the last x value, as a fraction of the x span (so a point or label at
    /// the right edge is not cut).
    var xPaddingAfter: Double = 0
    var width: Double = 960
    var height: Double = 440

    /// A chart of `series` (more can be appended) with the given title and axes.
    public init(title: String, subtitle: String? = nil, description: String, xAxis: XAxis, yLabel: String,
                yScale: YScale = .linear, series: [Series] = [], legendNote: String? = nil) {
        self.title = title
        self.subtitle = subtitle
        self.description = description
        self.xAxis = xAxis
        self.yLabel = yLabel
        self.yScale = yScale
        self.series = series
        self.legendNote = legendNote
    }

    static let fontFamily = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
    /// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

    /// The SVG document. Time O(points), size O(plot width).
    public func render() -> String {
        let isLog = yScale == .log
        func usable(_ y: Double) -> Bool { y.isFinite && (!isLog || y > 0) }

        // Data ranges.
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (x, y) in zip(s.xs, s.ys) where x.isFinite && usable(y) { xs.append(x); ys.append(y) }
        }
        for b in bands {
            for i in b.xs.indices where b.xs[i].isFinite {
                if usable(b.lower[i]) { ys.append(b.lower[i]); xs.append(b.xs[i]) }
                if usable(b.upper[i]) { ys.append(b.upper[i]); xs.append(b.xs[i]) }
            }
        }
        var xLo = xs.min() ?? 0, xHi = xs.max() ?? 1
        if xLo == xHi {
            let pad: Double
            if case .dates = xAxis { pad = 86_400 } else { pad = 1 }
            xLo -= pad
            xHi += pad
        }
        if xPaddingAfter > 0 { xHi += (xHi - xLo) * xPaddingAfter }
        // Named positions get a little room so the first and last markers are not cut in half.
        if case .positions = xAxis { xLo -= 0.4; xHi += 0.4 }
        let yTicks: [AxisTicks.Tick]
        let yDomain: ClosedRange<Double>
        if isLog {
            (yDomain, yTicks) = AxisTicks.log(ys.min() ?? 1, ys.max() ?? 10)
        } else {
            (yDomain, yTicks) = AxisTicks.linear(ys.min() ?? 0, ys.max() ?? 1)
        }
        let xTicks: [AxisTicks.Tick]
        switch xAxis {
        case .dates:
            xTicks = AxisTicks.dates(Date(timeIntervalSince1970: xLo), Date(timeIntervalSince1970: xHi))
        case .numbers:
            xTicks = AxisTicks.linearInside(xLo, xHi)
        case .positions(let names, _):
            xTicks = Self.positionTicks(names, lo: xLo, hi: xHi)
        }

        // Layout: title, subtitle, legend rows, plot, x labels.
        let longestYLabel = yTicks.map(\.label.count).max() ?? 1
        let left = max(64, 34 + 7.5 * Double(longestYLabel))
        let right = 28.0
        var cursorY = 30.0
        var svg = SVGBuilder(width: width, height: height, title: title, description: description)
        svg.text(title, x: left, y: cursorY, size: 18, weight: "600", color: "#1a1a1a")
        if let subtitle {
            // About 6.6 px per character at 13 px: wrap at word boundaries inside the chart.
            for line in Self.wrap(subtitle, maxCharacters: Int((width - left - right) / 6.6)) {
                cursorY += 18
                svg.text(line, x: left, y: cursorY, size: 13, color: "#555")
            }
            cursorY += 2
        }
        cursorY += 24
        // Legend entries (bands, then series), wrapping to new rows.
        var legendX = left
        let legendRight = width - right
        func place(_ widthNeeded: Double) {
            if legendX + widthNeeded > legendRight && legendX > left {
                legendX = left
                cursorY += 20
            }
        }
        for b in bands {
            let w = 26 + 7 * Double(b.name.count) + 18
            place(w)
            svg.rect(x: legendX, y: cursorY - 9, width: 20, height: 12, fill: b.color, opacity: b.opacity)
            svg.text(b.name, x: legendX + 26, y: cursorY + 1, size: 12, color: "#333")
            legendX += w
        }
        for s in series where s.inLegend {
            let w = 30 + 7 * Double(s.name.count) + 18
            place(w)
            svg.line(x1: legendX, y1: cursorY - 3, x2: legendX + 24, y2: cursorY - 3, color: s.color, width: s.width, dash: s.dash)
            svg.text(s.name, x: legendX + 30, y: cursorY + 1, size: 12, color: "#333")
            legendX += w
        }
        if let legendNote {
            place(7 * Double(legendNote.count))
            svg.text(legendNote, x: legendX, y: cursorY + 1, size: 12, color: "#666", style: "italic")
        }
        let top = cursorY + 16
        let bottom = height - 52
        let plotW = width - left - right, plotH = bottom - top

        // Halves: a difference of two values near ±1e308 overflows, their halves' does not.
        func px(_ x: Double) -> Double { left + (x / 2 - xLo / 2) / (xHi / 2 - xLo / 2) * plotW }
        func py(_ y: Double) -> Double {
            if isLog {
                let (a, b) = (log10(yDomain.lowerBound), log10(yDomain.upperBound))
                return bottom - (log10(y) - a) / (b - a) * plotH
            }
            return bottom - (y / 2 - yDomain.lowerBound / 2) / (yDomain.upperBound / 2 - yDomain.lowerBound / 2) * plotH
        }

        // Grid and axes.
        svg.rect(x: left, y: top, width: plotW, height: plotH, fill: "#ffffff", stroke: "#d0d0d0")
        for t in yTicks {
            let y = py(t.value)
            svg.line(x1: left, y1: y, x2: left + plotW, y2: y, color: "#e6e6e6", width: 1)
            svg.text(t.label, x: left - 8, y: y + 4, size: 12, color: "#444", anchor: "end")
        }
        for t in xTicks {
            let x = px(t.value)
            svg.line(x1: x, y1: top, x2: x, y2: bottom, color: "#f0f0f0", width: 1)
            svg.line(x1: x, y1: bottom, x2: x, y2: bottom + 5, color: "#888", width: 1)
            svg.text(t.label, x: x, y: bottom + 20, size: 12, color: "#444", anchor: "middle")
        }
        svg.line(x1: left, y1: bottom, x2: left + plotW, y2: bottom, color: "#888", width: 1)
        svg.line(x1: left, y1: top, x2: left, y2: bottom, color: "#888", width: 1)
        switch xAxis {
        case .numbers(let label), .positions(_, let label):
            svg.text(label, x: left + plotW / 2, y: height - 10, size: 13, color: "#333", anchor: "middle")
        case .dates: break
        }
        svg.text(yLabel, x: 18, y: top + plotH / 2, size: 13, color: "#333", anchor: "middle", rotate: -90)

        // Data, clipped to the plot area.
        svg.beginClip(x: left, y: top, width: plotW, height: plotH)
        // Points are reduced to what the plot's pixel columns can show (see `columnExtremes`),
        // so a million-row series gives a chart of the same size as a thousand-row one.
        func column(_ x: Double) -> Int { Int((px(x) - left).rounded(.down)) }
        for b in bands {
            var d = ""
            var run: [Int] = []
            func flush() {
                guard run.count >= 1 else { return }
                // Per pixel column, the band's outer envelope: highest upper, lowest lower.
                var upper: [String] = [], lower: [String] = []
                for group in Self.pixelColumns(run, column: { column(b.xs[$0]) }) {
                    let members = run[group]
                    let hi = members.map { b.upper[$0] }.max()!, lo = members.map { b.lower[$0] }.min()!
                    for k in group.count == 1 ? [group.lowerBound] : [group.lowerBound, group.upperBound] {
                        upper.append("\(r(px(b.xs[run[k]]))),\(r(py(hi)))")
                        lower.append("\(r(px(b.xs[run[k]]))),\(r(py(lo)))")
                    }
                }
                d += "M" + upper.joined(separator: " L") + " L" + lower.reversed().joined(separator: " L") + " Z "
                run = []
            }
            for i in b.xs.indices {
                if b.xs[i].isFinite && usable(b.lower[i]) && usable(b.upper[i]) { run.append(i) } else { flush() }
            }
            flush()
            if !d.isEmpty { svg.path(d, fill: b.color, opacity: b.opacity) }
        }
        for s in series {
            var d = ""
            var drawn: [Int] = []
            var run: [Int] = []
            func flush() {
                let kept = Self.columnExtremes(run, column: { column(s.xs[$0]) }, value: { s.ys[$0] })
                for (k, i) in kept.enumerated() { d += (k == 0 ? " M" : " L") + "\(r(px(s.xs[i]))),\(r(py(s.ys[i])))" }
                drawn += kept
                run = []
            }
            for i in s.xs.indices where i < s.ys.count {
                if s.xs[i].isFinite && usable(s.ys[i]) { run.append(i) } else { flush() }
            }
            flush()
            if !d.isEmpty { svg.path(String(d.dropFirst()), stroke: s.color, width: s.width, dash: s.dash) }
            if s.markers {
                for i in drawn { svg.circle(cx: px(s.xs[i]), cy: py(s.ys[i]), radius: 2.6, fill: s.color) }
            }
        }
        svg.endClip()
        return svg.finish()
    }
}

extension SVGLineChart {
    /// `text` in lines of at most `maxCharacters` characters, broken at spaces (a longer word
    /// gets a line of its own).
    static func wrap(_ text: String, maxCharacters: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > maxCharacters {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Ticks for ``XAxis/positions(names:label:)``: every k-th name inside [lo, hi], k chosen so
    /// that at most `maxTicks` are printed, always including the last position (the newest).
    static func positionTicks(_ names: [String], lo: Double, hi: Double, maxTicks: Int = 8) -> [AxisTicks.Tick] {
        guard !names.isEmpty else { return [] }
        let every = max(1, (names.count + maxTicks - 1) / maxTicks)
        var picked = Array(stride(from: names.count - 1, through: 0, by: -every).reversed())
        if picked.count > maxTicks { picked.removeFirst(picked.count - maxTicks) }
        return picked.filter { Double($0) >= lo && Double($0) <= hi }.map { AxisTicks.Tick(value: Double($0), label: names[$0]) }
    }

    /// Of consecutive drawable points `run` (indices, in drawing order), the ones a screen can
    /// show: in each pixel column, the first, the lowest, the highest and the last point, in
    /// their original order — M4 aggregation (Jugel, Jerzak, Hackenbroich & Markl, "M4: a
    /// visualization-oriented time series data aggregation", VLDB 2014). The drawn line is the
    /// same to the pixel, peaks and troughs included, and the output is O(plot width).
    static func columnExtremes(_ run: [Int], column: (Int) -> Int, value: (Int) -> Double) -> [Int] {
        var kept: [Int] = []
        kept.reserveCapacity(min(run.count, 4_096))
        for group in pixelColumns(run, column: column) {
            var lowest = group.lowerBound, highest = group.lowerBound
            for k in group {
                if value(run[k]) < value(run[lowest]) { lowest = k }
                if value(run[k]) > value(run[highest]) { highest = k }
            }
            for k in Set([group.lowerBound, lowest, highest, group.upperBound]).sorted() { kept.append(run[k]) }
        }
        return kept
    }

    /// Consecutive positions of `run` that fall in the same pixel column, as position ranges in
    /// drawing order: what both the line reduction and the band envelope work on. O(run.count).
    static func pixelColumns(_ run: [Int], column: (Int) -> Int) -> [ClosedRange<Int>] {
        var groups: [ClosedRange<Int>] = []
        var start = 0
        while start < run.count {
            let c = column(run[start])
            var end = start
            while end + 1 < run.count && column(run[end + 1]) == c { end += 1 }
            groups.append(start...end)
            start = end + 1
        }
        return groups
    }
}

/// Rounds a coordinate to 0.1 px for compact output.
private func r(_ v: Double) -> String {
    let x = (v * 10).rounded() / 10
    return x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x)
}

/// Minimal SVG text builder; every string that reaches the output goes through `Escape.xml`.
struct SVGBuilder {
    private var body = ""
    private var clipCount = 0
    let width: Double, height: Double, title: String, description: String

    init(width: Double, height: Double, title: String, description: String) {
        self.width = width
        self.height = height
        self.title = title
        self.description = description
    }

    mutating func text(_ s: String, x: Double, y: Double, size: Double, weight: String? = nil, color: String,
                       anchor: String = "start", style: String? = nil, rotate: Double? = nil) {
        var attrs = "x=\"\(r(x))\" y=\"\(r(y))\" font-size=\"\(r(size))\" fill=\"\(color)\""
        if anchor != "start" { attrs += " text-anchor=\"\(anchor)\"" }
        if let weight { attrs += " font-weight=\"\(weight)\"" }
        if let style { attrs += " font-style=\"\(style)\"" }
        if let rotate { attrs += " transform=\"rotate(\(r(rotate)) \(r(x)) \(r(y)))\"" }
        body += "<text \(attrs)>\(Escape.xml(s))</text>\n"
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, color: String, width: Double, dash: String? = nil) {
        body += "<line x1=\"\(r(x1))\" y1=\"\(r(y1))\" x2=\"\(r(x2))\" y2=\"\(r(y2))\" stroke=\"\(color)\" stroke-width=\"\(r(width))\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, opacity: Double? = nil, stroke: String? = nil) {
        body += "<rect x=\"\(r(x))\" y=\"\(r(y))\" width=\"\(r(width))\" height=\"\(r(height))\" fill=\"\(fill)\""
            + (opacity.map { " fill-opacity=\"\($0)\"" } ?? "") + (stroke.map { " stroke=\"\($0)\"" } ?? "") + "/>\n"
    }

    mutating func circle(cx: Double, cy: Double, radius: Double, fill: String) {
        body += "<circle cx=\"\(r(cx))\" cy=\"\(r(cy))\" r=\"\(r(radius))\" fill=\"\(fill)\"/>\n"
    }

    mutating func path(_ d: String, fill: String, opacity: Double) {
        body += "<path d=\"\(d)\" fill=\"\(fill)\" fill-opacity=\"\(opacity)\" stroke=\"none\"/>\n"
    }

    mutating func path(_ d: String, stroke: String, width: Double, dash: String?) {
        body += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(r(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
    }

    mutating func beginClip(x: Double, y: Double, width: Double, height: Double) {
        clipCount += 1
        body += "<clipPath id=\"plot\(clipCount)\"><rect x=\"\(r(x))\" y=\"\(r(y))\" width=\"\(r(width))\" height=\"\(r(height))\"/></clipPath>\n"
        body += "<g clip-path=\"url(#plot\(clipCount))\">\n"
    }

    mutating func endClip() { body += "</g>\n" }

    func finish() -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(r(width))" height="\(r(height))" viewBox="0 0 \(r(width)) \(r(height))" role="img" aria-labelledby="chart-title chart-desc" font-family="\(SVGLineChart.fontFamily)">
        <title id="chart-title">\(Escape.xml(title))</title>
        <desc id="chart-desc">\(Escape.xml(description))</desc>
        <rect width="100%" height="100%" fill="#ffffff"/>

        """ + body + "</svg>\n"
    }
}
