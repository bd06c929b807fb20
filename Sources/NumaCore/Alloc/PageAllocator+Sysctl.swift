import NumaTopology

/// `sysctl -w vm.NAME=VALUE` on the running machine: the handlers recompute from the machine as
/// it stands (`BootedMachine.applySysctlWrite`: `min_free_kbytes_sysctl_handler`,
/// `watermark_scale_factor_sysctl_handler`, `lowmem_reserve_ratio_sysctl_handler`,
/// `percpu_pagelist_high_fraction_sysctl_handler`, ...), and every node takes the new numbers
/// once (`adopt`). The one path for sysctl writes: both engines call it between phases.
extension PageAllocator {
    /// Applies `name=value` assignments (validated as the topology's sysctls are). Only between
    /// phases, when no CPU allocates (the concurrent engine stops its kswapds first).
    public func writeSysctls(_ assignments: [String]) throws {
        var m = machine
        for s in assignments { try m.topology.sysctl.apply(assignment: s, arch: m.topology.arch, source: "workload") }
        m.applySysctlWrite()
        adopt(m)
        zoneReclaimMode = m.topology.sysctl.zoneReclaimMode
        swappiness = m.topology.sysctl.swappiness
        demotionEnabled = m.topology.sysctl.tiering.demotionEnabled
        numaBalancingMode = m.numaBalancingMode
    }

    /// Writes `vm.swappiness` (a workload's top-level `swappiness:`): no boot number depends on
    /// it, so nothing is recomputed.
    public func writeSwappiness(_ value: Int) {
        machine.topology.sysctl.swappiness = value
        swappiness = value
    }

    /// Takes recomputed boot numbers for every node: watermarks, lowmem_reserve, pcp high/batch,
    /// and keeps them as the machine's (after a sysctl write or a hotplug step).
    public func adopt(_ m: BootedMachine) {
        for node in nodes {
            if let boot = m.zones[node.nodeID] { node.apply(boot, watermarkBoostFactor: m.topology.sysctl.watermarkBoostFactor) }
            node._checkInvariants(nodeCount: nodes.count)
        }
        machine = m
    }
}
