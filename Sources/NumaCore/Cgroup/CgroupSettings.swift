/// The interface files of a cgroup v2 group that numasim models (Linux 6.1,
/// Documentation/admin-guide/cgroup-v2.rst): the memory controller's `memory.max`,
/// `memory.high`, `memory.low`, `memory.min` (mm/memcontrol.c `memory_max_write` and friends:
/// bytes rounded down to pages, `max` for none) and the cpuset controller's `cpuset.mems` and
/// `cpuset.cpus` (kernel/cgroup/cpuset.c; empty means the parent's, here the root's: every
/// node with memory, every CPU). Every group is a child of the root.
public struct CgroupSettings: Sendable, Equatable {
    /// Pages; nil is `max` (PAGE_COUNTER_MAX).
    public var memoryMax: Int?
    public var memoryHigh: Int?
    /// Pages of protection; 0 is none.
    public var memoryLow = 0
    public var memoryMin = 0
    /// Node ids, ascending; nil: the parent's (every node with memory).
    public var mems: [Int]?
    /// CPU ids, ascending; nil: every CPU.
    public var cpus: [Int]?

    public init(memoryMax: Int? = nil, memoryHigh: Int? = nil, memoryLow: Int = 0, memoryMin: Int = 0,
                mems: [Int]? = nil, cpus: [Int]? = nil) {
        self.memoryMax = memoryMax; self.memoryHigh = memoryHigh; self.memoryLow = memoryLow
        self.memoryMin = memoryMin; self.mems = mems; self.cpus = cpus
    }

    /// Whether the group enables the cpuset controller's restrictions (a cpuset other than the
    /// root: the kernel's `cpusets_enabled()` static key).
    public var restrictsCpuset: Bool { mems != nil || cpus != nil }

    /// The keys of a `cgroups:` entry and of a `cgroup:` step, as the interface files are named.
    public static let keys = ["memory.max", "memory.high", "memory.low", "memory.min", "cpuset.mems", "cpuset.cpus"]
}
