/// Per-node statistics folded from the node's zones: the node's `numastat`
/// (drivers/base/node.c `node_read_numastat`, summing `vm_numa_event` over the zones) and
/// NR_FREE_PAGES (`sum_zone_node_page_state`).
extension PGData {
    /// `/sys/devices/system/node/nodeN/numastat`: the sum over the node's zones. O(zones × CPUs).
    public var numastat: NumaEvents { zones.reduce(NumaEvents()) { $0 + $1.numaEvents } }

    /// NR_FREE_PAGES of the node.
    public var freePages: Int { zones.reduce(0) { $0 + $1.nrFreePages } }

    /// The node's populated zones (managed pages > 0): those reclaim and kswapd look at.
    public var managedZones: [Zone] { zones.filter { $0.managed > 0 } }
}

extension Zone {
    /// `vm_numa_event` of this zone, folded over the CPUs. O(CPUs).
    public var numaEvents: NumaEvents { pcp.indices.reduce(NumaEvents()) { $0 + pcp[$1].events } }

    /// `pgalloc_<zone>` (pages), folded over the CPUs. O(CPUs).
    public var pgalloc: Int { pcp.indices.reduce(0) { $0 + pcp[$1].pgalloc } }
}
