import NumaTopology

/// The running machine's memory tiers for the code that demotes and promotes pages
/// (mm/vmscan.c `demote_folio_list`: `next_demotion_node`, `node_get_allowed_targets`;
/// kernel/sched/fair.c: `node_is_toptier`). Node ids, as the kernel's nodemasks hold them.
extension PageAllocator {
    /// As established at boot and after the last hotplug step that changed N_MEMORY.
    public var memoryTiers: MemoryTiers { machine.memoryTiers }

    /// `node_demotion[id].preferred` and the tier's `lower_tier_mask`.
    public func demotionTargets(ofNode id: Int) -> (preferred: [Int], fallback: [Int]) {
        machine.memoryTiers.demotionTargets(of: id)
    }

    /// `node_is_toptier(id)`.
    public func isTopTier(node id: Int) -> Bool { machine.memoryTiers.isTopTier(id) }
}
