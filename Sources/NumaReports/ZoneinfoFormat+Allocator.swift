import NumaCore

/// `/proc/zoneinfo` during a run: the boot rendering (`ZoneinfoFormat.render(_:states:)`) fed
/// with the allocator's live state.
extension ZoneinfoFormat {
    /// `/proc/zoneinfo` with the allocator's live state (free pages, boost, NUMA counters, pcp
    /// counts, the zones' LRU sizes, node_unreclaimable).
    public static func render(_ a: PageAllocator) -> String {
        let m = a.machine
        var states: [ZoneinfoFormat.ZoneState] = []
        for (n, id) in m.nodeIDs.enumerated() {
            for b in m.zones[id]! {
                let z = a.nodes[n].zones[b.index]
                var s = ZoneinfoFormat.ZoneState(zone: b)
                s.zone.watermark = z.watermark
                s.free = z.nrFreePages
                let e = z.numaEvents
                s.numaStats = ["numa_hit": e.numaHit, "numa_miss": e.numaMiss, "numa_foreign": e.numaForeign,
                               "numa_interleave": e.interleaveHit, "numa_local": e.localNode, "numa_other": e.otherNode]
                for (slot, cpu) in a.cpus.enumerated() where slot < z.pcp.count { s.pcpCount[cpu] = z.pcp[slot].count }
                // nr_zone_{in,}active_{anon,file}: the zone's pages on each LRU list.
                for l in LRUVec.List.allCases { s.zoneStats["nr_zone_" + l.statName.dropFirst("nr_".count)] = a.lruPages(z, l) }
                s.nodeUnreclaimable = a.nodes[n].reclaim.kswapdFailures >= PageAllocator.maxReclaimRetries
                states.append(s)
            }
        }
        return render(m, states: states)
    }
}
