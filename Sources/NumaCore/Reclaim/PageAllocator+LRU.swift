/// What happens to a page between its allocation and its free, as far as reclaim cares
/// (mm/swap.c `folio_add_lru`, `folio_mark_accessed`; the hardware setting the PTE accessed and
/// dirty bits; munmap releasing the page).
///
/// An owner holds an `AllocatedBlock` handle. Reclaim may take an anon or file page at any time:
/// it bumps the page's generation under the LRU lock, so the owner learns at its next touch that
/// the handle is stale and the access is a refault. The owner never frees a page reclaim holds
/// isolated; it marks it `orphan` and reclaim frees it.
extension PageAllocator {
    /// `folio_add_lru`: an anon or file block goes on its node's inactive list (the active one
    /// for refaulting working-set pages). Kernel pages are not on an LRU.
    /// Order-0 pages and anonymous THPs (order 9, one folio: NR_ANON_THPS counts it) go on the
    /// LRU; other high-order anon or file blocks stay unreclaimable, like kernel memory. A
    /// `mapped` page starts with the PTE accessed bit of its instantiating fault set; page
    /// cache added by `read(2)` (`filemap_add_folio`) is unmapped and starts without it.
    public func addToLRU(_ b: AllocatedBlock, kind: PageKind, active: Bool = false, dirty: Bool = false, mapped: Bool = true) {
        guard kind != .kernel, b.order == 0 || (b.order == TransparentHugepage.order && kind == .anon) else { return }
        if b.order != 0 { thp.addAnon(nodeIndex: nodeIndex[b.node]!, 1) }
        let n = nodeIndex[b.node]!
        let lruvec = nodes[n].lruvec
        withZone(n, b.zone) { z in
            var f: LRUFlags = [.kind(kind), .lru]
            if mapped { f.insert(.young) }
            if active { f.insert(.active) }
            if dirty && kind == .file { f.insert(.dirty) }
            lruvec.lock.withLock {
                z.memmap.setLRUFlags(b.pfn, f)
                lruvec.addHead(z, b.pfn, LRUVec.List.of(kind: kind, active: active))
            }
        }
        if dirty && kind == .file { accountDirty(n, nodes[n].zones[b.zone], 1 << b.order) }
    }

    /// NR_FILE_DIRTY of node `n` and NR_ZONE_WRITE_PENDING of its zone `z` change together
    /// (`folio_account_dirtied`, `folio_clear_dirty_for_io`): `pages` dirtied (negative: cleaned
    /// or gone).
    func accountDirty(_ n: Int, _ z: Zone, _ pages: Int) {
        nodes[n].reclaim.addDirty(pages)
        z.addWritePending(pages)
    }

    /// Whether the handle still names the owner's block (reclaim has not taken it).
    public func isOwned(_ b: AllocatedBlock) -> Bool {
        let z = nodes[nodeIndex[b.node]!].zones[b.zone]
        return z.memmap.generation(pfn: b.pfn) == b.generation && z.memmap.flags(pfn: b.pfn) == .allocated
    }

    /// The owner accesses its page: the PTE accessed bit (and dirty bit on a write) is set, as
    /// the MMU would. Returns false if reclaim took the page — the access is a refault.
    @discardableResult
    public func touch(_ b: AllocatedBlock, write: Bool = false) -> Bool {
        let n = nodeIndex[b.node]!
        return withZone(n, b.zone) { z in
            guard z.memmap.generation(pfn: b.pfn) == b.generation else { return false }
            let old = z.memmap.insertLRUFlags(b.pfn, write ? [.young, .dirty] : .young)
            if write && !old.contains(.dirty) && old.kind == .file { accountDirty(n, z, 1 << b.order) }
            return true
        }
    }

    /// `folio_mark_accessed` (mm/swap.c 6.1; a read() of cached file data): inactive and
    /// unreferenced → PG_referenced; inactive and referenced → `folio_activate` (moved to the
    /// active list's head, PGACTIVATE, PG_referenced cleared) and `workingset_activation`
    /// (`nonresident_age` advances). Returns false if the page was reclaimed.
    @discardableResult
    public func markAccessed(_ b: AllocatedBlock, cpu: Int) -> Bool {
        let n = nodeIndex[b.node]!
        let z = nodes[n].zones[b.zone]
        let lruvec = nodes[n].lruvec
        return lruvec.lock.withLock {
            guard z.memmap.generation(pfn: b.pfn) == b.generation else { return false }
            let f = z.memmap.lruFlags(pfn: b.pfn)
            if !f.contains(.referenced) {
                z.memmap.insertLRUFlags(b.pfn, .referenced)
            } else if !f.contains(.active) {
                z.memmap.removeLRUFlags(b.pfn, .referenced)
                lruvec.nonresidentAge += 1 << b.order
                if f.contains(.lru) {
                    let kind = f.kind
                    lruvec.remove(z, b.pfn, LRUVec.List.of(kind: kind, active: false))
                    z.memmap.insertLRUFlags(b.pfn, .active)
                    lruvec.addHead(z, b.pfn, LRUVec.List.of(kind: kind, active: true))
                    vmEvents.add(.pgactivate, 1 << b.order, row: slot(ofCPU: cpu))
                }
                // Isolated by reclaim: `__lru_cache_activate_folio` finds it in no pagevec and
                // nothing moves.
            }
            return true
        }
    }

    /// The owner frees its block (munmap, exit, truncate): off the LRU, then `__free_pages`.
    /// Returns false when reclaim had already taken it (nothing to free).
    @discardableResult
    /// `kind` is what the owner put in the block; without it the page's LRU byte is read.
    public func release(_ b: AllocatedBlock, cpu: Int, kind ownerKind: PageKind? = nil) -> Bool {
        let n = nodeIndex[b.node]!
        let z = nodes[n].zones[b.zone]
        let lruvec = nodes[n].lruvec
        // A handle reclaim made stale names a page that is free or someone else's now (its
        // LRU state reads as "kernel", so this check comes first); if migration moved the
        // page, the owner frees it where it went.
        guard z.memmap.generation(pfn: b.pfn) == b.generation else {
            if let moved = followMigration(b) { return release(moved, cpu: cpu, kind: ownerKind) }
            // A THP reclaim split: its pages go one by one; those reclaim swapped out leave
            // their swap slots, freed here.
            guard let parts = followSplit(b) else { return false }
            for p in parts where !release(p, cpu: cpu, kind: .anon) { releaseSwapSlot() }
            return true
        }
        // Only order-0 anon and file pages and anon THPs go on the LRU; everything else is
        // never reclaimed, so for it the lock-free check is final. Reclaim may clear the LRU
        // byte between the check above and this read (it bumps the generation first, under the
        // LRU lock), so a byte that reads "kernel" is believed only after the generation is
        // read again. An order-9 block is a THP only if its byte says so (hugetlb pages and
        // order-9 blocks of other kinds are never on the LRU).
        let isTHP = b.order == TransparentHugepage.order
        var kind = (isTHP ? nil : ownerKind) ?? z.memmap.lruFlags(pfn: b.pfn).kind
        if b.order != 0 && !(isTHP && kind == .anon) { kind = .kernel }
        if (ownerKind == nil || isTHP) && kind == .kernel && z.memmap.generation(pfn: b.pfn) != b.generation { return false }
        if kind != .kernel {
            enum Outcome { case stale, orphaned, free }
            let outcome: Outcome = lruvec.lock.withLock {
                guard z.memmap.generation(pfn: b.pfn) == b.generation else { return .stale }
                let f = z.memmap.lruFlags(pfn: b.pfn)
                guard f.contains(.lru) else {
                    z.memmap.insertLRUFlags(b.pfn, .orphan)
                    return .orphaned
                }
                lruvec.remove(z, b.pfn, LRUVec.List.of(kind: f.kind, active: f.contains(.active)))
                if f.contains(.dirty) && f.kind == .file { accountDirty(n, z, -(1 << b.order)) }
                z.memmap.setLRUFlags(b.pfn, [])
                if isTHP { thp.addAnon(nodeIndex: n, -1) }
                return .free
            }
            switch outcome {
            case .stale:
                if let moved = followMigration(b) { return release(moved, cpu: cpu, kind: ownerKind) }
                guard let parts = followSplit(b) else { return false }
                for p in parts where !release(p, cpu: cpu, kind: .anon) { releaseSwapSlot() }
                return true
            case .orphaned: return true
            case .free: break
            }
        }
        if !memcgs.isEmpty { memcgUncharge(z, b.pfn, order: b.order) }
        freePages(b, cpu: cpu)
        return true
    }

    /// Pages on a node's LRU list `l` (`lruvec_lru_size`: its zones up to `highestZone`).
    /// With `memcg` ≠ 0, the pages of that memory cgroup on the list (all zones: a memcg limit
    /// reclaim may use every zone).
    public func lruSize(nodeIndex n: Int, _ l: LRUVec.List, highestZone: Int = Int.max, memcg: Int = 0) -> Int {
        let v = nodes[n].lruvec
        return v.lock.withLock { memcg == 0 ? v.size(l, highestZone: highestZone) : v.memcgSize(memcg, l) }
    }

    /// The owner drops a stale anon handle whose page went to swap (munmap of swapped memory,
    /// or the swap-in of a refault): the swap slot is freed.
    public func releaseSwapSlot() { swap.release() }

    /// Pages of zone `z` on its node's list `l` (NR_ZONE_INACTIVE_FILE and friends; a THP
    /// counts its 512 pages).
    public func lruPages(_ z: Zone, _ l: LRUVec.List) -> Int {
        let v = nodes[nodeIndex[z.node]!].lruvec
        return v.lock.withLock { z.lruLists[l.rawValue].count + z.lruLargeExtra[l.rawValue] }
    }
}
