/// Direct compaction from the allocator's slow path (Linux 6.1: mm/page_alloc.c
/// `__alloc_pages_direct_compact`, `should_compact_retry`; mm/compaction.c
/// `try_to_compact_pages`, `compact_zone_order`).
extension PageAllocator {
    /// MAX_COMPACT_RETRIES
    static let maxCompactRetries = 16

    /// `compact_zone_order(zone, order, gfp_mask, prio, alloc_flags, highest_zoneidx)`: one
    /// zone at a priority (see `CompactPriority` for what each one skips).
    public func compactZoneOrder(_ z: Zone, order: Int, gfp: GFP, priority: CompactPriority, allocFlags: AllocFlags,
                                 highestZone: Int, row: Int) -> CompactResult {
        var cc = CompactControl(order: order, gfp: gfp, migrateType: gfp.migrateType(mobilityDisabled: mobilityDisabled),
                                allocFlags: allocFlags, highestZone: highestZone,
                                mode: priority == .async ? .async : .syncLight, directCompaction: true,
                                wholeZone: priority == .min, ignoreSkipHint: priority == .min,
                                ignoreBlockSuitable: priority == .min, row: row)
        return compactZone(&cc, z)
    }

    /// `try_to_compact_pages(gfp_mask, order, alloc_flags, ac, prio)`: nothing without
    /// __GFP_IO; else each eligible zone of the zonelist not deferred (SYNC_FULL ignores the
    /// deferral) is compacted, stopping at the first that succeeds (`compaction_defer_reset`,
    /// expecting success); a sync run that completes or stops short defers the zone. Returns
    /// the highest result.
    func tryToCompactPages(_ ac: AllocContext, allocFlags: AllocFlags, priority: CompactPriority) -> CompactResult {
        guard ac.gfp.contains(.io) else { return .skipped }
        let row = slot(ofCPU: ac.cpu)
        var rc = CompactResult.skipped
        for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
            let z = nodes[ref.nodeIndex].zones[ref.zone]
            guard z.managed > 0 else { continue }
            if priority > .min && z.compaction.compactionDeferred(order: ac.order) {
                rc = Swift.max(.deferred, rc)
                continue
            }
            let status = compactZoneOrder(z, order: ac.order, gfp: ac.gfp, priority: priority, allocFlags: allocFlags,
                                          highestZone: ac.highestZone, row: row)
            rc = Swift.max(status, rc)
            if status == .success {
                z.compaction.deferReset(order: ac.order, allocSuccess: false)
                break
            }
            if priority != .async && (status == .complete || status == .partialSkipped) {
                z.compaction.deferCompaction(order: ac.order)
            }
        }
        return rc
    }

    /// `__alloc_pages_direct_compact(gfp_mask, order, alloc_flags, ac, prio, &compact_result)`:
    /// compaction, then the free lists. Unless every zone was skipped it is a COMPACTSTALL, and
    /// then a COMPACTSUCCESS (the zone's deferral reset) or a COMPACTFAIL.
    func directCompact(_ ac: inout AllocContext, allocFlags: AllocFlags, priority: CompactPriority,
                       result: inout CompactResult) -> AllocatedBlock? {
        guard ac.order > 0 else { return nil }
        result = tryToCompactPages(ac, allocFlags: allocFlags, priority: priority)
        if result == .skipped { return nil }
        let row = slot(ofCPU: ac.cpu)
        vmEvents.add(.compactStall, row: row)
        if let b = getPageFromFreelist(&ac, flags: allocFlags) {
            withZone(nodeIndex[b.node]!, b.zone) { $0.compaction.deferReset(order: ac.order, allocSuccess: true) }
            vmEvents.add(.compactSuccess, row: row)
            return b
        }
        vmEvents.add(.compactFail, row: row)
        return nil
    }

    /// `should_compact_retry(ac, order, alloc_flags, compact_result, &compact_priority,
    /// &compaction_retries)`: a success counts a retry; a failed whole-zone run or a withdrawn
    /// one (deferred, contended, partial) raises the priority while it can (to SYNC_LIGHT for
    /// costly orders, SYNC_FULL otherwise); a skipped one retries if reclaim could make the
    /// zonelist suitable; otherwise retry up to MAX_COMPACT_RETRIES (a quarter for costly orders).
    func shouldCompactRetry(_ ac: AllocContext, allocFlags: AllocFlags, result: CompactResult, priority: inout CompactPriority,
                            retries: inout Int) -> Bool {
        guard ac.order > 0 else { return false }
        if result.madeProgress { retries += 1 }
        if result.needsReclaim { return compactionZonelistSuitable(ac, allocFlags: allocFlags) }
        if !result.failed && !result.withdrawn {
            var maxRetries = PageAllocator.maxCompactRetries
            if ac.order > PerCPUPages.costlyOrder { maxRetries /= 4 }
            if retries <= maxRetries { return true }
        }
        let minPriority: CompactPriority = ac.order > PerCPUPages.costlyOrder ? .minCostly : .min
        if priority > minPriority {
            priority = CompactPriority(rawValue: priority.rawValue - 1)!
            retries = 0
            return true
        }
        return false
    }
}
