import NumaCore
import NumaTopology
import NumaWorkload

/// What a task's cgroup does to it when a phase starts (kernel/cgroup/cpuset.c, mm/mempolicy.c,
/// Linux 6.1): its memory policy was set inside the cpuset as the workload first declared it
/// (`mpol_set_nodemask` against those mems; none left is set_mempolicy's EINVAL) and rebound
/// when a `cgroup:` step changed `cpuset.mems` since (`cpuset_change_task_nodemask` →
/// `mpol_rebind_task`, with the policy's static/relative flags); while cpusets are enabled its
/// allocations carry the cpuset's `mems_allowed` (`prepare_alloc_pages`).
enum CgroupPlacement {
    /// The thread groups of a run phase with their policies placed in their cpusets.
    static func threadSpecs(_ specs: [Workload.ThreadSpec], allocator a: PageAllocator) throws -> [Workload.ThreadSpec] {
        try specs.enumerated().map { i, spec in
            var s = spec
            s.policy = try policy(spec.policy, cgroup: spec.cgroup, allocator: a, key: "threads[\(i)].policy")
            return s
        }
    }

    /// `policy` of a task in `cgroup`, as of now.
    static func policy(_ policy: MemPolicy, cgroup: String?, allocator a: PageAllocator, key: String) throws -> MemPolicy {
        guard let name = cgroup, let group = a.cgroups[name], a.cgroups.cpusetsEnabled else { return policy }
        // Empty cpuset.mems: the parent's (the root's: every node with memory).
        let memoryNodes = a.nodeIDs.filter { a.machine.hasMemory($0) }
        let declared = group.declared.mems ?? memoryNodes
        let now = group.settings.mems ?? memoryNodes
        var p: MemPolicy
        switch policy.setInCpuset(mems: declared) {
        case .success(let placed): p = placed
        case .failure(let e):
            throw WorkloadRunError(key: key, message: "set_mempolicy inside cgroup '\(name)' (cpuset.mems \(CPUList(declared))) fails: \(e)")
        }
        if now != declared { p.rebind(allowed: now) }
        return p
    }

    /// Gives each task its memory cgroup, and its cgroup's `mems_allowed` while cpusets are enabled.
    static func place(_ tasks: [SimulatedTask], cgroups: CgroupTable) {
        for t in tasks { t.memcg = t.spec.cgroup.flatMap { cgroups[$0]?.memory } }
        guard cgroups.cpusetsEnabled else { return }
        for t in tasks { t.memsAllowed = cgroups.memsAllowed(of: t.spec.cgroup) }
    }
}
