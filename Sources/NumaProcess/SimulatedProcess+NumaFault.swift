import NumaCore
import NumaMM

/// NUMA hinting faults, Linux 6.1: mm/memory.c `do_numa_page` and `numa_migrate_prep`,
/// mm/mempolicy.c `mpol_misplaced` (the default policy is `preferred_node_policy[this node]`,
/// MPOL_PREFERRED with MPOL_F_MOF | MPOL_F_MORON: a page off the faulting CPU's node is
/// misplaced if `should_numa_migrate_memory` agrees), kernel/sched/fair.c
/// `should_numa_migrate_memory` (the two-reference `last_cpupid` filter; for lower-tier pages
/// in memory-tiering mode the hot threshold and rate limit, `PageAllocator+Promotion`) and
/// `task_numa_fault`, mm/migrate.c `migrate_misplaced_page`.
extension SimulatedProcess {
    /// `do_numa_page` for the PROT_NONE PTE at `vpn`. Returns false if the process was killed.
    func doNumaPage(_ vma: VMArea<MemPolicy>, vpn: UInt64, entry: PageTableEntry, thread: ProcessThread, tlbs: CPUTLBs) throws -> Bool {
        let a = allocator
        let va = vpn << 12
        if let page = pages[vpn], page.order == TransparentHugepage.order, a.isOwned(page) {
            return try doHugePmdNumaPage(vma, vpn: vpn, page: page, thread: thread, tlbs: tlbs)
        }
        guard let page = pages[vpn], a.isOwned(page) else {
            // No normal page behind it (vm_normal_page): map it back.
            _ = pageTable.restoreFromNumaHinting(va, pageProtection: vma.pageProtection)
            return true
        }
        let cpu = thread.cpu
        let pageNid = page.node
        let wasWritable = entry.flags(in: pageTable.mode).contains(.rw)
        let tiering = a.isMemoryTieringMode
        let last = tiering && !a.isTopTier(node: pageNid) ? LastCpupid.unset : (lastCpupid[vpn] ?? .unset)
        // numa_migrate_prep
        a.count(.numaHintFaults, cpu: cpu)
        let local = pageNid == a.node(ofCPU: cpu)
        if local { a.count(.numaHintFaultsLocal, cpu: cpu) }
        stats.numaHintFaults += 1
        var finalNid = pageNid, migrated = false, failed = false
        if let target = mpolMisplaced(vma, vpn: vpn, pageNid: pageNid, thread: thread) {
            if migrateMisplaced(vpn: vpn, page: page, to: target, thread: thread, tlbs: tlbs) {
                finalNid = target
                migrated = true
            } else {
                failed = true
            }
        }
        if !migrated { _ = pageTable.restoreFromNumaHinting(va, pageProtection: vma.pageProtection) }
        // TNF_NO_GROUP (a read-only PTE) only matters for numa_group, which is not modelled.
        _ = wasWritable
        taskNumaFault(last: last, memNode: finalNid, local: local, migrated: migrated,
                      migrateFailed: failed, thread: thread)
        return true
    }

    /// `mpol_misplaced`: the node the page should move to, or nil. Only the default policy
    /// carries MPOL_F_MOF here (see `isNumaScannable`).
    func mpolMisplaced(_ vma: VMArea<MemPolicy>, vpn: UInt64, pageNid: Int, thread: ProcessThread, nrPages: Int = 1) -> Int? {
        guard vma.policy == nil, thread.policy.mode == .default, let thisNid = allocator.node(ofCPU: thread.cpu) else { return nil }
        // MPOL_PREFERRED of this node: a page already there stays.
        if pageNid == thisNid { return nil }
        // MPOL_F_MORON: towards the node whose CPU references it, if the filter agrees.
        guard shouldNumaMigrateMemory(vpn: vpn, srcNid: pageNid, thread: thread, nrPages: nrPages) else { return nil }
        return thisNid
    }

    /// `should_numa_migrate_memory(current, page, src_nid, this_cpu)`; `nrPages`: the folio's
    /// pages, which the promotion rate limit counts (512 for a THP).
    func shouldNumaMigrateMemory(vpn: UInt64, srcNid: Int, thread: ProcessThread, nrPages: Int = 1) -> Bool {
        let a = allocator
        let cpu = thread.cpu
        guard let dstNid = a.node(ofCPU: cpu) else { return false }
        let now = Jiffies.at(nanoseconds: thread.nowNanoseconds)
        if a.isMemoryTieringMode && !a.isTopTier(node: srcNid) {
            guard let dn = a.index(ofNode: dstNid) else { return false }
            let nowMs = Jiffies.toMilliseconds(now)
            return a.shouldPromote(toNodeIndex: dn, nowMs: nowMs, cpu: cpu, nrPages: nrPages) {
                // numa_hint_fault_latency: xchg_page_access_time, PAGE_ACCESS_TIME_MASK.
                let lastTime = (lastCpupid[vpn] ?? .unset).rawValue
                lastCpupid[vpn] = LastCpupid(rawValue: nowMs)
                return (nowMs &- lastTime) & LastCpupid.mask
            }
        }
        let this = LastCpupid(cpu: cpu, pid: thread.numa.pid)
        let last = lastCpupid[vpn] ?? .unset
        lastCpupid[vpn] = this
        let nrCPUIDs = machineFacts.nrCPUIDs
        if !a.isMemoryTieringMode && !a.isTopTier(node: srcNid) && !last.isValid(nrCPUIDs: nrCPUIDs) { return false }
        // First faults or private faults migrate at once early in the task's life.
        if (thread.numa.preferredNid == nil || thread.numa.scanSeq <= 4) && (last.pidUnset || last.matches(pid: thread.numa.pid)) {
            return true
        }
        // The two-stage filter: the last fault must have come from the destination node too.
        if !last.pidUnset && (last.isValid(nrCPUIDs: nrCPUIDs) ? a.node(ofCPU: last.cpu) : nil) != dstNid { return false }
        if last.matches(pid: thread.numa.pid) { return true }
        // A shared fault without a numa_group (not modelled): allowed.
        return true
    }

    /// `migrate_misplaced_page(page, vma, node)`: refused for a dirty file page, or when the
    /// target would fall under its high watermark (then, in memory-tiering mode, its kswapd is
    /// woken to make room); else the page is copied to a page of the target node taken without
    /// reclaim (`alloc_misplaced_dst_page`), the PTE maps the copy, the old page is freed.
    func migrateMisplaced(vpn: UInt64, page: AllocatedBlock, to target: Int, thread: ProcessThread, tlbs: CPUTLBs) -> Bool {
        let a = allocator
        let cpu = thread.cpu
        if fileBacked.contains(vpn) && a.isDirty(page) { return false }
        guard let tn = a.index(ofNode: target) else { return false }
        guard a.migrateBalancedPgdat(nodeIndex: tn, nrPages: 1) else {
            if a.isMemoryTieringMode { a.wakeKswapdForPromotion(nodeIndex: tn) }
            return false
        }
        guard case .success(let new) = a.allocPages(gfp: PageAllocator.misplacedGFP, order: 0, preferredNode: target, cpu: cpu) else {
            a.count(.pgmigrateFail, cpu: cpu)
            stats.migrateFailed += 1
            return false
        }
        let va = vpn << 12
        guard let old = try? pageTable.clearLeaf(va), a.migrateMapped(page, to: new, cpu: cpu) else {
            _ = a.release(new, cpu: cpu)
            return false
        }
        pages[vpn] = new
        stats.pagesAllocated += 1
        stats.pagesFreed += 1
        stats.numaMigrated += 1
        // folio_migrate_flags: last_cpupid moves with the page, reset across tiers in tiering mode.
        if a.isMemoryTieringMode && a.isTopTier(node: page.node) != a.isTopTier(node: target) { lastCpupid[vpn] = nil }
        let flags = old.flags(in: pageTable.mode).restoredFromNumaHinting(pageProtection: mm.vma(containing: va)?.pageProtection ?? [])
        var source = PageTablePages(self, thread: thread)
        _ = try? pageTable.map(va, pfn: new.pfn, flags: flags, cpu: cpu, source: &source)
        a.countMisplacedMigration(from: page.node, to: target, cpu: cpu)
        return true
    }

    /// `task_numa_fault(last_cpupid, mem_node, 1, flags)`: the task's fault statistics, the
    /// placement pass and the scan-period update.
    func taskNumaFault(last: LastCpupid, memNode: Int, local: Bool, migrated: Bool, migrateFailed: Bool,
                       thread: ProcessThread, pages: Int = 1) {
        let a = allocator
        guard a.numaBalancingMode != 0 else { return }
        let nrCPUIDs = machineFacts.nrCPUIDs
        // No statistics for lower-tier memory in tiering mode, or for a first fault there.
        if !a.isTopTier(node: memNode) && (a.isMemoryTieringMode || !last.isValid(nrCPUIDs: nrCPUIDs)) { return }
        let priv = last == .unset ? true : last.matches(pid: thread.numa.pid)
        let topology = a.machine.topology
        let cpuNodes = machineFacts.nodesWithCPUs
        let now = Jiffies.at(nanoseconds: thread.nowNanoseconds)
        thread.numa.recordFault(memNode: memNode, priv: priv, local: local, migrated: migrated, migrateFailed: migrateFailed,
                                pages: pages, now: now, mmScanSeq: numaMM.scanSeq, inputs: scanInputs, cpuNodes: cpuNodes,
                                distance: { topology.distance(from: $0, to: $1) })
        if let ms = thread.numa.pendingNextScanMs {
            numaMM.nextScan = now &+ Jiffies.fromMilliseconds(ms)
            thread.numa.pendingNextScanMs = nil
        }
    }
}
