import Synchronization

/// `enum oom_constraint` (mm/oom_kill.c, Linux 6.1): what limited the allocation that invoked
/// the OOM killer, as the kernel's report prints it (`oom-kill:constraint=…`).
public enum OOMConstraint: String, Sendable, Equatable, CaseIterable {
    case none = "CONSTRAINT_NONE"
    case cpuset = "CONSTRAINT_CPUSET"
    case memoryPolicy = "CONSTRAINT_MEMORY_POLICY"
    case memcg = "CONSTRAINT_MEMCG"
}

/// `struct oom_control` (include/linux/oom.h, Linux 6.1) for one call of `out_of_memory`: the
/// failing allocation (CPU, order, GFP mask), `oc->nodemask` — the allocation's nodemask as
/// `__alloc_pages_may_oom` passes it (a bind policy's nodes, or the cpuset's `mems_allowed`,
/// which `prepare_alloc_pages` puts there for a task without a policy nodemask) — the nodes of
/// the zonelist the allocation could use, and, once `constrained_alloc` ran, the constraint and
/// `totalpages` (the memory the constraint allows: `oom_badness` scales `oom_score_adj` by it).
public struct OOMControl: Sendable, Equatable {
    public var cpu: Int
    public var order: Int
    public var gfp: GFP
    /// Node ids of `oc->nodemask`, ascending; nil for none. `out_of_memory` clears it unless the
    /// constraint is CONSTRAINT_MEMORY_POLICY (then `oom_cpuset_eligible` asks the tasks'
    /// policies about it).
    public var nodemask: [Int]?
    /// Node ids of the zonelist entries the allocation may use (`for_each_zone_zonelist_nodemask`
    /// up to the highest zone, within the nodemask), in zonelist order, one per zone.
    public var zonelistNodes: [Int]
    /// The memory cgroup whose limit failed the charge (`oc->memcg`); nil for a system OOM.
    public var memcg: String?
    public var constraint: OOMConstraint = .none
    /// `oc->totalpages`.
    public var totalPages = 0

    public init(cpu: Int, order: Int, gfp: GFP, nodemask: [Int]?, zonelistNodes: [Int], memcg: String? = nil) {
        self.cpu = cpu; self.order = order; self.gfp = gfp; self.nodemask = nodemask
        self.zonelistNodes = zonelistNodes; self.memcg = memcg
    }
}

/// One OOM kill as the kernel reports it (`dump_header`'s `oom-kill:constraint=…,nodemask=…,
/// cpuset=…,mems_allowed=…,task=…` line and `oom_kill_process`'s "Out of memory: Killed process"
/// / "Memory cgroup out of memory: Killed process").
public struct OOMKillReport: Sendable, Equatable {
    public var victim: String
    /// The task whose allocation invoked the OOM killer (nil when not one of the workload's).
    public var asking: String?
    public var constraint: OOMConstraint
    public var nodemask: [Int]?
    /// The asking task's cpuset cgroup (nil: the root cpuset — also for a cgroup that restricts
    /// no cpuset) and its `mems_allowed` (every node with memory in the root cpuset).
    public var askingCgroup: String?
    /// The victim's memory cgroup (`task_memcg`; nil: the root).
    public var victimMemcg: String?
    public var memsAllowed: [Int]
    public var memcg: String?
    /// `oom_badness` of the victim, and `totalpages` it was normalised by.
    public var points: Int
    public var totalPages: Int
    /// The victim's resident pages (rss + swap entries + page tables) when killed.
    public var victimPages: Int
    public var cpu: Int
    public var order: Int
    public var gfp: GFP
    /// Simulated time of the kill in ns (nil when the engine has no clock).
    public var atNanoseconds: Int?

    public init(victim: String, asking: String?, askingCgroup: String?, victimMemcg: String? = nil, oc: OOMControl,
                memsAllowed: [Int], points: Int, victimPages: Int, atNanoseconds: Int? = nil) {
        self.victim = victim; self.asking = asking; self.askingCgroup = askingCgroup; self.victimMemcg = victimMemcg; constraint = oc.constraint; nodemask = oc.nodemask
        self.memsAllowed = memsAllowed; memcg = oc.memcg; self.points = points; totalPages = oc.totalPages
        self.victimPages = victimPages; cpu = oc.cpu; order = oc.order; gfp = oc.gfp; self.atNanoseconds = atNanoseconds
    }

    /// The kernel's reason string (`oom_kill_process(oc, message)`).
    public var message: String {
        constraint == .memcg ? "Memory cgroup out of memory" : "Out of memory"
    }
}

/// The OOM kills of a run, in order (appended by whichever engine thread killed).
public final class OOMKillLog: @unchecked Sendable {
    private let lock = SpinLock()
    @exclusivity(unchecked) private var kills: [OOMKillReport] = []

    public init() {}

    public func append(_ r: OOMKillReport) { lock.withLock { kills.append(r) } }
    public var all: [OOMKillReport] { lock.withLock { kills } }
}

extension PageAllocator {
    /// `oom_control` for the failing allocation `ac` (`__alloc_pages_may_oom`).
    func oomControl(_ ac: AllocContext) -> OOMControl {
        var zonelistNodes: [Int] = []
        for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
            zonelistNodes.append(ref.node)
        }
        let mask = ac.nodemask.map { m in nodeIDs.filter { m.contains($0) }.sorted() }
        return OOMControl(cpu: ac.cpu, order: ac.order, gfp: ac.gfp, nodemask: mask, zonelistNodes: zonelistNodes)
    }

    /// `node_present_pages(nid)`: the pages of the node's zones (holes excluded).
    public func presentPages(nodeID id: Int) -> Int {
        (machine.zones[id] ?? []).reduce(0) { $0 + $1.present }
    }

    /// `totalram_pages()`: managed pages of every zone.
    public var totalRAMPages: Int { nodes.reduce(0) { s, n in n.zones.reduce(s) { $0 + $1.managed } } }

    /// `constrained_alloc` (mm/oom_kill.c, Linux 6.1): sets `oc.constraint` and `oc.totalPages`,
    /// and clears `oc.nodemask` unless the constraint is CONSTRAINT_MEMORY_POLICY (as
    /// `out_of_memory` does next). `memsAllowed` is the asking task's cpuset (`current->mems_allowed`;
    /// nil: no cpuset, every node); `cpusetsEnabled` is the kernel's `cpusets_enabled()` (a cpuset
    /// other than the root exists).
    ///
    /// Note how 6.1 reports a cpuset: with cpusets enabled, `prepare_alloc_pages` makes
    /// `cpuset_current_mems_allowed` the nodemask of every task allocation that has none of its
    /// own, so a cpuset narrower than the memory nodes is reported as CONSTRAINT_MEMORY_POLICY;
    /// CONSTRAINT_CPUSET needs an allocation without a nodemask (or one covering every memory
    /// node) whose zonelist reaches a node outside the cpuset.
    public func constrainedAlloc(_ oc: inout OOMControl, memsAllowed: Set<Int>?, cpusetsEnabled: Bool) {
        defer { if oc.constraint != .memoryPolicy { oc.nodemask = nil } }
        if oc.memcg != nil {
            // mem_cgroup_get_max(memcg) ?: 1 — the memcg's limit, set by the caller.
            oc.constraint = .memcg
            oc.totalPages = max(oc.totalPages, 1)
            return
        }
        oc.totalPages = totalRAMPages + swap.totalPages
        oc.constraint = .none
        if oc.gfp.contains(.thisnode) { return }
        let memoryNodes = nodeIDs.filter { machine.hasMemory($0) }
        if let mask = oc.nodemask, !memoryNodes.allSatisfy({ mask.contains($0) }) {
            oc.totalPages = swap.totalPages + mask.reduce(0) { $0 + presentPages(nodeID: $1) }
            oc.constraint = .memoryPolicy
            return
        }
        // cpuset_zone_allowed(zone, gfp): with cpusets enabled the allocation carries
        // __GFP_HARDWALL (prepare_alloc_pages), so only the task's mems_allowed are allowed.
        guard cpusetsEnabled, let mems = memsAllowed else { return }
        if oc.zonelistNodes.contains(where: { !mems.contains($0) }) {
            oc.totalPages = swap.totalPages + mems.reduce(0) { $0 + presentPages(nodeID: $1) }
            oc.constraint = .cpuset
        }
    }
}
