/// The buddy allocator proper (mm/page_alloc.c, 6.1): `__free_one_page`, `buddy_merge_likely`,
/// `__rmqueue_smallest`, `expand`, and boot-time freeing (`__free_pages_memory`).
///
/// Everything here runs with the zone lock held (or on a zone no other thread can see yet).
extension Zone {
    /// `page_is_buddy`: `pfn` heads a free block of exactly `order` in this zone.
    @inline(__always) func isBuddy(_ pfn: Int, order: Int) -> Bool {
        guard memmap.contains(pfn: pfn) else { return false }
        let i = memmap.index(pfn)
        return memmap.flags(at: i).contains(.buddy) && memmap.order(at: i) == order
    }

    /// `add_to_free_list` / `add_to_free_list_tail`.
    @inline(__always) func addToFreeList(_ pfn: Int, order: Int, _ mt: MigrateType, tail: Bool) {
        memmap.setFlags(pfn, .buddy)
        memmap.setOrder(pfn, order)
        memmap.setStoredMT(pfn, mt)
        let slot = FreeArea.slot(order, mt)
        if tail { memmap.pushTail(pfn, &freeArea.lists[slot]) } else { memmap.pushHead(pfn, &freeArea.lists[slot]) }
        freeArea.adjust(order: order, by: 1)
        freeArea.noteChange(order: order, mt)
    }

    /// `del_page_from_free_list`.
    @inline(__always) func delFromFreeList(_ pfn: Int, order: Int) {
        let mt = memmap.storedMigrateType(pfn)
        let slot = FreeArea.slot(order, mt)
        if slot == Zone.untouchedSlot && !untouched.isEmpty { unlinkBesideUntouched(pfn) } else { memmap.unlink(pfn, &freeArea.lists[slot]) }
        memmap.setFlags(pfn, [])
        freeArea.adjust(order: order, by: -1)
        freeArea.noteChange(order: order, mt)
    }

    /// `move_to_free_list`: to the tail of another migratetype's list of the same order.
    func moveToFreeList(_ pfn: Int, order: Int, _ mt: MigrateType) {
        let old = memmap.storedMigrateType(pfn)
        let slot = FreeArea.slot(order, old)
        if slot == Zone.untouchedSlot && !untouched.isEmpty { unlinkBesideUntouched(pfn) } else { memmap.unlink(pfn, &freeArea.lists[slot]) }
        memmap.setStoredMT(pfn, mt)
        memmap.pushTail(pfn, &freeArea.lists[FreeArea.slot(order, mt)])
        freeArea.noteChange(order: order, old)
        freeArea.noteChange(order: order, mt)
    }

    /// Marks the head page of a block that leaves the free lists. The other pages of a block stay
    /// `tail` whatever happens to the block, so no operation walks all 2^order pages.
    @inline(__always) func markBlock(_ pfn: Int, order: Int, head: PageFlags) {
        memmap.setFlags(pfn, head)
        memmap.setOrder(pfn, order)
    }

    /// `__free_one_page(page, pfn, zone, order, migratetype, fpi_flags)`: merge with free buddies of
    /// the same order up to order 10 and put the result on its free list.
    public func freeOneBlock(_ start: Int, order startOrder: Int, _ mt: MigrateType, toTail: Bool = false) {
        var pfn = start
        var order = startOrder
        if mt != .isolate { addFreePages(1 << order) }
        var buddyPfn = pfn
        while order < FreeArea.maxOrder - 1 {
            buddyPfn = pfn ^ (1 << order)
            guard isBuddy(buddyPfn, order: order) else { break }
            if order >= pageblockOrder {
                let bmt = memmap.pageblockMigrateType(pfn: buddyPfn)
                if mt != bmt && (!mt.isMergeable || !bmt.isMergeable) { break }
            }
            delFromFreeList(buddyPfn, order: order)
            memmap.setFlags(buddyPfn, .tail)
            memmap.setFlags(pfn, .tail)
            pfn = buddyPfn & pfn
            order += 1
        }
        buddyMerges &+= order &- startOrder
        let tail = toTail || buddyMergeLikely(pfn: pfn, buddyPfn: buddyPfn, order: order)
        addToFreeList(pfn, order: order, mt, tail: tail)
    }

    /// `buddy_merge_likely`: the next-bigger buddy is already free, so this block is likely to
    /// merge soon; keep it at the tail so it is not reused first.
    func buddyMergeLikely(pfn: Int, buddyPfn: Int, order: Int) -> Bool {
        if order >= FreeArea.maxOrder - 2 { return false }
        let higher = buddyPfn & pfn
        let higherBuddy = higher ^ (1 << (order + 1))
        return isBuddy(higherBuddy, order: order + 1)
    }

    /// `expand`: split a block of order `high` down to `low`, freeing the upper halves to the head
    /// of `mt`'s lists. The caller keeps the lowest piece.
    func expand(_ pfn: Int, low: Int, high startHigh: Int, _ mt: MigrateType) {
        var high = startHigh
        buddySplits &+= startHigh &- low
        var size = 1 << high
        while high > low {
            high -= 1
            size >>= 1
            addToFreeList(pfn + size, order: high, mt, tail: false)
        }
    }

    /// `__rmqueue_smallest`: the smallest free block of `mt` of at least `order`, split to size.
    /// O(MAX_ORDER). Does not touch NR_FREE_PAGES (the callers account it, as the kernel does).
    public func rmqueueSmallest(order: Int, _ mt: MigrateType) -> Int? {
        for current in order..<FreeArea.maxOrder {
            guard let pfn = memmap.headPfn(freeArea.lists[FreeArea.slot(current, mt)]) else { continue }
            delFromFreeList(pfn, order: current)
            expand(pfn, low: order, high: current, mt)
            memmap.setStoredMT(pfn, mt)
            return pfn
        }
        return nil
    }

    /// `__free_pages_memory`: release `[start, end)` at boot as maximal aligned blocks, to the tail.
    /// Whole order-10 MOVABLE blocks join the untouched runs when they can (no records written);
    /// the pages of the other blocks get their records first (`memmap_init_range`).
    public func freeBootRange(_ range: Range<Int>) {
        var s = range.lowerBound
        let e = range.upperBound
        while s < e {
            var order = min(FreeArea.maxOrder - 1, s == 0 ? FreeArea.maxOrder - 1 : s.trailingZeroBitCount)
            while s + (1 << order) > e { order -= 1 }
            if keepsUntouchedBlocks && order == UntouchedBlocks.order {
                let blocks = (e - s) >> order
                if freeUntouchedBlocks(s, count: blocks) { s += blocks << order; continue }
            }
            memmap.initialise(s..<(s + (1 << order)))
            for p in s..<(s + (1 << order)) { memmap.setFlags(p, .tail) }
            freeOneBlock(s, order: order, memmap.pageblockMigrateType(pfn: s), toTail: true)
            s += 1 << order
        }
    }
}
