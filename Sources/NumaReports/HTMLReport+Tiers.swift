import Foundation
import NumaProcess

/// The HTML report's memory-tier section (process phases on a tiered machine, or with NUMA
/// balancing): each node's used pages over simulated time, top-tier nodes solid and lower-tier
/// nodes dashed; promotion into and demotion out of each node as rates (pages per simulated
/// second between samples); and where each `pattern:` touch's hot set ended.
extension HTMLReport {
    static func tiersSection(_ r: StressReport) -> String {
        guard let t = r.address_spaces?.tiers, let last = t.samples.last,
              last.numa_hint_faults > 0 || last.promoted.contains(where: { $0 > 0 }) || last.demoted.contains(where: { $0 > 0 })
        else { return "" }
        var h = "<h2>Memory tiers</h2><p class=\"note\">Process phases: each node's used pages (managed − free), top-tier nodes solid, lower-tier nodes dashed, sampled every \(String(format: "%.0f", t.interval_ms)) ms of simulated time; promotion (PGPROMOTE_SUCCESS into a node) and demotion (pgdemote_* out of a node) as pages per simulated second. Promotion rate limit: \(t.promote_rate_limit_pages) pages per second of candidates while the target is short of free space.</p><div class=\"grid\">"
        var occupancy: [SVG.Series] = []
        for (n, id) in t.nodes.enumerated() {
            let points: [(x: Double, y: Double)] = t.samples.map { (x: $0.ms, y: Double($0.used[n])) }
            let name = "node\(id)" + (t.top_tier[n] ? "" : " (lower)")
            occupancy.append(SVG.Series(name: name, color: palette[n % palette.count], points: points, dashed: !t.top_tier[n], width: 2))
        }
        h += "<div>" + SVG.lineChart(title: "used pages by node", xLabel: "simulated milliseconds", yLabel: "pages", marks: phaseMarks(r), series: occupancy) + "</div>"
        func rate(_ n: Int, _ v: (AddressSpaceReport.TiersJSON.Sample) -> Int) -> [(x: Double, y: Double)] {
            var out: [(x: Double, y: Double)] = []
            for (a, b) in zip(t.samples, t.samples.dropFirst()) where b.ms > a.ms {
                let seconds = (b.ms - a.ms) / 1000
                out.append((x: b.ms, y: Double(v(b) - v(a)) / seconds))
            }
            return out
        }
        var moves: [SVG.Series] = []
        for (n, id) in t.nodes.enumerated() {
            if last.promoted[n] > 0 {
                moves.append(SVG.Series(name: "promoted into node\(id)", color: palette[n % palette.count], points: rate(n) { $0.promoted[n] }, width: 2))
            }
            if last.demoted[n] > 0 {
                moves.append(SVG.Series(name: "demoted out of node\(id)", color: palette[n % palette.count], points: rate(n) { $0.demoted[n] }, dashed: true, width: 2))
            }
        }
        if !moves.isEmpty {
            h += "<div>" + SVG.lineChart(title: "promotion and demotion rate", xLabel: "simulated milliseconds", yLabel: "pages/s", marks: phaseMarks(r), series: moves) + "</div>"
        }
        h += "</div>"
        let hot = r.address_spaces?.hot_sets ?? []
        if !hot.isEmpty {
            var rows: [[String]] = []
            for s in hot {
                let share = s.resident > 0 ? Double(s.top_tier) / Double(s.resident) * 100 : 0
                rows.append([s.process, s.step, String(s.pages), String(s.resident), "\(s.top_tier) (\(String(format: "%.1f", share))%)",
                             String(s.on_cpu_node)])
            }
            h += "<h3>Hot sets at the end of their touch</h3>" + table(["process", "step", "pages", "resident", "on the top tier", "on the CPU's node"], rows)
        }
        return h + "\n"
    }
}
