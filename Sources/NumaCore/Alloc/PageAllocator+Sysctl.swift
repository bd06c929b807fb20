import NumaTopology

/// `sysctl -w vm.NAME=VALUE` on the running machine: the handlers recompute from the machine as
/// it stands (`BootedMachine.applySysctlWrite`), and the live zones take the new numbers.
extension PageAllocator {
    /// Applies `name=value` assignments (validated as the topology's sysctls are). Only between
    /// phases, when no CPU allocates.
    public func writeSysctls(_ assignments: [String]) throws {
        var m = machine
        for s in assignments { try m.topology.sysctl.apply(assignment: s, arch: m.topology.arch, source: "workload") }
        m.applySysctlWrite()
        adopt(m)
        zoneReclaimMode = m.topology.sysctl.zoneReclaimMode
    }
}
