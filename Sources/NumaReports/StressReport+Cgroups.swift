import NumaCore
import NumaTopology

/// The workload's cgroups at the end of a run, in the units of their cgroup v2 interface files
/// (mm/memcontrol.c, Linux 6.1: `memory.current`, `memory.peak`, `memory.max`/`high`/`low`/`min`
/// in bytes, `memory.events`, `memory.stat` and `memory.numa_stat` (per node) in bytes; kernel/cgroup/cpuset.c:
/// `cpuset.mems`, `cpuset.cpus`).
extension StressReport {
    public struct CgroupReport: Codable, Sendable, Equatable {
        public var memory_current: Int
        public var memory_peak: Int
        /// Absent for `max`.
        public var memory_max: Int?
        public var memory_high: Int?
        public var memory_low: Int
        public var memory_min: Int
        /// `memory.events`: low, high, max, oom, oom_kill, oom_group_kill.
        public var events: [String: Int]
        /// `memory.numa_stat` lines `anon`, `file`, `pagetables`, `inactive_anon`, `active_anon`,
        /// `inactive_file`, `active_file`: node id → bytes.
        public var numa_stat: [String: [String: Int]]
        /// `memory.stat`: the same keys summed over the nodes, in bytes.
        public var memory_stat: [String: Int]
        /// `memory.high` throttling (numasim's count of `mem_cgroup_handle_over_high` sleeps and
        /// their simulated milliseconds); absent when none.
        public var high_throttle_sleeps: Int?
        public var high_throttle_ms: Int?
        /// Absent: the root's (every node with memory, every CPU).
        public var cpuset_mems: String?
        public var cpuset_cpus: String?
    }

    /// The report of each cgroup of `a` by name.
    static func cgroupReports(_ a: PageAllocator) -> [String: CgroupReport]? {
        let groups = a.cgroups.groups
        guard !groups.isEmpty else { return nil }
        var out: [String: CgroupReport] = [:]
        for g in groups {
            let m = g.memory, s = g.settings
            var numa: [String: [String: Int]] = [:]
            for (n, id) in a.nodeIDs.enumerated() {
                let st = m.numaStat(nodeIndex: n)
                numa["anon", default: [:]][String(id)] = st.anon << 12
                numa["file", default: [:]][String(id)] = st.file << 12
                numa["pagetables", default: [:]][String(id)] = st.pagetables << 12
                for l in LRUVec.List.allCases {
                    numa[l.statName.replacingOccurrences(of: "nr_", with: ""), default: [:]][String(id)] = a.memcgLRUPages(m, nodeIndex: n, l) << 12
                }
            }
            let throttle = m.highThrottle
            out[g.name] = CgroupReport(
                memory_current: m.current << 12, memory_peak: m.peak << 12,
                memory_max: s.memoryMax.map { $0 << 12 }, memory_high: s.memoryHigh.map { $0 << 12 },
                memory_low: s.memoryLow << 12, memory_min: s.memoryMin << 12,
                events: Dictionary(uniqueKeysWithValues: MemCgroup.Event.allCases.map { ($0.key, m.events($0)) }),
                numa_stat: numa, memory_stat: numa.mapValues { $0.values.reduce(0, +) },
                high_throttle_sleeps: throttle.count > 0 ? throttle.count : nil,
                high_throttle_ms: throttle.count > 0 ? throttle.jiffies * 1000 / Jiffies.hz : nil,
                cpuset_mems: s.mems.map(CPUList.rangeText), cpuset_cpus: s.cpus.map(CPUList.rangeText))
        }
        return out
    }

    /// The text report's block: one paragraph per cgroup.
    public var cgroupText: String {
        guard let groups = cgroups, !groups.isEmpty else { return "" }
        let mib = { (b: Int) in String(format: "%.1f MiB", Double(b) / 1048576) }
        var out = "\nCgroups (memory.current, memory.peak, memory.events, memory.numa_stat):\n"
        for (name, g) in groups.sorted(by: { $0.key < $1.key }) {
            out += "  \(name): current \(mib(g.memory_current)), peak \(mib(g.memory_peak)), max \(g.memory_max.map(mib) ?? "max")"
            if let mems = g.cpuset_mems { out += ", cpuset.mems \(mems)" }
            out += "\n    events " + MemCgroup.Event.allCases.map { "\($0.key) \(g.events[$0.key] ?? 0)" }.joined(separator: ", ")
            if let sleeps = g.high_throttle_sleeps { out += "; memory.high throttled \(sleeps) times, \(g.high_throttle_ms ?? 0) ms simulated" }
            out += "\n"
            for key in ["anon", "file", "pagetables"] {
                let perNode = (g.numa_stat[key] ?? [:]).sorted { Int($0.key)! < Int($1.key)! }
                out += "    \(key) " + perNode.map { "N\($0.key)=\($0.value)" }.joined(separator: " ") + "\n"
            }
        }
        return out
    }
}
