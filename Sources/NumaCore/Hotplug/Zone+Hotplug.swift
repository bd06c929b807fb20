/// One memory block of a zone going offline or online (mm/memory_hotplug.c `offline_pages`,
/// `online_pages`; mm/page_isolation.c `test_pages_isolated`; `__offline_isolated_pages`,
/// `online_pages_range`).
///
/// Runs between phases (no CPU allocates) after the per-CPU lists were drained, so a page is
/// either free in the buddy, allocated, or reserved.
extension Zone {
    /// Why a block cannot go offline (`test_pages_isolated` failing → -EBUSY).
    public struct BlockBusy: Error, Equatable, Sendable {
        public var reservedPages: Int
        public var allocatedPages: Int
        public var pcpPages: Int
    }

    /// What the block holds now: free pages in the buddy, and the rest by kind.
    public func blockUsage(_ range: Range<Int>) -> BlockBusy {
        var busy = BlockBusy(reservedPages: 0, allocatedPages: 0, pcpPages: 0)
        var p = range.lowerBound
        while p < range.upperBound {
            if p & (UntouchedBlocks.pages - 1) == 0 && untouched.contains(p) { p += UntouchedBlocks.pages; continue }
            let f = memmap.flags(pfn: p)
            if f.contains(.reserved) { busy.reservedPages += 1; p += 1; continue }
            let size = 1 << memmap.order(pfn: p)
            if f.contains(.allocated) { busy.allocatedPages += size } else if f.contains(.pcp) { busy.pcpPages += size }
            p += Swift.max(1, size)
        }
        return busy
    }

    /// `__offline_isolated_pages` + `adjust_managed_page_count`: takes every free block of
    /// `range` out of the buddy and marks its pages reserved. Fails, changing nothing, unless
    /// every page of the range is free. Returns the pages taken offline.
    public func offlineBlock(_ range: Range<Int>) -> Result<Int, BlockBusy> {
        precondition(range.lowerBound >= startPfn && range.upperBound <= endPfn, "block outside the zone")
        return lock.withLock {
            let usage = blockUsage(range)
            guard usage.reservedPages == 0 && usage.allocatedPages == 0 && usage.pcpPages == 0 else { return .failure(usage) }
            // Untouched blocks leave first, as reserved pages, so the walk below sees only
            // written records and no untouched block of the range can become the list head.
            var taken = removeUntouchedBlocks(in: range)
            var p = range.lowerBound
            while p < range.upperBound {
                if memmap.flags(pfn: p).contains(.reserved) { p += 1; continue }
                let order = memmap.order(pfn: p)
                let mt = memmap.storedMigrateType(p)
                delFromFreeList(p, order: order)
                for q in p..<(p + (1 << order)) { memmap.setFlags(q, .reserved) }
                if mt != .isolate { taken += 1 << order }
                p += 1 << order
            }
            // A HIGHATOMIC pageblock leaving the zone leaves the reserve with it.
            for block in stride(from: range.lowerBound, to: range.upperBound, by: pageblockPages)
            where memmap.pageblockMigrateType(pfn: block) == .highAtomic {
                addReservedHighatomic(-pageblockPages)
            }
            addFreePages(-taken)
            managed -= range.count
            offlineRanges.append(range)
            return .success(range.count)
        }
    }

    /// `online_pages`: `move_pfn_range_to_zone(..., MIGRATE_ISOLATE)`, `online_pages_range`
    /// (pages freed as maximal aligned blocks to the tail), then `undo_isolate_page_range(...,
    /// MIGRATE_MOVABLE)`: every pageblock of the block ends up MOVABLE.
    public func onlineBlock(_ range: Range<Int>) {
        guard let i = offlineRanges.firstIndex(of: range) else {
            preconditionFailure("onlining pfns \(range) which this zone did not take offline")
        }
        lock.withLock {
            offlineRanges.remove(at: i)
            for block in stride(from: range.lowerBound, to: range.upperBound, by: pageblockPages) {
                memmap.setPageblockMigrateType(pfn: block, .movable)
            }
            managed += range.count
            freeBootRange(range)
        }
    }

    /// Pages of this zone now offline.
    public var offlinePages: Int { offlineRanges.reduce(0) { $0 + $1.count } }
}
