/// Migration of the pages compaction isolated (mm/migrate.c, Linux 6.1 `migrate_pages` with
/// mm/compaction.c `compaction_alloc`/`compaction_free`, `migrate_folio` →
/// `folio_migrate_flags`): each isolated page gets a free page from `cc.freePages` (the free
/// scanner runs again when they run out), its LRU state (kind, active, referenced, young,
/// dirty) moves to the new page on the same LRU list, the owner's handle goes stale with a
/// migration entry pointing at the new page (`MigrationEntries`: the owner finds it at its next
/// use, as the kernel's migration PTE leads it there), and the old page is freed. A page its
/// owner freed meanwhile (an orphan) is freed and counts as migrated, as the kernel's "freed
/// from under us" case does.
extension PageAllocator {
    /// `migrate_pages(&cc->migratepages, compaction_alloc, ...)`. Returns true when a target
    /// could not be had (-ENOMEM); the pages not migrated stay in `cc.migratePages` for
    /// `putback_movable_pages`.
    func migratePages(_ cc: inout CompactControl, _ z: Zone, nodeIndex n: Int) -> Bool {
        // cc->nr_migratepages keeps its value while migrate_pages runs: the free scanner
        // isolates up to it.
        var next = 0
        while next < cc.migratePages.count {
            let pfn = cc.migratePages[next]
            // compaction_alloc
            if cc.freePages.isEmpty { isolateFreePages(&cc, z) }
            guard let target = cc.freePages.popLast() else {
                cc.migrateFailed += 1
                cc.migratePages.removeFirst(next)
                return true
            }
            next += 1
            if !migrateIsolatedPage(z, nodeIndex: n, from: pfn, to: target, row: cc.row) {
                cc.freePages.append(target)   // compaction_free
            }
            cc.migrated += 1
        }
        cc.migratePages.removeAll(keepingCapacity: true)
        return false
    }

    /// One page: returns whether `target` was used (false: the page was an orphan, freed).
    func migrateIsolatedPage(_ z: Zone, nodeIndex n: Int, from pfn: Int, to target: Int, row: Int) -> Bool {
        let v = nodes[n].lruvec
        let used: Bool = v.lock.withLock {
            let f = z.memmap.lruFlags(pfn: pfn)
            if dropOrphanLocked(z, pfn, f, n) { return false }
            let node = nodeIDs[n]
            let from = AllocatedBlock(pfn: pfn, order: 0, node: node, zone: z.index, generation: z.memmap.generation(pfn: pfn))
            let to = AllocatedBlock(pfn: target, order: 0, node: node, zone: z.index, generation: z.memmap.generation(pfn: target))
            // The new page is on its LRU list before the old handle goes stale, so an owner
            // that follows the migration entry at once finds a page it can release.
            let moved = f.intersection([.active, .referenced, .young, .dirty]).union([.kind(f.kind), .lru])
            z.memmap.setLRUFlags(target, moved)
            if !memcgs.isEmpty { memcgMigrate(from: z, pfn, to: to) }   // mem_cgroup_migrate
            v.addHead(z, target, LRUVec.List.of(kind: f.kind, active: f.contains(.active)))
            migrationEntries.record(from: from, to: to)
            _ = z.memmap.bumpGeneration(pfn)
            z.memmap.setLRUFlags(pfn, [])
            return true
        }
        // The dirty page's NR_FILE_DIRTY stays (the new page is as dirty): no accounting moves.
        // An orphan's charge goes with it (a migrated page's went to the new page).
        if !memcgs.isEmpty { memcgUncharge(z, pfn, order: 0) }
        z.freeBlock(pfn, order: 0, cpu: row)
        vmEvents.add(.pgfree, row: row)
        return used
    }
}
