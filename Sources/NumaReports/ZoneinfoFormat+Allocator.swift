import NumaCore

/// `/proc/zoneinfo` during a run: the boot rendering (`ZoneinfoFormat.render(_:states:)`) fed
/// with the allocator's live state.
extension ZoneinfoFormat {
    /// `/proc/zoneinfo` with the allocator's live state (free pages, boost, NUMA counters, pcp
    /// counts, the node's LRU sizes and each zone's share of them:
    /// `nr_zone_{in,}active_{anon,file}`, node_unreclaimable).
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
                s.nodeUnreclaimable = a.nodes[n].reclaim.kswapdFailures >= PageAllocator.maxReclaimRetries
                for l in LRUVec.List.allCases {
                    s.zoneStats[l.zoneStatName] = a.lruPages(z, l)
                    s.nodeStats[l.statName] = a.lruSize(nodeIndex: n, l)
                }
                s.nodeStats["nr_anon_pages"] = a.lruSize(nodeIndex: n, .inactiveAnon) + a.lruSize(nodeIndex: n, .activeAnon)
                s.nodeStats["nr_file_pages"] = a.lruSize(nodeIndex: n, .inactiveFile) + a.lruSize(nodeIndex: n, .activeFile)
                s.nodeStats["nr_dirty"] = a.nodes[n].reclaim.dirtyFilePages
                states.append(s)
            }
        }
        return render(m, states: states)
    }
}
