/// Migratetype fallback when a type's own lists are empty (mm/page_alloc.c 6.1:
/// `__rmqueue`, `__rmqueue_fallback`, `find_suitable_fallback`, `can_steal_fallback`,
/// `steal_suitable_fallback`, `move_freepages_block`, `boost_watermark`). Under the zone lock.
extension Zone {
    /// `can_steal_fallback`
    func canStealFallback(order: Int, _ startMT: MigrateType) -> Bool {
        if order >= pageblockOrder { return true }
        return order >= pageblockOrder / 2 || startMT == .reclaimable || startMT == .unmovable || mobilityGroupingDisabled
    }

    /// `find_suitable_fallback`: the first fallback type with a free block at `order`.
    func findSuitableFallback(order: Int, _ mt: MigrateType, onlyStealable: Bool) -> (MigrateType, Bool)? {
        if freeArea.nrFree(order: order) == 0 { return nil }
        var canSteal = false
        for fb in mt.fallbacks {
            if freeArea.list(order: order, fb).isEmpty { continue }
            if canStealFallback(order: order, mt) { canSteal = true }
            if !onlyStealable || canSteal { return (fb, canSteal) }
        }
        return nil
    }

    /// `__rmqueue_fallback`: steal from another type, largest block first (to claim whole
    /// pageblocks), or — for movable requests that cannot claim — the smallest block.
    func rmqueueFallback(order: Int, _ startMT: MigrateType, flags: AllocFlags) -> Bool {
        var minOrder = order
        if order < pageblockOrder && flags.contains(.noFragment) { minOrder = pageblockOrder }
        var found: (order: Int, mt: MigrateType, canSteal: Bool)? = nil
        var current = FreeArea.maxOrder - 1
        while current >= minOrder {
            if let (fb, canSteal) = findSuitableFallback(order: current, startMT, onlyStealable: false) {
                if !canSteal && startMT == .movable && current > order {
                    // find_smallest
                    found = nil
                    for smaller in order..<FreeArea.maxOrder {
                        if let (fb2, steal2) = findSuitableFallback(order: smaller, startMT, onlyStealable: false) {
                            found = (smaller, fb2, steal2)
                            break
                        }
                    }
                    break
                }
                found = (current, fb, canSteal)
                break
            }
            current -= 1
        }
        guard let f = found, let pfn = memmap.headPfn(freeArea.list(order: f.order, f.mt)) else { return false }
        stealSuitableFallback(pfn, order: f.order, flags: flags, startMT: startMT, wholeBlock: f.canSteal)
        return true
    }

    /// `steal_suitable_fallback` (6.1): claim the pageblock for `startMT` when enough of it is
    /// free or alike, else move just this block to `startMT`'s list.
    func stealSuitableFallback(_ pfn: Int, order: Int, flags: AllocFlags, startMT: MigrateType, wholeBlock: Bool) {
        let old = memmap.pageblockMigrateType(pfn: pfn)
        if old != .highAtomic {
            if order >= pageblockOrder {
                var p = pfn
                while p < pfn + (1 << order) {
                    memmap.setPageblockMigrateType(pfn: p, startMT)
                    p += pageblockPages
                }
            } else {
                if boostWatermark() && flags.contains(.kswapd) { boostedWatermarkFlag = true }
                if wholeBlock {
                    let (freePages, movablePages) = moveFreepagesBlock(pfn, startMT)
                    if freePages > 0 {
                        let alike: Int
                        if startMT == .movable { alike = movablePages }
                        else { alike = old == .movable ? pageblockPages - (freePages + movablePages) : 0 }
                        if freePages + alike >= (1 << (pageblockOrder - 1)) || mobilityGroupingDisabled {
                            memmap.setPageblockMigrateType(pfn: pfn, startMT)
                        }
                        return
                    }
                }
            }
        }
        moveToFreeList(pfn, order: order, startMT)
    }

    /// `move_freepages_block`: move every free block of the pageblock to `mt`'s lists. Returns
    /// (pages moved, pages that look movable — LRU pages in the kernel; here allocated pages whose
    /// pageblock is movable count as movable).
    func moveFreepagesBlock(_ pfn: Int, _ mt: MigrateType) -> (Int, Int) {
        var start = pfn & ~(pageblockPages - 1)
        let end = start + pageblockPages - 1
        if !memmap.contains(pfn: start) { start = pfn }
        guard memmap.contains(pfn: end) else { return (0, 0) }
        var moved = 0, movable = 0
        var p = start
        while p <= end {
            let f = memmap.flags(pfn: p)
            if f.contains(.buddy) {
                let o = memmap.order(pfn: p)
                moveToFreeList(p, order: o, mt)
                moved += 1 << o
                p += 1 << o
                continue
            }
            if f.contains(.lru) { movable += 1 }
            p += 1
        }
        return (moved, movable)
    }

    /// `boost_watermark`
    func boostWatermark() -> Bool {
        if watermarkBoostFactor == 0 { return false }
        if pageblockPages * 4 > managed { return false }
        var maxBoost = KernelMath.multFrac(baseWatermark.high, watermarkBoostFactor, 10000)
        if maxBoost == 0 { return false }
        maxBoost = max(pageblockPages, maxBoost)
        setWatermarkBoost(min(watermarkBoost + pageblockPages, maxBoost))
        return true
    }

    /// `__rmqueue` (6.1, no CMA): own type, else steal and retry.
    public func rmqueue(order: Int, _ mt: MigrateType, flags: AllocFlags) -> Int? {
        while true {
            if let pfn = rmqueueSmallest(order: order, mt) { return pfn }
            if !rmqueueFallback(order: order, mt, flags: flags) { return nil }
        }
    }
}
