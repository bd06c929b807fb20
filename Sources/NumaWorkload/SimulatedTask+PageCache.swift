import NumaCore

/// A `file:` group reading its file (mm/filemap.c 6.1 `filemap_read`, `filemap_add_folio`;
/// mm/swap.c `folio_mark_accessed`; mm/workingset.c `workingset_refault`).
extension SimulatedTask {
    /// One page of the file, at the file's next index: a cached page is accessed (`read`:
    /// `folio_mark_accessed`; `mmap`: the PTE accessed bit); a missing one is allocated with the
    /// group's policy, checked against its shadow entry if it was evicted (a refault:
    /// WORKINGSET_REFAULT_FILE, and WORKINGSET_ACTIVATE_FILE with the page going active when its
    /// refault distance fits the workingset), added to the LRU (unmapped for `read`) and, for
    /// `read`, marked accessed (PG_referenced) as `filemap_read` does after the copy.
    func readFilePage(_ a: PageAllocator, _ name: String, cpu: Int) {
        let file = a.pageCache.file(name)
        let index = file.nextIndex()
        let read = spec.access == .read
        file.withSlots { slots in
            if index >= slots.count { slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count)) }
            var shadow: PageAllocator.Shadow? = nil
            // Demotion moved the cached page: the xarray slot follows it (`folio_migrate_mapping`).
            if let h = slots[index], !a.isOwned(h), let moved = a.followMigration(h) { slots[index] = moved }
            if let h = slots[index] {
                let hit = read ? a.markAccessed(h, cpu: cpu) : a.touch(h, write: spec.dirty)
                if hit {
                    stats.touches += 1
                    chargeCachedRead(a, h, cpu: cpu, copy: read)
                    return
                }
                shadow = a.takeShadow(h)
                slots[index] = nil
            }
            guard let b = allocate(a, order: 0, cpu: cpu) else { return }
            // `__filemap_add_folio`: the xarray nodes a never-used index needs (a refault's
            // slot still has its node: the shadow entry kept it).
            a.pageCache.xarrayNodes.allocate(file.newXArrayNodes(storing: index), allocator: a, cpu: cpu)
            var active = false
            if let shadow {
                stats.refaults += 1
                if !read { a.count(.pgmajfault, cpu: cpu) }
                active = a.workingsetRefault(b, shadow: shadow, cpu: cpu)
            }
            a.addToLRU(b, kind: .file, active: active, dirty: spec.dirty, mapped: !read)
            if read { a.markAccessed(b, cpu: cpu) }
            stats.allocations += 1
            slots[index] = b
        }
    }
}
