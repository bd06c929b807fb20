import NumaTopology

/// The state a real machine was in when its /proc files were read, realized at boot
/// (docs/import-sources.md): the zone's free_area as recorded (`FreeAreaLayout`), every CPU's
/// pcp list holding its recorded `count` pages, the zone's LRU pages (`nr_zone_*`), the
/// watermark boost (`Zone.init`) and `node_unreclaimable`. The allocated pages the machine
/// already accounts for (managed − free) are the ones that become pcp and LRU pages: pages in
/// Movable pageblocks first (user and page-cache pages are movable), in ascending pfn.
extension PageAllocator {
    /// `memblock_free_all` for a zone with a recorded free_area; nil (nothing done) otherwise.
    static func freeRecordedLayout(_ z: Zone, _ b: BootZone, machine m: BootedMachine) -> [Int]? {
        let layout: FreeAreaLayout?
        do { layout = try m.recordedLayout(b) } catch {
            preconditionFailure("boot accepted a recorded layout it cannot realize: \(error.key): \(error.message)")
        }
        guard let layout else { return nil }
        return z.freeRecordedLayout(layout, managed: z.managedRanges(present: m.layout.nodeRanges[b.node] ?? []))
    }

    /// Puts the recorded pcp and LRU pages in place, from each zone's allocated pages (`used`,
    /// keys `nodeIndex * Zone.maxZoneTypes + zoneIndex`), and marks unreclaimable nodes.
    func installRecordedState(used: [Int: [Int]]) {
        for (n, id) in nodeIDs.enumerated() {
            guard let spec = machine.topology.node(id) else { continue }
            // node_unreclaimable: kswapd_failures >= MAX_RECLAIM_RETRIES (pgdat_balanced and
            // wakeup_kswapd then leave the node to direct reclaim).
            if spec.unreclaimable {
                nodes[n].reclaim.failuresAtomic.store(PageAllocator.maxReclaimRetries, ordering: .relaxed)
            }
            for (i, b) in machine.zones[id]!.enumerated() {
                guard let o = spec.zones[b.name], var pages = used[n * Zone.maxZoneTypes + i] else { continue }
                let z = nodes[n].zones[i]
                let movable = pages.filter { z.memmap.pageblockMigrateType(pfn: $0) == .movable }
                pages = movable + pages.filter { z.memmap.pageblockMigrateType(pfn: $0) != .movable }
                var next = 0
                if let counts = o.pcpCount {
                    for (slot, count) in counts.enumerated() where slot < z.pcp.count {
                        for _ in 0..<count where next < pages.count {
                            z.addRecordedPcpPage(cpu: slot, pfn: pages[next])
                            next += 1
                        }
                    }
                }
                if let lru = o.lru {
                    let lists: [(Int, PageKind, Bool)] = [(lru.inactiveAnon, .anon, false), (lru.activeAnon, .anon, true),
                                                          (lru.inactiveFile, .file, false), (lru.activeFile, .file, true)]
                    for (count, kind, active) in lists {
                        for _ in 0..<count where next < pages.count {
                            let pfn = pages[next]
                            next += 1
                            addToLRU(AllocatedBlock(pfn: pfn, order: 0, node: id, zone: i, generation: z.memmap.generation(pfn: pfn)),
                                     kind: kind, active: active)
                        }
                    }
                }
                precondition(next == (o.pcpCount?.reduce(0, +) ?? 0) + (o.lru?.total ?? 0),
                             "node \(id) \(b.name): \(pages.count) allocated pages for the recorded pcp and LRU pages")
            }
        }
    }
}
