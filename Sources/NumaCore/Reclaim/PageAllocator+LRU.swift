/// What happens to a page between its allocation and its free, as far as reclaim cares
/// (mm/swap.c `folio_add_lru`, `mark_page_accessed`; the hardware setting the PTE accessed and
/// dirty bits; munmap releasing the page).
///
/// An owner holds an `AllocatedBlock` handle. Reclaim may take an anon or file page at any time:
/// it bumps the page's generation under the LRU lock, so the owner learns at its next touch that
/// the handle is stale and the access is a refault. The owner never frees a page reclaim holds
/// isolated; it marks it `orphan` and reclaim frees it.
extension PageAllocator {
    /// `folio_add_lru`: an anon or file block goes on its zone's inactive list (the active one for
    /// refaulting working-set pages). Kernel pages are not on an LRU.
    /// Only order-0 pages go on the LRU here (no THP splitting model): larger anon or file blocks
    /// stay unreclaimable, like kernel memory.
    public func addToLRU(_ b: AllocatedBlock, kind: PageKind, active: Bool = false, dirty: Bool = false) {
        guard kind != .kernel, b.order == 0 else { return }
        let n = nodeIndex[b.node]!
        withZone(n, b.zone) { z in
            var f: LRUFlags = [.kind(kind), .lru, .young]
            if active { f.insert(.active) }
            if dirty && kind == .file { f.insert(.dirty) }
            z.lru.lock.withLock {
                z.memmap.setLRUFlags(b.pfn, f)
                z.memmap.pushHead(b.pfn, &z.lru.lists[LRUVec.List.of(kind: kind, active: active).rawValue])
            }
        }
        if dirty && kind == .file { nodes[n].reclaim.addDirty(1 << b.order) }
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
            if write && !old.contains(.dirty) && old.kind == .file { nodes[n].reclaim.addDirty(1 << b.order) }
            return true
        }
    }

    /// `mark_page_accessed` (a read() of cached file data): inactive,unreferenced → referenced;
    /// inactive,referenced → active. Returns false if the page was reclaimed.
    @discardableResult
    public func markAccessed(_ b: AllocatedBlock, cpu: Int) -> Bool {
        let n = nodeIndex[b.node]!
        let z = nodes[n].zones[b.zone]
        return z.lru.lock.withLock {
            guard z.memmap.generation(pfn: b.pfn) == b.generation else { return false }
            let f = z.memmap.lruFlags(pfn: b.pfn)
            if !f.contains(.referenced) {
                z.memmap.insertLRUFlags(b.pfn, .referenced)
            } else if !f.contains(.active) && f.contains(.lru) {
                let kind = f.kind
                z.memmap.unlink(b.pfn, &z.lru.lists[LRUVec.List.of(kind: kind, active: false).rawValue])
                z.memmap.removeLRUFlags(b.pfn, .referenced)
                z.memmap.insertLRUFlags(b.pfn, .active)
                z.memmap.pushHead(b.pfn, &z.lru.lists[LRUVec.List.of(kind: kind, active: true).rawValue])
                vmEvents.add(.pgactivate, 1 << b.order, row: slot(ofCPU: cpu))
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
        // A handle reclaim made stale names a page that is free or someone else's now (its
        // LRU state reads as "kernel", so this check comes first).
        guard z.memmap.generation(pfn: b.pfn) == b.generation else { return false }
        // Only order-0 anon and file pages go on the LRU; everything else is never reclaimed,
        // so for it the lock-free check is final. Reclaim may clear the LRU byte between the
        // check above and this read (it bumps the generation first, under the LRU lock), so a
        // byte that reads "kernel" is believed only after the generation is read again.
        var kind = ownerKind ?? z.memmap.lruFlags(pfn: b.pfn).kind
        if b.order != 0 { kind = .kernel }
        if ownerKind == nil && kind == .kernel && z.memmap.generation(pfn: b.pfn) != b.generation { return false }
        if kind != .kernel {
            enum Outcome { case stale, orphaned, free }
            let outcome: Outcome = z.lru.lock.withLock {
                guard z.memmap.generation(pfn: b.pfn) == b.generation else { return .stale }
                let f = z.memmap.lruFlags(pfn: b.pfn)
                guard f.contains(.lru) else {
                    z.memmap.insertLRUFlags(b.pfn, .orphan)
                    return .orphaned
                }
                z.memmap.unlink(b.pfn, &z.lru.lists[LRUVec.List.of(kind: f.kind, active: f.contains(.active)).rawValue])
                if f.contains(.dirty) && f.kind == .file { nodes[n].reclaim.addDirty(-(1 << b.order)) }
                z.memmap.setLRUFlags(b.pfn, [])
                return .free
            }
            switch outcome {
            case .stale: return false
            case .orphaned: return true
            case .free: break
            }
        }
        freePages(b, cpu: cpu)
        return true
    }

    /// Pages on a node's LRU lists by list (summed over its zones up to `highestZone`).
    public func lruSize(nodeIndex n: Int, _ l: LRUVec.List, highestZone: Int = Int.max) -> Int {
        var s = 0
        for z in nodes[n].zones where z.index <= highestZone { s += lruPages(z, l) }
        return s
    }

    /// The owner drops a stale anon handle whose page went to swap (munmap of swapped memory,
    /// or the swap-in of a refault): the swap slot is freed.
    public func releaseSwapSlot() { swap.release() }

    /// Pages on one zone list (order-0 pages only, so blocks = pages).
    public func lruPages(_ z: Zone, _ l: LRUVec.List) -> Int {
        z.lru.lock.withLock { z.lru.lists[l.rawValue].count }
    }
}
