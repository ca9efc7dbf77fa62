import Foundation

/// A histogram of the picks' skill against naive across a portfolio's series (skill = 1 − MAE /
/// MAE of naive on the test part; > 0 beats naive). Twenty bins of width 0.1 over [−1, 1), and
/// one bin each for skill below −1 and at or above 1, so an extreme series stays visible without
/// stretching the axis. Drawn with the line chart's SVG primitives. O(series).
public struct PortfolioSkillChart: Sendable {
    public var skills: [Double]
    public var width: Double = 720
    public var height: Double = 320

    public init(skills: [Double]) { self.skills = skills.filter(\.isFinite) }

    /// Bin edges: bin 0 is (−∞, −1), bins 1…20 are [−1 + 0.1(k−1), −1 + 0.1k), bin 21 is [1, ∞).
    public static let binCount = 22

    /// The count in each bin.
    public var counts: [Int] {
        var out = Array(repeating: 0, count: Self.binCount)
        for s in skills { out[Self.bin(of: s)] += 1 }
        return out
    }

    static func bin(of skill: Double) -> Int {
        if skill < -1 { return 0 }
        if skill >= 1 { return binCount - 1 }
        // k = ⌊10·skill⌋, corrected against the edges k/10 as written (10·0.3 need not be 3 in
        // binary), so that 0.3 lands in [0.3, 0.4).
        var k = Int((skill * 10).rounded(.down))
        if Double(k + 1) / 10 <= skill { k += 1 } else if Double(k) / 10 > skill { k -= 1 }
        return min(binCount - 2, max(1, 11 + k))
    }

    static func label(of bin: Int) -> String {
        if bin == 0 { return "< −1" }
        if bin == binCount - 1 { return "≥ 1" }
        return Format.fixed(-1 + 0.1 * Double(bin - 1), decimals: 1)
    }

    public func render() -> String {
        let counts = self.counts
        let top = max(counts.max() ?? 1, 1)
        let beat = skills.filter { $0 > 0 }.count
        let even = skills.filter { $0 == 0 }.count
        let title = "Skill of the pick against naive, per series"
        let summary = "\(skills.count) series; \(beat) better than naive (skill > 0)"
            + (even > 0 ? ", \(even) exactly as good (skill 0, e.g. naive picked)" : "")
        let description = "Histogram of the test skill (1 − MAE / naive MAE) of \(summary)."
        var svg = SVGBuilder(width: width, height: height, title: title, description: description)
        let left = 56.0, right = 20.0, plotTop = 64.0, bottom = 52.0
        let plotWidth = width - left - right, plotHeight = height - plotTop - bottom
        svg.text(title, x: left, y: 30, size: 18, weight: "600", color: "#1a1a1a")
        svg.text(summary, x: left, y: 50, size: 13, color: "#555")
        let binWidth = plotWidth / Double(Self.binCount)
        // Horizontal grid at whole counts (at most 5 lines).
        let step = max(1, Int((Double(top) / 5).rounded(.up)))
        for k in stride(from: 0, through: top, by: step) {
            let y = plotTop + plotHeight * (1 - Double(k) / Double(top))
            svg.line(x1: left, y1: y, x2: left + plotWidth, y2: y, color: "#e5e5e5", width: 1)
            svg.text("\(k)", x: left - 8, y: y + 4, size: 11, color: "#555", anchor: "end")
        }
        for (b, n) in counts.enumerated() where n > 0 {
            let h = plotHeight * Double(n) / Double(top)
            // Below naive in orange, at or above it in blue.
            let color = b <= 10 ? SVGLineChart.palette[1] : SVGLineChart.palette[0]
            svg.rect(x: left + Double(b) * binWidth + 1, y: plotTop + plotHeight - h, width: binWidth - 2, height: h, fill: color)
        }
        // Skill 0 (as good as naive) is the edge between bins 10 and 11.
        let zeroX = left + 11 * binWidth
        svg.line(x1: zeroX, y1: plotTop - 4, x2: zeroX, y2: plotTop + plotHeight, color: "#1a1a1a", width: 1.5, dash: "5 4")
        svg.line(x1: left, y1: plotTop + plotHeight, x2: left + plotWidth, y2: plotTop + plotHeight, color: "#1a1a1a", width: 1)
        // Edges under the bin boundaries they name; the two open bins labelled at their centres.
        for edge in [-0.5, 0, 0.5] {
            let x = left + (1 + (edge + 1) * 10) * binWidth
            svg.text(Format.fixed(edge, decimals: edge == edge.rounded() ? 0 : 1), x: x, y: plotTop + plotHeight + 18,
                     size: 11, color: "#555", anchor: "middle")
        }
        for b in [0, Self.binCount - 1] {
            svg.text(Self.label(of: b), x: left + (Double(b) + 0.5) * binWidth, y: plotTop + plotHeight + 18, size: 11,
                     color: "#555", anchor: "middle")
        }
        svg.text("skill vs naive (bins of 0.1; > 0 is better)", x: left + plotWidth / 2, y: height - 12, size: 12,
                 color: "#1a1a1a", anchor: "middle")
        svg.text("series", x: 16, y: plotTop + plotHeight / 2, size: 12, color: "#1a1a1a", anchor: "middle", rotate: -90)
        return svg.finish()
    }
}
