/// Migrating a page its owner maps (mm/migrate.c 6.1 `migrate_pages` → `migrate_folio` →
/// `folio_migrate_flags`, then `putback_lru_page` of the new folio): the new page takes the
/// old one's LRU kind and its active, referenced, young and dirty bits, goes on the target
/// node's list the flags name, and the old page is freed. Used by `move_pages`/`migrate_pages`
/// steps and by NUMA balancing's `migrate_misplaced_page` (the owner holds the PTE; reclaim's
/// demotion of isolated pages is `moveReclaimed`).
extension PageAllocator {
    /// PG_dirty of an owned page (false if reclaim took it).
    public func isDirty(_ b: AllocatedBlock) -> Bool {
        withZone(nodeIndex[b.node]!, b.zone) { z in
            z.memmap.generation(pfn: b.pfn) == b.generation && z.memmap.lruFlags(pfn: b.pfn).contains(.dirty)
        }
    }

    /// Moves the LRU state of the owned page `old` to the freshly allocated `new` and frees
    /// `old` on `cpu`. Returns false (and frees nothing) when reclaim took `old` meanwhile.
    @discardableResult
    public func migrateMapped(_ old: AllocatedBlock, to new: AllocatedBlock, cpu: Int) -> Bool {
        let n = nodeIndex[old.node]!
        let f: LRUFlags? = withZone(n, old.zone) { z in
            nodes[n].lruvec.lock.withLock {
                z.memmap.generation(pfn: old.pfn) == old.generation ? z.memmap.lruFlags(pfn: old.pfn) : nil
            }
        }
        guard let f else { return false }
        memcgMigrate(old, to: new)
        guard release(old, cpu: cpu) else { return false }
        guard f.kind != .kernel else { return true }
        addToLRU(new, kind: f.kind, active: f.contains(.active), dirty: f.contains(.dirty), mapped: f.contains(.young))
        if f.contains(.referenced) {
            let m = nodeIndex[new.node]!
            withZone(m, new.zone) { z in nodes[m].lruvec.lock.withLock { _ = z.memmap.insertLRUFlags(new.pfn, .referenced) } }
        }
        return true
    }
}
