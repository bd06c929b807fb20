/// Whether compacting a zone can help (mm/compaction.c, Linux 6.1 `__compaction_suitable`,
/// `compaction_suitable`, `compaction_zonelist_suitable`, `compact_gap`).
extension PageAllocator {
    /// `compact_gap(order)`: the free pages compaction needs beyond the watermark, twice the
    /// request (the migration targets, and room for the pages in flight).
    public static func compactGap(order: Int) -> Int { 2 << order }

    /// `vm.extfrag_threshold` (default 500).
    public var extfragThreshold: Int { machine.topology.sysctl.extfragThreshold }

    /// `__compaction_suitable(zone, order, alloc_flags, highest_zoneidx, wmark_target)`:
    /// COMPACT_CONTINUE for `compact_memory` (order -1); COMPACT_SUCCESS when the request's own
    /// watermark already holds at `order`; COMPACT_SKIPPED unless `wmark_target` free pages
    /// pass an order-0 check at the low (costly orders) or min watermark plus `compact_gap`.
    public func compactionSuitableBase(_ z: Zone, order: Int, allocFlags: AllocFlags, highestZone: Int, wmarkTarget: Int) -> CompactResult {
        if order == -1 { return .continue }
        let mark = z.watermarkPages(index: allocFlags.watermarkIndex)
        if z.watermarkOK(order: order, mark: mark, highestZone: highestZone, flags: allocFlags, free: z.nrFreePages) { return .success }
        let base = order > PerCPUPages.costlyOrder ? z.watermarkPages(.low) : z.watermarkPages(.min)
        if !z.watermarkOK(order: 0, mark: base + PageAllocator.compactGap(order: order), highestZone: highestZone, flags: .cma, free: wmarkTarget) {
            return .skipped
        }
        return .continue
    }

    /// `compaction_suitable(zone, order, alloc_flags, highest_zoneidx)`: `__compaction_suitable`
    /// on NR_FREE_PAGES; for costly orders a zone whose `fragmentation_index` is in
    /// 0…`extfrag_threshold` fails for lack of memory, not fragmentation: COMPACT_SKIPPED
    /// (COMPACT_NOT_SUITABLE_ZONE, reported as skipped).
    public func compactionSuitable(_ z: Zone, order: Int, allocFlags: AllocFlags, highestZone: Int) -> CompactResult {
        var ret = compactionSuitableBase(z, order: order, allocFlags: allocFlags, highestZone: highestZone, wmarkTarget: z.nrFreePages)
        if ret == .continue && order > PerCPUPages.costlyOrder {
            let fragindex = z.fragmentationIndex(order: order)
            if fragindex >= 0 && fragindex <= extfragThreshold { ret = .notSuitableZone }
        }
        return ret == .notSuitableZone ? .skipped : ret
    }

    /// `compaction_zonelist_suitable(ac, order, alloc_flags)`: would some eligible zone pass
    /// `__compaction_suitable` if its reclaimable pages (divided by the order) were free?
    func compactionZonelistSuitable(_ ac: AllocContext, allocFlags: AllocFlags) -> Bool {
        for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
            let z = nodes[ref.nodeIndex].zones[ref.zone]
            let available = zoneReclaimablePages(z) / Swift.max(1, ac.order) + z.nrFreePages
            if compactionSuitableBase(z, order: ac.order, allocFlags: allocFlags, highestZone: ac.highestZone,
                                      wmarkTarget: available) == .continue { return true }
        }
        return false
    }
}
