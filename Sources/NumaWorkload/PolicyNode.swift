import NumaCore

/// The `preferred_nid` a memory policy hands to `__alloc_pages` (mm/mempolicy.c 6.1:
/// `policy_node`, `interleave_nodes`, `offset_il_node`; weighted interleave as 6.12's
/// `weighted_interleave_nid`), worked out after the allocation from the task's interleave state
/// so the allocator's path is not touched. Must follow `PageAllocator.allocPages(gfp:order:policy:…)`.
extension MemPolicy {
    /// `local`: the node of the CPU the task ran on. `state`: the interleave state *after* the
    /// call (task interleave advanced it to the node it used). `index`: the VMA page offset.
    func askingNode(local: Int, state: InterleaveState, interleaveIndex: Int?, order: Int) -> Int {
        switch mode {
        case .default, .local: return local
        case .preferred: return nodes[0]
        case .bind, .preferredMany: return homeNode ?? local
        case .interleave:
            guard let index = interleaveIndex else { return state.ilPrev }
            let off = Int(UInt32(truncatingIfNeeded: index >> order))
            return nodes[off % nodes.count]
        case .weightedInterleave:
            guard let index = interleaveIndex else { return state.ilPrev }
            let total = nodes.reduce(0) { $0 + weight($1) }
            var target = (index >> order) % total
            for node in nodes {
                if target < weight(node) { return node }
                target -= weight(node)
            }
            return nodes[0]
        }
    }
}
