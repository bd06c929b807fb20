import Foundation

/// Inline SVG pieces for the HTML report: a line chart with axes and a legend, and escaping.
/// No scripts, no external references: the report must open from a file with no network.
enum SVG {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        var dashed = false
        var width = 1.5
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func num(_ x: Double) -> String { String(format: "%.1f", x) }

    /// Tick label: integers with k/M suffixes (`20k`, `1.5M`), fractions with the decimals they
    /// need (`0.5`, `0.25`), at most three.
    static func label(_ v: Double) -> String {
        let a = abs(v)
        func trimmed(_ s: String) -> String {
            guard s.contains(".") else { return s }
            var t = s
            while t.hasSuffix("0") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            return t
        }
        if a >= 1_000_000 { return trimmed(String(format: "%.2f", v / 1_000_000)) + "M" }
        if a >= 10_000 { return trimmed(String(format: "%.1f", v / 1000)) + "k" }
        if a == a.rounded() { return String(format: "%.0f", v) }
        return trimmed(String(format: "%.3f", v))
    }

    /// The 1-2-5 step for an axis from 0 to `maxValue` with at most `maxTicks` intervals: the
    /// smallest of 1, 2, 5 × 10^k that covers `maxValue` in that many steps.
    static func niceStep(_ maxValue: Double, maxTicks: Int = 5) -> Double {
        guard maxValue > 0, maxValue.isFinite else { return 1 }
        let raw = maxValue / Double(maxTicks)
        let e = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * e >= raw * (1 - 1e-12) { return m * e }
        return 10 * e
    }

    /// Ticks 0, step, 2·step, … up to the first at or above `maxValue` (the axis then ends
    /// there): 6620.48 → 0, 2000, 4000, 6000, 8000; 18.75 → 0, 5, 10, 15, 20; 100 → 0, 20, … 100.
    static func niceTicks(_ maxValue: Double, maxTicks: Int = 5) -> [Double] {
        let step = niceStep(maxValue, maxTicks: maxTicks)
        let n = Swift.max(1, Int((maxValue / step - 1e-9).rounded(.up)))
        return (0...n).map { Double($0) * step }
    }

    /// Ticks 0, step, … not beyond `maxValue` (an x axis ends at its last sample, not at a tick).
    static func ticksWithin(_ maxValue: Double, maxTicks: Int = 5) -> [Double] {
        let step = niceStep(maxValue, maxTicks: maxTicks)
        return (0...Swift.max(0, Int((maxValue / step + 1e-9).rounded(.down)))).map { Double($0) * step }
    }

    /// A vertical mark on a timeline chart: where a workload phase began.
    struct Mark {
        var x: Double
        var label: String
    }

    /// At most `limit` points per series, keeping the first and last (the picture, not the data:
    /// the data is in the JSON and CSV).
    static func thin(_ p: [(x: Double, y: Double)], limit: Int = 600) -> [(x: Double, y: Double)] {
        guard p.count > limit else { return p }
        let step = Double(p.count - 1) / Double(limit - 1)
        return (0..<limit).map { p[Int((Double($0) * step).rounded())] }
    }

    static func niceMax(_ v: Double) -> Double {
        guard v > 0 else { return 1 }
        let e = pow(10, floor(log10(v)))
        for m in [1.0, 2, 2.5, 5, 10] where m * e >= v { return m * e }
        return 10 * e
    }

    /// A chart's plot area in SVG units, with x and y mapped onto it.
    struct Frame {
        var left, top, pw, ph, width, height, xMax, yMax: Double
        func px(_ x: Double) -> Double { left + x / xMax * pw }
        func py(_ y: Double) -> Double { top + ph - Swift.min(y, yMax) / yMax * ph }
    }

    /// What every chart draws around its data: the y grid with 1-2-5 tick labels (`gridOpacity`
    /// dims the lines over filled bands), x ticks (a label near the right edge right-aligned so
    /// it is not cut off), a dashed line where each phase began with its label beside it
    /// (alternating heights so neighbours do not overlap), the two axes and their labels.
    static func frame(_ f: Frame, yTicks: [Double], marks: [Mark], xLabel: String, yLabel: String,
                      markColor: String, markLabelColor: String, gridOpacity: String? = nil) -> String {
        var s = ""
        let opacity = gridOpacity.map { " stroke-opacity=\"\($0)\"" } ?? ""
        for v in yTicks where v <= f.yMax * (1 + 1e-9) {
            let y = f.py(v)
            s += "<line x1=\"\(num(f.left))\" y1=\"\(num(y))\" x2=\"\(num(f.left + f.pw))\" y2=\"\(num(y))\" class=\"grid\"\(opacity)/>"
            s += "<text x=\"\(num(f.left - 6))\" y=\"\(num(y + 4))\" class=\"tick\" text-anchor=\"end\">\(label(v))</text>"
        }
        for v in ticksWithin(f.xMax) {
            let x = f.px(v)
            let anchor = x + Double(label(v).count) * 3.5 > f.width - 2 ? "end" : "middle"
            s += "<line x1=\"\(num(x))\" y1=\"\(num(f.top + f.ph))\" x2=\"\(num(x))\" y2=\"\(num(f.top + f.ph + 4))\" class=\"axis\"/>"
            s += "<text x=\"\(num(x))\" y=\"\(num(f.top + f.ph + 16))\" class=\"tick\" text-anchor=\"\(anchor)\">\(label(v))</text>"
        }
        for (k, m) in marks.enumerated() where m.x >= 0 && m.x <= f.xMax {
            let x = f.px(m.x)
            let anchor = x > f.left + f.pw - 60 ? "end" : "start"
            s += "<line x1=\"\(num(x))\" y1=\"\(num(f.top))\" x2=\"\(num(x))\" y2=\"\(num(f.top + f.ph))\" class=\"phase\" stroke=\"\(markColor)\" stroke-dasharray=\"2 3\"><title>\(escape(m.label))</title></line>"
            s += "<text x=\"\(num(anchor == "end" ? x - 3 : x + 3))\" y=\"\(num(f.top + 10 + Double(k % 2) * 12))\" class=\"phase-label\" font-size=\"10\" fill=\"\(markLabelColor)\" text-anchor=\"\(anchor)\">\(escape(m.label))</text>"
        }
        s += "<line x1=\"\(num(f.left))\" y1=\"\(num(f.top + f.ph))\" x2=\"\(num(f.left + f.pw))\" y2=\"\(num(f.top + f.ph))\" class=\"axis\"/>"
        s += "<line x1=\"\(num(f.left))\" y1=\"\(num(f.top))\" x2=\"\(num(f.left))\" y2=\"\(num(f.top + f.ph))\" class=\"axis\"/>"
        s += "<text x=\"\(num(f.left + f.pw / 2))\" y=\"\(num(f.height - 6))\" class=\"tick\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        s += "<text x=\"14\" y=\"\(num(f.top + f.ph / 2))\" class=\"tick\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(num(f.top + f.ph / 2)))\">\(escape(yLabel))</text>"
        return s
    }

    static func lineChart(title: String, xLabel: String, yLabel: String, yMax fixedMax: Double? = nil, marks: [Mark] = [],
                          series: [Series], width: Double = 560, height: Double = 220) -> String {
        let left = 64.0, right = 24.0, top = 40.0, bottom = 40.0
        let pw = width - left - right, ph = height - top - bottom
        let all = series.flatMap(\.points)
        let xMax = Swift.max(all.map(\.x).max() ?? 1, 1e-9)
        let yTicks = niceTicks(fixedMax ?? (all.map(\.y).max() ?? 1))
        let yMax = fixedMax.map { Swift.max($0, 1e-9) } ?? yTicks.last!
        func px(_ x: Double) -> Double { left + x / xMax * pw }
        func py(_ y: Double) -> Double { top + ph - Swift.min(y, yMax) / yMax * ph }
        var s = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(num(width))\" height=\"\(num(height))\" viewBox=\"0 0 \(num(width)) \(num(height))\" role=\"img\">"
        s += "<title>\(escape(title))</title>"
        s += "<text x=\"\(num(left))\" y=\"16\" class=\"ct\">\(escape(title))</text>"
        s += frame(Frame(left: left, top: top, pw: pw, ph: ph, width: width, height: height, xMax: xMax, yMax: yMax),
                   yTicks: yTicks, marks: marks, xLabel: xLabel, yLabel: yLabel, markColor: "#999", markLabelColor: "#777")
        for se in series where !se.points.isEmpty {
            let pts = thin(se.points).map { "\(num(px($0.x))),\(num(py($0.y)))" }.joined(separator: " ")
            let dash = se.dashed ? " stroke-dasharray=\"5 3\"" : ""
            s += "<polyline fill=\"none\" stroke=\"\(se.color)\" stroke-width=\"\(num(se.width))\"\(dash) points=\"\(pts)\"><title>\(escape(se.name))</title></polyline>"
        }
        // Legend, right-aligned under the title.
        var lx = width - right
        for se in series.reversed() {
            let w = Double(se.name.count) * 6.2 + 26
            lx -= w
            let dash = se.dashed ? " stroke-dasharray=\"5 3\"" : ""
            s += "<line x1=\"\(num(lx))\" y1=\"28\" x2=\"\(num(lx + 16))\" y2=\"28\" stroke=\"\(se.color)\" stroke-width=\"2\"\(dash)/>"
            s += "<text x=\"\(num(lx + 20))\" y=\"32\" class=\"tick\">\(escape(se.name))</text>"
        }
        return s + "</svg>"
    }
}
