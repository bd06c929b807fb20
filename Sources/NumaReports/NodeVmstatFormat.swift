import NumaCore

/// `/sys/devices/system/node/nodeN/vmstat` as Linux 6.1 prints it (drivers/base/node.c
/// `node_read_vmstat`: `%s %lu` per line): every zone-stat item summed over the node's zones
/// (`sum_zone_node_page_state`), every NUMA event summed over them (`sum_zone_numa_event_state`),
/// then every node-stat item (`node_page_state_pages`) — the same item lists, in the same order,
/// as `/proc/zoneinfo` (`ZoneinfoFormat`), checked against the kernel samples' node vmstat files.
/// Values numasim models come from `NodeCounters`; the other items are 0.
public enum NodeVmstatFormat {
    /// The lines of node index `n` as (name, value) pairs.
    public static func counters(_ a: PageAllocator, nodeIndex n: Int) -> [(String, Int)] {
        let zones = a.nodes[n].zones
        let perZone = zones.map { NodeCounters.zone(a, $0) }
        let numa = NodeCounters.numa(a.nodes[n].numastat)
        let node = NodeCounters.node(a, nodeIndex: n)
        return ZoneinfoFormat.zoneStatItems.map { item in (item, perZone.reduce(0) { $0 + ($1[item] ?? 0) }) }
            + ZoneinfoFormat.numaStatItems.map { ($0, numa[$0]!) }
            + ZoneinfoFormat.nodeStatItems.map { ($0, node[$0] ?? 0) }
    }

    public static func render(_ a: PageAllocator, nodeIndex n: Int) -> String {
        counters(a, nodeIndex: n).map { "\($0.0) \($0.1)\n" }.joined()
    }
}
