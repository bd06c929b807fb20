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

    func run() throws {
        let (t, machine) = try options.load()
        let w = try Workload.load(path: workload, topology: t)
        let showProgress = !quiet && !json && isatty(STDERR_FILENO) != 0
        var lastShown = 0.0
        let r = DeterministicStress.run(machine: machine, workload: w, seed: seed) { done, total in
            guard showProgress, total > 0 else { return }
            let now = Date().timeIntervalSince1970
            if now - lastShown > 0.2 {
                lastShown = now
                FileHandle.standardError.write(Data("\r\(done)/\(total) pages (\(done * 100 / total)%)   ".utf8))
            }
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let reports = r.allocator.checkInvariants()
        let violations = reports.flatMap(\.violations)
        let a = r.allocator
        var stats: [Int: NumaEvents] = [:]
        for id in a.nodeIDs { stats[id] = a.numastat(node: id) }
        if json {
            var pgalloc: [String: Int] = [:]
            for (n, id) in a.nodeIDs.enumerated() {
                for z in machine.zones[id]! where z.isPopulated { pgalloc["\(id):\(z.name)"] = a.pgalloc[n][z.index] }
            }
            try printJSON(StressJSON(
                schema: "numasim.stress/1", topology: t.name, seed: seed, ops: r.ops, allocations: r.allocations,
                frees: r.frees, numastat: Dictionary(uniqueKeysWithValues: stats.map { (String($0.key), $0.value) }),
                pgalloc: pgalloc, pgfree: a.pgfree, failures: r.failures,
                vmstat: Dictionary(uniqueKeysWithValues: VmstatFormat.counters(a)),
                invariants: .init(ok: violations.isEmpty, checked: "every page of every zone in exactly one place (buddy list, pcp list, allocated, reserved); list links; nr_free per order; NR_FREE_PAGES; pcp counts; free + pcp + allocated = managed", violations: violations)))
        } else {
            var out = "numasim stress: \(t.name), \(w.threads.count) thread group(s), seed \(seed): \(r.allocations) allocations, \(r.frees) frees, \(r.failures.values.reduce(0, +)) failures\n\n"
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
            if !r.failures.isEmpty {
                out += "\nallocation failures:\n"
                for (k, v) in r.failures.sorted(by: { $0.key < $1.key }) { out += "  \(v) × \(k)\n" }
            }
            out += "\ninvariants: " + (violations.isEmpty ? "ok" : "VIOLATED\n  " + violations.joined(separator: "\n  ")) + "\n"
            emit(out)
        }
        if let dump {
            for f in dump.split(separator: ",") {
                // A header names the file, so several dumps in one output can be told apart.
                if !json { emit("\n/proc/\(f):\n") }
                switch f {
                case "zoneinfo": emit(NumastatFormat.zoneinfo(a))
                case "buddyinfo": emit(NumastatFormat.buddyinfo(a))
                case "pagetypeinfo": emit(PagetypeinfoFormat.render(a))
                case "vmstat": emit(VmstatFormat.render(a))
                default: break  // validate() rejected anything else
                }
            }
        }
        if !violations.isEmpty { throw ExitCode(3) }
    }
}

struct StressJSON: Encodable {
    struct Invariants: Encodable { var ok: Bool; var checked: String; var violations: [String] }
    var schema: String
    var topology: String
    var seed: UInt64
    var ops: Int
    var allocations: Int
    var frees: Int
    var numastat: [String: NumaEvents]
    var pgalloc: [String: Int]
    var pgfree: Int
    var failures: [String: Int]
    /// /proc/vmstat's modeled counters (`VmstatFormat.counters`), name → value.
    var vmstat: [String: Int]
    var invariants: Invariants
}
