import NumaCore
import NumaMM

/// The user access path and the page-fault handler (mm/memory.c `handle_mm_fault` →
/// `__handle_mm_fault` → `handle_pte_fault`: `do_anonymous_page`, `do_fault`/`filemap_fault`,
/// `do_swap_page`, `do_wp_page`; arch/x86/mm/fault.c `do_user_addr_fault` for the VMA checks and
/// `PGFAULT` counting).
extension SimulatedProcess {
    /// One user-mode access of `va` by `thread` on its CPU: the TLB answers or the page table is
    /// walked; a fault is handled and the access retried, as the CPU restarts the instruction.
    /// Returns false if the process was killed (out of memory) on the way.
    @discardableResult
    public func access(_ va: UInt64, write: Bool, thread: ProcessThread, tlbs: CPUTLBs) throws -> Bool {
        let vpn = va >> 12
        stats.accesses += 1
        // Reclaim split the THP holding the page, or demotion moved it: catch up first.
        if let b = pages[vpn], b.order == TransparentHugepage.order, !allocator.isOwned(b) {
            resolveStaleTHP(vpn >> 9, cpu: thread.cpu, tlbs: tlbs)
        }
        // Reclaim took the page since the last access: do now what try_to_unmap did then (the
        // PTE becomes a swap entry or none, the TLBs lose it); the access below then faults.
        if let b = pages[vpn], !allocator.touch(b, write: write) {
            if let moved = allocator.followMigration(b) {
                guard try followMigrated(vpn: vpn, to: moved, thread: thread, tlbs: tlbs) else { return false }
                allocator.touch(moved, write: write)
            } else {
                reclaimed(vpn: vpn, tlbs: tlbs)
            }
        }
        for _ in 0..<3 {
            let r = try tlbs.withTLB(thread.cpu) { tlb in try tlb.access(va, in: &pageTable, write: write) }
            switch r.result {
            case .success: return true
            case .failure(let fault):
                guard try handleFault(fault, va: va, write: write, thread: thread, tlbs: tlbs) else { return false }
            }
        }
        preconditionFailure("the fault handler made no progress at \(hex64(va))")
    }

    /// Migration (demotion in reclaim) moved the page at `vpn` since the last access: the
    /// migration entry resolves as `remove_migration_ptes` does it — the PTE maps the new page
    /// with the old flags, and every TLB drops the old translation. Returns false if the
    /// process was killed (no memory for a page table).
    func followMigrated(vpn: UInt64, to moved: AllocatedBlock, thread: ProcessThread, tlbs: CPUTLBs) throws -> Bool {
        let va = vpn << 12
        let old = pages[vpn]
        pages[vpn] = moved
        // folio_migrate_flags: in memory-tiering mode last_cpupid is reset across tiers.
        if let old, allocator.isMemoryTieringMode, allocator.isTopTier(node: old.node) != allocator.isTopTier(node: moved.node) {
            lastCpupid[vpn] = nil
        }
        guard let entry = try pageTable.clearLeaf(va) else { return true }
        for cpu in tlbs.tlbs.keys { tlbs.withTLB(cpu) { $0.invalidate(va: va, asid: asid) } }
        // remove_migration_pte maps the new page with the VMA's protection: a NUMA hinting
        // entry comes back present.
        var flags = entry.flags(in: pageTable.mode)
        if entry.isProtNone { flags = flags.restoredFromNumaHinting(pageProtection: mm.vma(containing: va)?.pageProtection ?? []) }
        return install(moved.pfn, at: va, flags: flags, thread: thread, block: nil)
    }

    func reclaimed(vpn: UInt64, tlbs: CPUTLBs) {
        let va = vpn << 12
        pages[vpn] = nil
        lastCpupid[vpn] = nil
        _ = try? pageTable.clearLeaf(va)
        for cpu in tlbs.tlbs.keys { tlbs.withTLB(cpu) { $0.invalidate(va: va, asid: asid) } }
        if fileBacked.remove(vpn) != nil { evictedFile.insert(vpn) } else { swappedOut.insert(vpn) }
    }

    /// `do_user_addr_fault` + `handle_mm_fault`. Returns false if the process was killed.
    func handleFault(_ fault: PageFault, va: UInt64, write: Bool, thread: ProcessThread, tlbs: CPUTLBs) throws -> Bool {
        let cpu = thread.cpu
        guard let vma = mm.vma(containing: va) else {
            throw ProcessError.segv(process: name, thread: thread.name, address: va, reason: "no mapping contains it (find_vma)")
        }
        if write && !vma.flags.contains(.write) {
            throw ProcessError.segv(process: name, thread: thread.name, address: va,
                                    reason: "write to a mapping without PROT_WRITE (\(vma.flags) '\(vma.name)')")
        }
        allocator.count(.pgfault, cpu: cpu)
        stats.faults += 1
        let vpn = va >> 12
        let pageVA = vpn << 12
        if let k = hugetlbMappingIndex(va) { return try hugetlbFault(k, va: va, thread: thread, tlbs: tlbs) }

        // A NUMA hinting PTE (PROT_NONE of an accessible VMA): do_numa_page.
        if fault.reason == .notPresent, let e = pageTable.leaf(pageVA), e.isProtNone {
            return try doNumaPage(vma, vpn: vpn, entry: e, thread: thread, tlbs: tlbs)
        }

        // __handle_mm_fault: an empty PMD of a THP-eligible range takes a huge page.
        if fault.reason == .notPresent, vma.kind == .anon, let r = try thpFault(vma, va: va, write: write, thread: thread, tlbs: tlbs) {
            return r
        }

        if fault.reason == .protection {
            // do_wp_page: a write through a read-only PTE of a writable private mapping.
            guard pageTable.leaf(pageVA) != nil else {
                throw ProcessError.segv(process: name, thread: thread.name, address: va, reason: "protection fault without a PTE")
            }
            try pageTable.clearLeaf(pageVA)
            // ptep_clear_flush → flush_tlb_page: the old read-only translation goes everywhere.
            tlbs.flushRange(asid: asid, start: pageVA, end: pageVA + 4096, cpu: cpu)
            if let b = pages[vpn] {
                // wp_page_reuse: the page is ours alone, it just becomes writable and dirty.
                return install(b.pfn, at: pageVA, flags: vma.pteFlags(writeFault: true), thread: thread, block: nil)
            }
            // wp_page_copy from the zero page: a new zeroed page (the huge zero page's PMD is
            // split first).
            noteHugeZeroWrite(pageVA, cpu: cpu)
            stats.wpFaults += 1
            guard let b = allocateData(vma, va: va, thread: thread, active: false, dirty: true) else { return false }
            return install(b.pfn, at: pageVA, flags: vma.pteFlags(writeFault: true), thread: thread, block: b)
        }

        var active = false
        if vma.kind == .anon {
            if swappedOut.remove(vpn) != nil {
                // do_swap_page: read the page back from swap; the swap slot is freed.
                allocator.count(.pgmajfault, cpu: cpu)
                allocator.count(.pswpin, cpu: cpu)
                allocator.releaseSwapSlot()
                stats.majorFaults += 1
                stats.refaults += 1
                active = true
            } else if !write {
                // do_anonymous_page, read: map the shared zero page read-only; nothing is allocated.
                stats.zeroPageFaults += 1
                return install(zeroPfn, at: pageVA, flags: vma.pageProtection.subtracting(.rw), thread: thread, block: nil)
            }
        } else {
            // filemap_fault: the page is not in the page cache, so it is read (a major fault);
            // a page reclaim dropped comes back as a workingset refault.
            allocator.count(.pgmajfault, cpu: cpu)
            stats.majorFaults += 1
            if evictedFile.remove(vpn) != nil {
                stats.refaults += 1
                active = true
            }
        }
        guard let b = allocateData(vma, va: va, thread: thread, active: active, dirty: write) else { return false }
        // workingset_refault, once the page is read into its new folio: counted on that node.
        if active { allocator.countRefault(b, file: vma.kind != .anon, cpu: cpu) }
        return install(b.pfn, at: pageVA, flags: vma.pteFlags(writeFault: write), thread: thread, block: b)
    }

    /// The data page of a fault. Anonymous memory: `vma_alloc_folio(GFP_HIGHUSER_MOVABLE)` with the
    /// VMA policy, else the task's; interleave picks the node by the page's offset in the mapping
    /// (§9.5). Page cache: `filemap_alloc_folio` → `alloc_pages`, the *task* policy with its
    /// interleave counter (6.1 gives regular-file page cache no VMA policy). nil: the process was
    /// killed for lack of memory (`VM_FAULT_OOM`).
    func allocateData(_ vma: VMArea<MemPolicy>, va: UInt64, thread: ProcessThread, active: Bool, dirty: Bool) -> AllocatedBlock? {
        let anon = vma.kind == .anon
        let policy = anon ? (vma.policy ?? thread.policy) : thread.policy
        let index: Int? = anon ? vma.pageIndex(of: va) : nil
        let asking = allocator.policyNode(policy, cpu: thread.cpu, order: 0, state: &thread.interleave, interleaveIndex: index)
        switch allocator.allocPages(gfp: .highUserMovable, order: 0, policy: policy, preferredNode: asking, cpu: thread.cpu, mems: memsAllowed) {
        case .success(let b):
            // mem_cgroup_charge(folio, mm, GFP_KERNEL): a failed charge frees the page; the
            // fault's VM_FAULT_OOM ends the process here, as an allocation failure does.
            if let m = memcg, !allocator.memcgCharge(b, to: m, kind: anon ? .anon : .file, gfp: .kernel, cpu: thread.cpu) {
                allocator.freePages(b, cpu: thread.cpu)
                stats.failures["GFP_HIGHUSER_MOVABLE order 0: memory cgroup \(m.name) at memory.max (charge failed)", default: 0] += 1
                killed = true
                return nil
            }
            recordPlacement(asking: asking, cpu: thread.cpu, b)
            let vpn = va >> 12
            pages[vpn] = b
            if !anon { fileBacked.insert(vpn) }
            allocator.addToLRU(b, kind: anon ? .anon : .file, active: active, dirty: dirty && !anon)
            stats.pagesAllocated += 1
            return b
        case .failure(let f):
            recordFailure("GFP_HIGHUSER_MOVABLE order 0", f)
            killed = true
            return nil
        }
    }

    /// `set_pte_at` after the missing tables were allocated (`__pte_alloc` …) on the faulting
    /// thread's behalf. A table allocation failure frees the new page and kills the process.
    func install(_ pfn: Int, at pageVA: UInt64, flags: PTEFlags, thread: ProcessThread, block: AllocatedBlock?) -> Bool {
        var source = PageTablePages(self, thread: thread)
        do {
            try pageTable.map(pageVA, pfn: pfn, flags: flags, cpu: thread.cpu, source: &source)
            return true
        } catch {
            if let block {
                pages[pageVA >> 12] = nil
                fileBacked.remove(pageVA >> 12)
                if allocator.release(block, cpu: thread.cpu) { stats.pagesFreed += 1 }
            }
            killed = true
            return false
        }
    }
}
