import NumaCore
import NumaTopology

/// The OOM kills of a run as the kernel reports them (mm/oom_kill.c, Linux 6.1: `dump_oom_summary`
/// prints `oom-kill:constraint=…,nodemask=…,cpuset=…,mems_allowed=…,task=…`, then
/// `oom_kill_process` "Out of memory: Killed process …" or, for a memcg OOM, "Memory cgroup out
/// of memory: Killed process …").
extension StressReport {
    public struct OOMKill: Codable, Sendable, Equatable {
        public var victim: String
        /// The task whose allocation invoked the OOM killer (absent when not a workload task).
        public var asking: String?
        /// CONSTRAINT_NONE, CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY or CONSTRAINT_MEMCG.
        public var constraint: String
        /// `oc->nodemask` as the kernel prints it (`%*pbl`); absent for `(null)`.
        public var nodemask: String?
        /// The asking task's cpuset (its cgroup, `/` for the root) and `mems_allowed`.
        public var cpuset: String
        public var mems_allowed: String
        /// The memory cgroup of a memcg OOM (`oom_memcg`).
        public var memcg: String?
        /// The victim's memory cgroup (`task_memcg`, `/` for the root).
        public var task_memcg: String?
        /// `oom_badness` of the victim and the `totalpages` it is scaled by.
        public var points: Int
        public var total_pages: Int
        public var victim_pages: Int
        public var cpu: Int
        public var order: Int
        public var gfp: String
        /// Simulated time of the kill (absent in the concurrent engine's run phases).
        public var at_ns: Int?

        init(_ k: OOMKillReport) {
            victim = k.victim; asking = k.asking; constraint = k.constraint.rawValue
            nodemask = k.nodemask.map { CPUList.rangeText($0) }
            cpuset = k.askingCgroup.map { "/" + $0 } ?? "/"; mems_allowed = CPUList.rangeText(k.memsAllowed)
            memcg = k.memcg; task_memcg = "/" + (k.victimMemcg ?? ""); points = k.points; total_pages = k.totalPages; victim_pages = k.victimPages
            cpu = k.cpu; order = k.order; gfp = "\(k.gfp)"; at_ns = k.atNanoseconds
        }

        /// The kernel's two lines for this kill.
        public var kernelLines: String {
            "oom-kill:constraint=\(constraint),nodemask=\(nodemask ?? "(null)"),cpuset=\(cpuset),mems_allowed=\(mems_allowed)"
                + (memcg.map { ",oom_memcg=/\($0)" } ?? "") + ",task_memcg=\(task_memcg ?? "/"),task=\(victim)\n"
                + "\(constraint == OOMConstraint.memcg.rawValue ? "Memory cgroup out of memory" : "Out of memory"): Killed process \(victim) "
                + "(badness \(points) of \(total_pages) pages, \(victim_pages) pages resident), asked by \(asking ?? "a kernel path") "
                + "for order-\(order) \(gfp) on CPU \(cpu)\n"
        }
    }

    /// The text report's block: each kill as the kernel reports it.
    public var oomKillText: String {
        guard let kills = oom_kills, !kills.isEmpty else { return "" }
        return "\nOOM kills (mm/oom_kill.c):\n" + kills.map { $0.kernelLines.split(separator: "\n").map { "  " + $0 + "\n" }.joined() }.joined()
    }
}

