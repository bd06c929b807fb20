import NumaEngine
import Foundation
import NumaTopology
import NumaWorkload

/// `numasim stress --report FILE.html`: one self-contained page (inline CSS and SVG, no script,
/// no network) with the topology drawn as nodes and SLIT distances, the fallback heatmap, each
/// zone's free pages against its watermarks over time, each node's free pages by block order
/// over time (`HTMLReport+Buddyinfo`), locality and fallback rate over time, kswapd activity,
/// and the summary tables. Rendered from the same `StressReport` as `--json`.
public enum HTMLReport {
    /// What the page is about: `WORKLOAD on TOPOLOGY` and the sysctls that differ from the
    /// defaults (`WORKLOAD on TOPOLOGY, vm.zone_reclaim_mode=1`); the topology alone for a report
    /// without provenance.
    static func title(_ r: StressReport) -> String {
        guard let p = r.provenance else { return r.topology }
        var t = "\(p.workload.name ?? "workload") on \(r.topology)"
        let changed = p.changed_sysctls.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if !changed.isEmpty { t += ", " + changed.joined(separator: ", ") }
        return t
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]

    public static func render(_ r: StressReport, topology t: Topology? = nil) -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        h += "<title>numasim stress: \(SVG.escape(title(r)))</title><style>\(css)</style></head><body>\n"
        h += "<h1>numasim stress — \(SVG.escape(title(r)))</h1>\n"
        if let p = r.provenance {
            h += "<p class=\"sub\">topology \(SVG.escape(p.topology.path ?? r.topology)) (sha256 \(p.topology.sha256.prefix(12))…) · workload "
            h += "\(SVG.escape(p.workload.path ?? p.workload.name ?? "")) (sha256 \(p.workload.sha256.prefix(12))…) · numasim \(SVG.escape(p.numasim_version))</p>\n"
        }
        h += "<p class=\"sub\">\(r.engine) engine" + (r.engine == "concurrent" ? " on \(r.threads) host thread(s)" : "")
        h += ", seed \(r.seed) · \(r.ops) ops in \(String(format: "%.3f", Double(r.simulated_time_ns) / 1e6)) ms simulated"
        if let s = r.seconds, let rate = r.ops_per_second { h += " (host time: \(String(format: "%.2f", s)) s, \(String(format: "%.0f", rate)) ops/s)" }
        h += " · "
        h += "\(r.allocations) allocations, \(r.frees) frees, \(r.failures.values.reduce(0, +)) failures · invariants "
        h += r.invariants.ok ? "<span class=\"ok\">ok</span>" : "<span class=\"bad\">VIOLATED</span>"
        h += "</p>\n<div class=\"cards\">"
        h += card("served by the node asked for", String(format: "%.1f%%", 100 - r.fallback.fallback_percent))
        h += card("served by the CPU's node", String(format: "%.1f%%", r.locality.local_share * 100))
        h += card("mean SLIT distance", String(format: "%.2f", r.locality.mean_distance))
        h += card("kswapd wake-ups", "\(r.reclaim.kswapd_wakeups)")
        h += card("direct reclaim stalls", "\(r.reclaim.direct_reclaim_stalls)")
        h += card("allocation failures", "\(r.failures.values.reduce(0, +))")
        h += "</div>\n"

        let wide = r.fallback.nodes.count > wideNodes
        h += "<section class=\"row\"><div><h2>Topology</h2>" + (wide ? distanceMatrixSVG(r) : topologySVG(r, t)) + "</div>"
        h += "<div><h2>Fallback matrix</h2><p class=\"note\">Rows: the node each allocation asked for (its policy's preferred node); columns: the node that served it. Cells: pages and % of the row." + (wide ? " Beyond \(wideNodes) nodes only the rows and columns with pages are drawn." : "") + "</p>" + heatmapSVG(r) + "</div></section>\n"

        h += "<h2>Free pages against watermarks</h2><p class=\"note\">NR_FREE_PAGES of each populated zone with its min, low and high watermarks (boost included), sampled every "
        h += r.timeline.everyMs.map { "\(String(format: "%.0f", $0)) ms" } ?? "\(r.timeline.everyOps ?? 0) operations"
        h += ".</p><div class=\"grid\">"
        let charted = chartedZones(r)
        for i in charted.zones { h += "<div>" + zoneChart(r, i, r.timeline.zones[i]) + "</div>" }
        if charted.omitted > 0 {
            h += "<p class=\"note\">\(charted.omitted) more zones not drawn: beyond \(maxZoneCharts) zones, only those whose free pages moved most are (all are in the JSON and CSV).</p>"
        }
        h += "</div>\n"
        h += buddyinfoSection(r)

        h += "<h2>Locality over time</h2><div class=\"grid\"><div>" + localityChart(r) + "</div><div>" + distanceChart(r) + "</div><div>" + kswapdChart(r) + "</div></div>\n"

        h += tiersSection(r)
        h += cgroupSection(r)

        h += "<h2>Summary</h2><div class=\"grid\">"
        h += "<div><h3>numastat</h3>" + numastatTable(r) + "</div>"
        h += "<div><h3>Locality</h3>" + table(["", "value"], [
            ["pages allocated", "\(r.locality.pages)"], ["served by the allocating CPU's node", "\(r.locality.local_pages) (\(String(format: "%.2f", r.locality.local_share * 100))%)"],
            ["page-weighted mean SLIT distance", String(format: "%.2f", r.locality.mean_distance)],
            ["relative access cost (SLIT / 10)", String(format: "×%.2f", r.locality.relative_access_cost)],
            ["mean access cost (simulated)", String(format: "%.1f ns (×%.2f of all-local)", r.locality.mean_access_ns, r.locality.access_cost_vs_local)]]) + "</div>"
        h += "<div><h3>Reclaim</h3>" + table(["", "value"], [
            ["kswapd wake-ups", "\(r.reclaim.kswapd_wakeups)"], ["balance_pgdat runs", "\(r.reclaim.kswapd_runs)"],
            ["pgscan_kswapd / pgsteal_kswapd", "\(r.reclaim.pgscan_kswapd) / \(r.reclaim.pgsteal_kswapd)"],
            ["pgscan_direct / pgsteal_direct", "\(r.reclaim.pgscan_direct) / \(r.reclaim.pgsteal_direct)"],
            ["direct reclaim stalls (allocstall)", "\(r.reclaim.direct_reclaim_stalls)"], ["refaults", "\(r.refaults)"],
            ["oom_kill", "\(r.reclaim.oom_kill)"]]) + "</div>"
        h += "<div><h3>Throughput</h3>" + throughputTable(r) + "</div>"
        h += "</div>"
        h += "<h3>Zones</h3>" + table(["zone", "managed", "free", "min", "low", "high", "pgalloc", "ops below low", "ms below low", "ops below min", "ms below min"],
                                      r.zones.map { z in [z.zone] + [z.managed, z.free, z.min, z.low, z.high, z.pgalloc, z.below_low.ops].map(String.init)
                                          + [String(format: "%.0f", z.below_low.ms), String(z.below_min.ops), String(format: "%.0f", z.below_min.ms)] })
        h += "<h3>Allocation failures</h3>"
        h += r.failures.isEmpty ? "<p>none</p>" : table(["GFP order N: reason", "count"], r.failures.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] })
        if let l = r.latency {
            h += "<h3>Latency per allocator call (ns)</h3>" + table(["operation", "count", "p50", "p90", "p99", "p99.9", "max", "mean"],
                OpLatency.OpClass.allCases.compactMap { c in l[c.key].map { s in [c.name, String(s.count), String(s.p50), String(s.p90), String(s.p99), String(s.p999), String(s.max), String(format: "%.0f", s.mean)] } })
        }
        h += "<p class=\"foot\">schema \(SVG.escape(r.schema)) · generated by numasim · no scripts, no network</p>\n</body></html>\n"
        return h
    }

    static let css = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px 32px;color:#222;background:#fafafa}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}h3{font-size:14px;margin:14px 0 4px}
        .sub{color:#555;margin:0 0 12px}.note{color:#666;font-size:12px;margin:2px 0 8px;max-width:720px}
        .ok{color:#1a7f37;font-weight:600}.bad{color:#c0392b;font-weight:600}
        .cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:150px}
        .card b{display:block;font-size:20px}.card span{color:#666;font-size:12px}
        .row{display:flex;flex-wrap:wrap;gap:32px}.grid{display:flex;flex-wrap:wrap;gap:18px}
        table{border-collapse:collapse;background:#fff;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
        th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}
        svg{background:#fff;border:1px solid #e3e3e3;border-radius:4px}.ct{font-size:13px;font-weight:600;fill:#222}
        .tick{font-size:11px;fill:#555}.grid line{}.axis{stroke:#888}line.grid{stroke:#eee}
        .foot{color:#888;font-size:11px;margin-top:24px}
        """

    static func card(_ label: String, _ value: String) -> String {
        "<div class=\"card\"><b>\(SVG.escape(value))</b><span>\(SVG.escape(label))</span></div>"
    }

    static func table(_ head: [String], _ rows: [[String]]) -> String {
        var s = "<table><tr>" + head.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr>"
        for row in rows { s += "<tr>" + row.map { "<td>\(SVG.escape($0))</td>" }.joined() + "</tr>" }
        return s + "</table>"
    }

    /// Per second of simulated time (deterministic), and of host time with `--timing`.
    static func throughputTable(_ r: StressReport) -> String {
        let sim = Double(r.simulated_time_ns) / 1e9
        let perSim = { (x: Int) in sim > 0 ? String(format: "%.0f", Double(x) / sim) : "-" }
        var head = ["", "per simulated second"]
        var rows = [["operations", perSim(r.ops)], ["allocations", perSim(r.allocations)], ["pages", perSim(r.locality.pages)]]
        if let t = r.throughput {
            head.append("per host second (--timing)")
            for (i, v) in [t.ops_per_second, t.allocations_per_second, t.pages_per_second].enumerated() { rows[i].append(String(format: "%.0f", v)) }
        }
        return table(head, rows)
    }

    static func numastatTable(_ r: StressReport) -> String {
        let names = ["numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node"]
        // Beyond `wideNodes` nodes, only the nodes with a non-zero counter (numastat -z).
        let ids = r.fallback.nodes.count <= wideNodes ? r.fallback.nodes : r.fallback.nodes.filter { id in
            names.indices.contains { (r.numastat[String(id)]?.named[$0].1 ?? 0) != 0 }
        }
        return table([""] + ids.map { "node\($0)" }, names.enumerated().map { k, name in
            [name] + ids.map { String(r.numastat[String($0)]?.named[k].1 ?? 0) }
        })
    }

    /// Nodes on a circle, every pair joined by a line labelled with its SLIT distance (both
    /// directions when asymmetric); line weight falls with distance. Above eight nodes the lines
    /// would hide each other, so only the nearest neighbours of each node are drawn. Each label
    /// sits on its line at the first of a few positions (middle first) where it overlaps no label
    /// placed before and no node (`TopologyLayout`); each node's text fits inside its circle
    /// (a long CPU list is shown as a count, the list in the tooltip).
    static func topologySVG(_ r: StressReport, _ t: Topology?) -> String {
        let ids = r.fallback.nodes
        let n = ids.count
        let size = 440.0
        let layout = TopologyLayout(count: n, size: size)
        let managed = Dictionary(grouping: r.zones, by: { Int($0.zone.split(separator: ":")[0])! }).mapValues { $0.reduce(0) { $0 + $1.managed } }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size))\" height=\"\(Int(size))\" viewBox=\"0 0 \(Int(size)) \(Int(size))\" role=\"img\"><title>Topology: nodes and SLIT distances</title>"
        let remote = r.distances.enumerated().flatMap { i, row in row.enumerated().filter { $0.offset != i }.map(\.element) }
        let minD = Double(remote.min() ?? 20), maxD = Double(remote.max() ?? 20)
        var lines = ""
        var labels = ""
        var placed: [TopologyLayout.Box] = []
        for i in 0..<n {
            for j in (i + 1)..<Swift.max(i + 1, n) {
                let d = r.distances[i][j], back = r.distances[j][i]
                if n > 8 {
                    let nearest = r.distances[i].enumerated().filter { $0.offset != i }.map(\.element).min() ?? d
                    if d > nearest { continue }
                }
                let w = maxD > minD ? 1 + 4 * (maxD - Double(d)) / (maxD - minD) : 3
                let (x1, y1) = layout.centers[i], (x2, y2) = layout.centers[j]
                lines += "<line x1=\"\(SVG.num(x1))\" y1=\"\(SVG.num(y1))\" x2=\"\(SVG.num(x2))\" y2=\"\(SVG.num(y2))\" stroke=\"#9aa\" stroke-width=\"\(SVG.num(w))\"><title>node\(ids[i]) ↔ node\(ids[j]): \(d)</title></line>"
                let text = d == back ? "\(d)" : "\(d)/\(back)"
                let box = layout.labelBox(from: i, to: j, width: Double(text.count) * 6.5 + 8, height: 16, avoiding: placed)
                placed.append(box)
                labels += "<rect class=\"slit\" x=\"\(SVG.num(box.x))\" y=\"\(SVG.num(box.y))\" width=\"\(SVG.num(box.w))\" height=\"\(SVG.num(box.h))\" rx=\"3\" fill=\"#fff\" stroke=\"#ccc\"/>"
                labels += "<text x=\"\(SVG.num(box.x + box.w / 2))\" y=\"\(SVG.num(box.y + 12))\" text-anchor=\"middle\" class=\"tick\">\(text)</text>"
            }
        }
        s += lines + labels
        for (i, id) in ids.enumerated() {
            let (x, y) = layout.centers[i]
            let radius = layout.nodeRadius
            let mib = (managed[id] ?? 0) * 4 / 1024
            let memory = mib >= 10240 ? String(format: "%.0f GiB", Double(mib) / 1024) : "\(mib) MiB"
            let cpuList = t?.nodes.first { $0.id == id }?.cpus
            let cpus = TopologyLayout.cpuLabel(cpuList.map { $0.count == 0 ? "no CPUs" : "CPUs \($0)" } ?? "", count: cpuList?.count ?? 0,
                                               fitting: 2 * radius - 8)
            s += "<g class=\"node\"><title>node\(id): \(memory), \(SVG.escape(cpuList.map { "CPUs \($0)" } ?? ""))</title>"
            s += "<circle cx=\"\(SVG.num(x))\" cy=\"\(SVG.num(y))\" r=\"\(SVG.num(radius))\" fill=\"#fff\"/>"
            s += "<circle cx=\"\(SVG.num(x))\" cy=\"\(SVG.num(y))\" r=\"\(SVG.num(radius))\" fill=\"\(palette[i % palette.count])\" fill-opacity=\"0.15\" stroke=\"\(palette[i % palette.count])\" stroke-width=\"2\"/>"
            s += "<text x=\"\(SVG.num(x))\" y=\"\(SVG.num(y - 6))\" text-anchor=\"middle\" class=\"ct\">node\(id)</text>"
            s += "<text x=\"\(SVG.num(x))\" y=\"\(SVG.num(y + 9))\" text-anchor=\"middle\" class=\"tick\">\(memory)</text>"
            s += "<text x=\"\(SVG.num(x))\" y=\"\(SVG.num(y + 22))\" text-anchor=\"middle\" class=\"tick cpus\">\(SVG.escape(cpus))</text></g>"
        }
        return s + "</svg>"
    }

    /// Asking × serving pages, each cell shaded by its share of the row.
    static func heatmapSVG(_ r: StressReport) -> String {
        let ids = r.fallback.nodes
        let (rows, cols) = heatmapIndices(r)
        let nr = rows.count, nc = cols.count, n = max(nr, nc)
        let cell = n <= 4 ? 96.0 : n <= 8 ? 64.0 : 40.0
        let left = 70.0, top = 56.0
        let w = left + cell * Double(nc) + 20, h = top + cell * Double(nr) + 20
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(SVG.num(w))\" height=\"\(SVG.num(h))\" viewBox=\"0 0 \(SVG.num(w)) \(SVG.num(h))\" role=\"img\"><title>Fallback heatmap</title>"
        s += "<text x=\"\(SVG.num(left + cell * Double(nc) / 2))\" y=\"16\" text-anchor=\"middle\" class=\"tick\">served by</text>"
        s += "<text x=\"14\" y=\"\(SVG.num(top + cell * Double(nr) / 2))\" text-anchor=\"middle\" class=\"tick\" transform=\"rotate(-90 14 \(SVG.num(top + cell * Double(nr) / 2)))\">asked for</text>"
        for (cj, j) in cols.enumerated() {
            s += "<text x=\"\(SVG.num(left + cell * (Double(cj) + 0.5)))\" y=\"\(SVG.num(top - 8))\" text-anchor=\"middle\" class=\"ct\">node\(ids[j])</text>"
        }
        for (ri, i) in rows.enumerated() {
            s += "<text x=\"\(SVG.num(left - 8))\" y=\"\(SVG.num(top + cell * (Double(ri) + 0.5) + 4))\" text-anchor=\"end\" class=\"ct\">node\(ids[i])</text>"
            for (cj, j) in cols.enumerated() {
                let pct = r.fallback.row_percent[i][j], pages = r.fallback.pages[i][j]
                // Diagonal in blue (served where asked), off-diagonal in red (fallback).
                let (cr, cg, cb) = i == j ? (31.0, 119.0, 180.0) : (214.0, 39.0, 40.0)
                let a = pages == 0 ? 0 : 0.12 + 0.88 * pct / 100
                let fill = "rgb(\(Int(255 - (255 - cr) * a)),\(Int(255 - (255 - cg) * a)),\(Int(255 - (255 - cb) * a)))"
                let x = left + cell * Double(cj), y = top + cell * Double(ri)
                let textColor = a > 0.55 ? "#fff" : "#222"
                s += "<rect x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\" width=\"\(SVG.num(cell - 2))\" height=\"\(SVG.num(cell - 2))\" fill=\"\(fill)\" stroke=\"#ddd\"><title>node\(ids[i]) → node\(ids[j]): \(pages) pages, \(String(format: "%.2f", pct))% of the row</title></rect>"
                if cell >= 60 {
                    s += "<text x=\"\(SVG.num(x + cell / 2 - 1))\" y=\"\(SVG.num(y + cell / 2 - 3))\" text-anchor=\"middle\" font-size=\"12\" fill=\"\(textColor)\">\(pages)</text>"
                    s += "<text x=\"\(SVG.num(x + cell / 2 - 1))\" y=\"\(SVG.num(y + cell / 2 + 12))\" text-anchor=\"middle\" font-size=\"11\" fill=\"\(textColor)\">\(String(format: "%.1f", pct))%</text>"
                } else {
                    s += "<text x=\"\(SVG.num(x + cell / 2 - 1))\" y=\"\(SVG.num(y + cell / 2 + 4))\" text-anchor=\"middle\" font-size=\"10\" fill=\"\(textColor)\">\(String(format: "%.0f", pct))</text>"
                }
            }
        }
        return s + "</svg>"
    }

    /// Where each workload phase began (two or more phases), for every timeline chart. Phases
    /// that begin at the same moment (a `sysctl:` or `hotplug:` phase takes no simulated time)
    /// share one mark: `phases 2–3: sysctl, threads`.
    static func phaseMarks(_ r: StressReport) -> [SVG.Mark] {
        var groups: [[PhaseMark]] = []
        for m in r.timeline.phases ?? [] {
            if let last = groups.last?.last, last.ms == m.ms { groups[groups.count - 1].append(m) } else { groups.append([m]) }
        }
        return groups.map { g in
            let label = g.count == 1 ? g[0].label
                : "phases \(g[0].index + 1)–\(g[g.count - 1].index + 1): " + g.map(\.kind).joined(separator: ", ")
            return SVG.Mark(x: g[0].ms, label: label)
        }
    }

    /// Both engines' timelines are on the simulated clock (docs/time.md).
    static func xAxis(_ r: StressReport) -> (String, (TimelineSample) -> Double) {
        ("simulated milliseconds", { $0.ms })
    }

    static func zoneChart(_ r: StressReport, _ i: Int, _ zone: String) -> String {
        let (xl, x) = xAxis(r)
        let s = r.timeline.samples
        func series(_ name: String, _ color: String, _ dashed: Bool, _ v: (TimelineSample) -> Int) -> SVG.Series {
            SVG.Series(name: name, color: color, points: s.map { (x($0), Double(v($0))) }, dashed: dashed, width: dashed ? 1.2 : 2)
        }
        // Watermarks are a fraction of a percent of a big zone: at full scale they sit on the axis.
        // Zoom to a few times the high watermark when free pages go far above it (clipped at the top);
        // The zoom keeps the lowest free count in view (with room above it), so a drop shows.
        let high = s.map { $0.high[i] }.max() ?? 0, maxFree = s.map { $0.free[i] }.max() ?? 0, minFree = s.map { $0.free[i] }.min() ?? 0
        let top = SVG.niceMax(Double(Swift.max(4 * high, 2 * minFree)))
        let zoom = high > 0 && Double(maxFree) > 1.25 * top
        let title = zoom ? "zone \(zone) (zoomed; free peaks at \(SVG.label(Double(maxFree))))" : "zone \(zone)"
        return SVG.lineChart(title: title, xLabel: xl, yLabel: "pages", yMax: zoom ? top : nil, marks: phaseMarks(r), series: [
            series("free", "#1f77b4", false) { $0.free[i] }, series("high", "#2ca02c", true) { $0.high[i] },
            series("low", "#ff7f0e", true) { $0.low[i] }, series("min", "#d62728", true) { $0.min[i] },
        ])
    }

    static func localityChart(_ r: StressReport) -> String {
        let (xl, x) = xAxis(r)
        let s = r.timeline.samples
        return SVG.lineChart(title: "locality and fallback per interval", xLabel: xl, yLabel: "% of pages", yMax: 100, marks: phaseMarks(r), series: [
            SVG.Series(name: "served by CPU's node", color: "#1f77b4", points: s.compactMap { p in p.locality.map { (x(p), $0 * 100) } }, width: 2),
            SVG.Series(name: "fallback (not the node asked)", color: "#d62728", points: s.compactMap { p in p.fallbackRate.map { (x(p), $0 * 100) } }, width: 2),
        ])
    }

    static func distanceChart(_ r: StressReport) -> String {
        let (xl, x) = xAxis(r)
        let s = r.timeline.samples
        let maxD = Double(r.distances.flatMap { $0 }.max() ?? 20)
        return SVG.lineChart(title: "page-weighted mean SLIT distance per interval", xLabel: xl, yLabel: "distance",
                             yMax: SVG.niceMax(maxD), marks: phaseMarks(r), series: [
            SVG.Series(name: "mean distance", color: "#9467bd", points: s.compactMap { p in p.meanDistance.map { (x(p), $0) } }, width: 2),
        ])
    }

    static func kswapdChart(_ r: StressReport) -> String {
        let (xl, x) = xAxis(r)
        let s = r.timeline.samples
        // Only the nodes whose kswapd ran; none: say so rather than draw flat lines.
        let ran = r.timeline.nodes.indices.filter { n in (s.last?.kswapdRuns[n] ?? 0) > 0 }
        guard !ran.isEmpty else {
            let woke = s.last?.kswapdWakeups.reduce(0, +) ?? 0
            return "<p class=\"note kswapd-idle\">" + (woke == 0
                ? "kswapd never woke: no zone's free pages fell below its low watermark, so there is no kswapd chart."
                : "kswapd was woken \(woke) time(s) but never ran balance_pgdat (the zones were balanced again when it looked), so there is no kswapd chart.") + "</p>"
        }
        return SVG.lineChart(title: "kswapd balance_pgdat runs (cumulative)", xLabel: xl, yLabel: "runs", marks: phaseMarks(r),
                             series: ran.map { n in
            SVG.Series(name: "node\(r.timeline.nodes[n])", color: palette[n % palette.count], points: s.map { (x($0), Double($0.kswapdRuns[n])) }, width: 2)
        })
    }
}
