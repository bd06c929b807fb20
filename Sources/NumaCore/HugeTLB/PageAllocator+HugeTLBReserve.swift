/// Reservations and the fault-time allocation of a hugetlb mapping (mm/hugetlb.c, Linux 6.1):
/// `hugetlb_acct_memory` with `gather_surplus_pages` (mmap of a MAP_HUGETLB mapping reserves its
/// pages, growing the pool by surplus pages within `nr_overcommit_hugepages`) and
/// `return_unused_surplus_pages` (munmap/exit give unused reservations back), and
/// `alloc_hugetlb_folio`'s page choice: `dequeue_hugetlb_folio_vma` (the policy's node by
/// `huge_node`, then the zonelist walk) and `alloc_buddy_hugetlb_folio_with_mpol` (a surplus
/// page). Default hstate (2 MiB) only.
extension PageAllocator {
    /// `hugetlb_acct_memory(h, delta)`: delta > 0 reserves (`gather_surplus_pages`; then
    /// refused if more than the free pages of the allowed nodes, `allowed_mems_nr`), delta < 0
    /// unreserves (`return_unused_surplus_pages`). False: -ENOMEM (nothing changed).
    public func hugetlbAcctMemory(_ delta: Int, cpu: Int) -> Bool {
        if delta == 0 { return true }
        if delta < 0 { returnUnusedSurplusPages(0, -delta, cpu: cpu); return true }
        guard gatherSurplusPages(0, delta, cpu: cpu) else { return false }
        if delta > hugetlb.hstates[0].freeHugePages {   // allowed_mems_nr: every node (no cpuset)
            returnUnusedSurplusPages(0, delta, cpu: cpu)
            return false
        }
        return true
    }

    /// `gather_surplus_pages`: if the free pages do not cover resv + delta, surplus pages are
    /// allocated (`alloc_surplus_hugetlb_folio(h, htlb_alloc_mask, NUMA_NO_NODE)`: from the
    /// writer's node with fallback) until they do; they join the free lists and the reservation
    /// is committed. If one allocation fails, those obtained go back (`free_huge_page`: they are
    /// surplus, so to the buddy) and the reservation fails.
    func gatherSurplusPages(_ hi: Int, _ delta: Int, cpu: Int) -> Bool {
        var needed = hugetlb.hstates[hi].resvHugePages + delta - hugetlb.hstates[hi].freeHugePages
        if needed <= 0 {
            hugetlb.hstates[hi].resvHugePages += delta
            return true
        }
        let nid = node(ofCPU: cpu) ?? nodeIDs[0]
        var surplus: [AllocatedBlock] = []
        var ok = true
        while needed > 0 {
            for _ in 0..<needed {
                guard let b = allocSurplusHugeTLBFolio(hi, gfp: Self.htlbAllocMask(hugetlb.hstates[hi]), nid: nid, nodemask: nil, cpu: cpu) else {
                    ok = false
                    break
                }
                surplus.append(b)
            }
            needed = hugetlb.hstates[hi].resvHugePages + delta - (hugetlb.hstates[hi].freeHugePages + surplus.count)
            if !ok { break }
        }
        if needed > 0 {
            for b in surplus { freeHugeTLBFolio(hi, b, cpu: cpu) }
            return false
        }
        needed += surplus.count
        hugetlb.hstates[hi].resvHugePages += delta
        // The needed pages join the pool's free lists (list order: head first); the rest go.
        var extra: [AllocatedBlock] = []
        for b in surplus.reversed() {
            if needed > 0 {
                needed -= 1
                let k = hugetlb.hstates[hi].activeList.lastIndex { $0.pfn == b.pfn && $0.node == b.node }!
                hugetlb.hstates[hi].activeList.remove(at: k)
                enqueueHugeTLBFolio(hi, b)
            } else {
                extra.append(b)
            }
        }
        for b in extra { freeHugeTLBFolio(hi, b, cpu: cpu) }
        return true
    }

    /// `return_unused_surplus_pages`: the reservation shrinks by `unused`; up to that many
    /// surplus pages leave the pool (`remove_pool_huge_page(h, N_MEMORY, acct_surplus)`, spread
    /// over the nodes from `next_nid_to_free`) and go back to the buddy.
    func returnUnusedSurplusPages(_ hi: Int, _ unused: Int, cpu: Int) {
        hugetlb.hstates[hi].resvHugePages -= unused
        var n = min(unused, hugetlb.hstates[hi].surplusHugePages)
        var removed: [AllocatedBlock] = []
        while n > 0 {
            n -= 1
            guard let b = removePoolHugePage(hi, nodesAllowed: memoryNodeIDs, acctSurplus: true) else { break }
            removed.append(b)
        }
        for b in removed.reversed() { updateAndFreeHugeTLBFolio(b, cpu: cpu) }
    }

    /// The page of a hugetlb fault (`alloc_hugetlb_folio` without subpools or cgroups):
    /// `dequeue_hugetlb_folio_vma` — refused when the fault has no reservation and every free
    /// page is reserved; the zonelist walk from `nid` over `nodemask` (preferred-many: its nodes
    /// first, then all); a reserved fault consumes its reservation (resv_huge_pages - 1) — else
    /// `alloc_buddy_hugetlb_folio_with_mpol`, a surplus page within `nr_overcommit_hugepages`
    /// (also for a reserved fault that found no free page, which then consumes its reservation).
    /// nil: no page (the kernel's -ENOSPC, VM_FAULT_SIGBUS).
    public func allocHugeTLBFolio(policy: MemPolicy, nid: Int, reserved: Bool, cpu: Int) -> AllocatedBlock? {
        let h = hugetlb.hstates[0]
        let nodemask: [Int]? = policy.mode == .bind || policy.mode == .preferredMany ? policy.nodes : nil
        if reserved || h.freeHugePages - h.resvHugePages > 0 {
            var b: AllocatedBlock? = nil
            if policy.mode == .preferredMany { b = dequeueHugeTLBFolioNodemask(0, nid: nid, nodemask: nodemask) }
            if b == nil { b = dequeueHugeTLBFolioNodemask(0, nid: nid, nodemask: policy.mode == .preferredMany ? nil : nodemask) }
            if let b {
                if reserved { hugetlb.hstates[0].resvHugePages -= 1 }
                return b
            }
        }
        let gfp = Self.htlbAllocMask(h)
        var b: AllocatedBlock?
        if policy.mode == .preferredMany {
            var first = gfp.union(.nowarn)
            first.subtract([.directReclaim, .nofail])
            b = allocSurplusHugeTLBFolio(0, gfp: first, nid: nid, nodemask: nodemask, cpu: cpu)
                ?? allocSurplusHugeTLBFolio(0, gfp: gfp, nid: nid, nodemask: nil, cpu: cpu)
        } else {
            b = allocSurplusHugeTLBFolio(0, gfp: gfp, nid: nid, nodemask: nodemask, cpu: cpu)
        }
        if b != nil && reserved { hugetlb.hstates[0].resvHugePages -= 1 }
        return b
    }

    /// `free_huge_page` of the default hstate (a hugetlb mapping's page unmapped).
    public func freeHugeTLBFolio(_ b: AllocatedBlock, cpu: Int) { freeHugeTLBFolio(0, b, cpu: cpu) }
}
