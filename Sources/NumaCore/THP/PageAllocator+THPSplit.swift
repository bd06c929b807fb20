/// `split_huge_page` (mm/huge_memory.c, Linux 6.1 `split_huge_page_to_list` →
/// `__split_huge_page`): an anonymous THP on the LRU becomes 512 order-0 pages, each its own
/// allocated block (`split_page`), each on the THP's LRU list with its flags
/// (`lru_add_page_tail`), each keeping its memory cgroup charge; NR_ANON_THPS drops and
/// THP_SPLIT_PAGE counts. The THP's handle goes stale (its generation is bumped, as reclaim
/// does when it takes a page): whoever held it holds the 512 new handles from here on — the
/// owner directly when it splits (munmap of part of it), through a split entry when reclaim
/// does (`followSplit`).
extension PageAllocator {
    /// Splits the owned THP `b` (order 9) on `cpu`'s counter row. Returns the new order-0
    /// handles by offset, or nil when `b` is not owned any more.
    public func splitHugePage(_ b: AllocatedBlock, cpu: Int) -> [AllocatedBlock]? {
        precondition(b.order == TransparentHugepage.order, "split_huge_page of an order-\(b.order) block")
        let n = nodeIndex[b.node]!
        let lruvec = nodes[n].lruvec
        let handles: [AllocatedBlock]? = withZone(n, b.zone) { z in
            lruvec.lock.withLock {
                guard z.memmap.generation(pfn: b.pfn) == b.generation, z.memmap.flags(pfn: b.pfn) == .allocated else { return nil }
                let f = z.memmap.lruFlags(pfn: b.pfn)
                // Reclaim holds it isolated: it is reclaim's to split (the owner follows).
                guard f.contains(.lru) else { return nil }
                let list = LRUVec.List.of(kind: f.kind, active: f.contains(.active))
                lruvec.remove(z, b.pfn, list)
                _ = z.memmap.bumpGeneration(b.pfn)
                var out: [AllocatedBlock] = []
                out.reserveCapacity(TransparentHugepage.pages)
                // lru_add_page_tail: each page after the head, on the head's list, with its flags.
                for p in b.pfn..<(b.pfn + TransparentHugepage.pages) {
                    z.markBlock(p, order: 0, head: .allocated)
                    z.memmap.setLRUFlags(p, f)
                    lruvec.addHead(z, p, list)
                    out.append(AllocatedBlock(pfn: p, order: 0, node: b.node, zone: b.zone, generation: z.memmap.generation(pfn: p)))
                }
                thp.addAnon(nodeIndex: n, -1)
                return out
            }
        }
        guard let handles else { return nil }
        count(.thpSplitPage, cpu: cpu)
        return handles
    }

    /// `split_folio_to_list` in `shrink_folio_list`: the THP at `pfn` of zone `z` (node index
    /// `n`), isolated by reclaim, becomes 512 isolated order-0 pages with its LRU state; the
    /// owner's handle goes stale with a split entry to the new handles (`followSplit`). nil:
    /// the owner let go of it meanwhile (it is freed whole).
    func splitIsolatedHugePage(_ z: Zone, _ pfn: Int, nodeIndex n: Int, row: Int) -> [Int]? {
        let ok: Bool = nodes[n].lruvec.lock.withLock {
            let f = z.memmap.lruFlags(pfn: pfn)
            guard !f.contains(.orphan) else { return false }
            let old = AllocatedBlock(pfn: pfn, order: TransparentHugepage.order, node: z.node, zone: z.index,
                                     generation: z.memmap.generation(pfn: pfn))
            var parts: [AllocatedBlock] = []
            parts.reserveCapacity(TransparentHugepage.pages)
            for p in pfn..<(pfn + TransparentHugepage.pages) {
                parts.append(AllocatedBlock(pfn: p, order: 0, node: z.node, zone: z.index, generation: z.memmap.generation(pfn: p)))
            }
            // The entry and the pages are ready before the handle goes stale: an owner that
            // sees the new generation (without this lock) finds where its pages went.
            thp.recordSplit(old, parts)
            for p in pfn..<(pfn + TransparentHugepage.pages) {
                z.markBlock(p, order: 0, head: .allocated)
                z.memmap.setLRUFlags(p, f)
            }
            _ = z.memmap.bumpGeneration(pfn)
            return true
        }
        guard ok else { return nil }
        thp.addAnon(nodeIndex: n, -1)
        vmEvents.add(.thpSplitPage, row: row)
        return Array(pfn..<(pfn + TransparentHugepage.pages))
    }

    /// The owner's THP handle `b` went stale because reclaim split the THP: its 512 pages' handles
    /// (each may since have been reclaimed or moved in turn), now the owner's. nil if `b` was not
    /// split. `peek` leaves the entry for the owner (reports).
    public func followSplit(_ b: AllocatedBlock, peek: Bool = false) -> [AllocatedBlock]? {
        guard b.order == TransparentHugepage.order else { return nil }
        return thp.split(of: b, peek: peek)
    }

    /// `mm_get_huge_zero_page` → `get_huge_zero_page`: the first read fault of a THP-eligible
    /// range creates the huge zero page (THP_ZERO_PAGE_ALLOC, once). numasim keeps it symbolic,
    /// as it does the 4 KiB zero page: no frames are taken for it.
    public func getHugeZeroPage(cpu: Int) {
        if !thp.hugeZeroPageAllocated.exchange(true, ordering: .relaxed) { count(.thpZeroPageAlloc, cpu: cpu) }
    }
}
