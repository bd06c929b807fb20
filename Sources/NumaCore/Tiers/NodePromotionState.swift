/// The NUMA-balancing promotion fields of `pg_data_t` (include/linux/mmzone.h, 6.1, under
/// CONFIG_NUMA_BALANCING): the rate-limit window (`nbp_rl_start`, `nbp_rl_nr_cand`), the hot
/// threshold's adjustment window (`nbp_th_start`, `nbp_th_nr_cand`) and the threshold itself
/// (`nbp_threshold`, 0 = the sysctl's), and the node's PGPROMOTE_SUCCESS and
/// PGPROMOTE_CANDIDATE node statistics. Times are `jiffies_to_msecs` values (u32, wrapping).
///
/// Used by process phases, which only the deterministic engine runs (one host thread).
public final class NodePromotionState: @unchecked Sendable {
    var rateLimitStart: UInt32 = 0
    var rateLimitCandidates = 0
    var thresholdStart: UInt32 = 0
    var thresholdCandidates = 0
    /// `nbp_threshold` in ms (0: use `numa_balancing_hot_threshold_ms`).
    public internal(set) var threshold: UInt32 = 0
    /// PGPROMOTE_CANDIDATE: pages that passed the hot-threshold test while the node was short of
    /// free space (counted before the rate limit decides).
    public internal(set) var candidates = 0
    /// PGPROMOTE_SUCCESS: pages migrated to this (top-tier) node from a lower tier.
    public internal(set) var promoted = 0
    /// Not kernel state: PGPROMOTE_SUCCESS when the current rate-limit window began, and the
    /// most pages promoted in one window so far (what the rate limit bounds, checked by tests;
    /// promotions while the node has plenty of free space are not rate-limited by the kernel
    /// and count in whatever window is open).
    var windowPromotedStart = 0
    var maxWindowPromoted = 0
    public var maxPromotedPerWindow: Int { max(maxWindowPromoted, promoted - windowPromotedStart) }

    init() {}
}
