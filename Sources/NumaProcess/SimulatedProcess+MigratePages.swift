import NumaCore
import NumaMM

/// Moving a process's pages on request, Linux 6.1: `move_pages(2)` (mm/migrate.c
/// `do_pages_move`, one target node for a range here), `migrate_pages(2)` (mm/mempolicy.c
/// `do_migrate_pages`: every page on an old node moves to its counterpart in the new set) and
/// `mbind(2)` with MPOL_MF_MOVE (`do_mbind`: pages of the range off the new policy's nodes move
/// to pages the new policy allocates, `new_page` → `vma_alloc_folio`). Each page moves as
/// `migrate_pages` moves it (`try_to_migrate`: PTE cleared and flushed, the copy mapped with the
/// old flags, LRU state carried over, `pgmigrate_success`/`pgmigrate_fail`). Swapped-out pages
/// and the zero page are not present (move_pages' -ENOENT) and stay.
extension SimulatedProcess {
    /// What one call did, in `move_pages` status terms: pages moved, pages already where they
    /// should be (their status is that node), pages not present (-ENOENT), pages that could not
    /// move (no page on the target: the call's return value counts them).
    public struct MoveOutcome: Sendable, Equatable {
        public var moved = 0, alreadyThere = 0, notPresent = 0, failed = 0
        public init() {}
        static func + (l: MoveOutcome, r: MoveOutcome) -> MoveOutcome {
            var o = l
            o.moved += r.moved; o.alreadyThere += r.alreadyThere; o.notPresent += r.notPresent; o.failed += r.failed
            return o
        }
    }

    /// Adds a call's outcome to the process's statistics.
    public func recordMoves(_ o: MoveOutcome) { stats.moveRequests = stats.moveRequests + o }

    /// The current handle of the page at `vpn` (following a demotion), or nil if reclaim took it.
    func currentPage(_ vpn: UInt64, thread: ProcessThread, tlbs: CPUTLBs) throws -> AllocatedBlock? {
        if let b = pages[vpn], b.order == TransparentHugepage.order, !allocator.isOwned(b) {
            resolveStaleTHP(vpn >> 9, cpu: thread.cpu, tlbs: tlbs)
        }
        guard let b = pages[vpn] else { return nil }
        if allocator.isOwned(b) { return b }
        guard let moved = allocator.followMigration(b), try followMigrated(vpn: vpn, to: moved, thread: thread, tlbs: tlbs) else {
            reclaimed(vpn: vpn, tlbs: tlbs)
            return nil
        }
        return moved
    }

    /// Moves the page at `vpn` (handle `old`) to `new`: the PTE is cleared and flushed, the
    /// page's state moves, the copy is mapped with the old flags (a NUMA-hinting PTE comes back
    /// present) and the old page is freed.
    func movePage(_ vpn: UInt64, from old: AllocatedBlock, to new: AllocatedBlock, thread: ProcessThread, tlbs: CPUTLBs) throws {
        let cpu = thread.cpu
        let va = vpn << 12
        guard let entry = try pageTable.clearLeaf(va) else {
            _ = allocator.release(new, cpu: cpu)
            return
        }
        tlbs.flushRange(asid: asid, start: va, end: va + 4096, cpu: cpu)
        allocator.migrateMapped(old, to: new, cpu: cpu)
        stats.pagesFreed += 1
        pages[vpn] = new
        stats.pagesAllocated += 1
        var flags = entry.flags(in: pageTable.mode)
        if entry.isProtNone { flags = flags.restoredFromNumaHinting(pageProtection: mm.vma(containing: va)?.pageProtection ?? []) }
        var source = PageTablePages(self, thread: thread)
        try pageTable.map(va, pfn: new.pfn, flags: flags, cpu: cpu, source: &source)
        allocator.count(.pgmigrateSuccess, cpu: cpu)
        stats.migrated += 1
    }

    /// `migrate_pages` of one page to a page `allocate` gives (nil: -ENOMEM, `pgmigrate_fail`).
    func migrate(_ vpn: UInt64, thread: ProcessThread, tlbs: CPUTLBs, allocate: (AllocatedBlock) -> AllocatedBlock?) throws -> MoveOutcome {
        var o = MoveOutcome()
        guard let old = try currentPage(vpn, thread: thread, tlbs: tlbs) else {
            o.notPresent = 1
            return o
        }
        if old.order == TransparentHugepage.order { return try migrateTHP(vpn, old, thread: thread, tlbs: tlbs, allocate: allocate) }
        guard let new = allocate(old) else {
            allocator.count(.pgmigrateFail, cpu: thread.cpu)
            stats.migrateFailed += 1
            o.failed = 1
            return o
        }
        try movePage(vpn, from: old, to: new, thread: thread, tlbs: tlbs)
        o.moved = 1
        return o
    }

    /// `alloc_migration_target` on `node` alone (`__GFP_THISNODE`), as move_pages and
    /// migrate_pages allocate.
    /// A THP's target is a THP (`GFP_TRANSHUGE` added, order HPAGE_PMD_ORDER).
    func migrationTarget(_ node: Int, cpu: Int, order: Int = 0) -> AllocatedBlock? {
        let gfp: GFP = order == 0 ? [.highUserMovable, .thisnode] : GFP.transHuge.union([.thisnode, .retryMayfail])
        guard case .success(let b) = allocator.allocPages(gfp: gfp, order: order, preferredNode: node, cpu: cpu) else { return nil }
        return b
    }

    /// move_pages(2)-like: every mapped page of `[start, end)` not on `node` moves there.
    @discardableResult
    public func migrate(start: UInt64, end: UInt64, to node: Int, thread: ProcessThread, tlbs: CPUTLBs) throws -> MoveOutcome {
        var total = MoveOutcome()
        for vpn in (start >> 12)..<((end + 0xfff) >> 12) {
            if let b = try currentPage(vpn, thread: thread, tlbs: tlbs), b.node == node {
                total.alreadyThere += 1
                continue
            }
            total = total + (try migrate(vpn, thread: thread, tlbs: tlbs) { old in migrationTarget(node, cpu: thread.cpu, order: old.order) })
        }
        return total
    }

    /// migrate_pages(2) (`do_migrate_pages`): the pairs (source, dest) in the kernel's order —
    /// each node of `from` maps to the node at the same position of `to` (`node_remap`, modulo
    /// its size); a node also in `to` is skipped when the sets differ in size; a source whose
    /// destination is still to be emptied waits — and all pages of the mm on the source move to
    /// the destination (`migrate_to_node`).
    @discardableResult
    public func migratePages(from: [Int], to: [Int], thread: ProcessThread, tlbs: CPUTLBs) throws -> MoveOutcome {
        let fromSet = Array(Set(from)).sorted(), toSet = Array(Set(to)).sorted()
        guard !fromSet.isEmpty, !toSet.isEmpty else { return MoveOutcome() }
        func remap(_ s: Int) -> Int { toSet[fromSet.firstIndex(of: s)! % toSet.count] }
        var remaining = fromSet
        var total = MoveOutcome()
        while !remaining.isEmpty {
            var source: Int?, dest = 0
            for s in remaining {
                if fromSet.count != toSet.count && toSet.contains(s) { continue }
                let d = remap(s)
                if s == d { continue }
                source = s
                dest = d
                if !remaining.contains(d) { break }
            }
            guard let src = source else { break }
            remaining.removeAll { $0 == src }
            let vpns = pages.keys.filter { pages[$0]!.node == src }.sorted()
            // A THP moves whole at its first page; its other pages are then on `dest`.
            for vpn in vpns where pages[vpn]?.node == src {
                total = total + (try migrate(vpn, thread: thread, tlbs: tlbs) { old in migrationTarget(dest, cpu: thread.cpu, order: old.order) })
            }
        }
        return total
    }

    /// mbind(2) with MPOL_MF_MOVE: the policy is set on the range, then every mapped page of it
    /// whose node is not in the policy's nodes (for the default policy: every page) moves to a
    /// page the VMA's new policy allocates (`GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL`;
    /// interleave by the page's offset).
    @discardableResult
    public func mbindMove(start: UInt64, end: UInt64, policy: MemPolicy?, thread: ProcessThread, tlbs: CPUTLBs) throws -> MoveOutcome {
        try mbind(start: start, end: end, policy: policy)
        let allowed = Set(policy?.nodes ?? [])
        var total = MoveOutcome()
        for vpn in (start >> 12)..<((end + 0xfff) >> 12) {
            guard let b = try currentPage(vpn, thread: thread, tlbs: tlbs) else {
                if pages[vpn] == nil { continue }
                total.notPresent += 1
                continue
            }
            if allowed.contains(b.node) {
                total.alreadyThere += 1
                continue
            }
            let va = vpn << 12
            total = total + (try migrate(vpn, thread: thread, tlbs: tlbs) { old in
                guard let vma = mm.vma(containing: va) else { return nil }
                let p = vma.policy ?? thread.policy
                if old.order == TransparentHugepage.order {
                    // new_page: alloc_hugepage_vma(GFP_TRANSHUGE, vma, address, HPAGE_PMD_ORDER).
                    let haddr = va & ~(TransparentHugepage.size - 1)
                    let off = Int(truncatingIfNeeded: (vma.pgoff >> 9) &+ ((haddr &- vma.start) >> 21))
                    guard case .success(let nb) = allocator.allocHugepageVMA(gfp: .transHuge, policy: p, cpu: thread.cpu,
                                                                             hugeOffset: off, mems: memsAllowed).result else { return nil }
                    return nb
                }
                let index: Int? = vma.kind == .anon ? vma.pageIndex(of: va) : nil
                let asking = allocator.policyNode(p, cpu: thread.cpu, order: 0, state: &thread.interleave, interleaveIndex: index)
                guard case .success(let nb) = allocator.allocPages(gfp: GFP.highUserMovable.union(.retryMayfail), order: 0, policy: p,
                                                                   preferredNode: asking, cpu: thread.cpu, mems: memsAllowed) else { return nil }
                return nb
            })
        }
        return total
    }
}

extension SimulatedProcess {
    /// `migrate_pages` of a THP (mm/migrate.c 6.1 `unmap_and_move` of a PMD-mapped folio): the
    /// whole 2 MiB moves to the THP `allocate` gives — every PTE cleared and flushed once, the
    /// state and memcg charge moved, the old folio freed, the new one mapped with the old
    /// flags; THP_MIGRATION_SUCCESS and PGMIGRATE_SUCCESS for its 512 pages. Without a target
    /// (-ENOMEM) the THP is split (THP_MIGRATION_SPLIT) and the page at `vpn` migrates alone.
    func migrateTHP(_ vpn: UInt64, _ old: AllocatedBlock, thread: ProcessThread, tlbs: CPUTLBs,
                    allocate: (AllocatedBlock) -> AllocatedBlock?) throws -> MoveOutcome {
        let cpu = thread.cpu
        let hpn = vpn >> 9
        guard let new = allocate(old) else {
            allocator.count(.thpMigrationSplit, cpu: cpu)
            splitTHP(hpn, cpu: cpu)
            return try migrate(vpn, thread: thread, tlbs: tlbs, allocate: allocate)
        }
        try moveTHP(hpn, from: old, to: new, thread: thread, tlbs: tlbs)
        allocator.count(.pgmigrateSuccess, TransparentHugepage.pages, cpu: cpu)
        allocator.count(.thpMigrationSuccess, cpu: cpu)
        stats.migrated += TransparentHugepage.pages
        var o = MoveOutcome()
        o.moved = 1
        return o
    }

    /// Moves the mapped THP at `hpn` from `old` to `new` (`migrate_folio` + `remove_migration_ptes`
    /// of a PMD): the 512 PTEs are cleared and flushed once, the LRU state and memcg charge
    /// move, the old folio is freed, the new one is mapped with each PTE's old flags (a NUMA
    /// hinting entry comes back present). Counts nothing but NR_ANON_THPS.
    func moveTHP(_ hpn: UInt64, from old: AllocatedBlock, to new: AllocatedBlock, thread: ProcessThread, tlbs: CPUTLBs) throws {
        let cpu = thread.cpu
        let haddr = hpn << 21
        var entries: [PageTableEntry?] = []
        entries.reserveCapacity(TransparentHugepage.pages)
        for k in 0..<UInt64(TransparentHugepage.pages) { entries.append(try pageTable.clearLeaf(haddr + (k << 12))) }
        tlbs.flushRange(asid: asid, start: haddr, end: haddr + TransparentHugepage.size, cpu: cpu)
        allocator.migrateMapped(old, to: new, cpu: cpu)
        thps[hpn] = new
        let base = haddr >> 12
        let protection = mm.vma(containing: haddr)?.pageProtection ?? []
        var source = PageTablePages(self, thread: thread)
        for (k, e) in entries.enumerated() {
            pages[base + UInt64(k)] = new
            guard let e else { continue }
            var flags = e.flags(in: pageTable.mode)
            if e.isProtNone { flags = flags.restoredFromNumaHinting(pageProtection: protection) }
            try pageTable.map(haddr + UInt64(k) << 12, pfn: new.pfn + k, flags: flags, cpu: cpu, source: &source)
        }
        stats.pagesFreed += TransparentHugepage.pages
        stats.pagesAllocated += TransparentHugepage.pages
    }
}
