/// Resizing a hugetlb pool (mm/hugetlb.c, Linux 6.1): `set_max_huge_pages` with its helpers
/// `alloc_pool_huge_page` (node interleave by `for_each_node_mask_to_alloc`),
/// `alloc_buddy_hugetlb_folio` (the pool's GFP and the `node_alloc_noretry` mask),
/// `remove_pool_huge_page` (`for_each_node_mask_to_free`) and `adjust_pool_surplus`.
/// Pool pages come from the buddy allocator (`__alloc_pages`, with its reclaim) and go back to
/// it (`__free_pages`) when the pool shrinks.
extension PageAllocator {
    /// `next_node_in(nid, *mask)`: the next node id of `mask` after `nid`, wrapping to the first.
    static func nextNodeIn(_ nid: Int, _ mask: [Int]) -> Int {
        mask.first { $0 > nid } ?? mask[0]
    }

    /// `hstate_next_node_to_alloc`: `get_valid_node_allowed(next_nid_to_alloc)` — the cursor if
    /// it is in the mask, else the next node in it — and the cursor moves one past it.
    func hstateNextNodeToAlloc(_ hi: Int, _ mask: [Int]) -> Int {
        var nid = hugetlb.hstates[hi].nextNidToAlloc
        if !mask.contains(nid) { nid = Self.nextNodeIn(nid, mask) }
        hugetlb.hstates[hi].nextNidToAlloc = Self.nextNodeIn(nid, mask)
        return nid
    }

    /// `hstate_next_node_to_free`: the same walk over `next_nid_to_free`.
    func hstateNextNodeToFree(_ hi: Int, _ mask: [Int]) -> Int {
        var nid = hugetlb.hstates[hi].nextNidToFree
        if !mask.contains(nid) { nid = Self.nextNodeIn(nid, mask) }
        hugetlb.hstates[hi].nextNidToFree = Self.nextNodeIn(nid, mask)
        return nid
    }

    /// `htlb_alloc_mask(h)`: GFP_HIGHUSER_MOVABLE when `hugepage_movable_supported(h)` (2 MiB
    /// pages on x86_64: migration supported, not gigantic), else GFP_HIGHUSER.
    static func htlbAllocMask(_ h: HState) -> GFP { h.isGigantic ? .highUser : .highUserMovable }

    /// `alloc_buddy_hugetlb_folio`: `__alloc_pages(gfp | __GFP_COMP | __GFP_NOWARN
    /// [| __GFP_RETRY_MAYFAIL], order, nid, nmask)`. Tries hard (`__GFP_RETRY_MAYFAIL`) unless
    /// an earlier hard try on `nid` failed during this resize (`node_alloc_noretry`); a success
    /// without trying hard clears the node's bit, a hard failure sets it.
    func allocBuddyHugeTLBFolio(_ hi: Int, gfp base: GFP, nid: Int, nodemask: [Int], noretry: inout Set<Int>, cpu: Int) -> AllocatedBlock? {
        let h = hugetlb.hstates[hi]
        let tryHard = !noretry.contains(nid)
        var gfp = base.union([.comp, .nowarn])
        if tryHard { gfp.insert(.retryMayfail) }
        let r = allocPages(gfp: gfp, order: h.order, preferredNode: nid, nodemask: Set(nodemask), cpu: cpu)
        guard case .success(let b) = r else {
            hugetlb.htlbBuddyAllocFail += 1
            if tryHard { noretry.insert(nid) }
            return nil
        }
        hugetlb.htlbBuddyAllocSuccess += 1
        if !tryHard { noretry.remove(nid) }
        return b
    }

    /// `alloc_pool_huge_page`: over `for_each_node_mask_to_alloc` (one try per node of the mask,
    /// each from the cursor), `alloc_fresh_hugetlb_folio` with `htlb_alloc_mask | __GFP_THISNODE`
    /// (`alloc_buddy_hugetlb_folio`, or `alloc_gigantic_folio` for 1 GiB);
    /// the first page obtained is counted (`prep_new_hugetlb_folio`: nr_huge_pages) and freed
    /// into the pool (`free_huge_page` → `enqueue_hugetlb_folio`). False when every node failed.
    func allocPoolHugePage(_ hi: Int, nodesAllowed mask: [Int], noretry: inout Set<Int>, cpu: Int) -> Bool {
        let gfp = Self.htlbAllocMask(hugetlb.hstates[hi]).union(.thisnode)
        for _ in 0..<mask.count {
            let node = hstateNextNodeToAlloc(hi, mask)
            let h = hugetlb.hstates[hi]
            let got = h.isGigantic ? allocGiganticFolio(order: h.order, gfp: gfp, nid: node, nodemask: mask)
                                   : allocBuddyHugeTLBFolio(hi, gfp: gfp, nid: node, nodemask: mask, noretry: &noretry, cpu: cpu)
            if let b = got {
                let n = nodeIndex[b.node]!
                hugetlb.hstates[hi].nrHugePages += 1
                hugetlb.hstates[hi].nrHugePagesNode[n] += 1
                enqueueHugeTLBFolio(hi, b)
                return true
            }
        }
        return false
    }

    /// `enqueue_hugetlb_folio`: onto the head of its node's free list; free counts up.
    func enqueueHugeTLBFolio(_ hi: Int, _ b: AllocatedBlock) {
        let n = nodeIndex[b.node]!
        hugetlb.hstates[hi].freeLists[n].append(b)
        hugetlb.hstates[hi].freeHugePages += 1
        hugetlb.hstates[hi].freeHugePagesNode[n] += 1
    }

    /// `remove_pool_huge_page`: over `for_each_node_mask_to_free`, the first node (from the
    /// cursor) with a free page — and, when `acctSurplus`, with surplus pages — gives up the head
    /// of its free list (`remove_hugetlb_folio`: free, nr and, if asked, surplus counts down).
    func removePoolHugePage(_ hi: Int, nodesAllowed mask: [Int], acctSurplus: Bool) -> AllocatedBlock? {
        for _ in 0..<mask.count {
            let node = hstateNextNodeToFree(hi, mask)
            let n = nodeIndex[node]!
            let h = hugetlb.hstates[hi]
            guard (!acctSurplus || h.surplusHugePagesNode[n] > 0) && !h.freeLists[n].isEmpty else { continue }
            let b = hugetlb.hstates[hi].freeLists[n].removeLast()
            hugetlb.hstates[hi].freeHugePages -= 1
            hugetlb.hstates[hi].freeHugePagesNode[n] -= 1
            if acctSurplus {
                hugetlb.hstates[hi].surplusHugePages -= 1
                hugetlb.hstates[hi].surplusHugePagesNode[n] -= 1
            }
            hugetlb.hstates[hi].nrHugePages -= 1
            hugetlb.hstates[hi].nrHugePagesNode[n] -= 1
            return b
        }
        return nil
    }

    /// `adjust_pool_surplus`: delta -1 takes a page out of surplus on the first node (alloc
    /// order) that has one; +1 makes a page surplus on the first node (free order) whose
    /// surplus is below its pool size. False when no node qualifies.
    func adjustPoolSurplus(_ hi: Int, nodesAllowed mask: [Int], delta: Int) -> Bool {
        for _ in 0..<mask.count {
            let node = delta < 0 ? hstateNextNodeToAlloc(hi, mask) : hstateNextNodeToFree(hi, mask)
            let n = nodeIndex[node]!
            let h = hugetlb.hstates[hi]
            let found = delta < 0 ? h.surplusHugePagesNode[n] > 0 : h.surplusHugePagesNode[n] < h.nrHugePagesNode[n]
            if found {
                hugetlb.hstates[hi].surplusHugePages += delta
                hugetlb.hstates[hi].surplusHugePagesNode[n] += delta
                return true
            }
        }
        return false
    }

    /// `set_max_huge_pages(h, count, nid, nodes_allowed)`: a per-node request (`nid`) turns into
    /// a global target (`count += nr_huge_pages - nr_huge_pages_node[nid]`, saturating); the pool
    /// grows by taking pages out of surplus, then by fresh pages until an `alloc_pool_huge_page`
    /// fails; it shrinks by freeing free pages (keeping reservations and pages in use) and then
    /// by marking pages surplus. `max_huge_pages` ends at the persistent size. Frees go back to
    /// the buddy on `cpu` in the kernel's order (`update_and_free_pages_bulk` walks the list it
    /// built head first: the last page removed is freed first).
    func setMaxHugePages(_ hi: Int, count requested: Int, nid: Int?, nodesAllowed mask: [Int], cpu: Int) {
        var noretry = Set<Int>()
        var count = requested
        if let nid, let n = nodeIndex[nid] {
            let h = hugetlb.hstates[hi]
            let (sum, overflow) = count.addingReportingOverflow(h.nrHugePages - h.nrHugePagesNode[n])
            count = overflow ? Int.max : sum
        }
        guard !mask.isEmpty else { return }
        grow: do {
            while hugetlb.hstates[hi].surplusHugePages > 0 && count > hugetlb.hstates[hi].persistentHugePages {
                if !adjustPoolSurplus(hi, nodesAllowed: mask, delta: -1) { break }
            }
            while count > hugetlb.hstates[hi].persistentHugePages {
                if !allocPoolHugePage(hi, nodesAllowed: mask, noretry: &noretry, cpu: cpu) { break grow }
            }
            let h = hugetlb.hstates[hi]
            // try_to_free_low: CONFIG_HIGHMEM only (nothing on x86_64).
            let minCount = max(count, h.resvHugePages + h.nrHugePages - h.freeHugePages)
            var removed: [AllocatedBlock] = []
            while minCount < hugetlb.hstates[hi].persistentHugePages {
                guard let b = removePoolHugePage(hi, nodesAllowed: mask, acctSurplus: false) else { break }
                removed.append(b)
            }
            for b in removed.reversed() { updateAndFreeHugeTLBFolio(b, cpu: cpu) }
            while count < hugetlb.hstates[hi].persistentHugePages {
                if !adjustPoolSurplus(hi, nodesAllowed: mask, delta: 1) { break }
            }
        }
        hugetlb.hstates[hi].maxHugePages = hugetlb.hstates[hi].persistentHugePages
    }

    /// The node ids with memory (`node_states[N_MEMORY]`), ascending.
    public var memoryNodeIDs: [Int] { nodeIDs.filter { machine.hasMemory($0) }.sorted() }

    /// `__nr_hugepages_store_common(obey_mempolicy, h, nid, count)`: the write of
    /// `/proc/sys/vm/nr_hugepages` (`nid` nil, `policy` nil: every N_MEMORY node),
    /// `/proc/sys/vm/nr_hugepages_mempolicy` (`policy`: `init_nodemask_of_mempolicy` — the
    /// policy's nodes for preferred, preferred-many, bind and interleave, the writer's node for
    /// local; the default policy obeys nothing and takes N_MEMORY) or
    /// `nodeN/hugepages/hugepages-2048kB/nr_hugepages` (`nid`: that node only). The writer runs
    /// on `cpu`. Returns what the resize did (also appended to `hugetlb.resizes`).
    @discardableResult
    public func writeNrHugePages(order: Int = HugeTLBState.defaultOrder, count: Int, node nid: Int? = nil, policy: MemPolicy? = nil,
                                 cpu: Int, source: String) throws -> HugeTLBResize {
        guard let hi = hugetlb.index(order: order) else { throw HugeTLBError.unsupportedSize(kB: 4 << order) }
        let mask: [Int]
        if let nid {
            guard nodeIndex[nid] != nil else { throw HugeTLBError.noSuchNode(nid) }
            mask = [nid]
        } else if let policy, let nodes = Self.nodemaskOfMempolicy(policy, writerNode: node(ofCPU: cpu)) {
            mask = nodes.filter { nodeIndex[$0] != nil }.sorted()
        } else {
            mask = memoryNodeIDs
        }
        let before = hugetlb.hstates[hi]
        setMaxHugePages(hi, count: count, nid: nid, nodesAllowed: mask, cpu: cpu)
        let r = HugeTLBResize(source: source, before: before, after: hugetlb.hstates[hi], requested: count, node: nid,
                              nodesAllowed: mask, nodeIDs: nodeIDs, memFreeKB: nodes.map { $0.freePages * 4 }, memTotalKB: nodes.map { $0.zones.reduce(0) { $0 + $1.managed } * 4 })
        var rec = r
        rec.policy = policy.map { "\($0)" }
        hugetlb.resizes.append(rec)
        return rec
    }

    /// `init_nodemask_of_mempolicy`: nil for the default policy (no task mempolicy).
    static func nodemaskOfMempolicy(_ p: MemPolicy, writerNode: Int?) -> [Int]? {
        switch p.mode {
        case .default: return nil
        case .local: return writerNode.map { [$0] } ?? []
        case .preferred, .preferredMany, .bind, .interleave, .weightedInterleave: return p.nodes
        }
    }

    /// Writes `nr_overcommit_hugepages` of the hstate of `order` (`hugetlb_overcommit_handler`,
    /// or the sysfs file of the size): only the limit changes.
    public func writeNrOvercommitHugePages(order: Int = HugeTLBState.defaultOrder, _ value: Int) throws {
        guard let hi = hugetlb.index(order: order) else { throw HugeTLBError.unsupportedSize(kB: 4 << order) }
        hugetlb.hstates[hi].nrOvercommitHugePages = value
    }

    /// `hugetlb_hstate_alloc_pages` for the default hstate at boot (`nr_hugepages` of the
    /// topology's sysctls, or `hugepages=` on the command line): `alloc_pool_huge_page` over
    /// N_MEMORY until `max_huge_pages` pages or the first round in which every node failed;
    /// `max_huge_pages` then becomes what was obtained ("HugeTLB: allocating N of page size
    /// 2.00 MiB failed.  Only allocated M hugepages."). Runs on the boot CPU (the first CPU).
    func hugetlbBootAllocPages(_ count: Int) {
        let cpu = cpus.first ?? -1
        let before = hugetlb.hstates[0]
        var noretry = Set<Int>()
        let mask = memoryNodeIDs
        var i = 0
        while i < count && !mask.isEmpty && allocPoolHugePage(0, nodesAllowed: mask, noretry: &noretry, cpu: cpu) { i += 1 }
        hugetlb.hstates[0].maxHugePages = i
        hugetlb.resizes.append(HugeTLBResize(source: "sysctl nr_hugepages (boot)", before: before, after: hugetlb.hstates[0],
                                             requested: count, node: nil, nodesAllowed: mask, nodeIDs: nodeIDs,
                                             memFreeKB: nodes.map { $0.freePages * 4 }, memTotalKB: nodes.map { $0.zones.reduce(0) { $0 + $1.managed } * 4 }))
    }
}

/// A resize the model refused (the sysfs write's error).
public enum HugeTLBError: Error, Equatable, CustomStringConvertible {
    case unsupportedSize(kB: Int)
    case noSuchNode(Int)

    public var description: String {
        switch self {
        case .unsupportedSize(let kB): return "no hugetlb pool of hugepages-\(kB)kB on this machine (numasim models hugepages-2048kB)"
        case .noSuchNode(let n): return "node \(n) is not on this machine"
        }
    }
}
