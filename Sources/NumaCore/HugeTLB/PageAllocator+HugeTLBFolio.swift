/// Taking pages out of a hugetlb pool and giving them back (mm/hugetlb.c, Linux 6.1):
/// `dequeue_hugetlb_folio_node_exact`, `dequeue_hugetlb_folio_nodemask` (the zonelist walk of
/// the preferred node, one try per node), `alloc_surplus_hugetlb_folio` (a fresh page beyond the
/// pool while `surplus_huge_pages < nr_overcommit_huge_pages`) and `free_huge_page` (back to
/// the node's free list, or to the buddy when the node has surplus pages).
extension PageAllocator {
    /// `dequeue_hugetlb_folio_node_exact`: the head of node id `nid`'s free list moves to the
    /// active list; free counts down.
    func dequeueHugeTLBFolioNodeExact(_ hi: Int, nid: Int) -> AllocatedBlock? {
        guard let n = nodeIndex[nid], let b = hugetlb.hstates[hi].freeLists[n].popLast() else { return nil }
        hugetlb.hstates[hi].activeList.append(b)
        hugetlb.hstates[hi].freeHugePages -= 1
        hugetlb.hstates[hi].freeHugePagesNode[n] -= 1
        return b
    }

    /// `dequeue_hugetlb_folio_nodemask(h, gfp, nid, nmask)`: the zonelist of `nid` (FALLBACK,
    /// zones up to `gfp_zone(htlb_alloc_mask)`), nodes of `nodemask` only, each node tried once.
    func dequeueHugeTLBFolioNodemask(_ hi: Int, nid: Int, nodemask: [Int]?) -> AllocatedBlock? {
        let gfp = Self.htlbAllocMask(hugetlb.hstates[hi])
        guard let hz = gfp.zone(arch: arch) else { return nil }
        var last: Int? = nil
        for ref in zonelists.fallback[nid] ?? [] where ref.zone <= hz && (nodemask?.contains(ref.node) ?? true) {
            if ref.node == last { continue }
            last = ref.node
            if let b = dequeueHugeTLBFolioNodeExact(hi, nid: ref.node) { return b }
        }
        return nil
    }

    /// `alloc_surplus_hugetlb_folio`: refused once `surplus_huge_pages` reaches
    /// `nr_overcommit_huge_pages`; else `alloc_fresh_hugetlb_folio(htlb_alloc_mask, nid,
    /// nmask)` (no `node_alloc_noretry`: always trying hard) and the page is counted as pool and
    /// surplus, in use (the caller maps it).
    func allocSurplusHugeTLBFolio(_ hi: Int, gfp base: GFP, nid: Int, nodemask: [Int]?, cpu: Int) -> AllocatedBlock? {
        let h = hugetlb.hstates[hi]
        guard !h.isGigantic, h.surplusHugePages < h.nrOvercommitHugePages else { return nil }
        // alloc_buddy_hugetlb_folio without a node_alloc_noretry mask: always __GFP_RETRY_MAYFAIL.
        let gfp = base.union([.comp, .nowarn, .retryMayfail])
        guard case .success(let b) = allocPages(gfp: gfp, order: h.order, preferredNode: nid, nodemask: nodemask.map(Set.init), cpu: cpu) else {
            hugetlb.htlbBuddyAllocFail += 1
            return nil
        }
        hugetlb.htlbBuddyAllocSuccess += 1
        let n = nodeIndex[b.node]!
        hugetlb.hstates[hi].nrHugePages += 1
        hugetlb.hstates[hi].nrHugePagesNode[n] += 1
        hugetlb.hstates[hi].surplusHugePages += 1
        hugetlb.hstates[hi].surplusHugePagesNode[n] += 1
        hugetlb.hstates[hi].activeList.append(b)
        return b
    }

    /// `free_huge_page`: a page in use comes back. With surplus pages on its node it leaves the
    /// pool (`remove_hugetlb_folio(h, folio, true)`, then `__free_pages` to the buddy on `cpu`);
    /// else it goes to the head of its node's free list (`enqueue_hugetlb_folio`).
    /// `restoreReserve`: the page was taken against a reservation the caller still holds
    /// (HPageRestoreReserve), so resv_huge_pages counts up again.
    func freeHugeTLBFolio(_ hi: Int, _ b: AllocatedBlock, restoreReserve: Bool = false, cpu: Int) {
        guard let k = hugetlb.hstates[hi].activeList.firstIndex(where: { $0.pfn == b.pfn && $0.node == b.node }) else {
            preconditionFailure("freeing hugetlb page at pfn \(b.pfn), which is not in use")
        }
        hugetlb.hstates[hi].activeList.remove(at: k)
        if restoreReserve { hugetlb.hstates[hi].resvHugePages += 1 }
        let n = nodeIndex[b.node]!
        if hugetlb.hstates[hi].surplusHugePagesNode[n] > 0 {
            hugetlb.hstates[hi].surplusHugePages -= 1
            hugetlb.hstates[hi].surplusHugePagesNode[n] -= 1
            hugetlb.hstates[hi].nrHugePages -= 1
            hugetlb.hstates[hi].nrHugePagesNode[n] -= 1
            updateAndFreeHugeTLBFolio(b, cpu: cpu)
        } else {
            enqueueHugeTLBFolio(hi, b)
        }
    }
}
