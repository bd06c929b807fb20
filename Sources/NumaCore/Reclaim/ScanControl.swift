/// `struct scan_control` (mm/vmscan.c): one reclaim pass's parameters and results.
public struct ScanControl: Sendable {
    /// DEF_PRIORITY: scan 1/4096 of each list first.
    public static let defPriority = 12
    /// SWAP_CLUSTER_MAX
    public static let swapClusterMax = 32

    public enum Reclaimer: Sendable, Equatable { case kswapd, direct, node }

    public var nrToReclaim: Int
    public var reclaimIdx: Int
    public var order: Int
    public var priority: Int = ScanControl.defPriority
    public var mayWritepage = true
    public var mayUnmap = true
    public var maySwap = true
    public var nrScanned = 0
    public var nrReclaimed = 0
    public var reclaimer: Reclaimer
    /// The counter row (a CPU for direct and node reclaim, the node's kswapd row for kswapd).
    public var row: Int
    /// The pageset to free reclaimed pages into (`free_unref_page_list` on this CPU); nil: buddy.
    public var cpuSlot: Int?
    /// `sc->target_mem_cgroup`: the memory cgroup a limit reclaim works for (its index in
    /// `PageAllocator.memcgs`); 0 for global reclaim.
    public var targetMemcg = 0
    /// Global reclaim with memory cgroups: the memcgs whose pages this `shrink_node` leaves
    /// alone (below `memory.min`, or below `memory.low` while not `memcgLowReclaim`), by index.
    public var protectedMemcgs: Set<Int> = []
    /// `sc->memcg_low_reclaim`: a retry that may reclaim below `memory.low`.
    public var memcgLowReclaim = false
    /// `sc->memcg_low_skipped`: a memcg was left alone for its `memory.low`.
    public var memcgLowSkipped = false

    public init(nrToReclaim: Int, reclaimIdx: Int, order: Int, reclaimer: Reclaimer, row: Int, cpuSlot: Int?) {
        self.nrToReclaim = nrToReclaim
        self.reclaimIdx = reclaimIdx
        self.order = order
        self.reclaimer = reclaimer
        self.row = row
        self.cpuSlot = cpuSlot
    }
}
