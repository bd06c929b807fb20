/// The free scanner's fast search of the free lists (mm/compaction.c, Linux 6.1
/// `fast_isolate_freepages`, `next_search_order`, `freelist_scan_limit`, `move_freelist_head`,
/// `fast_isolate_around`): before walking pageblocks, a direct compaction for order N looks at
/// the MOVABLE free lists of orders below N, from `search_order` down (wrapping), tail first,
/// for a free block in the top quarter of the space between the scanners (or, failing that, the
/// top half), takes it, rotates the list so the next search starts past it, and — unless async
/// direct — isolates the rest of its pageblock too. Without it the async scanner's stride of
/// COMPACT_CLUSTER_MAX would step over every other-pfn hole.
extension PageAllocator {
    /// `freelist_scan_limit(cc)`
    func freelistScanLimit(_ cc: CompactControl) -> Int { (CompactControl.clusterMax >> Swift.min(63, cc.fastSearchFail)) + 1 }

    /// `next_search_order(cc, order)`: -1 when the search wrapped around.
    func nextSearchOrder(_ cc: inout CompactControl, _ order: Int) -> Int {
        var o = order - 1
        if o < 0 { o = cc.order - 1 }
        if o == cc.searchOrder {
            cc.searchOrder -= 1
            if cc.searchOrder < 0 { cc.searchOrder = cc.order - 1 }
            return -1
        }
        return o
    }

    /// `fast_isolate_freepages(cc)`
    func fastIsolateFreePages(_ cc: inout CompactControl, _ z: Zone) {
        guard cc.order > 0 else { return }
        let pb = z.pageblockPages
        var limit = Swift.max(1, freelistScanLimit(cc) >> 1)
        var scanStart = false
        if cc.freePfn >= (z.endPfn - 1) & ~(pb - 1) {
            limit = pb >> 1
            scanStart = true
        }
        let distance = cc.freePfn - cc.migratePfn
        var lowPfn = (cc.freePfn - (distance >> 2)) & ~(pb - 1)
        let minPfn = (cc.freePfn - (distance >> 1)) & ~(pb - 1)
        if minPfn > lowPfn { lowPfn = minPfn }
        cc.searchOrder = Swift.min(cc.order - 1, cc.searchOrder)
        var nrScanned = 0
        var highest = 0
        var found: Int? = nil
        var order = cc.searchOrder
        while found == nil && order >= 0 {
            guard z.lock.withLock({ z.freeArea.nrFree(order: order) }) > 0 else {
                order = nextSearchOrder(&cc, order)
                continue
            }
            var orderScanned = 0
            z.lock.withLock {
                let slot = FreeArea.slot(order, .movable)
                var highPfn = 0
                var cursor = z.memmap.tailPfn(z.freeArea.lists[slot])
                var last: Int? = nil
                while let pfn = cursor {
                    orderScanned += 1
                    nrScanned += 1
                    last = pfn
                    if pfn >= highest { highest = Swift.max(pfn & ~(pb - 1), z.startPfn) }
                    if pfn >= lowPfn {
                        cc.fastSearchFail = 0
                        cc.searchOrder = order
                        found = pfn
                        break
                    }
                    if pfn >= minPfn && pfn > highPfn {
                        highPfn = pfn
                        limit >>= 1
                    }
                    if orderScanned >= limit { break }
                    let i = z.memmap.index(pfn)
                    cursor = z.memmap.prev[i] >= 0 ? Int(z.memmap.prev[i]) + z.startPfn : nil
                }
                if found == nil && highPfn != 0 { found = highPfn; last = highPfn }
                if let head = last { moveFreelistHead(z, slot, head) }
                if let pfn = found {
                    if let n = isolateFreeBlockLocked(z, pfn, order: order) {
                        for p in pfn..<(pfn + n) { cc.freePages.append(p) }
                        nrScanned += n - 1
                        cc.isolated += n
                    } else {
                        order = cc.searchOrder + 1
                        found = nil
                    }
                }
            }
            if cc.freePages.count >= cc.migratePages.count { break }
            if orderScanned >= limit { limit = Swift.max(1, limit >> 1) }
            order = nextSearchOrder(&cc, order)
        }
        var start = found
        if found == nil {
            cc.fastSearchFail += 1
            if scanStart {
                if highest >= minPfn {
                    start = highest
                    cc.freePfn = highest
                } else if cc.directCompaction && minPfn >= z.startPfn {
                    start = minPfn
                    cc.freePfn = minPfn
                }
            }
        }
        let s = z.compaction
        if highest != 0 {
            s.lock.withLock { if highest >= s.cachedFreePfn { s.cachedFreePfn = highest - pb } }
        }
        cc.totalFreeScanned += nrScanned
        guard let pfn = start else { return }
        fastIsolateAround(&cc, z, pfn)
    }

    /// `move_freelist_head(freelist, freepage)`: the entries before `pfn` go to the tail, so
    /// `pfn` heads the list. Under the zone lock.
    private func moveFreelistHead(_ z: Zone, _ slot: Int, _ pfn: Int) {
        guard z.memmap.tailPfn(z.freeArea.lists[slot]) != pfn else { return }
        while let head = z.memmap.headPfn(z.freeArea.lists[slot]), head != pfn {
            if slot == Zone.untouchedSlot && !z.untouched.isEmpty { return }
            z.memmap.unlink(head, &z.freeArea.lists[slot])
            z.memmap.pushTail(head, &z.freeArea.lists[slot])
        }
    }

    /// `fast_isolate_around(cc, pfn)`: the rest of the pageblock, stride 1, unless enough are
    /// held or this is async direct compaction.
    private func fastIsolateAround(_ cc: inout CompactControl, _ z: Zone, _ pfn: Int) {
        if cc.freePages.count >= cc.migratePages.count { return }
        if cc.directCompaction && cc.mode == .async { return }
        var start = Swift.max(pfn & ~(z.pageblockPages - 1), z.startPfn)
        let end = Swift.min((pfn & ~(z.pageblockPages - 1)) + z.pageblockPages, z.endPfn)
        _ = isolateFreePagesBlock(&cc, z, &start, end, stride: 1)
    }

    /// `__isolate_free_page(page, order)` + `split_map_pages` under the zone lock: the block
    /// leaves its free list (if the zone stays above its min watermark + 2^order), a block of
    /// half a pageblock or more turns its mergeable pageblocks MOVABLE, and its pages become
    /// order-0 pages held as migration targets. Returns the pages taken, nil if refused.
    func isolateFreeBlockLocked(_ z: Zone, _ pfn: Int, order: Int) -> Int? {
        let mt = z.memmap.pageblockMigrateType(pfn: pfn)
        if mt != .isolate {
            let mark = z.baseWatermark.min + (1 << order)
            if !z.watermarkOK(order: 0, mark: mark, highestZone: 0, flags: .cma, free: z.nrFreePages) { return nil }
            z.addFreePages(-(1 << order))
        }
        z.delFromFreeList(pfn, order: order)
        if order >= z.pageblockOrder - 1 {
            var p = pfn
            while p < pfn + (1 << order) - 1 {
                if z.memmap.pageblockMigrateType(pfn: p).isMergeable { z.memmap.setPageblockMigrateType(pfn: p, .movable) }
                p += z.pageblockPages
            }
        }
        for p in pfn..<(pfn + (1 << order)) { z.markBlock(p, order: 0, head: .allocated) }
        return 1 << order
    }
}
