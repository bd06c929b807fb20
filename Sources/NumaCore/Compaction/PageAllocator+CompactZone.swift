/// `compact_zone(cc, capc)` (mm/compaction.c, Linux 6.1): unless `compact_memory` asked, stop
/// at once if the allocation would already succeed or `compaction_suitable` says compaction
/// cannot help; then, from the cached scanner positions (or the zone's ends for `whole_zone`),
/// isolate up to COMPACT_CLUSTER_MAX movable pages, migrate each to a free page the free
/// scanner isolated (`migrate_pages` with `compaction_alloc`), and repeat until
/// `compact_finished` says a page of the order is free or the scanners met. Leftover free pages
/// go back to the buddy (`release_freepages`) and the scan totals are counted
/// (COMPACTMIGRATE_SCANNED, COMPACTFREE_SCANNED, COMPACTISOLATED).
///
/// Simplifications: no capture of the freed page (`capture_control`: the caller retries the
/// free lists instead), and pages freed by migration go straight to the buddy lists (as if the
/// kernel's per-CPU drain at the end of each order-aligned block had run).
extension PageAllocator {
    public func compactZone(_ cc: inout CompactControl, _ z: Zone) -> CompactResult {
        let n = nodeIndex[z.node]!
        let startPfn = z.startPfn, endPfn = z.endPfn
        let pb = z.pageblockPages
        let sync = cc.mode != .async
        if !cc.isViaCompactMemory {
            let mark = z.watermarkPages(index: cc.allocFlags.watermarkIndex)
            if z.watermarkOK(order: cc.order, mark: mark, highestZone: cc.highestZone, flags: cc.allocFlags, free: z.nrFreePages) {
                return .success
            }
            let r = compactionSuitable(z, order: cc.order, allocFlags: cc.allocFlags, highestZone: cc.highestZone)
            if r == .success || r == .skipped { return r }
        }
        let s = z.compaction
        if cc.wholeZone {
            cc.migratePfn = startPfn
            cc.freePfn = (endPfn - 1) & ~(pb - 1)
        } else {
            s.lock.withLock {
                cc.migratePfn = s.cachedMigratePfn[sync ? 1 : 0]
                cc.freePfn = s.cachedFreePfn
                if cc.freePfn < startPfn || cc.freePfn >= endPfn {
                    cc.freePfn = (endPfn - 1) & ~(pb - 1)
                    s.cachedFreePfn = cc.freePfn
                }
                if cc.migratePfn < startPfn || cc.migratePfn >= endPfn {
                    cc.migratePfn = startPfn
                    s.cachedMigratePfn = [startPfn, startPfn]
                }
            }
            // `compact_init_migrate_pfn` (the first pfn `__reset_isolation_suitable` found
            // suitable) is the zone's start here: there are no skip hints.
            if cc.migratePfn == startPfn { cc.wholeZone = true }
        }
        var ret: CompactResult
        while true {
            ret = compactFinished(&cc, z)
            guard ret == .continue else { break }
            guard isolateMigratePages(&cc, z, nodeIndex: n) else { continue }
            let enomem = migratePages(&cc, z, nodeIndex: n)
            if enomem {
                if !cc.scannersMet(pageblockOrder: z.pageblockOrder) { ret = .contended; break }
                if cc.directCompaction && cc.mode == .async {
                    let op = cc.order > 0 ? 1 << cc.order : 1
                    cc.migratePfn = ((cc.migratePfn - 1) & ~(op - 1)) + op
                }
            }
        }
        if !cc.migratePages.isEmpty {
            putbackMovablePages(cc.migratePages, z, nodeIndex: n)
            cc.migratePages.removeAll()
        }
        if let lowest = releaseFreePages(&cc, z) {
            let freePfn = lowest & ~(pb - 1)
            s.lock.withLock { if freePfn > s.cachedFreePfn { s.cachedFreePfn = freePfn } }
        }
        countCompactEvents(cc)
        return ret
    }

    /// COMPACTMIGRATE_SCANNED, COMPACTFREE_SCANNED, COMPACTISOLATED, PGMIGRATE_*, and the
    /// run's time on the simulated clock (`compact_scan_per_page` per page either scanner
    /// looked at, a page copy per page migrated).
    func countCompactEvents(_ cc: CompactControl) {
        vmEvents.add(.compactMigrateScanned, cc.totalMigrateScanned, row: cc.row)
        vmEvents.add(.compactFreeScanned, cc.totalFreeScanned, row: cc.row)
        vmEvents.add(.compactIsolated, cc.isolated, row: cc.row)
        vmEvents.add(.pgmigrateSuccess, cc.migrated, row: cc.row)
        vmEvents.add(.pgmigrateFail, cc.migrateFailed, row: cc.row)
        let ns = (cc.totalMigrateScanned + cc.totalFreeScanned) * cost(.compactScanPerPage) + cc.migrated * cost(.copyPage)
        vmEvents.add(.workCompactNanoseconds, ns, row: cc.row)
    }

    /// `release_freepages`: the free pages still isolated go back to the buddy allocator
    /// (counted in PGFREE, as `__free_page` counts them). Returns the highest pfn released.
    func releaseFreePages(_ cc: inout CompactControl, _ z: Zone) -> Int? {
        guard !cc.freePages.isEmpty else { return nil }
        var high = 0
        for pfn in cc.freePages {
            high = Swift.max(high, pfn)
            z.freeBlock(pfn, order: 0, cpu: cc.row)
        }
        vmEvents.add(.pgfree, cc.freePages.count, row: cc.row)
        cc.freePages.removeAll()
        return high
    }

    /// `compact_finished` / `__compact_finished(cc)`: COMPACT_COMPLETE (whole zone) or
    /// COMPACT_PARTIAL_SKIPPED when the scanners met (the cached positions reset); for
    /// proactive compaction, COMPACT_PARTIAL_SKIPPED while the node's kswapd runs, else success
    /// once the zone's fragmentation score is at the low watermark; `compact_memory` goes on; otherwise, at a pageblock boundary, success when a
    /// free block of the order or more sits on the request's migratetype list or one it may
    /// steal from (`find_suitable_fallback`); else continue.
    func compactFinished(_ cc: inout CompactControl, _ z: Zone) -> CompactResult {
        if cc.scannersMet(pageblockOrder: z.pageblockOrder) {
            resetCachedPositions(z)
            return cc.wholeZone ? .complete : .partialSkipped
        }
        if cc.proactive {
            // kcompactd's proactive pass backs off as soon as the node's kswapd runs (in the
            // concurrent engine a CPU may wake it meanwhile).
            let n = nodeIndex[z.node]!
            if kswapdIsRunning(nodeIndex: n) { return .partialSkipped }
            let score = fragmentationScoreZone(z)
            return score > fragmentationScoreWmark(nodeIndex: n, low: true) ? .continue : .success
        }
        if cc.isViaCompactMemory { return .continue }
        if cc.migratePfn & (z.pageblockPages - 1) != 0 { return .continue }
        let found: Bool = z.lock.withLock {
            for order in cc.order..<FreeArea.maxOrder {
                if z.freeBlocks(order: order, cc.migrateType) > 0 { return true }
                if z.findSuitableFallback(order: order, cc.migrateType, onlyStealable: true) != nil { return true }
            }
            return false
        }
        return found ? .success : .continue
    }

    /// `reset_cached_positions(zone)`: the next run starts from the zone's two ends.
    func resetCachedPositions(_ z: Zone) {
        let s = z.compaction
        s.lock.withLock {
            s.cachedMigratePfn = [z.startPfn, z.startPfn]
            s.cachedFreePfn = (z.endPfn - 1) & ~(z.pageblockPages - 1)
        }
    }
}
