import NumaCore

/// `/proc/zoneinfo` during a run: the boot rendering (`ZoneinfoFormat.render(_:states:)`) fed
/// with the allocator's live state.
extension ZoneinfoFormat {
    /// `/proc/zoneinfo` with the allocator's live state: free pages, boost, NUMA counters, pcp
    /// counts, node_unreclaimable, and the counters of `NodeCounters` — the node's stat items in
    /// the first populated zone's `per-node stats`, each zone's own (`nr_zone_{in,}active_{anon,file}`,
    /// `nr_zone_write_pending`) in its block.
    public static func render(_ a: PageAllocator) -> String {
        let m = a.machine
        let slab = a.pageCache.xarrayNodes.slabPages()
        var states: [ZoneinfoFormat.ZoneState] = []
        for (n, id) in m.nodeIDs.enumerated() {
            let nodeStats = NodeCounters.node(a, nodeIndex: n, slabPages: slab)
            for b in m.zones[id]! {
                let z = a.nodes[n].zones[b.index]
                var s = ZoneinfoFormat.ZoneState(zone: b)
                s.zone.watermark = z.watermark
                s.free = z.nrFreePages
                s.numaStats = NodeCounters.numa(z.numaEvents)
                for (slot, cpu) in a.cpus.enumerated() where slot < z.pcp.count { s.pcpCount[cpu] = z.pcp[slot].count }
                s.nodeUnreclaimable = a.nodes[n].reclaim.kswapdFailures >= PageAllocator.maxReclaimRetries
                s.zoneStats = NodeCounters.zone(a, z)
                s.nodeStats = nodeStats
                states.append(s)
            }
        }
        return render(m, states: states)
    }
}
