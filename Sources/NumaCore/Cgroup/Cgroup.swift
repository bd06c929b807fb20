/// A cgroup v2 group under the root (`struct cgroup`, with its `struct cpuset` and
/// `struct mem_cgroup`; Linux 6.1): its settings, changed only between phases, and the memory
/// controller's state (`MemCgroup`).
public final class Cgroup: @unchecked Sendable {
    public let name: String
    /// Changed between phases only (`cgroup:` steps), when no task runs.
    public private(set) var settings: CgroupSettings
    /// The settings the workload declared (tasks set their policies against these mems).
    public let declared: CgroupSettings
    /// The memory controller of the group.
    public let memory: MemCgroup

    public init(name: String, settings: CgroupSettings) {
        self.name = name
        self.settings = settings
        declared = settings
        memory = MemCgroup(name: name)
        memory.apply(settings)
    }

    /// `effective_mems` (`cpuset.mems.effective`): the group's mems, or nil for the root's.
    public var memsAllowed: Set<Int>? { settings.mems.map(Set.init) }

    /// New settings, as a `cgroup:` step writes them between phases.
    public func update(_ s: CgroupSettings) {
        settings = s
        memory.apply(s)
    }
}

/// The workload's cgroups by name, and whether any of them restricts cpusets
/// (`cpusets_enabled()`).
public final class CgroupTable: @unchecked Sendable {
    public let groups: [Cgroup]
    private let byName: [String: Cgroup]

    public init(_ groups: [Cgroup]) {
        self.groups = groups
        byName = Dictionary(groups.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public subscript(name: String) -> Cgroup? { byName[name] }

    /// `cpusets_enabled()`: a cpuset other than the root restricts mems or CPUs.
    public var cpusetsEnabled: Bool { groups.contains { $0.settings.restrictsCpuset } }

    /// `cpuset_current_mems_allowed` of a task in group `name` (nil: the root, every node).
    public func memsAllowed(of name: String?) -> Set<Int>? { name.flatMap { byName[$0]?.memsAllowed } }
}
