/// Boot of a zone whose free_area was recorded on a real machine (`FreeAreaLayout`): instead of
/// `memblock_free_all` freeing every managed page, the pageblocks get their recorded
/// migratetypes (`set_pageblock_migratetype`) and exactly the recorded free blocks go on their
/// lists (`add_to_free_list_tail`, in ascending pfn); every other managed page is allocated
/// (order 0, as `split_page` leaves a block), for the replayed machine's pcp lists, LRU and
/// kernel memory. Once, on a fresh `MemMap`.
extension Zone {
    /// Returns the allocated managed pfns, ascending.
    public func freeRecordedLayout(_ layout: FreeAreaLayout, managed: [Range<Int>]) -> [Int] {
        lock.withLock {
            for (i, mt) in layout.pageblockTypes.enumerated() where mt != .movable {
                let pfn = Swift.max(startPfn, (memmap.startPfn >> pageblockOrder + i) << pageblockOrder)
                memmap.setPageblockMigrateType(pfn: pfn, mt)
                // reserve_highatomic_pageblock counts a whole pageblock.
                if mt == .highAtomic { addReservedHighatomic(pageblockPages) }
            }
            for r in managed {
                memmap.initialise(r)
                for p in r { markBlock(p, order: 0, head: .allocated) }
            }
            for b in layout.blocks {
                for p in b.pfn..<(b.pfn + (1 << b.order)) { memmap.setFlags(p, .tail) }
                addToFreeList(b.pfn, order: b.order, b.mt, tail: true)
                addFreePages(1 << b.order)
            }
            _checkInvariants()
        }
        var used: [Int] = []
        for r in managed { for p in r where memmap.flags(pfn: p) == .allocated { used.append(p) } }
        return used
    }

    /// `split_page`: an allocated block of `order` becomes 2^order allocated order-0 pages.
    func splitPage(_ pfn: Int, order: Int) {
        for p in pfn..<(pfn + (1 << order)) { markBlock(p, order: 0, head: .allocated) }
    }

    /// Puts an allocated order-0 page on CPU `cpu`'s pcp list of its pageblock's migratetype (as
    /// `free_unref_page_commit` would, without the drain): a page the machine had on that list.
    func addRecordedPcpPage(cpu: Int, pfn: Int) {
        var mt = memmap.pageblockMigrateType(pfn: pfn)
        if mt.rawValue >= UInt8(MigrateType.pcpTypes) { mt = .movable }
        let p = pcp.pointer(cpu)
        markBlock(pfn, order: 0, head: .pcp)
        memmap.setStoredMT(pfn, mt)
        memmap.pushTail(pfn, &p.pointee.lists[PerCPUPages.pindex(order: 0, mt)])
        p.pointee.count += 1
    }
}
