import NumaCore
import NumaMM

/// NUMA balancing of transparent huge pages, Linux 6.1: the scan's `change_huge_pmd` with
/// MM_CP_PROT_NUMA (the whole PMD becomes PROT_NONE once: NUMA_PTE_UPDATES counts its 512
/// pages, NUMA_HUGE_PTE_UPDATES the PMD) and the hinting fault `do_huge_pmd_numa_page`
/// (`numa_migrate_prep`, `migrate_misplaced_page` of the whole folio with
/// `alloc_misplaced_dst_page_thp`'s GFP_TRANSHUGE_LIGHT | __GFP_THISNODE and no split on
/// failure, `task_numa_fault` with HPAGE_PMD_NR pages). The PMD is numasim's 512 PTEs; its
/// `last_cpupid` is the head page's (the THP's first virtual page).
extension SimulatedProcess {
    /// `change_huge_pmd` for the THP at `hpn` (handle `b`). Returns the pages updated (0 or 512).
    func thpChangeProtNuma(_ hpn: UInt64, _ b: AllocatedBlock, nowMs: UInt32) -> Int {
        let a = allocator
        let haddr = hpn << 21
        // pmd_protnone: already a hinting PMD.
        guard let e = pageTable.leaf(haddr), e.isPresent, !e.isProtNone else { return 0 }
        let topTier = a.isTopTier(node: b.node)
        if !a.isNormalBalancingMode && topTier { return 0 }
        if a.isMemoryTieringMode && !topTier { lastCpupid[haddr >> 12] = LastCpupid(rawValue: nowMs) }
        for k in 0..<UInt64(TransparentHugepage.pages) { _ = pageTable.makeNumaHinting(haddr + (k << 12)) }
        return TransparentHugepage.pages
    }

    /// `do_huge_pmd_numa_page` for the THP `page` holding `vpn`. Returns false if the process
    /// was killed (never: no allocation can kill here).
    func doHugePmdNumaPage(_ vma: VMArea<MemPolicy>, vpn: UInt64, page: AllocatedBlock, thread: ProcessThread, tlbs: CPUTLBs) throws -> Bool {
        let a = allocator
        let cpu = thread.cpu
        let hpn = vpn >> 9
        let head = hpn << 9
        let pageNid = page.node
        let last = a.isMemoryTieringMode && !a.isTopTier(node: pageNid) ? LastCpupid.unset : (lastCpupid[head] ?? .unset)
        a.count(.numaHintFaults, cpu: cpu)
        let local = pageNid == a.node(ofCPU: cpu)
        if local { a.count(.numaHintFaultsLocal, cpu: cpu) }
        stats.numaHintFaults += 1
        var finalNid = pageNid, migrated = false, failed = false
        if let target = mpolMisplaced(vma, vpn: head, pageNid: pageNid, thread: thread, nrPages: TransparentHugepage.pages) {
            if try migrateMisplacedTHP(hpn, page: page, to: target, thread: thread, tlbs: tlbs) {
                finalNid = target
                migrated = true
            } else {
                failed = true
            }
        }
        if !migrated {
            for k in 0..<UInt64(TransparentHugepage.pages) {
                _ = pageTable.restoreFromNumaHinting((head + k) << 12, pageProtection: vma.pageProtection)
            }
        }
        taskNumaFault(last: last, memNode: finalNid, local: local, migrated: migrated, migrateFailed: failed,
                      thread: thread, pages: TransparentHugepage.pages)
        return true
    }

    /// `migrate_misplaced_page` of a THP: `numamigrate_isolate_page` wants the target balanced
    /// for 512 pages (else, in memory-tiering mode, wakes its kswapd); the new THP comes from the
    /// target alone without reclaim; a THP that cannot move is not split (MR_NUMA_MISPLACED):
    /// PGMIGRATE_FAIL counts its 512 pages and THP_MIGRATION_FAIL the THP.
    func migrateMisplacedTHP(_ hpn: UInt64, page: AllocatedBlock, to target: Int, thread: ProcessThread, tlbs: CPUTLBs) throws -> Bool {
        let a = allocator
        let cpu = thread.cpu
        guard let tn = a.index(ofNode: target) else { return false }
        guard a.migrateBalancedPgdat(nodeIndex: tn, nrPages: TransparentHugepage.pages) else {
            if a.isMemoryTieringMode { a.wakeKswapdForPromotion(nodeIndex: tn) }
            return false
        }
        guard case .success(let new) = a.allocPages(gfp: GFP.transHugeLight.union(.thisnode), order: TransparentHugepage.order,
                                                    preferredNode: target, cpu: cpu) else {
            a.count(.pgmigrateFail, TransparentHugepage.pages, cpu: cpu)
            a.count(.thpMigrationFail, cpu: cpu)
            stats.migrateFailed += 1
            return false
        }
        try moveTHP(hpn, from: page, to: new, thread: thread, tlbs: tlbs)
        let head = hpn << 9
        if a.isMemoryTieringMode && a.isTopTier(node: page.node) != a.isTopTier(node: target) { lastCpupid[head] = nil }
        stats.numaMigrated += TransparentHugepage.pages
        a.countMisplacedMigration(from: page.node, to: target, cpu: cpu, pages: TransparentHugepage.pages)
        return true
    }
}
