import Foundation
import NumaCore
import NumaEngine

/// The HTML report's free-block section (the timeline's `buddyinfo` and `pagetypeinfo`): per
/// node, its free pages by the order of the free block holding them (/proc/buddyinfo's
/// `nr_free` × 2^order, the node's zones summed) over simulated time, stacked with order 10 at
/// the bottom, so fragmentation shows as the high orders thinning out while order 0 grows, and
/// compaction as their return; under each chart the node's "Free pages count per migrate type at
/// order" table of /proc/pagetypeinfo at the last sample.
extension HTMLReport {
    /// Orders 0…10, light to dark (viridis): the large blocks dark at the bottom of the stack.
    static let orderColors = ["#fde725", "#bddf26", "#7ad151", "#44bf70", "#22a884", "#21918c",
                              "#2a788e", "#355f8d", "#414487", "#482475", "#440154"]

    static func buddyinfoSection(_ r: StressReport) -> String {
        let samples = r.timeline.samples
        guard let first = samples.first?.buddyinfo, !first.zones.isEmpty,
              samples.allSatisfy({ $0.buddyinfo?.zones == first.zones }) else { return "" }
        let nodes = buddyinfoNodes(r, first.zones)
        let charted = chartedBuddyinfoNodes(r, nodes)
        var h = "<h2>Free blocks by order over time</h2><p class=\"note\">Each node's free pages by the order of the free block holding them "
        h += "(/proc/buddyinfo's nr_free × 2<sup>order</sup>, summed over the node's zones; per zone in the JSON's <code>timeline.samples[].buddyinfo</code>), "
        h += "stacked with order 10 at the bottom: fragmentation shows as the high orders thinning out while order 0 grows, compaction as their return. "
        h += "Steps that take little simulated time (<code>madvise</code>, <code>compact_memory</code>) are thin slivers there, so the bars below each chart "
        h += "compare the first sample, the one with the smallest share of free pages in blocks of order 9 or more, and the last. "
        h += "Then /proc/pagetypeinfo's free blocks per migratetype and order at the last sample.</p><div class=\"grid\">"
        for (id, zoneIndices) in charted {
            h += "<div class=\"buddyinfo\">" + buddyinfoChart(r, node: id, zones: zoneIndices)
            h += "<br>" + buddyinfoSnapshots(r, node: id, zones: zoneIndices)
            h += pagetypeinfoTable(r, zones: zoneIndices) + "</div>"
        }
        if charted.count < nodes.count {
            h += "<p class=\"note\">\(nodes.count - charted.count) more nodes not drawn: beyond \(wideNodes) nodes, only those whose free blocks changed most are (at most \(maxZoneCharts); all are in the JSON).</p>"
        }
        return h + "</div>\n"
    }

    /// Node id → the indices of its zones in the samples' tables, in node order.
    static func buddyinfoNodes(_ r: StressReport, _ zones: [String]) -> [(id: Int, zones: [Int])] {
        var out: [(id: Int, zones: [Int])] = []
        for (i, z) in zones.enumerated() {
            let id = Int(z.prefix { $0 != ":" }) ?? 0
            if out.last?.id == id { out[out.count - 1].zones.append(i) } else { out.append((id, [i])) }
        }
        return out
    }

    /// Free pages in blocks of each order, the node's zones summed, at sample `s`.
    static func nodePagesByOrder(_ s: TimelineSample, zones: [Int]) -> [Int] {
        guard let b = s.buddyinfo else { return Array(repeating: 0, count: FreeArea.maxOrder) }
        return (0..<FreeArea.maxOrder).map { o in zones.reduce(0) { $0 + (b.counts[$1][o] << o) } }
    }

    /// All nodes up to `wideNodes`; beyond, the nodes whose pages by order moved most (Σ over
    /// orders of max − min), at most `maxZoneCharts`, in node order.
    static func chartedBuddyinfoNodes(_ r: StressReport, _ nodes: [(id: Int, zones: [Int])]) -> [(id: Int, zones: [Int])] {
        guard nodes.count > wideNodes else { return nodes }
        let swing = nodes.map { n -> Int in
            let rows = r.timeline.samples.map { nodePagesByOrder($0, zones: n.zones) }
            return (0..<FreeArea.maxOrder).reduce(0) { acc, o in acc + (rows.map { $0[o] }.max() ?? 0) - (rows.map { $0[o] }.min() ?? 0) }
        }
        let moved = nodes.indices.filter { swing[$0] > 0 }.sorted { swing[$0] != swing[$1] ? swing[$0] > swing[$1] : $0 < $1 }
        return moved.prefix(maxZoneCharts).sorted().map { nodes[$0] }
    }

    static func buddyinfoChart(_ r: StressReport, node id: Int, zones: [Int]) -> String {
        let (xl, x) = xAxis(r)
        let s = r.timeline.samples
        let rows = s.map { nodePagesByOrder($0, zones: zones) }
        let names = zones.compactMap { s.first?.buddyinfo?.zones[$0] }.map { FreeAreaCounts.zoneName(of: $0) }
        let bands = (0..<FreeArea.maxOrder).reversed().map { o in
            SVG.Band(name: "order \(o)", legend: "\(o)", color: orderColors[o], values: rows.map { Double($0[o]) })
        }
        return SVG.stackedAreaChart(title: "node\(id): free pages by block order (\(names.joined(separator: " + ")))",
                                    xLabel: xl, yLabel: "pages", legendTitle: "order", xs: s.map(x), bands: bands, marks: phaseMarks(r))
    }

    /// Horizontal bars of the node's free pages by block order, as shares: the first sample, the
    /// sample with the smallest share in orders ≥ 9 (the most fragmented; left out when it is
    /// no lower than the first's), and the last sample.
    static func buddyinfoSnapshots(_ r: StressReport, node id: Int, zones: [Int]) -> String {
        let s = r.timeline.samples
        guard let last = s.indices.last else { return "" }
        let rows = s.map { nodePagesByOrder($0, zones: zones) }
        func highShare(_ i: Int) -> Double {
            let total = rows[i].reduce(0, +)
            return total > 0 ? Double(rows[i][9...].reduce(0, +)) / Double(total) : 1
        }
        let worst = s.indices.min { highShare($0) < highShare($1) } ?? 0
        var picked: [(String, Int)] = [("first sample", 0)]
        if worst != 0, worst != last, highShare(worst) < highShare(0) { picked.append(("least in order ≥ 9", worst)) }
        if last != 0 { picked.append(("last sample", last)) }
        let bands = (0..<FreeArea.maxOrder).reversed().map { o in
            SVG.Band(name: "order \(o)", legend: "\(o)", color: orderColors[o], values: picked.map { Double(rows[$0.1][o]) })
        }
        let labels = picked.map { "\($0.0), \(SVG.label((s[$0.1].ms * 10).rounded() / 10)) ms" }
        return SVG.shareBars(title: "node\(id): share of free pages by block order", labels: labels, bands: bands)
    }

    /// The last sample's free blocks per migratetype and order of each of the node's zones, as
    /// /proc/pagetypeinfo's first table (uncapped; migratetypes with no free block left out).
    static func pagetypeinfoTable(_ r: StressReport, zones: [Int]) -> String {
        guard let p = r.timeline.samples.last?.pagetypeinfo else { return "" }
        var rows: [[String]] = []
        for z in zones where z < p.counts.count {
            let zone = FreeAreaCounts.zoneName(of: p.zones[z])
            for mt in MigrateType.allCases {
                let b = p.blocks(zone: z, mt)
                if b.contains(where: { $0 != 0 }) { rows.append([zone, mt.description] + b.map(String.init)) }
            }
        }
        guard !rows.isEmpty else { return "<p class=\"note\">No free blocks at the last sample.</p>" }
        return "<h3>Free blocks per migratetype at the last sample</h3>"
            + table(["zone", "type"] + (0..<FreeArea.maxOrder).map(String.init), rows)
    }
}

extension SVG {
    /// One bar per label, each divided among `bands` in proportion to its values (the first band
    /// at the left), the total at the right; every segment's tooltip gives pages and share.
    static func shareBars(title: String, labels: [String], bands: [Band], width: Double = 560) -> String {
        let left = 190.0, right = 96.0, top = 26.0, row = 22.0
        let height = top + row * Double(labels.count) + 8
        let bw = width - left - right
        var s = "<svg class=\"chart share\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(num(width))\" height=\"\(num(height))\" viewBox=\"0 0 \(num(width)) \(num(height))\" role=\"img\">"
        s += "<title>\(escape(title))</title><text x=\"10\" y=\"16\" class=\"ct\">\(escape(title))</text>"
        for (k, l) in labels.enumerated() {
            let y = top + row * Double(k)
            let total = bands.reduce(0) { $0 + ($1.values.count > k ? $1.values[k] : 0) }
            s += "<text x=\"\(num(left - 8))\" y=\"\(num(y + 14))\" class=\"tick\" text-anchor=\"end\">\(escape(l))</text>"
            var x = left
            for b in bands where b.values.count > k && b.values[k] > 0 && total > 0 {
                let w = b.values[k] / total * bw
                let pct = String(format: "%.1f", b.values[k] / total * 100)
                s += "<rect x=\"\(num(x))\" y=\"\(num(y + 2))\" width=\"\(String(format: "%.2f", w))\" height=\"\(num(row - 6))\" fill=\"\(b.color)\"><title>\(escape(b.name)): \(Int(b.values[k])) pages (\(pct)%)</title></rect>"
                x += w
            }
            s += "<rect x=\"\(num(left))\" y=\"\(num(y + 2))\" width=\"\(num(bw))\" height=\"\(num(row - 6))\" fill=\"none\" stroke=\"#999\" stroke-width=\"0.5\"/>"
            s += "<text x=\"\(num(left + bw + 6))\" y=\"\(num(y + 14))\" class=\"tick\">\(label(total)) pages</text>"
        }
        return s + "</svg>"
    }

    /// One layer of a stacked area chart: `values` per x, drawn above the layers before it.
    struct Band {
        var name: String
        /// The short legend text (the legend's title says what it is).
        var legend: String
        var color: String
        var values: [Double]
    }

    /// Layers stacked from the axis up, the first band at the bottom, each a polygon with its
    /// name as tooltip; axes, 1-2-5 ticks, phase marks and the legend as `lineChart` draws them.
    /// At most `limit` x positions are drawn (first and last kept).
    static func stackedAreaChart(title: String, xLabel: String, yLabel: String, legendTitle: String, xs: [Double], bands: [Band],
                                 marks: [Mark] = [], width: Double = 560, height: Double = 240, limit: Int = 600) -> String {
        let left = 64.0, right = 24.0, top = 44.0, bottom = 40.0
        let pw = width - left - right, ph = height - top - bottom
        let n = xs.count
        let picked = n > limit ? (0..<limit).map { Int((Double($0) * Double(n - 1) / Double(limit - 1)).rounded()) } : Array(0..<n)
        var cumulative = [Double](repeating: 0, count: picked.count)
        var layers: [(band: Band, lower: [Double], upper: [Double])] = []
        for b in bands {
            let lower = cumulative
            for (k, i) in picked.enumerated() where i < b.values.count { cumulative[k] += b.values[i] }
            layers.append((b, lower, cumulative))
        }
        let xMax = Swift.max(xs.max() ?? 1, 1e-9)
        let yTicks = niceTicks(cumulative.max() ?? 1)
        let yMax = Swift.max(yTicks.last!, 1e-9)
        func px(_ x: Double) -> Double { left + x / xMax * pw }
        func py(_ y: Double) -> Double { top + ph - Swift.min(y, yMax) / yMax * ph }
        var s = "<svg class=\"chart\" data-chart=\"stacked\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(num(width))\" height=\"\(num(height))\" viewBox=\"0 0 \(num(width)) \(num(height))\" role=\"img\">"
        s += "<title>\(escape(title))</title><text x=\"\(num(left))\" y=\"16\" class=\"ct\">\(escape(title))</text>"
        for (b, lower, upper) in layers where !picked.isEmpty {
            let up = picked.indices.map { "\(num(px(xs[picked[$0]]))),\(num(py(upper[$0])))" }
            let down = picked.indices.reversed().map { "\(num(px(xs[picked[$0]]))),\(num(py(lower[$0])))" }
            s += "<polygon class=\"band\" fill=\"\(b.color)\" stroke=\"\(b.color)\" stroke-width=\"0.5\" points=\"\((up + down).joined(separator: " "))\"><title>\(escape(b.name))</title></polygon>"
        }
        // Phase marks above the bands (dark, so they show on any layer); the grid dimmed over them.
        s += frame(Frame(left: left, top: top, pw: pw, ph: ph, width: width, height: height, xMax: xMax, yMax: yMax),
                   yTicks: yTicks, marks: marks, xLabel: xLabel, yLabel: yLabel, markColor: "#333", markLabelColor: "#333",
                   gridOpacity: "0.5")
        // Legend in one row under the title, in the bands' natural order (the first band last,
        // so 0 … 10 reads left to right when the bottom band is order 10).
        var lx = left
        s += "<text x=\"\(num(lx))\" y=\"34\" class=\"tick\">\(escape(legendTitle))</text>"
        lx += Double(legendTitle.count) * 6.2 + 8
        for b in bands.reversed() {
            s += "<rect x=\"\(num(lx))\" y=\"25\" width=\"12\" height=\"11\" fill=\"\(b.color)\" stroke=\"#999\" stroke-width=\"0.5\"><title>\(escape(b.name))</title></rect>"
            s += "<text x=\"\(num(lx + 15))\" y=\"34\" class=\"tick\">\(escape(b.legend))</text>"
            lx += 15 + Double(b.legend.count) * 6.2 + 8
        }
        return s + "</svg>"
    }
}
