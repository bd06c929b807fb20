import NumaEngine
import NumaTopology
import Foundation

/// Two stress results side by side (`numasim compare A.json B.json`): first how their inputs
/// differ (`inputs`, from each result's provenance: version, topology, workload, sysctls, seed,
/// engine), then run facts, numastat per
/// node, the fallback matrix, locality, key reclaim counters and throughput, each row with both
/// values and the difference. Nodes are matched by id, so runs on different topologies compare
/// too (a node missing from one run shows as absent).
public struct StressCompare: Codable, Sendable {
    public static let schemaID = "numasim.compare/1"

    public struct Row: Codable, Sendable, Equatable {
        public var section: String
        public var key: String
        public var a: Double?
        public var b: Double?
        /// b − a (null when either is absent).
        public var delta: Double?
        /// Values differ (or one is absent). Host wall time and ops/s (`timing`) are always
        /// noisy; they count as changed only beyond 10 %.
        public var changed: Bool
    }

    public var schema: String
    public var a: String
    public var b: String
    public var a_run: String
    public var b_run: String
    /// The inputs that differ (`StressCompare+Inputs`); empty when they are the same.
    public var inputs: [InputDifference]
    /// "A", "B" or "A and B": the results without provenance (written before it was recorded).
    public var inputs_missing: String?
    public var rows: [Row]

    /// `timing`: add the host wall-clock rows (`seconds`, `ops_per_second`; absent from results
    /// written without `stress --timing`).
    public init(_ x: StressReport, _ y: StressReport, a: String, b: String, timing: Bool = false) {
        schema = StressCompare.schemaID
        self.a = a
        self.b = b
        func describe(_ r: StressReport) -> String { "\(r.topology), \(r.engine) engine, \(r.threads) thread(s), seed \(r.seed)" }
        a_run = describe(x)
        b_run = describe(y)
        inputs = StressCompare.inputDifferences(x, y)
        switch (x.provenance == nil, y.provenance == nil) {
        case (true, true): inputs_missing = "A and B"
        case (true, false): inputs_missing = "A"
        case (false, true): inputs_missing = "B"
        case (false, false): inputs_missing = nil
        }
        var rows: [Row] = []
        func add(_ section: String, _ key: String, _ va: Double?, _ vb: Double?, noisy: Bool = false) {
            let d = va.flatMap { p in vb.map { $0 - p } }
            var changed = va == nil || vb == nil || d != 0
            if noisy, let va, let d { changed = abs(d) > 0.1 * abs(va) }
            rows.append(Row(section: section, key: key, a: va, b: vb, delta: d, changed: changed))
        }
        func i(_ v: Int?) -> Double? { v.map(Double.init) }
        add("run", "ops", i(x.ops), i(y.ops))
        add("run", "allocations", i(x.allocations), i(y.allocations))
        add("run", "frees", i(x.frees), i(y.frees))
        add("run", "failures", i(x.failures.values.reduce(0, +)), i(y.failures.values.reduce(0, +)))
        add("run", "simulated ms", Double(x.simulated_time_ns) / 1e6, Double(y.simulated_time_ns) / 1e6)
        if timing {
            add("run", "host seconds", x.seconds, y.seconds, noisy: true)
            add("run", "host ops_per_second", x.ops_per_second, y.ops_per_second, noisy: true)
        }
        let nodes = Array(Set(x.fallback.nodes + y.fallback.nodes)).sorted()
        for n in nodes {
            let ea = x.numastat[String(n)], eb = y.numastat[String(n)]
            for (k, name) in ["numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node"].enumerated() {
                add("numastat", "node\(n) \(name)", i(ea?.named[k].1), i(eb?.named[k].1))
            }
        }
        func cell(_ r: StressReport, _ ask: Int, _ serve: Int) -> Int? {
            guard let i = r.fallback.nodes.firstIndex(of: ask), let j = r.fallback.nodes.firstIndex(of: serve) else { return nil }
            return r.fallback.pages[i][j]
        }
        for p in nodes {
            for s in nodes { add("fallback", "node\(p) -> node\(s) pages", i(cell(x, p, s)), i(cell(y, p, s))) }
        }
        add("fallback", "fallback %", x.fallback.fallback_percent, y.fallback.fallback_percent)
        add("locality", "local share %", x.locality.local_share * 100, y.locality.local_share * 100)
        add("locality", "mean SLIT distance", x.locality.mean_distance, y.locality.mean_distance)
        for k in ["pgscan_kswapd", "pgsteal_kswapd", "pgscan_direct", "pgsteal_direct", "pgmajfault", "oom_kill", "zone_reclaim_failed"] {
            add("vmstat", k, i(x.vmstat[k]), i(y.vmstat[k]))
        }
        add("reclaim", "kswapd wakeups", i(x.reclaim.kswapd_wakeups), i(y.reclaim.kswapd_wakeups))
        add("reclaim", "direct reclaim stalls", i(x.reclaim.direct_reclaim_stalls), i(y.reclaim.direct_reclaim_stalls))
        add("reclaim", "refaults", i(x.refaults), i(y.refaults))
        self.rows = rows
    }

    /// The side-by-side table. Changed rows are marked: in colour on a terminal, `*` otherwise.
    public func render(color: Bool) -> String {
        var out = "A: \(a) (\(a_run))\nB: \(b) (\(b_run))\n"
        let kw = Swift.max(28, (rows.map(\.key.count).max() ?? 0) + 2, (inputs.map(\.key.count).max() ?? 0) + 2)
        out += renderInputs(color: color, keyWidth: kw)
        var section = ""
        for r in rows {
            if r.section != section {
                section = r.section
                out += "\n" + (color ? "\u{1B}[1m" : "") + "  " + pad(section, kw) + rpad("A", 16) + rpad("B", 16) + rpad("B - A", 16) + rpad("change", 10) + (color ? "\u{1B}[0m" : "") + "\n"
            }
            let pct = r.delta.flatMap { d in r.a.flatMap { $0 != 0 ? String(format: "%+.1f%%", d / $0 * 100) : nil } } ?? ""
            var line = pad(r.key, kw) + rpad(StressCompare.format(r.a), 16) + rpad(StressCompare.format(r.b), 16)
            line += rpad(r.delta.map { ($0 > 0 ? "+" : "") + StressCompare.format($0) } ?? "-", 16) + rpad(r.changed ? pct : "", 10)
            if color {
                out += r.changed ? "  \u{1B}[33m" + line + "\u{1B}[0m\n" : "  " + line + "\n"
            } else {
                out += (r.changed ? "* " : "  ") + line + "\n"
            }
        }
        let n = rows.filter(\.changed).count
        out += "\n\(n) of \(rows.count) rows differ" + (color ? "" : " (marked *)") + "\n"
        return out
    }

    static func format(_ v: Double?) -> String {
        guard let v else { return "-" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(format: "%.2f", v)
    }
}
