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

    /// Tick label: integers with k/M suffixes, fractions to two places.
    static func label(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1_000_000 { return String(format: "%.1fM", v / 1_000_000) }
        if a >= 10_000 { return String(format: "%.0fk", v / 1000) }
        if a == a.rounded() { return String(format: "%.0f", v) }
        return String(format: "%.2f", v)
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

    static func lineChart(title: String, xLabel: String, yLabel: String, yMax fixedMax: Double? = nil, series: [Series],
                          width: Double = 560, height: Double = 220) -> String {
        let left = 64.0, right = 12.0, top = 40.0, bottom = 40.0
        let pw = width - left - right, ph = height - top - bottom
        let all = series.flatMap(\.points)
        let xMax = Swift.max(all.map(\.x).max() ?? 1, 1e-9)
        let yMax = fixedMax ?? niceMax(all.map(\.y).max() ?? 1)
        func px(_ x: Double) -> Double { left + x / xMax * pw }
        func py(_ y: Double) -> Double { top + ph - Swift.min(y, yMax) / yMax * ph }
        var s = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(num(width))\" height=\"\(num(height))\" viewBox=\"0 0 \(num(width)) \(num(height))\" role=\"img\">"
        s += "<title>\(escape(title))</title>"
        s += "<text x=\"\(num(left))\" y=\"16\" class=\"ct\">\(escape(title))</text>"
        // Grid and y ticks.
        for k in 0...4 {
            let v = yMax * Double(k) / 4
            let y = py(v)
            s += "<line x1=\"\(num(left))\" y1=\"\(num(y))\" x2=\"\(num(left + pw))\" y2=\"\(num(y))\" class=\"grid\"/>"
            s += "<text x=\"\(num(left - 6))\" y=\"\(num(y + 4))\" class=\"tick\" text-anchor=\"end\">\(label(v))</text>"
        }
        for k in 0...4 {
            let v = xMax * Double(k) / 4
            s += "<text x=\"\(num(px(v)))\" y=\"\(num(top + ph + 16))\" class=\"tick\" text-anchor=\"middle\">\(label(v))</text>"
        }
        s += "<line x1=\"\(num(left))\" y1=\"\(num(top + ph))\" x2=\"\(num(left + pw))\" y2=\"\(num(top + ph))\" class=\"axis\"/>"
        s += "<line x1=\"\(num(left))\" y1=\"\(num(top))\" x2=\"\(num(left))\" y2=\"\(num(top + ph))\" class=\"axis\"/>"
        s += "<text x=\"\(num(left + pw / 2))\" y=\"\(num(height - 6))\" class=\"tick\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        s += "<text x=\"14\" y=\"\(num(top + ph / 2))\" class=\"tick\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(num(top + ph / 2)))\">\(escape(yLabel))</text>"
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
