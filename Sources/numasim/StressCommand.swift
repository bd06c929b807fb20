import ArgumentParser
import Foundation
import NumaCore
import NumaReports
import NumaTopology
import NumaWorkload

struct StressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "Run a workload on a booted topology and report where the pages came from.",
        discussion: """
            The deterministic engine plays every simulated thread of the workload in a fixed \
            round-robin order on the Linux 6.1 allocator model (buddy lists, per-CPU pagesets, \
            watermarks, zonelists, memory policies), so the same topology, workload and seed give \
            byte-identical output. It prints per-node numastat (the kernel's per-node file and the \
            numastat tool's table), pgalloc per zone, allocation failures, and the result of the \
            invariant check (every page in exactly one place; counters add up).

            Workload format: docs/workload-format.md; examples in workloads/.
            """
    )

    @OptionGroup var options: TopologyOptions

    @Option(name: [.customShort("w"), .long], help: "Workload file (YAML).")
    var workload: String

    @Option(help: "Seed for order distributions and random frees.")
    var seed: UInt64 = 1

    @Flag(help: "Print JSON (numastat keyed by node id, pgalloc, vmstat, failures, invariants).")
    var json = false

    @Option(help: ArgumentHelp(
        "Also print kernel files as they stand at the end, comma-separated: \(StressCommand.dumpFiles.joined(separator: ",")).",
        discussion: "Each file follows a /proc/FILE: line, in the kernel's format; vmstat lists only the counters numasim models.",
        valueName: "FILES"))
    var dump: String?

    /// The files `--dump` knows, in the order the help lists them.
    static let dumpFiles = ["zoneinfo", "buddyinfo", "pagetypeinfo", "vmstat"]

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        if let dump {
            for f in dump.split(separator: ",") where !Self.dumpFiles.contains(String(f)) {
                throw ValidationError("--dump: unknown file '\(f)'; supported: \(Self.dumpFiles.joined(separator: ", "))")
            }
        }
    }

    @Option(help: ArgumentHelp("Host threads for the concurrent engine (each simulated CPU owned by one). Without it, the deterministic engine runs.", valueName: "N"))
    var threads: Int?

    func run() throws {
        if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads: expected 1…256, got \(threads)") }
        let (t, machine) = try options.load()
        let w = try Workload.load(path: workload, topology: t)
        let showProgress = !quiet && !json && isatty(STDERR_FILENO) != 0
        let progress = ProgressLine(enabled: showProgress)
        let a: PageAllocator
        var summary: RunSummary
        var addressSpaces = AddressSpaceReport()
        if let threads {
            let r = try ConcurrentStress.run(machine: machine, workload: w, threads: threads, seed: seed) { done, total in
                progress.show(done, total)
            }
            a = r.allocator
            summary = RunSummary(engine: "concurrent", threads: r.threads, ops: r.ops, allocations: r.allocations, frees: r.frees,
                                 refaults: r.refaults, oomKilled: r.oomKilled, failures: r.failures, seconds: r.seconds,
                                 kswapdRuns: r.kswapdRuns, phaseViolations: r.phaseInvariants.flatMap { $0.flatMap(\.violations) })
        } else {
            let clock = ContinuousClock()
            let start = clock.now
            let r = try DeterministicStress.run(machine: machine, workload: w, seed: seed) { done, total in progress.show(done, total) }
            a = r.allocator
            addressSpaces = r.addressSpaces
            let p = r.addressSpaces
            summary = RunSummary(engine: "deterministic", threads: 1, ops: r.ops + p.ops, allocations: r.allocations + p.allocations,
                                 frees: r.frees + p.frees, refaults: r.refaults, oomKilled: r.oomKilled + p.killed,
                                 failures: r.failures.merging(p.failures, uniquingKeysWith: +),
                                 seconds: (clock.now - start) / .seconds(1), kswapdRuns: r.kswapdRuns, phaseViolations: [])
        }
        progress.clear()
        let violations = summary.phaseViolations + a.checkInvariants().flatMap(\.violations)
        var stats: [Int: NumaEvents] = [:]
        for id in a.nodeIDs { stats[id] = a.numastat(node: id) }
        let dumps = (dump ?? "").split(separator: ",").map(String.init)
        func render(_ f: String) -> String {
            switch f {
            case "zoneinfo": return NumastatFormat.zoneinfo(a)
            case "buddyinfo": return NumastatFormat.buddyinfo(a)
            case "pagetypeinfo": return PagetypeinfoFormat.render(a)
            case "vmstat": return VmstatFormat.render(a)
            default: return ""  // validate() rejected anything else
            }
        }
        if json {
            var pgalloc: [String: Int] = [:]
            for (n, id) in a.nodeIDs.enumerated() {
                for z in machine.zones[id]! where z.isPopulated { pgalloc["\(id):\(z.name)"] = a.pgalloc[n][z.index] }
            }
            try printJSON(StressJSON(
                schema: "numasim.stress/2", engine: summary.engine, topology: t.name, seed: seed, threads: summary.threads,
                ops: summary.ops, ops_per_second: summary.seconds > 0 ? Double(summary.ops) / summary.seconds : 0,
                seconds: summary.seconds, allocations: summary.allocations, frees: summary.frees, refaults: summary.refaults,
                oom_killed: summary.oomKilled,
                numastat: Dictionary(uniqueKeysWithValues: stats.map { (String($0.key), $0.value) }),
                pgalloc: pgalloc, pgfree: a.pgfree, failures: summary.failures,
                vmstat: Dictionary(VmstatFormat.counters(a), uniquingKeysWith: { x, _ in x }),
                kswapd: Dictionary(uniqueKeysWithValues: a.nodeIDs.enumerated().map { n, id in
                    (String(id), StressJSON.Kswapd(wakeups: a.kswapdWakeups[id] ?? 0, runs: summary.kswapdRuns[n],
                                                   failures: a.nodeReclaim[n].kswapdFailures))
                }),
                invariants: .init(ok: violations.isEmpty, checked: StressCommand.checked, violations: violations),
                dumps: dumps.isEmpty ? nil : Dictionary(uniqueKeysWithValues: dumps.map { ($0, render($0)) }),
                address_spaces: addressSpaces.processes.isEmpty ? nil : addressSpaces.json))
        } else {
            var out = "numasim stress: \(t.name), \(summary.engine) engine"
            out += summary.engine == "concurrent" ? " on \(summary.threads) host thread(s)" : ""
            out += ", seed \(seed): \(summary.allocations) allocations, \(summary.frees) frees, \(summary.failures.values.reduce(0, +)) failures"
            out += String(format: "; %d ops in %.2f s (%.0f ops/s)\n\n", summary.ops, summary.seconds,
                          summary.seconds > 0 ? Double(summary.ops) / summary.seconds : 0)
            out += "Per-node numastat (numastat):\n" + NumastatFormat.table(nodes: a.nodeIDs, stats: stats) + "\n"
            for id in a.nodeIDs {
                out += "/sys/devices/system/node/node\(id)/numastat:\n" + NumastatFormat.nodeFile(stats[id]!)
            }
            out += "\npgalloc per zone (pages):\n"
            for (n, id) in a.nodeIDs.enumerated() {
                for z in machine.zones[id]! where z.isPopulated {
                    out += "  node \(id) \(z.name): \(a.pgalloc[n][z.index]) (free now \(a.zones[n][z.index].nrFreePages), low \(a.zones[n][z.index].watermark.lowPages))\n"
                }
            }
            out += "pgfree \(a.pgfree)\n"
            let v = Dictionary(VmstatFormat.counters(a), uniquingKeysWith: { x, _ in x })
            out += "\nreclaim: kswapd wakeups " + a.nodeIDs.map { "node\($0)=\(a.kswapdWakeups[$0] ?? 0)" }.joined(separator: " ")
            out += ", pgscan_kswapd \(v["pgscan_kswapd"] ?? 0), pgsteal_kswapd \(v["pgsteal_kswapd"] ?? 0)"
            out += ", pgscan_direct \(v["pgscan_direct"] ?? 0), pgsteal_direct \(v["pgsteal_direct"] ?? 0)"
            out += ", allocstall \(v.filter { $0.key.hasPrefix("allocstall_") }.values.reduce(0, +))"
            out += ", refaults \(summary.refaults), oom_kill \(v["oom_kill"] ?? 0)\n"
            if !summary.oomKilled.isEmpty { out += "OOM-killed: " + summary.oomKilled.joined(separator: ", ") + "\n" }
            if !summary.failures.isEmpty {
                out += "\nallocation failures:\n"
                for (k, v) in summary.failures.sorted(by: { $0.key < $1.key }) { out += "  \(v) × \(k)\n" }
            }
            out += addressSpaces.summaryText
            out += "\ninvariants: " + (violations.isEmpty ? "ok" : "VIOLATED\n  " + violations.joined(separator: "\n  ")) + "\n"
            emit(out)
            for f in dumps {
                // A header names the file, so several dumps in one output can be told apart.
                emit("\n/proc/\(f):\n")
                emit(render(f))
            }
        }
        if !violations.isEmpty { throw ExitCode(3) }
    }

    static let checked = "after every phase and at the end: every page of every zone in exactly one place (buddy list, pcp list, allocated, reserved); list links; nr_free per order and the non-empty masks; NR_FREE_PAGES; pcp counts; LRU members allocated with matching state; free + pcp + allocated = managed"
}

/// What both engines report.
struct RunSummary {
    var engine: String
    var threads: Int
    var ops: Int
    var allocations: Int
    var frees: Int
    var refaults: Int
    var oomKilled: [String]
    var failures: [String: Int]
    var seconds: Double
    var kswapdRuns: [Int]
    var phaseViolations: [String]
}

/// The progress line on stderr (only on a terminal).
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    private var last = 0.0
    private let lock = NSLock()
    init(enabled: Bool) { self.enabled = enabled }
    func show(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date().timeIntervalSince1970
        if now - last > 0.2 {
            last = now
            FileHandle.standardError.write(Data("\r\(done)/\(total) pages (\(done * 100 / total)%)   ".utf8))
        }
    }
    func clear() { if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
}

struct StressJSON: Encodable {
    struct Invariants: Encodable { var ok: Bool; var checked: String; var violations: [String] }
    struct Kswapd: Encodable { var wakeups: Int; var runs: Int; var failures: Int }
    var schema: String
    var engine: String
    var topology: String
    var seed: UInt64
    var threads: Int
    var ops: Int
    var ops_per_second: Double
    var seconds: Double
    var allocations: Int
    var frees: Int
    var refaults: Int
    var oom_killed: [String]
    var numastat: [String: NumaEvents]
    var pgalloc: [String: Int]
    var pgfree: Int
    var failures: [String: Int]
    /// /proc/vmstat's modeled counters (`VmstatFormat.counters`), name → value.
    var vmstat: [String: Int]
    var kswapd: [String: Kswapd]
    var invariants: Invariants
    /// Kernel files requested with --dump, by name (inside the JSON, so the output stays JSON).
    var dumps: [String: String]?
    /// Process phases: faults, TLB numbers, per-process pages (docs/address-spaces.md).
    var address_spaces: AddressSpaceReport.JSON? = nil
}
