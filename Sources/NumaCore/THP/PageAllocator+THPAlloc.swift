/// The allocation of a THP fault: `vma_alloc_folio(gfp, HPAGE_PMD_ORDER, vma, haddr,
/// hugepage=true)` (mm/mempolicy.c, Linux 6.1), with the GFP mask of `vma_thp_gfp_mask`.
///
/// Interleave picks the node by the huge page's offset (`interleave_nid` with shift
/// PAGE_SHIFT + 9); PREFERRED_MANY goes `alloc_pages_preferred_many`. Every other policy takes
/// the hugepage branch when its nodemask allows the current node (or PREFERRED's node): one
/// attempt on that node alone, `__GFP_THISNODE | __GFP_NORETRY` — "don't reclaim
/// unnecessarily, just compact" — and, only when the mask has `__GFP_DIRECT_RECLAIM`
/// (defrag `always`, or a VM_HUGEPAGE area under `madvise`/`defer+madvise`), a second attempt
/// that may use other nodes with reclaim and compaction. A BIND whose nodes exclude the
/// current node allocates the standard way.
extension PageAllocator {
    /// What a THP fault's allocation did: the block (or why not), and the node it asked for
    /// first (what the run's placement statistics count a miss against).
    public struct HugepageAllocation: Sendable {
        public var result: Result<AllocatedBlock, AllocFailure>
        public var askedNode: Int
        /// Whether the first, this-node-only attempt of the hugepage branch was made and failed.
        public var thisNodeAttemptFailed: Bool
    }

    /// `vma_alloc_folio(gfp, 9, vma, haddr, true)` for a task on `cpu` under `policy` (the
    /// VMA's, else the task's). `hugeOffset` is `interleave_nid`'s offset at shift 21:
    /// `(vm_pgoff >> 9) + ((haddr − vm_start) >> 21)`. `mems`: the cpuset's mems_allowed when
    /// cpusets are on.
    public func allocHugepageVMA(gfp: GFP, policy: MemPolicy, cpu: Int, hugeOffset: Int,
                                 mems: Set<Int>? = nil) -> HugepageAllocation {
        let order = TransparentHugepage.order
        let gfp = gfp.union(.comp)
        let local = cpuNode[cpu] ?? nodeIDs[0]
        switch policy.mode {
        case .interleave, .weightedInterleave:
            let nid = policy.mode == .interleave ? offsetInterleaveNode(policy, offset: hugeOffset)
                                                 : weightedInterleaveNode(policy, index: hugeOffset)
            return HugepageAllocation(result: allocPages(gfp: gfp, order: order, policy: policy, preferredNode: nid, cpu: cpu, mems: mems),
                                      askedNode: nid, thisNodeAttemptFailed: false)
        case .preferredMany:
            var state = InterleaveState(maxNumNodes: 1)
            let nid = policyNode(policy, cpu: cpu, order: order, state: &state)
            return HugepageAllocation(result: allocPages(gfp: gfp, order: order, policy: policy, preferredNode: nid, cpu: cpu, mems: mems),
                                      askedNode: nid, thisNodeAttemptFailed: false)
        default:
            break
        }
        let hpageNode = policy.mode == .preferred ? policy.nodes[0] : local
        // policy_nodemask: BIND's nodes where the policy zone applies, else none.
        let nmask: Set<Int>? = policy.mode == .bind && applyPolicyZone(policy, gfp: gfp) ? Set(policy.nodes) : nil
        if nmask == nil || nmask!.contains(hpageNode) {
            let first = allocPages(gfp: gfp.union([.thisnode, .noretry]), order: order, preferredNode: hpageNode, nodemask: mems, cpu: cpu)
            if case .success = first { return HugepageAllocation(result: first, askedNode: hpageNode, thisNodeAttemptFailed: false) }
            guard gfp.contains(.directReclaim) else {
                return HugepageAllocation(result: first, askedNode: hpageNode, thisNodeAttemptFailed: true)
            }
            var mask = nmask ?? mems
            if let mems, let m = nmask { mask = m.isDisjoint(with: mems) ? mems : m.intersection(mems) }
            let second = allocPages(gfp: gfp, order: order, preferredNode: hpageNode, nodemask: mask, cpu: cpu)
            return HugepageAllocation(result: second, askedNode: hpageNode, thisNodeAttemptFailed: true)
        }
        var state = InterleaveState(maxNumNodes: 1)
        let nid = policyNode(policy, cpu: cpu, order: order, state: &state)
        return HugepageAllocation(result: allocPages(gfp: gfp, order: order, policy: policy, preferredNode: nid, cpu: cpu, mems: mems),
                                  askedNode: nid, thisNodeAttemptFailed: false)
    }
}
