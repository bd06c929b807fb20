import Foundation
import NumaCore
import NumaWorkload

/// What `numasim stress` prints without `--json`: a header line (engine, seed, operations,
/// simulated time; host time only with `--timing`),
/// numastat as the `numastat` tool's table and as the kernel's per-node files
/// (drivers/base/node.c `node_read_numastat`), the inspect tables (`StressReport.inspectText`),
/// memory hotplug steps, process phases, a trace replay, OOM kills, allocation failures, the timeline line, why
/// the run stopped early (a kernel panic), the invariant check, and then each `--dump` file after its header (`StressDumps.header`).
public struct StressTextReport {
    public var report: StressReport
    public var run: StressRun
    /// How the timeline was sampled: every `everyOps` operations (deterministic engine) or every
    /// `everyMs` milliseconds (concurrent engine).
    public var everyOps: Int
    public var everyMs: Double
    /// Where the timeline CSV and the HTML report were written, if they were.
    public var csvPath: String?
    public var htmlPath: String?
    /// The `--dump` files in the order asked for; their text is `report.dumps`.
    public var dumps: [String]

    /// The text of `report`, built from `run` by `StressReport(_:)`; `everyOps`/`everyMs` as
    /// the run's `StressObserver` sampled (its `everyOps`, `everyMs`). Read `text`.
    public init(report: StressReport, run: StressRun, everyOps: Int, everyMs: Double, csvPath: String? = nil,
                htmlPath: String? = nil, dumps: [String] = []) {
        self.report = report; self.run = run; self.everyOps = everyOps; self.everyMs = everyMs
        self.csvPath = csvPath; self.htmlPath = htmlPath; self.dumps = dumps
    }

    public var text: String {
        let rep = report
        let a = run.allocator
        var out = "numasim stress: \(rep.topology), \(rep.engine) engine"
        out += rep.engine == "concurrent" ? " on \(rep.threads) host thread(s)" : ""
        out += ", seed \(rep.seed): \(rep.allocations) allocations, \(rep.frees) frees, \(rep.failures.values.reduce(0, +)) failures"
        out += String(format: "; %d ops in %.3f ms simulated", rep.ops, Double(rep.simulated_time_ns) / 1e6)
        if let seconds = rep.seconds, let rate = rep.ops_per_second {
            out += String(format: " (host time: %.2f s, %.0f ops/s on this host)", seconds, rate)
        }
        out += "\n\n"
        out += "Per-node numastat (numastat):\n" + NumastatFormat.table(nodes: a.nodeIDs, stats: Dictionary(uniqueKeysWithValues: rep.numastat.map { (Int($0.key)!, $0.value) })) + "\n"
        for id in a.nodeIDs {
            out += "/sys/devices/system/node/node\(id)/numastat:\n" + NumastatFormat.nodeFile(rep.numastat[String(id)]!)
        }
        out += "\n" + rep.inspectText
        if !run.hotplug.isEmpty { out += "\n" + run.hotplug.map { $0.summary + "\n" + $0.fallbackOrder.map { "  " + $0 + "\n" }.joined() }.joined() }
        if let p = run.addressSpaces, !p.processes.isEmpty { out += p.summaryText }
        out += rep.hugetlbText
        if rep.trace != nil { out += "\n" + rep.traceText }
        if !rep.oom_killed.isEmpty { out += "OOM-killed: " + rep.oom_killed.joined(separator: ", ") + "\n" }
        out += rep.oomKillText
        out += rep.cgroupText
        if !rep.failures.isEmpty {
            out += "\nallocation failures:\n"
            for (k, v) in rep.failures.sorted(by: { $0.key < $1.key }) { out += "  \(v) × \(k)\n" }
        }
        out += "\ntimeline: \(rep.timeline.samples.count) samples"
        out += rep.engine == "concurrent" ? " every \(Int(everyMs)) ms" : " every \(everyOps) ops"
        out += (csvPath.map { ", CSV in \($0)" } ?? "") + (htmlPath.map { ", HTML report in \($0)" } ?? "") + "\n"
        if let stop = run.stop { out += "\nstopped: \(stop.reason); nothing after it ran\n" }
        out += "\ninvariants: " + (run.violations.isEmpty ? "ok" : "VIOLATED\n  " + run.violations.joined(separator: "\n  ")) + "\n"
        for f in dumps {
            // A header names the file, so several dumps in one output can be told apart (the
            // per-node files carry a header per node in their text).
            out += "\n" + (StressDumps.header(f).map { "\($0):\n" } ?? "") + (rep.dumps?[f] ?? "")
        }
        return out
    }
}
