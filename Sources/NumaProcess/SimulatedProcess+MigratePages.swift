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
    func migrationTarget(_ node: Int, cpu: Int) -> AllocatedBlock? {
        guard case .success(let b) = allocator.allocPages(gfp: [.highUserMovable, .thisnode], order: 0, preferredNode: node, cpu: cpu) else { return nil }
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
            total = total + (try migrate(vpn, thread: thread, tlbs: tlbs) { _ in migrationTarget(node, cpu: thread.cpu) })
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
            for vpn in vpns {
                total = total + (try migrate(vpn, thread: thread, tlbs: tlbs) { _ in migrationTarget(dest, cpu: thread.cpu) })
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
            total = total + (try migrate(vpn, thread: thread, tlbs: tlbs) { _ in
                guard let vma = mm.vma(containing: va) else { return nil }
                let p = vma.policy ?? thread.policy
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
