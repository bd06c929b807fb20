/// The watermark check (mm/page_alloc.c 6.1.119 `__zone_watermark_unusable_free`,
/// `__zone_watermark_ok`, `zone_watermark_fast`).
extension Zone {
    /// Watermark `index` (0 min, 1 low, 2 high) including the boost (`wmark_pages`).
    public func watermarkPages(_ index: Int) -> Int {
        switch index {
        case 0: return watermark.minPages
        case 1: return watermark.lowPages
        default: return watermark.highPages
        }
    }

    func unusableFree(order: Int, flags: AllocFlags) -> Int {
        var unusable = (1 << order) - 1
        if flags.intersection(.reserves).isEmpty { unusable += nrReservedHighatomic }
        return unusable
    }

    /// `__zone_watermark_ok`: more than `mark + lowmem_reserve[hz]` free pages after the unusable
    /// ones (`<=` fails), with the reserve reductions, and for order > 0 a free block of at least
    /// that order on a usable list.
    public func watermarkOK(order: Int, mark: Int, highestZone hz: Int, flags: AllocFlags, free: Int) -> Bool {
        let freePages = free - unusableFree(order: order, flags: flags)
        var minimum = mark
        if !flags.intersection(.reserves).isEmpty {
            if flags.contains(.minReserve) {
                minimum -= minimum / 2
                if flags.contains(.nonBlock) { minimum -= minimum / 4 }
            }
            if flags.contains(.oom) { minimum -= minimum / 2 }
        }
        if freePages <= minimum + lowmemReserve[hz] { return false }
        if order == 0 { return true }
        for o in order..<FreeArea.maxOrder {
            if freeArea.nrFree[o] == 0 { continue }
            for mt in [MigrateType.unmovable, .movable, .reclaimable] where !freeArea.list(order: o, mt).isEmpty { return true }
            if !flags.intersection([.highAtomic, .oom]).isEmpty && !freeArea.list(order: o, .highAtomic).isEmpty { return true }
        }
        return false
    }

    /// `zone_watermark_fast`, including the boosted-watermark escape for atomic order-0 requests.
    public func watermarkFast(order: Int, mark: Int, highestZone hz: Int, flags: AllocFlags, gfp: GFP) -> Bool {
        let free = nrFreePages
        if order == 0 {
            let usable = free - min(free, unusableFree(order: 0, flags: flags))
            if usable > mark + lowmemReserve[hz] { return true }
        }
        if watermarkOK(order: order, mark: mark, highestZone: hz, flags: flags, free: free) { return true }
        if order == 0 && gfp.contains(.atomic) && watermark.boost > 0 && flags.watermarkIndex == 0 {
            return watermarkOK(order: 0, mark: watermark.min, highestZone: hz, flags: flags, free: free)
        }
        return false
    }
}
