import NumaCore
import NumaEngine
import NumaProcess
import NumaTopology
import NumaWorkload

/// One stress run as `numasim stress --json` prints it (schema `numasim.stress/3`, docs/json.md),
/// and what the text tables, `--report FILE.html`, `--csv` and `numasim compare` read. Key names
/// are the JSON's (snake_case). Schema 3 keeps every key of schema 2 and adds `fallback`,
/// `locality`, `zones`, `reclaim`, `failures_by_gfp`, `latency`, `throughput`, `timeline` and
/// `distances`; later keys within it: `numasim_version`, `node_meminfo`.
public struct StressReport: Codable, Sendable {
    public static let schemaID = "numasim.stress/3"

    public struct Invariants: Codable, Sendable { public var ok: Bool; public var checked: String; public var violations: [String] }
    public struct Kswapd: Codable, Sendable { public var wakeups: Int; public var runs: Int; public var failures: Int }

    /// Asking node (the `preferred_nid` the task's policy passed to `__alloc_pages`) × serving node.
    public struct Fallback: Codable, Sendable {
        public var nodes: [Int]
        /// pages[i][j]: pages asked of nodes[i], served by nodes[j].
        public var pages: [[Int]]
        public var allocations: [[Int]]
        /// Share of each asking node's pages served by each node, in percent (rows add up to 100).
        public var row_percent: [[Double]]
        /// Pages served by another node than the one asked for, in percent of all pages.
        public var fallback_percent: Double
    }

    /// Where pages landed relative to the CPU that allocated them.
    public struct Locality: Codable, Sendable {
        public var pages: Int
        public var local_pages: Int
        /// local_pages / pages.
        public var local_share: Double
        /// Page-weighted mean SLIT distance from the allocating CPU's node to the serving node.
        public var mean_distance: Double
        /// mean_distance / 10: the SLIT is a latency relative to local (10).
        public var relative_access_cost: Double
        /// Page-weighted mean memory access latency in simulated ns from the allocating CPU's
        /// node to the serving node (the topology's `latency_ns:`, else local latency × SLIT / 10;
        /// docs/time.md), and its ratio to an all-local placement.
        public var mean_access_ns: Double
        public var access_cost_vs_local: Double
        /// by_cpu_node[i][j]: pages allocated on a CPU of nodes[i], served by nodes[j].
        public var by_cpu_node: [[Int]]
    }

    /// A zone at the end of the run, and how long it spent below its watermarks (from the
    /// timeline: an interval counts as below when the sample closing it was).
    public struct ZoneReport: Codable, Sendable {
        public var zone: String
        public var managed: Int
        public var free: Int
        public var min: Int
        public var low: Int
        public var high: Int
        public var pgalloc: Int
        public var below_low: Below
        public var below_min: Below
    }

    public struct Below: Codable, Sendable, Equatable {
        public var samples: Int
        public var ops: Int
        public var ms: Double
    }

    public struct Reclaim: Codable, Sendable {
        public var kswapd_wakeups: Int
        public var kswapd_runs: Int
        public var pgscan_kswapd: Int
        public var pgsteal_kswapd: Int
        public var pgscan_direct: Int
        public var pgsteal_direct: Int
        /// allocstall_* summed: direct reclaim entries (`__perform_reclaim`).
        public var direct_reclaim_stalls: Int
        public var oom_kill: Int
    }

    public struct Throughput: Codable, Sendable {
        public var ops_per_second: Double
        public var allocations_per_second: Double
        public var pages_per_second: Double
    }

    public var schema: String
    public var engine: String
    public var topology: String
    public var seed: UInt64
    public var threads: Int
    public var ops: Int
    /// Host wall-clock figures, present only with `--timing` (they differ from run to run; every
    /// other key is deterministic for the deterministic engine): operations per host second, and
    /// host seconds the run took.
    public var ops_per_second: Double?
    public var seconds: Double?
    /// Simulated time the run took (docs/time.md): the latest clock of any CPU or kswapd.
    public var simulated_time_ns: Int
    public var allocations: Int
    public var frees: Int
    public var refaults: Int
    public var oom_killed: [String]
    public var numastat: [String: NumaEvents]
    public var pgalloc: [String: Int]
    public var pgfree: Int
    public var failures: [String: Int]
    public var vmstat: [String: Int]
    public var kswapd: [String: Kswapd]
    public var invariants: Invariants
    public var dumps: [String: String]?
    // Schema 3.
    public var distances: [[Int]]
    public var fallback: Fallback
    public var locality: Locality
    public var zones: [ZoneReport]
    public var reclaim: Reclaim
    public var failures_by_gfp: [String: Int]
    /// Percentiles in nanoseconds by operation class; absent unless `--latency`.
    public var latency: [String: OpLatency.Summary]?
    /// Host wall-clock rates; present only with `--timing`.
    public var throughput: Throughput?
    public var timeline: Timeline
    /// Process phases (docs/address-spaces.md): faults, page-table pages, TLB; absent without them.
    public var address_spaces: AddressSpaceReport.JSON?
    /// Memory hotplug steps (docs/memory-hotplug.md); absent without them.
    public var hotplug: [Hotplug]?
    /// Why the run stopped before the end of its workload (the kernel would have panicked:
    /// "Out of memory and no killable processes..."); absent when it ran to the end.
    public var stop_reason: String?
    /// The numasim that wrote the result (`NumasimVersion.number`); absent from results of
    /// numasim before 0.1.0.
    public var numasim_version: String?
    /// Each node's `/sys/devices/system/node/nodeN/meminfo` at the end (`NodeMeminfoFormat`):
    /// node id → field → kB (HugePages_*: pages). What `numasim numastat -m` reads; absent from
    /// results of numasim before 0.1.0.
    public var node_meminfo: [String: [String: Int]]?
    /// `stress --trace`: the replay of a kernel trace (`StressReport+Trace.swift`); absent for a
    /// workload run.
    public var trace: Trace?
    /// Where the result came from: command line, topology and workload with their hashes, the
    /// sysctls in force, seed and engine (`StressProvenance`). Absent from results written before
    /// it was added (issue 18), and from reports built without it (`StressReport(run)`).
    public var provenance: StressProvenance? = nil
    /// Each OOM kill: victim, constraint, nodemask, cpuset, memcg, badness
    /// (`StressReport+OutOfMemory.swift`); absent when nothing was killed.
    public var oom_kills: [OOMKill]? = nil
    /// The workload's cgroups by name (`StressReport+Cgroups.swift`); absent without `cgroups:`.
    public var cgroups: [String: CgroupReport]? = nil
    /// hugetlb pools at the end by page size then node id, and each resize
    /// (`StressReport+HugeTLB.swift`); absent when no pool was sized.
    public var hugepages: [String: [String: HugePagesNode]]? = nil
    public var hugepage_steps: [HugePageStep]? = nil

    public struct Hotplug: Codable, Sendable {
        public var action: String
        public var node: Int
        public var blocks: Int
        public var pages: Int
        public var busy_blocks: [String]
        public var pages_migrated: Int
        public var migration_failures: Int
        public var min_free_kbytes_before: Int
        public var min_free_kbytes_after: Int
        public var fallback_order: [String]
    }
}

/// What an engine run leaves for the report (both engines).
public struct StressRun {
    public var engine: String
    public var threads: Int
    public var seed: UInt64
    public var allocator: PageAllocator
    public var tasks: [SimulatedTask]
    public var seconds: Double
    public var simulatedNanoseconds: Int
    public var kswapdRuns: [Int]
    public var failures: [String: Int]
    public var oomKilled: [String]
    public var violations: [String]
    public var timeline: Timeline
    public var checked: String
    /// Process phases of the deterministic engine.
    public var addressSpaces: AddressSpaceReport?
    public var hotplug: [MemoryHotplugReport] = []
    /// Set when the run stopped early (a kernel panic); the phases after it did not run.
    public var stop: StressStop?

    /// A finished run of either engine: `engine` names it ("deterministic", "concurrent");
    /// `violations` are the invariant checker's findings.
    public init(engine: String, seed: UInt64, result r: StressResult, violations: [String], timeline: Timeline, checked: String) {
        self.engine = engine; threads = r.threads; self.seed = seed; allocator = r.allocator; tasks = r.tasks
        seconds = r.seconds; simulatedNanoseconds = r.simulatedNanoseconds; kswapdRuns = r.kswapdRuns; failures = r.failures; oomKilled = r.oomKilled
        self.violations = violations; self.timeline = timeline; self.checked = checked
        addressSpaces = r.addressSpaces
        hotplug = r.hotplug
        stop = r.stop
    }
}

extension StressReport {
    /// Builds the report from a finished run (the allocator quiescent: per-CPU rows are folded here).
    /// `timing`: include the host wall-clock figures (`seconds`, `ops_per_second`, `throughput`).
    /// `provenance`: where the run came from (`numasim stress` always gives it).
    public init(_ r: StressRun, dumps: [String: String]? = nil, timing: Bool = false, provenance: StressProvenance? = nil) {
        let a = r.allocator
        let ids = a.nodeIDs
        let t = a.machine.topology
        let p = r.addressSpaces.flatMap { $0.processes.isEmpty ? nil : $0 }
        let ops = r.tasks.reduce(0) { $0 + $1.stats.ops } + (p?.ops ?? 0)
        let allocations = r.tasks.reduce(0) { $0 + $1.stats.allocations } + (p?.allocations ?? 0)
        var numastat: [String: NumaEvents] = [:]
        for id in ids { numastat[String(id)] = a.numastat(node: id) }
        let pgallocTable = a.pgalloc
        var pgalloc: [String: Int] = [:]
        for (n, id) in ids.enumerated() {
            for z in a.machine.zones[id]! where z.isPopulated { pgalloc["\(id):\(z.name)"] = pgallocTable[n][z.index] }
        }
        let vm = Dictionary(VmstatFormat.counters(a), uniquingKeysWith: { x, _ in x })

        var fb = FallbackMatrix(nodeIDs: ids), loc = FallbackMatrix(nodeIDs: ids)
        for task in r.tasks {
            if let p = task.placement { fb = fb + p.fallback; loc = loc + p.locality }
        }
        // Process phases: the pages their faults and page tables allocated.
        for process in r.addressSpaces?.processes ?? [] {
            if let p = process.placement { fb = fb + p.fallback; loc = loc + p.locality }
        }
        let pagesM = ids.map { i in ids.map { j in fb.pages(asking: i, serving: j) } }
        let allocM = ids.map { i in ids.map { j in fb.allocations(asking: i, serving: j) } }
        let rowPct = pagesM.map { row -> [Double] in
            let s = row.reduce(0, +)
            return row.map { s > 0 ? Double($0) * 100 / Double(s) : 0 }
        }
        let total = fb.totalPages
        let distances = ids.map { i in ids.map { j in t.distance(from: i, to: j) } }
        let locM = ids.map { i in ids.map { j in loc.pages(asking: i, serving: j) } }
        var localPages = 0, distancePages = 0
        for (i, _) in ids.enumerated() {
            for (j, _) in ids.enumerated() {
                if i == j { localPages += locM[i][j] }
                distancePages += locM[i][j] * distances[i][j]
            }
        }
        let meanDistance = total > 0 ? Double(distancePages) / Double(total) : 0
        var latencyPages = 0, localLatencyPages = 0
        for i in ids.indices {
            for j in ids.indices {
                latencyPages += locM[i][j] * a.costs.latency[i][j]
                localLatencyPages += locM[i][j] * a.costs.latency[i][i]
            }
        }
        let meanAccess = total > 0 ? Double(latencyPages) / Double(total) : 0

        var zones: [ZoneReport] = []
        let tl = r.timeline
        for (n, id) in ids.enumerated() {
            for b in a.machine.zones[id]! where b.isPopulated {
                let z = a.nodes[n].zones[b.index]
                let key = "\(id):\(b.name)"
                let col = tl.zones.firstIndex(of: key)
                zones.append(ZoneReport(
                    zone: key, managed: z.managed, free: z.nrFreePages, min: z.watermarkPages(.min), low: z.watermarkPages(.low),
                    high: z.watermarkPages(.high), pgalloc: pgallocTable[n][b.index],
                    below_low: col.map { StressReport.below(tl, zone: $0, mark: \.low) } ?? Below(samples: 0, ops: 0, ms: 0),
                    below_min: col.map { StressReport.below(tl, zone: $0, mark: \.min) } ?? Below(samples: 0, ops: 0, ms: 0)))
            }
        }
        var byGFP: [String: Int] = [:]
        for (k, v) in r.failures {
            let gfp = k.range(of: " order ").map { String(k[..<$0.lowerBound]) } ?? k
            byGFP[gfp, default: 0] += v
        }
        var latency: [String: OpLatency.Summary]?
        let recorded = r.tasks.compactMap(\.latency)
        if let first = recorded.first {
            let merged = recorded.dropFirst().reduce(first, +)
            var l: [String: OpLatency.Summary] = [:]
            for c in OpLatency.OpClass.allCases { if let s = merged.summary(c) { l[c.key] = s } }
            latency = l
        }
        let perSecond = { (x: Int) in r.seconds > 0 ? Double(x) / r.seconds : 0 }
        let wake = a.kswapdWakeups

        self.init(
            schema: StressReport.schemaID, engine: r.engine, topology: t.name, seed: r.seed, threads: r.threads,
            ops: ops, ops_per_second: timing ? perSecond(ops) : nil, seconds: timing ? r.seconds : nil, simulated_time_ns: r.simulatedNanoseconds,
            allocations: allocations,
            frees: r.tasks.reduce(0) { $0 + $1.stats.frees } + (p?.frees ?? 0), refaults: r.tasks.reduce(0) { $0 + $1.stats.refaults },
            oom_killed: r.oomKilled + (p?.killed ?? []), numastat: numastat, pgalloc: pgalloc, pgfree: a.pgfree,
            failures: r.failures.merging(p?.failures ?? [:], uniquingKeysWith: +), vmstat: vm,
            kswapd: Dictionary(uniqueKeysWithValues: ids.enumerated().map { n, id in
                (String(id), Kswapd(wakeups: wake[id] ?? 0, runs: n < r.kswapdRuns.count ? r.kswapdRuns[n] : 0,
                                    failures: a.nodes[n].reclaim.kswapdFailures))
            }),
            invariants: Invariants(ok: r.violations.isEmpty, checked: r.checked, violations: r.violations), dumps: dumps,
            distances: distances,
            fallback: Fallback(nodes: ids, pages: pagesM, allocations: allocM, row_percent: rowPct,
                               fallback_percent: total > 0 ? Double(total - fb.localPages) * 100 / Double(total) : 0),
            locality: Locality(pages: total, local_pages: localPages, local_share: total > 0 ? Double(localPages) / Double(total) : 0,
                               mean_distance: meanDistance, relative_access_cost: meanDistance / 10,
                               mean_access_ns: meanAccess,
                               access_cost_vs_local: localLatencyPages > 0 ? Double(latencyPages) / Double(localLatencyPages) : 1,
                               by_cpu_node: locM),
            zones: zones,
            reclaim: Reclaim(kswapd_wakeups: wake.values.reduce(0, +), kswapd_runs: r.kswapdRuns.reduce(0, +),
                             pgscan_kswapd: vm["pgscan_kswapd"] ?? 0, pgsteal_kswapd: vm["pgsteal_kswapd"] ?? 0,
                             pgscan_direct: vm["pgscan_direct"] ?? 0, pgsteal_direct: vm["pgsteal_direct"] ?? 0,
                             direct_reclaim_stalls: vm.filter { $0.key.hasPrefix("allocstall_") }.values.reduce(0, +),
                             oom_kill: vm["oom_kill"] ?? 0),
            failures_by_gfp: byGFP, latency: latency,
            throughput: timing ? Throughput(ops_per_second: perSecond(ops), allocations_per_second: perSecond(allocations),
                                            pages_per_second: perSecond(total)) : nil,
            timeline: tl, address_spaces: p?.json,
            hotplug: r.hotplug.isEmpty ? nil : r.hotplug.map { h in
                Hotplug(action: h.action.rawValue, node: h.node, blocks: h.blocksDone, pages: h.pagesDone,
                        busy_blocks: h.busy.map { "\($0.block): \($0.allocated) allocated, \($0.reserved) reserved" },
                        pages_migrated: h.pagesMigrated, migration_failures: h.migrationFailures,
                        min_free_kbytes_before: h.minFreeKbytesBefore, min_free_kbytes_after: h.minFreeKbytesAfter,
                        fallback_order: h.fallbackOrder)
            },
            stop_reason: r.stop?.reason,
            numasim_version: NumasimVersion.number,
            node_meminfo: Dictionary(uniqueKeysWithValues: ids.indices.map { n in
                (String(ids[n]), Dictionary(uniqueKeysWithValues: NodeMeminfoFormat.fields(a, nodeIndex: n)))
            }),
            trace: r.tasks.lazy.compactMap(\.traceStats).first.map(Trace.init),
            provenance: provenance)
        let kills = a.oomKills.all
        oom_kills = kills.isEmpty ? nil : kills.map(OOMKill.init)
        cgroups = StressReport.cgroupReports(a)
        hugepages = StressReport.hugepagesJSON(a)
        hugepage_steps = StressReport.hugepageStepsJSON(a)
    }

    /// Samples, operations and milliseconds during which zone column `z` was below a watermark:
    /// each interval between two samples counts when the sample closing it was below.
    static func below(_ tl: Timeline, zone z: Int, mark: KeyPath<TimelineSample, [Int]>) -> Below {
        var b = Below(samples: 0, ops: 0, ms: 0)
        for (k, s) in tl.samples.enumerated() where s.free[z] < s[keyPath: mark][z] {
            b.samples += 1
            if k > 0 {
                b.ops += s.ops - tl.samples[k - 1].ops
                b.ms += s.ms - tl.samples[k - 1].ms
            }
        }
        return b
    }
}
