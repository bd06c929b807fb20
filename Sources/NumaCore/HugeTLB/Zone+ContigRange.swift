/// The contiguous ranges behind 1 GiB hugetlb pages (mm/page_alloc.c, Linux 6.1):
/// `pfn_range_valid_contig`, the part of `alloc_contig_range` numasim models — a range whose
/// pages are all free (the per-CPU lists of the zone drained first, as `alloc_contig_range`
/// does with `drain_all_pages(cc.zone)`) is taken out of the buddy whole; a range holding
/// allocated pages fails, where the kernel would first try to migrate its movable pages — and
/// `free_contig_range`, which gives the range back (here as maximal aligned blocks).
extension Zone {
    /// `pfn_range_valid_contig` and the range's pages: true when every page of `range` lies in
    /// the zone and is free in the buddy or on a per-CPU list (none reserved, offline or
    /// allocated).
    func contigRangeIsFree(_ range: Range<Int>) -> Bool {
        guard range.lowerBound >= startPfn, range.upperBound <= endPfn else { return false }
        let u = blockUsage(range)
        return u.reservedPages == 0 && u.allocatedPages == 0
    }

    /// `alloc_contig_range(start, end, MIGRATE_MOVABLE)` on a free range: the zone's pcp lists
    /// are drained, then every free block of the range leaves the buddy and the range becomes
    /// one allocated block of order log2(count) (its head allocated, the rest tail pages).
    /// False (nothing changed) if a page of the range is not free.
    func allocContigRange(_ range: Range<Int>) -> Bool {
        for cpu in pcp.indices { drainPages(cpu: cpu) }
        return lock.withLock {
            let u = blockUsage(range)
            guard u.reservedPages == 0 && u.allocatedPages == 0 && u.pcpPages == 0 else { return false }
            var taken = removeUntouchedBlocks(in: range)
            var p = range.lowerBound
            while p < range.upperBound {
                if memmap.flags(pfn: p).contains(.reserved) { p += 1; continue }   // untouched, just written
                let order = memmap.order(pfn: p)
                let mt = memmap.storedMigrateType(p)
                delFromFreeList(p, order: order)
                if mt != .isolate { taken += 1 << order }
                p += 1 << order
            }
            for q in range { memmap.setFlags(q, .tail) }
            memmap.setFlags(range.lowerBound, .allocated)
            memmap.setOrder(range.lowerBound, range.count.trailingZeroBitCount)
            addFreePages(-taken)
            return true
        }
    }

    /// `free_contig_range`: the range back to the buddy (as `__free_pages_memory` frees a range:
    /// maximal aligned blocks; the kernel frees page by page, which merges to the same blocks).
    func freeContigRange(_ range: Range<Int>) {
        lock.withLock { freeBootRange(range) }
    }
}

extension PageAllocator {
    /// `alloc_gigantic_folio` → `alloc_contig_pages(nr_pages, gfp, nid, nodemask)`: over the
    /// zonelist of `nid` (NOFALLBACK with __GFP_THISNODE) up to `gfp_zone(gfp)`, nodes of
    /// `nodemask`, each zone's ranges aligned to the page size from `ALIGN(zone_start_pfn)`
    /// while the zone spans the range's last pfn; the first free range is taken.
    func allocGiganticFolio(order: Int, gfp: GFP, nid: Int, nodemask: [Int]?) -> AllocatedBlock? {
        guard let hz = gfp.zone(arch: arch), let n = nodeIndex[nid] else { return nil }
        let list = gfp.contains(.thisnode) ? nodes[n].zonelistNoFallback : nodes[n].zonelistFallback
        let nr = 1 << order
        for ref in list where ref.zone <= hz && (nodemask?.contains(ref.node) ?? true) {
            guard let zn = nodeIndex[ref.node] else { continue }
            let z = nodes[zn].zones[ref.zone]
            var pfn = (z.startPfn + nr - 1) & ~(nr - 1)
            while pfn + nr - 1 < z.endPfn {
                if z.contigRangeIsFree(pfn..<(pfn + nr)) && z.allocContigRange(pfn..<(pfn + nr)) {
                    return AllocatedBlock(pfn: pfn, order: order, node: ref.node, zone: ref.zone)
                }
                pfn += nr
            }
        }
        return nil
    }

    /// `update_and_free_hugetlb_folio`: a page leaving the pool goes back to the buddy —
    /// `__free_pages` (order 9), or `free_gigantic_folio` → `free_contig_range` (1 GiB).
    func updateAndFreeHugeTLBFolio(_ b: AllocatedBlock, cpu: Int) {
        guard b.order >= FreeArea.maxOrder else { return freePages(b, cpu: cpu) }
        let z = nodes[nodeIndex[b.node]!].zones[b.zone]
        z.freeContigRange(b.pfn..<(b.pfn + (1 << b.order)))
        vmEvents.add(.pgfree, 1 << b.order, row: systemSlot)
    }
}
