/// The zone's invariant checker, used by tests after every scenario.
///
/// Checks that every page of the zone is in exactly one place — reserved, inside a free buddy
/// block, inside a block on a per-CPU list, or inside an allocated block — that free blocks are
/// aligned to their order and sit on the list of their recorded migratetype and order, that list
/// links are consistent, and that `nr_free`, NR_FREE_PAGES and NR_ZONE_WRITE_PENDING add up.
/// Untouched blocks count as free without their records being read. O(spanned pages outside
/// untouched blocks).
extension Zone {
    public struct InvariantReport: Sendable, Equatable {
        public var freePages = 0
        public var pcpPages = 0
        public var allocatedPages = 0
        public var reservedPages = 0
        /// Allocated pages that sit on the zone's LRU lists (a subset of `allocatedPages`).
        public var lruPages = 0
        public var violations: [String] = []
        public var ok: Bool { violations.isEmpty }
    }

    public func checkInvariants() -> InvariantReport {
        var r = InvariantReport()
        func fail(_ s: String) { if r.violations.count < 20 { r.violations.append("node \(node) \(name): \(s)") } }
        // 0. Untouched blocks: whole aligned MOVABLE order-10 blocks inside the zone, disjoint,
        //    following a real list entry.
        let untouchedRuns = untouched.liveRuns.sorted { $0.lowerBound < $1.lowerBound }
        var runBlocks = 0
        for (k, run) in untouchedRuns.enumerated() {
            if run.lowerBound & (UntouchedBlocks.pages - 1) != 0 || run.count % UntouchedBlocks.pages != 0 || run.isEmpty {
                fail("untouched run \(run) is not made of whole aligned order-\(UntouchedBlocks.order) blocks")
            }
            if run.lowerBound < startPfn || run.upperBound > endPfn { fail("untouched run \(run) lies outside the zone") }
            if k > 0 && untouchedRuns[k - 1].upperBound > run.lowerBound { fail("untouched runs \(untouchedRuns[k - 1]) and \(run) overlap") }
            if let block = memmap.firstPageblock(in: run, notOf: .movable) {
                fail("untouched run \(run) holds pageblock \(block) of type \(memmap.pageblockMigrateType(pfn: block))")
            }
            runBlocks += run.count / UntouchedBlocks.pages
        }
        if runBlocks != untouched.blocks { fail("untouched runs hold \(runBlocks) blocks, the count says \(untouched.blocks)") }
        if !untouched.isEmpty {
            let g = untouched.gapAfter
            if g < 0 || !memmap.pfns(of: freeArea.list(order: UntouchedBlocks.order, .movable)).contains(Int(g) + startPfn) {
                fail("untouched blocks follow index \(g), which is not on the order-\(UntouchedBlocks.order) MOVABLE list")
            }
        }
        // 1. Walk the pages: heads cover their tails exactly.
        var p = startPfn
        var dirtyFilePages = 0
        var nextRun = 0
        while p < endPfn {
            if nextRun < untouchedRuns.count && p == untouchedRuns[nextRun].lowerBound {
                r.freePages += untouchedRuns[nextRun].count
                p = untouchedRuns[nextRun].upperBound
                nextRun += 1
                continue
            }
            let f = memmap.flags(pfn: p)
            if f.contains(.reserved) {
                let end = Swift.min(memmap.endOfReserved(from: p, to: endPfn), nextRun < untouchedRuns.count ? untouchedRuns[nextRun].lowerBound : endPfn)
                if f == .reserved { r.reservedPages += end - p; p = end } else { r.reservedPages += 1; p += 1 }
                continue
            }
            let heads: [PageFlags] = [.buddy, .pcp, .allocated]
            let headKinds = heads.filter { f.contains($0) }
            guard headKinds.count == 1 else {
                fail("pfn \(p) has flags \(f.rawValue): expected one of buddy, pcp, allocated as a block head")
                p += 1
                continue
            }
            let order = memmap.order(pfn: p)
            if p & ((1 << order) - 1) != 0 { fail("block at pfn \(p) of order \(order) is not aligned") }
            if p + (1 << order) > endPfn { fail("block at pfn \(p) of order \(order) runs past the zone end") }
            if nextRun < untouchedRuns.count && p + (1 << order) > untouchedRuns[nextRun].lowerBound {
                fail("block at pfn \(p) of order \(order) overlaps the untouched run \(untouchedRuns[nextRun])")
            }
            for t in (p + 1)..<min(p + (1 << order), endPfn) where memmap.flags(pfn: t) != .tail {
                fail("pfn \(t) inside the order-\(order) block at \(p) is not a tail page (flags \(memmap.flags(pfn: t).rawValue))")
                break
            }
            switch headKinds[0] {
            case .buddy: r.freePages += 1 << order
            case .pcp: r.pcpPages += 1 << order
            default:
                r.allocatedPages += 1 << order
                let lru = memmap.lruFlags(pfn: p)
                if lru.kind == .file && lru.contains(.dirty) { dirtyFilePages += 1 << order }
            }
            p += 1 << order
        }
        // 2. Free lists: members are buddy heads of that order and type; counts add up.
        var listed = 0
        for order in 0..<FreeArea.maxOrder {
            var blocks = 0
            var mask: UInt8 = 0
            for mt in MigrateType.allCases {
                let list = freeArea.list(order: order, mt)
                if !list.isEmpty { mask |= 1 << mt.rawValue }
                let pfns = memmap.pfns(of: list)
                if pfns.count != list.count { fail("free list order \(order) \(mt) has \(pfns.count) linked entries but count \(list.count)") }
                if let h = pfns.first, memmap.prev[memmap.index(h)] != -1 { fail("free list order \(order) \(mt) head has a prev link") }
                if pfns.last.map({ memmap.index($0) }) != (list.tail < 0 ? nil : Int(list.tail)) {
                    fail("free list order \(order) \(mt) tail does not match its last entry")
                }
                for pfn in pfns {
                    if !memmap.flags(pfn: pfn).contains(.buddy) || memmap.order(pfn: pfn) != order {
                        fail("pfn \(pfn) on the order-\(order) \(mt) list is not a free block of that order")
                    }
                    if memmap.storedMigrateType(pfn) != mt { fail("pfn \(pfn) on the \(mt) list records \(memmap.storedMigrateType(pfn))") }
                    if mt != .isolate { listed += 1 << order }
                }
                blocks += pfns.count
                if order == UntouchedBlocks.order && mt == .movable {
                    blocks += untouched.blocks
                    listed += untouched.pageCount
                }
            }
            if mask != freeArea.nonEmptyTypes(order: order) {
                fail("order \(order) non-empty mask \(freeArea.nonEmptyTypes(order: order)) but the lists give \(mask)")
            }
            if blocks != freeArea.nrFree(order: order) { fail("nr_free[\(order)] = \(freeArea.nrFree(order: order)) but \(blocks) blocks are listed") }
        }
        if listed != r.freePages { fail("free lists hold \(listed) pages, the page walk found \(r.freePages) free") }
        // 3. Per-CPU lists: members are pcp heads of the list's order; counts add up.
        var onPcp = 0
        for cpu in pcp.indices {
            let p = pcp[cpu]
            var pages = 0
            for pindex in 0..<PerCPUPages.listCount {
                let list = p.lists[pindex]
                let order = PerCPUPages.order(pindex: pindex, pageblockOrder: pageblockOrder)
                let pfns = memmap.pfns(of: list)
                if pfns.count != list.count { fail("cpu \(cpu) pcp list \(pindex) has \(pfns.count) linked entries but count \(list.count)") }
                for pfn in pfns where !memmap.flags(pfn: pfn).contains(.pcp) || memmap.order(pfn: pfn) != order {
                    fail("pfn \(pfn) on cpu \(cpu) pcp list \(pindex) is not a pcp block of order \(order)")
                }
                pages += pfns.count << order
            }
            if pages != p.count { fail("cpu \(cpu) pcp count \(p.count) but its lists hold \(pages) pages") }
            onPcp += pages
        }
        if onPcp != r.pcpPages { fail("pcp lists hold \(onPcp) pages, the page walk found \(r.pcpPages)") }
        // 4. LRU lists: members are allocated order-0 blocks, or anonymous THPs (one allocated
        //    order-9 block, every tail page still a tail: never half split), whose LRU state
        //    names this list; the list's page count is its entries plus the THPs' extra pages.
        for l in LRUVec.List.allCases {
            let list = lruLists[l.rawValue]
            let pfns = memmap.pfns(of: list)
            if pfns.count != list.count { fail("LRU \(l) has \(pfns.count) linked entries but count \(list.count)") }
            var pages = 0
            for pfn in pfns {
                let f = memmap.lruFlags(pfn: pfn)
                let order = memmap.order(pfn: pfn)
                if memmap.flags(pfn: pfn) != .allocated || (order != 0 && !(order == TransparentHugepage.order && f.kind == .anon)) {
                    fail("pfn \(pfn) on LRU \(l) is not an allocated order-0 page or anon THP"); break
                }
                if order != 0, let tail = (pfn + 1..<pfn + (1 << order)).first(where: { memmap.flags(pfn: $0) != .tail }) {
                    fail("THP \(pfn) on LRU \(l) has a page \(tail) that is not a tail page (half split)"); break
                }
                if !f.contains(.lru) || LRUVec.List.of(kind: f.kind, active: f.contains(.active)) != l {
                    fail("pfn \(pfn) on LRU \(l) has LRU state \(f.rawValue)"); break
                }
                pages += 1 << order
            }
            if pages != list.count + lruLargeExtra[l.rawValue] {
                fail("LRU \(l) holds \(pages) pages but counts \(list.count + lruLargeExtra[l.rawValue])")
            }
            r.lruPages += pages
        }
        if nrFreePages != r.freePages { fail("NR_FREE_PAGES = \(nrFreePages), but \(r.freePages) pages are free") }
        if nrZoneWritePending != dirtyFilePages {
            fail("NR_ZONE_WRITE_PENDING = \(nrZoneWritePending), but \(dirtyFilePages) allocated page-cache pages are dirty")
        }
        if r.freePages + r.pcpPages + r.allocatedPages != managed {
            fail("free \(r.freePages) + pcp \(r.pcpPages) + allocated \(r.allocatedPages) = \(r.freePages + r.pcpPages + r.allocatedPages), expected managed \(managed)")
        }
        return r
    }
}
