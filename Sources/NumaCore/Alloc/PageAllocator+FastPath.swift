/// The order-0 fast path: what `__alloc_pages` → `get_page_from_freelist` → `rmqueue_pcplist` →
/// `zone_statistics` does, written out in one function for the case that dominates every
/// workload — an order-0 request without a nodemask whose first eligible zone passes its low
/// watermark and whose CPU holds a page on the matching pcp list.
///
/// It makes exactly the generic path's decisions for that case (`PageAllocator+Alloc.swift`):
/// - the first zoneref at or below the highest zone (`first_zones_zonelist`), with the NOFALLBACK
///   list for __GFP_THISNODE;
/// - `zone_watermark_fast` at the low watermark for order 0: free pages minus the highatomic
///   reserve above low + boost + lowmem_reserve[classzone];
/// - ALLOC_NOFRAGMENT and zone_reclaim_mode matter only when a zone fails or the pcp list must be
///   refilled, so they cannot change the outcome here;
/// - `zone_statistics` with the served zone as the preferred one: numa_hit, local/other node,
///   interleave_hit; PGALLOC.
/// Everything else — an empty pcp list, a failed watermark, a pending drain request, a boosted
/// watermark to clear — returns nil and the caller takes the generic path.
extension PageAllocator {
    @inline(__always)
    func allocOrder0Fast(gfp: GFP, preferredNode: Int, cpu: Int, interleaveTarget: Int?) -> AllocatedBlock? {
        guard let slot = cpuSlot[cpu], drainRequests[slot] == 0,
              let hz = gfp.zone(arch: arch), let pn = nodeIndex[preferredNode] else { return nil }
        let zl = zonelistTable.list(nodeIndex: pn, thisNode: gfp.contains(.thisnode))
        var i = 0
        while i < zl.count && zl[i].zone > hz { i &+= 1 }
        guard i < zl.count else { return nil }
        let ref = zl[i]
        let pindex = Int(gfp.migrateType(mobilityDisabled: mobilityDisabled).rawValue)
        let local = ref.node == cpuNode[cpu]
        return withZone(ref.nodeIndex, ref.zone) { z -> AllocatedBlock? in
            let free = z.nrFreePages
            let usable = free &- Swift.min(free, z.nrReservedHighatomic)
            guard usable > z.baseWatermark.low &+ z.watermarkBoost &+ z.reserveByClasszone[hz],
                  !z.boostedWatermarkFlag else { return nil }
            let p = z.pcp.pointer(slot)
            let list = p.pointee.lists + pindex
            guard !list.pointee.isEmpty else { return nil }
            p.pointee.freeFactor >>= 1
            let pfn = Int(list.pointee.head) &+ z.memmap.startPfn
            z.memmap.unlink(pfn, &list.pointee)
            p.pointee.count &-= 1
            z.memmap.setFlags(pfn, .allocated)
            p.pointee.pgalloc &+= 1
            p.pointee.events.numaHit &+= 1
            if local { p.pointee.events.localNode &+= 1 } else { p.pointee.events.otherNode &+= 1 }
            if interleaveTarget == ref.node { p.pointee.events.interleaveHit &+= 1 }
            return AllocatedBlock(pfn: pfn, order: 0, node: ref.node, zone: ref.zone, generation: z.memmap.generation(pfn: pfn))
        }
    }
}
