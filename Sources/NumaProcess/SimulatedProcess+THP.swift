import NumaCore
import NumaMM

/// Transparent huge pages of a process (mm/huge_memory.c, Linux 6.1): the anonymous fault
/// that maps a PMD-size folio (`__handle_mm_fault` → `create_huge_pmd` →
/// `do_huge_pmd_anonymous_page`), the huge zero page of a read fault, and what happens to a
/// THP when part of its range goes (`zap_pmd_range`: `__split_huge_pmd`, then the deferred
/// split, done at once here).
///
/// numasim's page tables have no PMD leaves: a THP is mapped by 512 PTEs of one PTE table —
/// the table the kernel allocates and deposits for the THP anyway (`pte_alloc_one` +
/// `pgtable_trans_huge_deposit`), so page-table pages count the same; the TLB holds 512
/// entries instead of one. Each of the 512 virtual pages holds the THP's handle in `pages`.
extension SimulatedProcess {
    /// The huge zero page's frames (symbolic, as `zeroPagePfn`: 2 MiB aligned, never allocated).
    public static let hugeZeroPagePfn = 0x1200

    /// `create_huge_pmd` for a not-present fault at `va`, if the fault may map a THP there:
    /// THP allowed for the VMA (`hugepage_vma_check`), the 2 MiB range inside it
    /// (`transhuge_vma_suitable`) and no PTE table there yet (`pmd_none`). Returns nil for
    /// VM_FAULT_FALLBACK (the 4 KiB path goes on), else the fault's outcome (false: killed).
    func thpFault(_ vma: VMArea<MemPolicy>, va: UInt64, write: Bool, thread: ProcessThread, tlbs: CPUTLBs) throws -> Bool? {
        guard TransparentHugepage.vmaAllowed(enabled: allocator.thpEnabledMode, anonymous: vma.kind == .anon,
                                             vmHugepage: vma.flags.contains(.hugepage), vmNohugepage: vma.flags.contains(.nohugepage)),
              let haddr = TransparentHugepage.suitableRange(faultAddress: va, vmaStart: vma.start, vmaEnd: vma.end),
              pageTable.pteTableMissing(haddr) else { return nil }
        let cpu = thread.cpu
        let hpn = haddr >> 21
        if !write {
            // do_huge_pmd_anonymous_page, read: the huge zero page, mapped read-only.
            allocator.getHugeZeroPage(cpu: cpu)
            stats.hugeZeroPageFaults += 1
            let flags = vma.pageProtection.subtracting(.rw)
            for k in 0..<UInt64(TransparentHugepage.pages) {
                guard install(Self.hugeZeroPagePfn + Int(k), at: haddr + (k << 12), flags: flags, thread: thread, block: nil) else { return false }
            }
            hugeZeroMapped.insert(hpn)
            return true
        }
        let gfp = allocator.thpFaultGFP(vmaMadvised: vma.flags.contains(.hugepage))
        let policy = vma.policy ?? thread.policy
        // interleave_nid(pol, vma, haddr, PAGE_SHIFT + 9).
        let hugeOffset = Int(truncatingIfNeeded: (vma.pgoff >> 9) &+ ((haddr - vma.start) >> 21))
        let a = allocator.allocHugepageVMA(gfp: gfp, policy: policy, cpu: cpu, hugeOffset: hugeOffset, mems: memsAllowed)
        guard case .success(let b) = a.result else {
            allocator.count(.thpFaultFallback, cpu: cpu)
            stats.thpFallbacks += 1
            return nil
        }
        // __do_huge_pmd_anonymous_page: mem_cgroup_charge(folio, mm, gfp) — a failed charge is a
        // fallback, never an OOM kill (mem_cgroup_oom skips orders above COSTLY).
        if let m = memcg, !allocator.memcgCharge(b, to: m, kind: .anon, gfp: gfp, cpu: cpu) {
            allocator.freePages(b, cpu: cpu)
            allocator.count(.thpFaultFallback, cpu: cpu)
            allocator.count(.thpFaultFallbackCharge, cpu: cpu)
            stats.thpFallbacks += 1
            stats.thpFallbacksCharge += 1
            return nil
        }
        recordPlacement(asking: a.askedNode, cpu: cpu, b)
        let flags = vma.pteFlags(writeFault: true)
        for k in 0..<UInt64(TransparentHugepage.pages) {
            guard install(b.pfn + Int(k), at: haddr + (k << 12), flags: flags, thread: thread, block: nil) else {
                // pte_alloc_one failed (VM_FAULT_OOM): the folio goes back, the process dies.
                for j in 0..<k { _ = try? pageTable.clearLeaf(haddr + (j << 12)) }
                _ = allocator.release(b, cpu: cpu)
                return false
            }
        }
        thps[hpn] = b
        for k in 0..<UInt64(TransparentHugepage.pages) { pages[(haddr >> 12) + k] = b }
        // lru_cache_add_inactive_or_unevictable: one folio on the inactive anon list.
        allocator.addToLRU(b, kind: .anon)
        allocator.count(.thpFaultAlloc, cpu: cpu)
        stats.thpFaults += 1
        stats.pagesAllocated += TransparentHugepage.pages
        return true
    }

    /// A write to a PTE of the huge zero page: `do_huge_pmd_wp_page` splits the zero PMD
    /// (THP_SPLIT_PMD) and falls back to the 4 KiB copy. Called by the protection-fault path.
    func noteHugeZeroWrite(_ va: UInt64, cpu: Int) {
        if hugeZeroMapped.remove(va >> 21) != nil { allocator.count(.thpSplitPmd, cpu: cpu) }
    }

    /// Makes the THP at huge page number `hpn` 512 ordinary pages (`split_huge_page`): the PMD
    /// split (THP_SPLIT_PMD), the folio split (THP_SPLIT_PAGE); the PTEs already map the subpages.
    /// If reclaim or migration took the THP meanwhile, its pages are followed as stale handles.
    func splitTHP(_ hpn: UInt64, cpu: Int) {
        guard let b = thps.removeValue(forKey: hpn) else { return }
        allocator.count(.thpSplitPmd, cpu: cpu)
        guard let subpages = allocator.splitHugePage(b, cpu: cpu) else { return }
        stats.thpSplits += 1
        let base = hpn << 9
        for (k, h) in subpages.enumerated() { pages[base + UInt64(k)] = h }
    }

    /// Before `[start, end)` loses pages (munmap, MADV_DONTNEED, exit): THPs wholly inside are
    /// freed whole — their PTEs cleared, one order-9 free (`zap_huge_pmd`); THPs partly inside
    /// are split (`__split_huge_pmd`, THP_DEFERRED_SPLIT_PAGE, and the split the deferred-split
    /// shrinker would do later, at once) so the caller frees their pages one by one. With
    /// `splitAll`, every THP touching the range is split (MADV_DONTNEED of odd or even frames).
    /// Returns the pages of the THPs freed whole.
    @discardableResult
    func zapTHPs(start: UInt64, end: UInt64, cpu: Int, splitAll: Bool = false) -> Int {
        var freed = 0
        let first = start >> 21
        let last = end == UInt64.max ? UInt64.max : (end + TransparentHugepage.size - 1) >> 21
        // A huge zero PMD in the range goes too; one only partly in it is split first.
        for hpn in hugeZeroMapped where hpn >= first && hpn < last {
            hugeZeroMapped.remove(hpn)
            if hpn << 21 < start || (hpn << 21) + TransparentHugepage.size > end { allocator.count(.thpSplitPmd, cpu: cpu) }
        }
        for hpn in thps.keys.filter({ $0 >= first && $0 < last }).sorted() {
            // Reclaim split it or demotion moved it since the last look: catch up first.
            guard let b = thps[hpn], allocator.isOwned(b) || resolveStaleTHP(hpn, cpu: cpu), thps[hpn] != nil else { continue }
            let haddr = hpn << 21
            if !splitAll && haddr >= start && haddr + TransparentHugepage.size <= end {
                let b = thps.removeValue(forKey: hpn)!
                let base = haddr >> 12
                for k in 0..<UInt64(TransparentHugepage.pages) {
                    pages[base + k] = nil
                    lastCpupid[base + k] = nil
                    _ = try? pageTable.clearLeaf((base + k) << 12)
                }
                if allocator.release(b, cpu: cpu) { stats.pagesFreed += TransparentHugepage.pages }
                freed += TransparentHugepage.pages
            } else {
                allocator.count(.thpDeferredSplitPage, cpu: cpu)
                splitTHP(hpn, cpu: cpu)
            }
        }
        return freed
    }

    /// madvise(MADV_HUGEPAGE / MADV_NOHUGEPAGE) (`hugepage_madvise`): VM_HUGEPAGE set and
    /// VM_NOHUGEPAGE cleared, or the reverse, on the range's VMAs (split at its ends).
    public func madviseHugepage(start: UInt64, end: UInt64, hugepage: Bool) throws {
        splitTHPs(straddling: [start, end], cpu: mainCPU)
        do {
            try mm.updateFlags(start: start, length: end - start, insert: hugepage ? .hugepage : .nohugepage,
                               remove: hugepage ? .nohugepage : .hugepage)
        } catch {
            throw ProcessError.syscall(process: name, call: "madvise \(hex64(start))-\(hex64(end)) \(hugepage ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE")", error.description)
        }
    }

    /// A VMA split at each of `addresses` (`vma_adjust_trans_huge` → `split_huge_pmd_address`):
    /// a THP across the cut is split, since no PMD may span two VMAs.
    func splitTHPs(straddling addresses: [UInt64], cpu: Int) {
        for va in addresses where va & (TransparentHugepage.size - 1) != 0 && thps[va >> 21] != nil {
            // Still a THP there (owned, or followed to where demotion moved it): split it.
            if resolveStaleTHP(va >> 21, cpu: cpu) { splitTHP(va >> 21, cpu: cpu) }
        }
    }

    /// THPs the process maps by node id (numa_maps' `AnonHugePages`, smaps); a THP demotion
    /// moved counts where it went, one reclaim split counts no more.
    public var thpsByNode: [Int: Int] {
        var out: [Int: Int] = [:]
        for b in thps.values {
            if allocator.isOwned(b) { out[b.node, default: 0] += 1 } else if let m = allocator.followMigration(b, peek: true) { out[m.node, default: 0] += 1 }
        }
        return out
    }

    /// The THP at `hpn` went stale (reclaim or demotion took it): a split THP becomes its 512
    /// pages' handles (each then followed as any page is); a THP demotion moved whole is
    /// remapped where it went (`remove_migration_ptes`: every PTE to the new frames, the TLBs
    /// flushed). Returns true if the process still maps a THP there.
    @discardableResult
    func resolveStaleTHP(_ hpn: UInt64, cpu: Int, tlbs: CPUTLBs? = nil) -> Bool {
        guard let b = thps[hpn], !allocator.isOwned(b) else { return thps[hpn] != nil }
        let base = hpn << 9
        if let parts = allocator.followSplit(b) {
            thps[hpn] = nil
            for (k, h) in parts.enumerated() where pages[base + UInt64(k)] != nil { pages[base + UInt64(k)] = h }
            return false
        }
        if let moved = allocator.followMigration(b) {
            thps[hpn] = moved
            let haddr = hpn << 21
            var source = PageTablePages(self, thread: nil)
            for k in 0..<UInt64(TransparentHugepage.pages) where pages[base + k] != nil {
                pages[base + k] = moved
                guard let e = try? pageTable.clearLeaf(haddr + (k << 12)) else { continue }
                var flags = e.flags(in: pageTable.mode)
                if e.isProtNone { flags = flags.restoredFromNumaHinting(pageProtection: mm.vma(containing: haddr)?.pageProtection ?? []) }
                _ = try? pageTable.map(haddr + (k << 12), pfn: moved.pfn + Int(k), flags: flags, cpu: cpu, source: &source)
            }
            if let tlbs { tlbs.flushRange(asid: asid, start: haddr, end: haddr + TransparentHugepage.size, cpu: cpu) }
            if allocator.isMemoryTieringMode, allocator.isTopTier(node: b.node) != allocator.isTopTier(node: moved.node) { lastCpupid[base] = nil }
            return true
        }
        // Freed whole under the owner (cannot happen to a mapped THP: reclaim splits first).
        thps[hpn] = nil
        return false
    }
    /// THPs the process maps.
    public var thpCount: Int { thps.count }
}
