/// Whole-node compaction (mm/compaction.c, Linux 6.1): `compact_node` — what writing
/// `/proc/sys/vm/compact_memory` (`sysctl_compaction_handler` → `compact_nodes`) or
/// `/sys/devices/system/node/nodeN/compact` does: a MIGRATE_SYNC run over every populated zone
/// of the node from its two ends, order -1 (no target order: it goes on until the scanners
/// meet) — and proactive compaction's fragmentation score (`fragmentation_score_zone`,
/// `fragmentation_score_zone_weighted`, `fragmentation_score_node`, `fragmentation_score_wmark`,
/// `should_proactive_compact_node`, `proactive_compact_node`; kcompactd's loop that runs them:
/// PageAllocator+ProactiveCompaction.swift).
extension PageAllocator {
    /// COMPACTION_HPAGE_ORDER (HPAGE_PMD_ORDER with THP, x86_64): 9.
    public static let compactionHpageOrder = 9

    /// `compact_node(nid)` on node index `n`, its work charged to counter row `row`.
    public func compactNode(nodeIndex n: Int, row: Int) {
        for z in nodes[n].zones where z.managed > 0 {
            var cc = CompactControl(order: -1, gfp: .kernel, migrateType: GFP.kernel.migrateType(mobilityDisabled: mobilityDisabled),
                                    allocFlags: [], highestZone: z.index, mode: .sync, directCompaction: false, wholeZone: true,
                                    ignoreSkipHint: true, ignoreBlockSuitable: false, row: row)
            _ = compactZone(&cc, z)
        }
    }

    /// `compact_nodes()`: every node in turn. Only between phases (no CPU allocating).
    public func compactNodes(row: Int) {
        for n in nodes.indices { compactNode(nodeIndex: n, row: row) }
    }

    /// A `compact_memory` write between phases: every node (`compact_nodes`), or node id
    /// `node` (`nodeN/compact`), charged to the first CPU (the shell writing the file).
    public func compactMemory(node: Int?) {
        let row = cpus.first.map { slot(ofCPU: $0) } ?? systemSlot
        if let node, let n = nodeIndex[node] { compactNode(nodeIndex: n, row: row) } else if node == nil { compactNodes(row: row) }
    }

    /// `fragmentation_score_zone(zone)`: `extfrag_for_order(zone, COMPACTION_HPAGE_ORDER)`.
    public func fragmentationScoreZone(_ z: Zone) -> Int { z.extfragForOrder(PageAllocator.compactionHpageOrder) }

    /// The zone's `present_pages` (managed pages where the boot record is gone).
    func presentPages(_ z: Zone) -> Int { machine.zones[z.node].map { z.index < $0.count ? $0[z.index].present : z.managed } ?? z.managed }

    /// `fragmentation_score_zone_weighted(zone)`: the zone's score × its share of the node's
    /// present pages.
    public func fragmentationScoreZoneWeighted(_ z: Zone, nodeIndex n: Int) -> Int {
        let nodePresent = nodes[n].zones.reduce(0) { $0 + presentPages($1) }
        return fragmentationScoreZone(z) * presentPages(z) / (nodePresent + 1)
    }

    /// `fragmentation_score_node(pgdat)`: the weighted scores of its populated zones, summed.
    public func fragmentationScoreNode(nodeIndex n: Int) -> Int {
        nodes[n].zones.filter { presentPages($0) > 0 }.reduce(0) { $0 + fragmentationScoreZoneWeighted($1, nodeIndex: n) }
    }

    /// `fragmentation_score_wmark(low)`: low = max(100 − `compaction_proactiveness`, 5); high
    /// = min(low + 10, 100).
    public func fragmentationScoreWmark(nodeIndex n: Int, low: Bool) -> Int {
        let wmarkLow = Swift.max(100 - compactionProactiveness, 5)
        return low ? wmarkLow : Swift.min(wmarkLow + 10, 100)
    }

    /// `should_proactive_compact_node(pgdat)`: proactiveness on, the node's kswapd not running
    /// (`kswapd_is_running`), and the node's score above the high mark.
    public func shouldProactiveCompactNode(nodeIndex n: Int) -> Bool {
        guard compactionProactiveness > 0, !kswapdIsRunning(nodeIndex: n) else { return false }
        return fragmentationScoreNode(nodeIndex: n) > fragmentationScoreWmark(nodeIndex: n, low: false)
    }

    /// `proactive_compact_node(pgdat)`: a MIGRATE_SYNC_LIGHT whole-zone run (order -1, skip
    /// hints ignored) per populated zone that stops once the zone's score is at the low mark or
    /// kswapd runs (`__compact_finished`). In 6.1 only `compact_zone`'s counters move:
    /// `compact_daemon_{migrate,free}_scanned` count proactive scans from 6.3 on (commit
    /// "mm: compaction: count the migration scanned pages events for proactive compaction").
    public func proactiveCompactNode(nodeIndex n: Int, row: Int) {
        for z in nodes[n].zones where z.managed > 0 {
            var cc = CompactControl(order: -1, gfp: .kernel, migrateType: GFP.kernel.migrateType(mobilityDisabled: mobilityDisabled),
                                    allocFlags: [], highestZone: z.index, mode: .syncLight, directCompaction: false, wholeZone: true,
                                    ignoreSkipHint: true, ignoreBlockSuitable: false, row: row)
            cc.proactive = true
            _ = compactZone(&cc, z)
        }
    }
}
