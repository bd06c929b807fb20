import NumaEngine
import Foundation
import NumaWorkload

/// The human tables of a stress report, printed after numastat (each section names its source).
extension StressReport {
    /// Nodes beyond which the text matrix keeps only the rows and columns that hold pages (a
    /// 1024-node matrix is a million cells; `--json` always has all of them).
    public static let fullMatrixNodes = 16

    public var fallbackTable: String {
        let all = Array(fallback.nodes.indices)
        var rows = all, cols = all
        if fallback.nodes.count > StressReport.fullMatrixNodes {
            rows = all.filter { i in fallback.pages[i].contains { $0 != 0 } }
            cols = all.filter { j in fallback.pages.contains { $0[j] != 0 } }
        }
        let w = Swift.max(14, cols.map { "node\(fallback.nodes[$0])".count + 12 }.max() ?? 0)
        var out = "Fallback matrix (pages; row = node asked for, column = node that served; % of the row):\n"
        out += pad("asked \\ served", 16) + cols.map { rpad("node\(fallback.nodes[$0])", w) }.joined() + rpad("total", 12) + "\n"
        for i in rows {
            let row = fallback.pages[i]
            out += pad("node\(fallback.nodes[i])", 16)
            out += cols.map { j in rpad("\(row[j]) (\(String(format: "%.1f", fallback.row_percent[i][j]))%)", w) }.joined()
            out += rpad("\(row.reduce(0, +))", 12) + "\n"
        }
        if rows.count < all.count || cols.count < all.count {
            out += "(\(all.count - rows.count) rows and \(all.count - cols.count) columns without pages left out of \(all.count) nodes; --json has the whole matrix)\n"
        }
        out += String(format: "served by another node than asked: %.2f%% of %d pages\n", fallback.fallback_percent, locality.pages)
        return out
    }

    public var localityText: String {
        var out = String(format: "Locality: %.2f%% of pages served by the allocating CPU's node; mean SLIT distance %.2f", locality.local_share * 100, locality.mean_distance)
        out += String(format: " (×%.2f of local); mean access %.1f ns simulated (×%.2f of all-local)\n", locality.relative_access_cost,
                      locality.mean_access_ns, locality.access_cost_vs_local)
        return out
    }

    public var zonesTable: String {
        var out = "Zones at the end (pages; below = sampled time under the watermark):\n"
        out += pad("zone", 14) + ["managed", "free", "min", "low", "high", "pgalloc", "<low ops", "<low ms", "<min ops", "<min ms"].map { rpad($0, 11) }.joined() + "\n"
        for z in zones {
            out += pad(z.zone, 14) + [z.managed, z.free, z.min, z.low, z.high, z.pgalloc, z.below_low.ops].map { rpad("\($0)", 11) }.joined()
            out += rpad(String(format: "%.0f", z.below_low.ms), 11) + rpad("\(z.below_min.ops)", 11) + rpad(String(format: "%.0f", z.below_min.ms), 11) + "\n"
        }
        return out
    }

    public var reclaimText: String {
        let r = reclaim
        var out = "Reclaim: kswapd wakeups \(r.kswapd_wakeups) (" + kswapd.keys.sorted { Int($0)! < Int($1)! }.map { "node\($0)=\(kswapd[$0]!.wakeups)" }.joined(separator: " ")
        out += "), balance_pgdat runs \(r.kswapd_runs); pages scanned \(r.pgscan_kswapd) / reclaimed \(r.pgsteal_kswapd) by kswapd"
        out += ", \(r.pgscan_direct) / \(r.pgsteal_direct) direct; direct reclaim stalls \(r.direct_reclaim_stalls); oom_kill \(r.oom_kill)\n"
        return out
    }

    public var failuresText: String {
        guard !failures_by_gfp.isEmpty else { return "Allocation failures by GFP: none\n" }
        return "Allocation failures by GFP: " + failures_by_gfp.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
    }

    public var latencyText: String {
        guard let latency else { return "" }
        var out = "Latency per allocator call (simulated ns, HdrHistogram, 2 significant digits):\n"
        out += pad("operation", 18) + ["count", "p50", "p90", "p99", "p99.9", "max", "mean"].map { rpad($0, 11) }.joined() + "\n"
        for c in OpLatency.OpClass.allCases {
            guard let s = latency[c.key] else { continue }
            out += pad(c.name, 18) + [s.count, Int(s.p50), Int(s.p90), Int(s.p99), Int(s.p999), Int(s.max)].map { rpad("\($0)", 11) }.joined()
            out += rpad(String(format: "%.0f", s.mean), 11) + "\n"
        }
        return out
    }

    /// Rates per second of simulated time (deterministic), then, with `--timing`, per second of
    /// this host's wall clock (which differ from run to run).
    public var throughputText: String {
        var out = ""
        if simulated_time_ns > 0 {
            let perSecond = { (x: Int) in Double(x) * 1e9 / Double(simulated_time_ns) }
            out += String(format: "Throughput (simulated): %.0f ops/s, %.0f allocations/s, %.0f pages/s over %.3f ms simulated\n",
                          perSecond(ops), perSecond(allocations), perSecond(locality.pages), Double(simulated_time_ns) / 1e6)
        }
        if let throughput, let seconds {
            out += String(format: "Throughput (host time, --timing): %.0f ops/s, %.0f allocations/s, %.0f pages/s over %.2f s on this host\n",
                          throughput.ops_per_second, throughput.allocations_per_second, throughput.pages_per_second, seconds)
        }
        return out
    }

    /// Every schema-3 section, in the order the text output prints them.
    public var inspectText: String {
        [fallbackTable, localityText, zonesTable, reclaimText, failuresText, latencyText, throughputText]
            .filter { !$0.isEmpty }.joined(separator: "\n")
    }
}

func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
func rpad(_ s: String, _ w: Int) -> String { s.count >= w ? " " + s : String(repeating: " ", count: w - s.count) + s }
