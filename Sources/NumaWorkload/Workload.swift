import NumaCore
import NumaTopology

/// A workload: what each simulated thread does. See docs/workload-format.md.
///
/// ```yaml
/// threads:
///   - cpus: 0                    # simulated CPUs this thread plays (cpulist)
///     policy: default            # default | local | preferred:N | bind:0,2 | bind:=0,2 | bind:+0,1 | interleave:all | …
///     gfp: GFP_HIGHUSER_MOVABLE
///     order: 0                   # or a distribution {0: 90, 3: 10}
///     allocate: 301052           # pages, or a size such as 1.2GiB
///     free: never                # never | immediately | random (with live: pages or size)
/// ```
public struct Workload: Sendable, Equatable {
    /// Sequential steps: thread groups that run together, or a sysctl change between them.
    public var phases: [Phase]
    /// Swap space in pages (anon pages are reclaimable only with swap).
    public var swapPages: Int = 0
    /// `vm.swappiness` for the run (the file's top-level `swappiness:`); nil: the machine's
    /// (`sysctl: {swappiness: N}` of the topology, `--sysctl vm.swappiness=N`, default 60).
    public var swappiness: Int?
    /// The file lists its phases (`phases:`); false for a file with top-level `threads:` only,
    /// whose one run phase has no key of its own.
    public var listsPhases = true
    /// `cgroups:` (Workload+Cgroups.swift): the cgroup v2 groups tasks may run in.
    public var cgroups: [CgroupSpec] = []

    /// The thread groups of the first run phase (the whole workload when it has no phases).
    public var threads: [ThreadSpec] {
        for p in phases { if case .run(let t) = p { return t } }
        return []
    }

    public init(threads: [ThreadSpec]) {
        phases = [.run(threads)]
        listsPhases = false
    }

    /// The key of `rest` (`threads[0].duration`) inside phase `p` as the file spells it
    /// (`phases[2].threads[0].duration`, or `threads[0].duration` without `phases:`).
    public func key(phase p: Int, _ rest: String) -> String { listsPhases ? "phases[\(p)].\(rest)" : rest }
    public init(phases: [Phase], swapPages: Int = 0, swappiness: Int? = nil) {
        self.phases = phases
        self.swapPages = swapPages
        self.swappiness = swappiness
    }

    public enum Phase: Sendable, Equatable {
        /// Thread groups that run at the same time until each has done its work.
        case run([ThreadSpec])
        /// `sysctl -w vm.NAME=VALUE` assignments, applied between phases.
        case sysctl([String])
        /// Simulated processes with address spaces (Workload+Process.swift).
        case processes(ProcessPhase)
        /// Memory hotplug: a node's memory blocks offlined or onlined between phases.
        case hotplug(HotplugStep)
        /// `cgroup: {name: NAME, memory.max: …}`: writes a cgroup's interface files between
        /// phases (keys it does not give keep their values: `CgroupSettings.merged(with:)`).
        case cgroup(name: String, settings: CgroupSettings)
        /// A hugetlb pool resize (Workload+HugePages.swift).
        case hugepages(HugePagesStep)
        /// `compact_memory`: whole-node compaction between phases (Workload+Compaction.swift).
        case compactMemory(CompactMemoryStep)
    }

    /// `hotplug: {offline: NODE}` / `hotplug: {online: NODE}`, optionally `blocks: K` (the first
    /// K memory blocks, ascending).
    public struct HotplugStep: Sendable, Equatable {
        public enum Action: String, Sendable, Equatable { case offline, online }
        public var action: Action
        public var node: Int
        public var blocks: Int?
        public init(action: Action, node: Int, blocks: Int? = nil) {
            self.action = action
            self.node = node
            self.blocks = blocks
        }
    }

    public struct ThreadSpec: Sendable, Equatable {
        public var cpus: [Int]
        public var policy: MemPolicy
        public var gfp: GFP
        /// (order, weight) pairs.
        public var orders: [(order: Int, weight: Int)]
        /// Pages to allocate in total.
        public var allocatePages: Int
        public var free: FreeMode
        /// Count of allocations made through the VMA interleave rule (`vma` true) or the task
        /// counter.
        public var vmaStart: Int?
        /// What the pages hold (reclaim): anon, file (page cache) or kernel.
        public var kind: PageKind = .kernel
        /// Re-touches of random live pages after each allocation (a touched page was reclaimed:
        /// a refault).
        public var touches: Int = 0
        /// Page-cache pages are written (dirty) when allocated.
        public var dirty = false
        /// Operations (allocations, frees, touches, failures) after which the group stops.
        public var opsLimit: Int?
        /// Wall-clock seconds after which the group stops (concurrent engine only).
        public var duration: Double?
        /// `file: NAME`: the group's pages are the page cache of this file, page index 0, 1, 2, …
        /// (kind: file); a later group naming it again finds the pages still cached.
        public var file: String?
        /// How a `file:` group reaches its pages: `read(2)` (unmapped, `folio_mark_accessed`) or
        /// `mmap` (mapped: the PTE accessed bit).
        public var access: FileAccess = .read
        /// `stress --trace`: the group replays this kernel trace's events in order, each on its
        /// CPU with its order and GFP mask (`Workload(trace:topology:)`, `TraceReplay`).
        public var trace: KernelTrace?
        /// `oom_score_adj:` (-1000...1000): the OOM killer's bias for this group's tasks
        /// (`oom_badness`); -1000 (OOM_SCORE_ADJ_MIN) is never killed.
        public var oomScoreAdj = 0
        /// `cgroup: NAME`: the cgroup (of the workload's `cgroups:`) the group's tasks run in;
        /// nil for the root cgroup.
        public var cgroup: String?
        /// `thp: fault|madvise`: the group's order-9 anonymous allocations are THP faults
        /// (Workload+THP.swift); nil: plain order-9 blocks.
        public var thp: THPFault?

        public init(cpus: [Int], policy: MemPolicy, gfp: GFP, orders: [(order: Int, weight: Int)], allocatePages: Int,
                    free: FreeMode, vmaStart: Int? = nil, kind: PageKind = .kernel, touches: Int = 0, dirty: Bool = false) {
            self.cpus = cpus; self.policy = policy; self.gfp = gfp; self.orders = orders; self.allocatePages = allocatePages
            self.free = free; self.vmaStart = vmaStart; self.kind = kind; self.touches = touches; self.dirty = dirty
        }

        public static func == (a: ThreadSpec, b: ThreadSpec) -> Bool {
            a.cpus == b.cpus && a.policy == b.policy && a.gfp == b.gfp && a.allocatePages == b.allocatePages
                && a.free == b.free && a.orders.map(\.order) == b.orders.map(\.order) && a.orders.map(\.weight) == b.orders.map(\.weight)
                && a.vmaStart == b.vmaStart && a.kind == b.kind && a.touches == b.touches && a.dirty == b.dirty
                && a.opsLimit == b.opsLimit && a.duration == b.duration && a.file == b.file && a.access == b.access && a.trace == b.trace && a.thp == b.thp
                && a.oomScoreAdj == b.oomScoreAdj && a.cgroup == b.cgroup
        }
    }

    /// `access:` of a `file:` group.
    public enum FileAccess: String, Sendable, Equatable { case read, mmap }

    public enum FreeMode: Sendable, Equatable {
        case never
        /// `free: at_exit`: the group's pages are freed when its phase ends (the task exits).
        case atExit
        case immediately
        /// Keep a live set of this many pages; beyond it, free a random live block.
        case random(livePages: Int)
        /// Hold each block for this many of the task's later allocations, then free it (oldest
        /// first): a hold time counted in operations, so runs stay reproducible.
        case hold(allocations: Int)
    }

    /// Pages a group allocates when it gives `ops:` or `duration:` but no `allocate:`.
    public static let unlimitedPages = Int.max / 4
}
