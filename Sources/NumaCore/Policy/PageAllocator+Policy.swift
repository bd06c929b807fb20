/// From a memory policy to `__alloc_pages` (mm/mempolicy.c 6.1: `alloc_pages`, `vma_alloc_folio`,
/// `policy_node`, `policy_nodemask`, `apply_policy_zone`, `interleave_nodes`, `offset_il_node`,
/// `alloc_page_interleave`, `alloc_pages_preferred_many`; weighted interleave as 6.12).
extension PageAllocator {
    /// Allocates as a task running on `cpu` with policy `policy` would.
    /// `interleaveIndex`: for VMA allocations, the page offset in the mapping (`vm_pgoff` +
    /// offset, which for private anonymous memory is the virtual page number); nil for task
    /// allocations (`alloc_pages`), which use the task's interleave counter `state`.
    public func allocPages(gfp: GFP, order: Int, policy: MemPolicy, cpu: Int,
                           state: inout InterleaveState, interleaveIndex: Int? = nil) -> Result<AllocatedBlock, AllocFailure> {
        let nid = policyNode(policy, cpu: cpu, order: order, state: &state, interleaveIndex: interleaveIndex)
        return allocPages(gfp: gfp, order: order, policy: policy, preferredNode: nid, cpu: cpu)
    }

    /// The `preferred_nid` policy `policy` hands to `__alloc_pages` for a task on `cpu`
    /// (`policy_node`; for interleave `interleave_nodes`, which advances the task's counter
    /// `state`, or `offset_il_node` for a VMA offset; 6.12's weighted interleave likewise).
    /// Callers that report "the node asked for" use this node: numastat's numa_miss is counted
    /// against it.
    public func policyNode(_ policy: MemPolicy, cpu: Int, order: Int, state: inout InterleaveState,
                           interleaveIndex: Int? = nil) -> Int {
        let local = cpuNode[cpu] ?? nodeIDs[0]
        switch policy.mode {
        case .default, .local:
            return local
        case .preferred:
            return policy.nodes[0]
        case .bind, .preferredMany:
            return policy.homeNode ?? local
        case .interleave:
            if let index = interleaveIndex { return offsetInterleaveNode(policy, offset: index >> order) }
            let nid = policy.nextNode(after: state.ilPrev)
            state.ilPrev = nid
            return nid
        case .weightedInterleave:
            if let index = interleaveIndex { return weightedInterleaveNode(policy, index: index >> order) }
            var node = state.ilPrev
            if state.ilWeight == 0 || !policy.nodes.contains(node) {
                node = policy.nextNode(after: node)
                state.ilPrev = node
                state.ilWeight = policy.weight(node)
            }
            state.ilWeight -= 1
            return node
        }
    }

    /// `__alloc_pages` with `policy`'s nodemask and zone rules, from `nid` (the node
    /// `policyNode` chose): `alloc_pages`, `alloc_page_interleave` (NUMA_INTERLEAVE_HIT),
    /// `alloc_pages_preferred_many` (first pass without reclaim on the policy nodes only).
    ///
    /// `mems`: the task's cpuset `mems_allowed` when cpusets are enabled (nil otherwise). As
    /// `prepare_alloc_pages` does, it becomes the nodemask of an allocation whose policy gives
    /// none (`policy_nodemask` returns one only for BIND within the policy zone, and
    /// PREFERRED_MANY's first pass); a policy's own nodes are already within it (`mpol_set_nodemask`,
    /// `mpol_rebind_task`). Without `mems` the order-0 fast path is untouched.
    public func allocPages(gfp: GFP, order: Int, policy: MemPolicy, preferredNode nid: Int, cpu: Int,
                           mems: Set<Int>? = nil) -> Result<AllocatedBlock, AllocFailure> {
        switch policy.mode {
        case .default, .local, .preferred:
            guard let mems else { return allocPages(gfp: gfp, order: order, preferredNode: nid, cpu: cpu) }
            return allocPages(gfp: gfp, order: order, preferredNode: nid, nodemask: mems, cpu: cpu)
        case .bind:
            // policy_nodemask: the nodes only if they intersect the cpuset
            // (`cpuset_nodemask_valid_mems_allowed`); get_page_from_freelist's cpuset check
            // (ALLOC_CPUSET, hardwall) then keeps the walk within mems_allowed.
            var mask = applyPolicyZone(policy, gfp: gfp) ? Set(policy.nodes) : mems
            if let mems, let m = mask { mask = m.isDisjoint(with: mems) ? mems : m.intersection(mems) }
            return allocPages(gfp: gfp, order: order, preferredNode: nid, nodemask: mask, cpu: cpu)
        case .preferredMany:
            var first = gfp
            first.insert(.nowarn)
            first.subtract([.directReclaim, .nofail])
            if case .success(let b) = allocPages(gfp: first, order: order, preferredNode: nid, nodemask: Set(policy.nodes), cpu: cpu) {
                return .success(b)
            }
            return allocPages(gfp: gfp, order: order, preferredNode: nid, nodemask: mems, cpu: cpu)
        case .interleave:
            return allocPages(gfp: gfp, order: order, preferredNode: nid, nodemask: mems, cpu: cpu, interleaveTarget: nid)
        case .weightedInterleave:
            // 6.12 does not count NUMA_INTERLEAVE_HIT for weighted interleave.
            return allocPages(gfp: gfp, order: order, preferredNode: nid, nodemask: mems, cpu: cpu)
        }
    }

    /// `apply_policy_zone`: BIND's nodemask applies only to allocations that may use the policy
    /// zone (Normal on x86_64), or Movable when the nodes have only movable memory.
    func applyPolicyZone(_ policy: MemPolicy, gfp: GFP) -> Bool {
        guard let zone = gfp.zone(arch: machine.topology.arch) else { return false }
        var dynamic = machine.policyZone
        let movable = machine.movableIndex
        let hasKernelMemory = policy.nodes.contains { id in
            (machine.zones[id] ?? []).contains { $0.isPopulated && $0.index != movable }
        }
        if !hasKernelMemory { dynamic = movable }
        return zone >= dynamic
    }

    /// `offset_il_node` with 6.1's 32-bit offset: the (off mod n)-th policy node.
    func offsetInterleaveNode(_ policy: MemPolicy, offset: Int) -> Int {
        let n = policy.nodes.count
        let off = Int(UInt32(truncatingIfNeeded: offset))
        return policy.nodes[off % n]
    }

    /// `weighted_interleave_nid`: walk the nodes subtracting weights from index mod total.
    func weightedInterleaveNode(_ policy: MemPolicy, index: Int) -> Int {
        let total = policy.nodes.reduce(0) { $0 + policy.weight($1) }
        var target = index % total
        for node in policy.nodes {
            let w = policy.weight(node)
            if target < w { return node }
            target -= w
        }
        return policy.nodes[0]
    }
}
