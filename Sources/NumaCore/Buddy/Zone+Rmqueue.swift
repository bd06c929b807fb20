/// Taking a block out of and giving it back to a zone's buddy lists under the zone lock
/// (mm/page_alloc.c 6.1: `rmqueue_buddy`, `__free_pages_ok`). The allocator's own paths
/// (`rmqueue` with statistics, the per-CPU lists) call the same helpers; these entry points are
/// for callers outside `__alloc_pages`: boot replay, hotplug, reclaim, tests.
extension Zone {
    /// `rmqueue_buddy` without statistics: a block of `order` for `mt`, taken out of the free lists
    /// and marked allocated. Returns its first pfn. `cpu` (a counter row) is charged the
    /// buddy splits on the simulated clock.
    public func allocBlock(order: Int, _ mt: MigrateType, flags: AllocFlags = [], cpu: Int? = nil) -> Int? {
        lock.lock()
        let splitsBefore = buddySplits
        defer {
            let splits = buddySplits &- splitsBefore
            lock.unlock()
            if let cpu, splits != 0 { workRows?.add(.workBuddySplits, splits, row: cpu) }
        }
        var pfn: Int? = nil
        if flags.contains(.highAtomic) { pfn = rmqueueSmallest(order: order, .highAtomic) }
        if pfn == nil {
            pfn = rmqueue(order: order, mt, flags: flags)
            if pfn == nil && !flags.intersection([.oom, .nonBlock]).isEmpty {
                pfn = rmqueueSmallest(order: order, .highAtomic)
            }
        }
        guard let p = pfn else { return nil }
        addFreePages(-(1 << order))
        markBlock(p, order: order, head: .allocated)
        _checkInvariants()
        return p
    }

    /// `__free_pages_ok` → `__free_one_page` with the pageblock's migratetype. `cpu` (a counter
    /// row) is charged the buddy merges on the simulated clock.
    public func freeBlock(_ pfn: Int, order: Int, cpu: Int? = nil) {
        precondition(memmap.flags(pfn: pfn) == .allocated && memmap.order(pfn: pfn) == order,
                     "freeing pfn \(pfn) order \(order) which is not an allocated block of that order")
        let merges = lock.withLock {
            let before = buddyMerges
            freeOneBlock(pfn, order: order, memmap.pageblockMigrateType(pfn: pfn))
            _checkInvariants()
            return buddyMerges &- before
        }
        if let cpu, merges != 0 { workRows?.add(.workBuddyMerges, merges, row: cpu) }
    }
}
