import NumaCore
import NumaMM

/// munmap(2) and mbind(2) (mm/mmap.c `do_vmi_munmap` → `unmap_region`: `unmap_vmas` zaps the
/// PTEs and frees the pages, `free_pgtables` frees the tables left empty, `tlb_finish_mmu`
/// flushes the TLBs; mm/mempolicy.c `mbind_range`).
extension SimulatedProcess {
    public func munmap(start: UInt64, end: UInt64, thread: ProcessThread, tlbs: CPUTLBs) throws {
        let removed: [VMArea<MemPolicy>]
        do { removed = try mm.munmap(start: start, length: end - start) } catch {
            throw ProcessError.syscall(process: name, call: "munmap \(hex64(start))-\(hex64(end))", error.description)
        }
        guard !removed.isEmpty else { return }
        let cpu = thread.cpu
        for v in removed {
            var vpn = v.start >> 12
            while vpn < v.end >> 12 {
                _ = try pageTable.clearLeaf(vpn << 12)
                releasePage(vpn: vpn, cpu: cpu)
                fileBacked.remove(vpn)
                vpn += 1
            }
        }
        let lo = removed.map(\.start).min()!, hi = removed.map(\.end).max()!
        var source = PageTablePages(self, thread: thread)
        let freed = pageTable.freeEmptyTables(from: lo, to: hi, cpu: cpu, source: &source)
        // tlb_finish_mmu: one flush for the whole range, after which the tables are really gone.
        tlbs.flushRange(asid: asid, start: lo, end: hi, cpu: cpu, freedTables: !freed.isEmpty)
    }

    public func mbind(start: UInt64, end: UInt64, policy: MemPolicy?) throws {
        do { try mm.mbind(start: start, length: end - start, policy: policy) } catch {
            throw ProcessError.syscall(process: name, call: "mbind \(hex64(start))-\(hex64(end))", error.description)
        }
    }

    /// move_pages(2)/migrate_pages(2)-like (mm/migrate.c `migrate_pages` with
    /// `alloc_migration_target`: `__GFP_THISNODE` on the target, no fallback): each mapped page of
    /// the range that is not on `node` is copied to a new page there, its PTE cleared and flushed
    /// (`try_to_migrate`, one page at a time in 6.1), remapped, and the old page freed.
    /// `pgmigrate_success` / `pgmigrate_fail` per page. Swapped-out pages and the zero page stay.
    public func migrate(start: UInt64, end: UInt64, to node: Int, thread: ProcessThread, tlbs: CPUTLBs) throws {
        let cpu = thread.cpu
        var vpn = start >> 12
        while vpn < (end + 0xfff) >> 12 {
            defer { vpn += 1 }
            guard var old = pages[vpn] else { continue }
            let va = vpn << 12
            if !allocator.isOwned(old) {
                guard let moved = allocator.followMigration(old), try followMigrated(vpn: vpn, to: moved, thread: thread, tlbs: tlbs) else {
                    reclaimed(vpn: vpn, tlbs: tlbs)
                    continue
                }
                old = moved
            }
            guard old.node != node else { continue }
            let gfp: GFP = [.highUserMovable, .thisnode]
            guard case .success(let b) = allocator.allocPages(gfp: gfp, order: 0, preferredNode: node, cpu: cpu) else {
                allocator.count(.pgmigrateFail, cpu: cpu)
                stats.migrateFailed += 1
                continue
            }
            guard let entry = try pageTable.clearLeaf(va) else { continue }
            tlbs.flushRange(asid: asid, start: va, end: va + 4096, cpu: cpu)
            allocator.migrateMapped(old, to: b, cpu: cpu)
            stats.pagesFreed += 1
            pages[vpn] = b
            stats.pagesAllocated += 1
            var flags = entry.flags(in: pageTable.mode)
            if entry.isProtNone { flags = flags.restoredFromNumaHinting(pageProtection: mm.vma(containing: va)?.pageProtection ?? []) }
            var source = PageTablePages(self, thread: thread)
            try pageTable.map(va, pfn: b.pfn, flags: flags, cpu: cpu, source: &source)
            allocator.count(.pgmigrateSuccess, cpu: cpu)
            stats.migrated += 1
        }
    }
}
