/// The free list of order 10, MOVABLE with its untouched blocks (`UntouchedBlocks`): the list
/// operations of `Zone+Buddy.swift` call in here when they touch that list, to keep its head a
/// real entry. Under the zone lock.
extension Zone {
    @inline(__always) static var untouchedSlot: Int { FreeArea.slot(UntouchedBlocks.order, .movable) }

    /// Free blocks of `order` and `mt` (listed plus untouched): what /proc/pagetypeinfo counts.
    public func freeBlocks(order: Int, _ mt: MigrateType) -> Int {
        let listed = freeArea.list(order: order, mt).count
        return order == UntouchedBlocks.order && mt == .movable ? listed + untouched.blocks : listed
    }

    /// Pages in never-touched free blocks (their records are unwritten).
    public var untouchedPages: Int { untouched.pageCount }

    /// `list_del` on the order-10 MOVABLE list while untouched blocks remain: the gap moves back
    /// if its entry leaves, and the first untouched block becomes real if nothing is before it.
    @inline(never)
    func unlinkBesideUntouched(_ pfn: Int) {
        let i = Int32(truncatingIfNeeded: memmap.index(pfn))
        if i == untouched.gapAfter { untouched.gapAfter = memmap.prev[Int(i)] }
        memmap.unlink(pfn, &freeArea.lists[Zone.untouchedSlot])
        if untouched.gapAfter < 0 { touchFirstUntouchedBlock() }
    }

    /// Writes the records of the first untouched block and links it at the list head (where it
    /// is in list order, since no linked entry precedes the untouched runs). O(2^10).
    func touchFirstUntouchedBlock() {
        let pfn = untouched.popFirst()
        memmap.initialiseFreeBlock(pfn, order: UntouchedBlocks.order, .movable)
        memmap.pushHead(pfn, &freeArea.lists[Zone.untouchedSlot])
        if !untouched.isEmpty { untouched.gapAfter = Int32(truncatingIfNeeded: memmap.index(pfn)) }
    }

    /// `__free_one_page(..., FPI_TO_TAIL)` of `count` consecutive whole order-10 blocks of
    /// MOVABLE pageblocks, in address order, without writing their records: possible while
    /// nothing was freed to the list's tail after the untouched runs. Returns false (and does
    /// nothing) otherwise. O(1) but the pageblock scan.
    func freeUntouchedBlocks(_ pfn: Int, count: Int) -> Bool {
        let list = freeArea.lists[Zone.untouchedSlot]
        if !untouched.isEmpty && untouched.gapAfter != list.tail { return false }
        if memmap.firstPageblock(in: pfn..<(pfn + count << UntouchedBlocks.order), notOf: .movable) != nil { return false }
        let wasEmpty = untouched.isEmpty
        untouched.append(pfn, count: count)
        addFreePages(count << UntouchedBlocks.order)
        freeArea.adjust(order: UntouchedBlocks.order, by: count)
        if wasEmpty {
            untouched.gapAfter = list.tail
            if untouched.gapAfter < 0 { touchFirstUntouchedBlock() }
        }
        freeArea.noteChange(order: UntouchedBlocks.order, .movable)
        return true
    }

    /// Takes the untouched blocks inside `range` off the free list (for `offline_pages`), their
    /// records written as reserved pages. Returns the pages taken.
    func removeUntouchedBlocks(in range: Range<Int>) -> Int {
        let taken = untouched.remove(in: range)
        for pfn in taken { memmap.initialise(pfn..<(pfn + UntouchedBlocks.pages)) }
        freeArea.adjust(order: UntouchedBlocks.order, by: -taken.count)
        freeArea.noteChange(order: UntouchedBlocks.order, .movable)
        return taken.count << UntouchedBlocks.order
    }
}
