/// The two compaction scanners (mm/compaction.c, Linux 6.1): the migrate scanner
/// (`isolate_migratepages`, `isolate_migratepages_block`, `suitable_migration_source`) walks
/// pageblocks up from the zone's start isolating order-0 pages on the LRU; the free scanner
/// (`isolate_freepages`, `isolate_freepages_block`, `suitable_migration_target`,
/// `__isolate_free_page`, `split_map_pages`) walks pageblocks down from the zone's end taking
/// free buddy blocks as migration targets. Pages on no LRU — kernel memory, page tables, pages on
/// a CPU's pageset — cannot move, so a pageblock holding one never becomes free.
///
/// Not modelled: the pageblock skip hints (PG_migrate_skip; every run scans as if
/// `ignore_skip_hint` were set), the migrate scanner's free-list fast search
/// (`fast_find_migrateblock`) and lock contention (`compact_lock_irqsave` never aborts).
/// High-order allocated blocks are skipped whole, as compound pages are.
extension PageAllocator {
    /// `suitable_migration_source(cc, page)`: async direct compaction takes only pageblocks of
    /// the request's migratetype (MOVABLE: any movable type); everything else takes all.
    func suitableMigrationSource(_ cc: CompactControl, _ z: Zone, _ pfn: Int) -> Bool {
        if cc.mode != .async || !cc.directCompaction { return true }
        let mt = z.memmap.pageblockMigrateType(pfn: pfn)
        return cc.migrateType == .movable ? mt == .movable : mt == cc.migrateType
    }

    /// Whether `pfn` heads an untouched free order-10 block (its record reads PG_reserved).
    private func inUntouchedBlock(_ z: Zone, _ pfn: Int) -> Bool {
        guard z.memmap.contains(pfn: pfn), z.memmap.flags(pfn: pfn) == .reserved else { return false }
        return z.lock.withLock { z.untouched.contains(pfn) }
    }

    /// `isolate_migratepages(cc)`: from `cc.migratePfn`, the first pageblock below the free
    /// scanner that is a suitable source, isolated by `isolate_migratepages_block`. Returns
    /// whether pages were isolated (ISOLATE_SUCCESS; else ISOLATE_NONE).
    func isolateMigratePages(_ cc: inout CompactControl, _ z: Zone, nodeIndex n: Int) -> Bool {
        let pb = z.pageblockPages
        var lowPfn = cc.migratePfn
        var blockStart = Swift.max(lowPfn & ~(pb - 1), z.startPfn)
        var blockEnd = (lowPfn & ~(pb - 1)) + pb
        while blockEnd <= cc.freePfn {
            let pageStart = Swift.max(blockStart, z.startPfn)
            if !suitableMigrationSource(cc, z, pageStart) || inUntouchedBlock(z, pageStart & ~(UntouchedBlocks.pages - 1)) {
                updateCachedMigrate(cc, z, blockEnd)
            } else {
                isolateMigratePagesBlock(&cc, z, nodeIndex: n, from: Swift.max(lowPfn, z.startPfn), to: Swift.min(blockEnd, z.endPfn))
                return !cc.migratePages.isEmpty
            }
            lowPfn = blockEnd
            cc.migratePfn = blockEnd
            blockStart = blockEnd
            blockEnd += pb
        }
        return !cc.migratePages.isEmpty
    }

    /// `update_cached_migrate(cc, pfn)`
    func updateCachedMigrate(_ cc: CompactControl, _ z: Zone, _ pfn: Int) {
        let end = (pfn + z.pageblockPages - 1) & ~(z.pageblockPages - 1)
        let s = z.compaction
        s.lock.withLock {
            if end > s.cachedMigratePfn[0] { s.cachedMigratePfn[0] = end }
            if cc.mode != .async && end > s.cachedMigratePfn[1] { s.cachedMigratePfn[1] = end }
        }
    }

    /// `isolate_migratepages_block(cc, low_pfn, end_pfn, isolate_mode)`: order-0 pages on the
    /// LRU are taken off it (PG_lru cleared, as reclaim's isolation does) until
    /// COMPACT_CLUSTER_MAX are held; free blocks and high-order blocks are stepped over; a page
    /// that cannot move in async direct compaction gives up the rest of its `cc.order`-aligned
    /// block and puts back what that block had isolated (`skip_on_failure`).
    func isolateMigratePagesBlock(_ cc: inout CompactControl, _ z: Zone, nodeIndex n: Int, from start: Int, to end: Int) {
        let v = nodes[n].lruvec
        let skipOnFailure = cc.directCompaction && cc.mode == .async
        let orderPages = cc.order > 0 ? 1 << cc.order : 1
        var nextSkipPfn = skipOnFailure ? (start & ~(orderPages - 1)) + orderPages : 0
        var lowPfn = start
        var nrScanned = 0
        var nrIsolated = 0
        var blockIsolated: [Int] = []
        while lowPfn < end {
            if skipOnFailure && lowPfn >= nextSkipPfn {
                if !blockIsolated.isEmpty { break }
                nextSkipPfn = (lowPfn & ~(orderPages - 1)) + orderPages
            }
            nrScanned += 1
            let flags = z.memmap.flags(pfn: lowPfn)
            if flags.contains(.buddy) {
                let o = z.memmap.order(pfn: lowPfn)
                if o > 0 && o < FreeArea.maxOrder { lowPfn += (1 << o) - 1 }
                lowPfn += 1
                continue
            }
            var movable = false
            if flags == .allocated {
                let o = z.memmap.order(pfn: lowPfn)
                if o > 0 {
                    // PageCompound: the whole block is stepped over, and it cannot move.
                    if o < FreeArea.maxOrder { lowPfn += (1 << o) - 1 }
                } else {
                    movable = v.lock.withLock {
                        let f = z.memmap.lruFlags(pfn: lowPfn)
                        guard z.memmap.flags(pfn: lowPfn) == .allocated, f.contains(.lru), f.kind != .kernel else { return false }
                        v.remove(z, lowPfn, LRUVec.List.of(kind: f.kind, active: f.contains(.active)))
                        z.memmap.removeLRUFlags(lowPfn, .lru)
                        return true
                    }
                }
            }
            if movable {
                cc.migratePages.append(lowPfn)
                blockIsolated.append(lowPfn)
                nrIsolated += 1
                if cc.migratePages.count >= CompactControl.clusterMax {
                    lowPfn += 1
                    break
                }
                lowPfn += 1
                continue
            }
            // isolate_fail
            if skipOnFailure {
                if !blockIsolated.isEmpty {
                    putbackMovablePages(blockIsolated, z, nodeIndex: n)
                    cc.migratePages.removeAll { blockIsolated.contains($0) }
                    nrIsolated -= blockIsolated.count
                    blockIsolated.removeAll()
                }
                if lowPfn < nextSkipPfn {
                    lowPfn = nextSkipPfn - 1
                    nextSkipPfn += orderPages
                }
            }
            lowPfn += 1
        }
        if lowPfn > end { lowPfn = end }
        if lowPfn == end && nrIsolated == 0 { updateCachedMigrate(cc, z, lowPfn) }
        cc.totalMigrateScanned += nrScanned
        cc.isolated += nrIsolated
        cc.migratePfn = lowPfn
    }

    /// `putback_movable_pages`: isolated pages go back to the head of their LRU list (a page
    /// its owner let go of meanwhile is freed).
    func putbackMovablePages(_ pfns: [Int], _ z: Zone, nodeIndex n: Int) {
        let v = nodes[n].lruvec
        for pfn in pfns {
            let orphan: Bool = v.lock.withLock {
                let f = z.memmap.lruFlags(pfn: pfn)
                if dropOrphanLocked(z, pfn, f, n) { return true }
                z.memmap.insertLRUFlags(pfn, .lru)
                v.addHead(z, pfn, LRUVec.List.of(kind: f.kind, active: f.contains(.active)))
                return false
            }
            if orphan { z.freeBlock(pfn, order: 0) }
        }
    }

    /// `suitable_migration_target(cc, page)`: not a free block of a pageblock or more, and (unless
    /// `ignore_block_suitable`) a MOVABLE pageblock.
    func suitableMigrationTarget(_ cc: CompactControl, _ z: Zone, _ pfn: Int) -> Bool {
        let f = z.memmap.flags(pfn: pfn)
        if f.contains(.buddy) && z.memmap.order(pfn: pfn) >= z.pageblockOrder { return false }
        if inUntouchedBlock(z, pfn & ~(UntouchedBlocks.pages - 1)) { return false }
        if cc.ignoreBlockSuitable { return true }
        return z.memmap.pageblockMigrateType(pfn: pfn) == .movable
    }

    /// `isolate_freepages(cc)`: from `cc.freePfn` down to the pageblock after the migrate
    /// scanner's, suitable pageblocks give their free blocks until there are as many free pages
    /// as isolated ones; the stride of async mode starts at COMPACT_CLUSTER_MAX and halves back
    /// to 1 once a block yields pages. Records where to resume in `cc.freePfn`.
    func isolateFreePages(_ cc: inout CompactControl, _ z: Zone) {
        fastIsolateFreePages(&cc, z)
        if !cc.freePages.isEmpty { return }
        let pb = z.pageblockPages
        var isolateStart = cc.freePfn
        var blockStart = isolateStart & ~(pb - 1)
        var blockEnd = Swift.min(blockStart + pb, z.endPfn)
        let lowPfn = (cc.migratePfn & ~(pb - 1)) + pb
        var stride = cc.mode == .async ? CompactControl.clusterMax : 1
        while blockStart >= lowPfn {
            let first = Swift.max(blockStart, z.startPfn)
            if first < blockEnd && suitableMigrationTarget(cc, z, first) {
                var cursor = Swift.max(isolateStart, first)
                let nrIsolated = isolateFreePagesBlock(&cc, z, &cursor, blockEnd, stride: stride)
                isolateStart = cursor
                if isolateStart >= blockEnd { updatePageblockSkip(z, blockStart) }
                if cc.freePages.count >= cc.migratePages.count {
                    if isolateStart >= blockEnd { isolateStart = blockStart - pb }
                    break
                } else if isolateStart < blockEnd {
                    break
                }
                stride = nrIsolated > 0 ? 1 : Swift.min(CompactControl.clusterMax, stride << 1)
            }
            blockEnd = blockStart
            blockStart -= pb
            isolateStart = blockStart
        }
        cc.freePfn = isolateStart
    }

    /// The cached free pfn part of `update_pageblock_skip` (the skip bit itself is not modelled).
    private func updatePageblockSkip(_ z: Zone, _ pfn: Int) {
        let s = z.compaction
        s.lock.withLock { if pfn < s.cachedFreePfn { s.cachedFreePfn = pfn } }
    }

    /// `isolate_freepages_block(cc, &start_pfn, end_pfn, freelist, stride, strict=false)` with
    /// `__isolate_free_page` and `split_map_pages`: each free buddy block met is taken off its
    /// list (if the zone stays above min + 2^order free pages; a block of half a pageblock or
    /// more turns its mergeable pageblocks MOVABLE) and split into order-0 pages held as
    /// migration targets; stops once there are as many as pages to migrate.
    func isolateFreePagesBlock(_ cc: inout CompactControl, _ z: Zone, _ start: inout Int, _ end: Int, stride: Int) -> Int {
        var pfn = start
        var nrScanned = 0, total = 0
        while pfn < end {
            nrScanned += 1
            let f = z.memmap.flags(pfn: pfn)
            if f == .allocated {
                let o = z.memmap.order(pfn: pfn)
                if o > 0 && o < FreeArea.maxOrder { pfn += (1 << o) - 1 }
                pfn += stride
                continue
            }
            guard f.contains(.buddy) else { pfn += stride; continue }
            var stop = false
            let isolated: Int = z.lock.withLock {
                let order = z.memmap.order(pfn: pfn)
                guard z.isBuddy(pfn, order: order) else { return 0 }
                guard let n = isolateFreeBlockLocked(z, pfn, order: order) else { stop = true; return 0 }
                return n
            }
            if stop { break }
            if isolated == 0 { pfn += stride; continue }
            for p in pfn..<(pfn + isolated) { cc.freePages.append(p) }
            nrScanned += isolated - 1
            total += isolated
            if cc.migratePages.count <= cc.freePages.count {
                pfn += isolated
                break
            }
            pfn += isolated - 1 + stride
        }
        if pfn > end { pfn = end }
        start = pfn
        cc.totalFreeScanned += nrScanned
        cc.isolated += total
        return total
    }
}
