/// `enum zone_watermarks` (include/linux/mmzone.h 6.1): WMARK_MIN, WMARK_LOW, WMARK_HIGH,
/// WMARK_PROMO. The allocator's ALLOC_WMARK_* flags carry the same numbers.
public enum Watermark: Int, Sendable, CaseIterable {
    case min = 0, low = 1, high = 2, promo = 3
}

/// The watermark check (mm/page_alloc.c 6.1.119 `zone_watermark_ok`, `__zone_watermark_unusable_free`,
/// `__zone_watermark_ok`, `zone_watermark_fast`).
extension Zone {
    /// `wmark_pages(zone, w)`: the watermark including the boost.
    @inline(__always) public func watermarkPages(_ w: Watermark) -> Int {
        w == .promo ? baseWatermark.promo + watermarkBoost : watermarkPages(index: w.rawValue)
    }

    /// `wmark_pages` by the ALLOC_WMARK_* index of the allocation flags (0 min, 1 low, 2 high).
    @inline(__always) func watermarkPages(index: Int) -> Int {
        let boost = watermarkBoost
        switch index {
        case 0: return baseWatermark.min + boost
        case 1: return baseWatermark.low + boost
        default: return baseWatermark.high + boost
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
        if freePages <= minimum + reserveByClasszone[hz] { return false }
        if order == 0 { return true }
        // Lock-free, as the kernel's free_area_empty(): the non-empty masks are relaxed atomics.
        let usable: UInt8 = 0b111 | (flags.intersection([.highAtomic, .oom]).isEmpty ? 0 : 1 << MigrateType.highAtomic.rawValue)
        for o in order..<FreeArea.maxOrder where freeArea.nonEmptyTypes(order: o) & usable != 0 { return true }
        return false
    }

    /// `zone_watermark_fast`, including the boosted-watermark escape for atomic order-0 requests.
    public func watermarkFast(order: Int, mark: Int, highestZone hz: Int, flags: AllocFlags, gfp: GFP) -> Bool {
        let free = nrFreePages
        if order == 0 {
            let usable = free - min(free, unusableFree(order: 0, flags: flags))
            if usable > mark + reserveByClasszone[hz] { return true }
        }
        if watermarkOK(order: order, mark: mark, highestZone: hz, flags: flags, free: free) { return true }
        if order == 0 && gfp.contains(.atomic) && watermarkBoost > 0 && flags.watermarkIndex == 0 {
            return watermarkOK(order: 0, mark: baseWatermark.min, highestZone: hz, flags: flags, free: free)
        }
        return false
    }
}
