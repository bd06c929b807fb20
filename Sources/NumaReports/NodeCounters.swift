import NumaCore

/// The per-node and per-zone counters numasim models, under their Linux 6.1 names (include/linux/
/// mmzone.h `enum node_stat_item`, `enum zone_stat_item`, `enum numa_stat_item`), read from the
/// allocator in one place for every file that prints them: `/proc/zoneinfo` (`zoneinfo_show_print`),
/// `/sys/devices/system/node/nodeN/vmstat` (`node_read_vmstat`) and `.../meminfo`
/// (`node_read_meminfo`), and the machine-wide node-stat lines of `/proc/vmstat`.
///
/// An item numasim does not model is absent from the dictionaries; the kernel formats that list
/// every item print it as 0.
public enum NodeCounters {
    /// Node-stat items of node index `n` (pages): the LRU sizes (`lruvec_lru_size`);
    /// `nr_slab_reclaimable` (the slab pages of the page cache's xarray nodes, `XArrayNodeSlab`);
    /// `workingset_refault_*` and `workingset_activate_*` (`workingset_refault`, counted on the
    /// node of the page read back); `nr_anon_pages` and `nr_file_pages` (the node's anon and file
    /// LRU pages); `nr_dirty` (NR_FILE_DIRTY); `nr_written` (dirty page cache written back by
    /// reclaim on this node); `pgpromote_success`, `pgpromote_candidate`.
    public static func node(_ a: PageAllocator, nodeIndex n: Int, slabPages: [Int: Int]? = nil) -> [String: Int] {
        var s: [String: Int] = [:]
        for l in LRUVec.List.allCases { s[l.statName] = a.lruSize(nodeIndex: n, l) }
        s["nr_slab_reclaimable"] = (slabPages ?? a.pageCache.xarrayNodes.slabPages())[a.nodeIDs[n]] ?? 0
        let r = a.nodes[n].reclaim
        s["workingset_refault_anon"] = r.workingsetRefaults(file: false)
        s["workingset_refault_file"] = r.workingsetRefaults(file: true)
        s["workingset_activate_anon"] = a.workingsetActivations(nodeIndex: n, file: false)
        s["workingset_activate_file"] = a.workingsetActivations(nodeIndex: n, file: true)
        s["nr_anon_pages"] = s["nr_inactive_anon"]! + s["nr_active_anon"]!
        s["nr_file_pages"] = s["nr_inactive_file"]! + s["nr_active_file"]!
        // NR_ANON_THPS, printed in THPs (`vmstat_item_print_in_thp`).
        s["nr_anon_transparent_hugepages"] = a.thp.anonTHPs(nodeIndex: n)
        s["nr_dirty"] = r.dirtyFilePages
        s["nr_written"] = r.writtenPages
        // PGPROMOTE_SUCCESS / PGPROMOTE_CANDIDATE (NUMA balancing in memory-tiering mode).
        s["pgpromote_success"] = a.nodes[n].promotion.promoted
        s["pgpromote_candidate"] = a.nodes[n].promotion.candidates
        return s
    }

    /// Zone-stat items of zone `z` (pages): `nr_free_pages` (NR_FREE_PAGES, buddy pages only), the
    /// zone's share of its node's LRU lists (`nr_zone_{in,}active_{anon,file}`, `update_lru_size`)
    /// and `nr_zone_write_pending` (its dirty page cache; writeback is synchronous here).
    public static func zone(_ a: PageAllocator, _ z: Zone) -> [String: Int] {
        var s = ["nr_free_pages": z.nrFreePages, "nr_zone_write_pending": z.nrZoneWritePending]
        for l in LRUVec.List.allCases { s[l.zoneStatName] = a.lruPages(z, l) }
        return s
    }

    /// NUMA-stat items (`numa_hit` … `numa_other`) of a zone's or node's events, by the names
    /// /proc/zoneinfo and the node vmstat file give them.
    public static func numa(_ e: NumaEvents) -> [String: Int] {
        ["numa_hit": e.numaHit, "numa_miss": e.numaMiss, "numa_foreign": e.numaForeign,
         "numa_interleave": e.interleaveHit, "numa_local": e.localNode, "numa_other": e.otherNode]
    }

    /// The node-stat items of every node, summed (pages), in `enum node_stat_item` order: the
    /// modelled lines of /proc/vmstat.
    public static func machine(_ a: PageAllocator) -> [(String, Int)] {
        let slab = a.pageCache.xarrayNodes.slabPages()
        let perNode = a.nodeIDs.indices.map { node(a, nodeIndex: $0, slabPages: slab) }
        return ZoneinfoFormat.nodeStatItems.compactMap { item in
            perNode.first?[item] == nil ? nil : (item, perNode.reduce(0) { $0 + ($1[item] ?? 0) })
        }
    }
}
