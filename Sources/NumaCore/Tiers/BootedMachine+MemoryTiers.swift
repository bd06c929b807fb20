import NumaTopology

/// `establish_demotion_targets` over the machine as it stands (mm/memory-tiers.c): run by
/// `memory_tier_init` at boot and by `memtier_hotplug_callback` when a node gains or loses its
/// memory (dax/kmem hot-add, hotplug steps).
extension BootedMachine {
    /// The tiers and demotion targets for the nodes that have memory now, with each node's
    /// abstract distance (`NodeSpec.abstractDistance`), the CPU masks of the running machine and
    /// the `node_load` of the last zonelist build (`currentZonelists`).
    public func establishedMemoryTiers() -> MemoryTiers {
        let t = topology
        var adistance: [Int: Int] = [:], hasCPUs: [Int: Bool] = [:]
        for n in t.nodes {
            adistance[n.id] = n.abstractDistance
            hasCPUs[n.id] = !n.cpus.isEmpty
        }
        let load = currentZonelists.nodeLoad
        return MemoryTiers.establish(
            memoryNodes: nodeIDs.filter(hasMemory), adistance: { adistance[$0]! }, hasCPUs: { hasCPUs[$0]! },
            distance: { t.distance(from: $0, to: $1) }, nodeLoad: { load[$0] ?? 0 },
            maxNumNodes: t.kernel.maxNumNodes, previous: memoryTiers)
    }
}

extension BootedMachine {
    /// `sysctl_numa_balancing_mode`: as written, else `check_numabalancing_enable`'s default for
    /// the nodes online when it runs at boot (`nodesOnlineAtBoot`).
    public var numaBalancingMode: Int {
        topology.sysctl.tiering.numaBalancingMode(onlineNodesAtBoot: nodesOnlineAtBoot)
    }
}
