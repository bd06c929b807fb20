import NumaTopology
import Synchronization

/// One NUMA node of the running allocator: the kernel's `struct pglist_data` (`pg_data_t`,
/// include/linux/mmzone.h, Linux 6.1).
///
/// It owns what the kernel keeps per node: `node_zones` (every MAX_NR_ZONES zone, populated or
/// not, each with its buddy lists and per-CPU pagesets), `__lruvec` (the node's LRU lists, `lruvec`), the reclaim and kswapd fields
/// (`kswapd_order`, `kswapd_highest_zoneidx`, `kswapd_failures`, `kswapd_wait`,
/// `PGDAT_RECLAIM_LOCKED`, NR_FILE_DIRTY) in `reclaim`, its `node_zonelists`, and the node's
/// row of the SLIT. The zonelists are rebuilt for all nodes at once, as `build_all_zonelists`
/// does (`PageAllocator.zonelists`), and each node keeps its own two.
///
/// Inside the core a node is addressed by its `index` (its position in `PageAllocator.nodes`);
/// node ids, which may be sparse, appear only at the edges (`nodeID`, reports, policies).
/// Thread safety: the zones carry their own locks, the reclaim fields are atomics; the rest is
/// fixed at boot.
public final class PGData: @unchecked Sendable {
    /// `node_id`
    public let nodeID: Int
    /// Position in `PageAllocator.nodes`.
    public let index: Int
    /// `node_zones[MAX_NR_ZONES]`, by zone index (`ZoneType`).
    public let zones: [Zone]
    /// The reclaim fields of `pg_data_t` (kswapd request, failures, sleep state, dirty pages).
    public let reclaim: NodeReclaimState
    /// The promotion fields (`nbp_*`, PGPROMOTE_* node statistics) of NUMA balancing.
    public let promotion = NodePromotionState()
    /// `__lruvec`: the node's LRU lists, `lru_lock` and `nonresident_age`.
    public let lruvec: LRUVec
    /// kcompactd's pending request (`kcompactd_max_order`, `kcompactd_highest_zoneidx`).
    public let kcompactd = KcompactdState()
    /// `node_zonelists[ZONELIST_FALLBACK]`: every node's zones in this node's fallback order, as
    /// the last `build_all_zonelists` left them (the allocator's flat tables are built from it).
    public internal(set) var zonelistFallback: [ZoneRef] = []
    /// `node_zonelists[ZONELIST_NOFALLBACK]`: this node's own zones (`__GFP_THISNODE`).
    public internal(set) var zonelistNoFallback: [ZoneRef] = []
    /// `node_distance(nodeID, other)` by the other node's index (this node's SLIT row).
    let distances: [Int]
    /// ZONE_DMA32 has pages on this node (`alloc_flags_nofragment` asks).
    let dma32Populated: Bool
    /// `wakeup_kswapd` calls that passed its checks (any CPU wakes any node: atomic).
    let kswapdWakeupsAtomic = Atomic<Int>(0)
    /// `balance_pgdat` runs (kswapd's `pageoutrun`, per node).
    let kswapdRunsAtomic = Atomic<Int>(0)

    init(nodeID: Int, index: Int, zones: [Zone], distances: [Int], dma32Populated: Bool) {
        self.nodeID = nodeID
        self.index = index
        self.zones = zones
        self.distances = distances
        self.dma32Populated = dma32Populated
        reclaim = NodeReclaimState(maxNrZones: zones.count)
        lruvec = LRUVec(zones: zones)
    }

    /// `node_distance(nodeID, nodes[other].nodeID)`.
    @inline(__always) public func distance(toIndex other: Int) -> Int { distances[other] }

    /// `wakeup_kswapd` calls that woke (or found awake) this node's kswapd.
    public var kswapdWakeups: Int { kswapdWakeupsAtomic.load(ordering: .relaxed) }
    /// `balance_pgdat` runs so far.
    public var kswapdRuns: Int { kswapdRunsAtomic.load(ordering: .relaxed) }
    func countKswapdWakeup() { kswapdWakeupsAtomic.wrappingAdd(1, ordering: .relaxed) }
    func countKswapdRun() { kswapdRunsAtomic.wrappingAdd(1, ordering: .relaxed) }

    /// The highest zone index (MAX_NR_ZONES - 1): kswapd's classzone before its first request.
    public var highestZoneIndex: Int { zones.count - 1 }
}
