import Foundation

/// The HTML report on machines with many nodes: beyond `wideNodes` nodes the topology is drawn
/// as a distance-matrix heatmap (each row's runs of equal distance merged into one rectangle),
/// the fallback heatmap keeps only the rows and columns with pages (as the text report does),
/// the zone charts only the zones whose free pages moved (at most `maxZoneCharts`, largest
/// swing first), and the kswapd chart only the nodes whose kswapd ran. So a 1024-node report
/// stays a few MB and renders in a browser.
extension HTMLReport {
    static let wideNodes = 16
    static let maxZoneCharts = 32

    /// Indices of the fallback matrix's rows (asking nodes) and columns (serving nodes) to draw.
    static func heatmapIndices(_ r: StressReport) -> (rows: [Int], cols: [Int]) {
        let n = r.fallback.nodes.count
        guard n > wideNodes else { return (Array(0..<n), Array(0..<n)) }
        let p = r.fallback.pages
        let rows = (0..<n).filter { i in p[i].contains { $0 > 0 } }
        let cols = (0..<n).filter { j in p.contains { $0[j] > 0 } }
        return (rows.isEmpty ? [0] : rows, cols.isEmpty ? [0] : cols)
    }

    /// The zones (timeline indices) whose chart is drawn, and how many are left out.
    static func chartedZones(_ r: StressReport) -> (zones: [Int], omitted: Int) {
        let all = Array(r.timeline.zones.indices)
        guard all.count > maxZoneCharts else { return (all, 0) }
        let s = r.timeline.samples
        let swing = all.map { i -> Int in
            let free = s.map { $0.free[i] }
            return (free.max() ?? 0) - (free.min() ?? 0)
        }
        let moved = all.filter { swing[$0] > 0 }.sorted { swing[$0] != swing[$1] ? swing[$0] > swing[$1] : $0 < $1 }
        let kept = Array(moved.prefix(maxZoneCharts)).sorted()
        return (kept, all.count - kept.count)
    }

    /// The SLIT as a heatmap for many nodes: light for near, dark for far, runs merged per row.
    /// O(n²) to scan, O(runs) to draw.
    static func distanceMatrixSVG(_ r: StressReport) -> String {
        let ids = r.fallback.nodes, d = r.distances, n = ids.count
        let size = 420.0, left = 44.0, top = 28.0
        let cell = (size - left - 8) / Double(n)
        let all = d.flatMap { $0 }
        let lo = Double(all.min() ?? 10), hi = Double(all.max() ?? 10)
        func shade(_ v: Int) -> String {
            let a = hi > lo ? (Double(v) - lo) / (hi - lo) : 0
            let c = Int(235 - 190 * a)
            return "rgb(\(c),\(c),\(min(255, c + 20)))"
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size))\" height=\"\(Int(size))\" viewBox=\"0 0 \(Int(size)) \(Int(size))\" role=\"img\"><title>SLIT distances of \(n) nodes</title>"
        s += "<text x=\"\(SVG.num(left))\" y=\"16\" class=\"tick\">SLIT, rows from, columns to: \(Int(lo)) light … \(Int(hi)) dark</text>"
        for i in 0..<n {
            var j = 0
            while j < n {
                var k = j + 1
                while k < n && d[i][k] == d[i][j] { k += 1 }
                let x = left + cell * Double(j), y = top + cell * Double(i)
                s += "<rect x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\" width=\"\(SVG.num(cell * Double(k - j)))\" height=\"\(SVG.num(max(cell, 0.5)))\" fill=\"\(shade(d[i][j]))\"/>"
                j = k
            }
        }
        // A few row labels: first, last and every quarter.
        for i in Set([0, n / 4, n / 2, 3 * n / 4, n - 1]).sorted() where i < n {
            s += "<text x=\"\(SVG.num(left - 4))\" y=\"\(SVG.num(top + cell * (Double(i) + 0.5) + 3))\" text-anchor=\"end\" class=\"tick\">\(ids[i])</text>"
        }
        return s + "</svg>"
    }
}
