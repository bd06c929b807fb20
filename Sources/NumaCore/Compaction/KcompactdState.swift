/// A node's kcompactd request (`pgdat->kcompactd_max_order`, `pgdat->kcompactd_highest_zoneidx`,
/// Linux 6.1): raised by `wakeup_kcompactd`, consumed by `kcompactd_do_work`. Guarded by a
/// lock: kswapd posts and runs the work on its own thread, but tests and reports read it.
public final class KcompactdState: @unchecked Sendable {
    let lock = SpinLock()
    @exclusivity(unchecked) var maxOrder = 0
    /// nil: `pgdat->nr_zones - 1` (the node's highest zone), as after a reset.
    @exclusivity(unchecked) var highestZone: Int? = nil

    public init() {}

    /// (`kcompactd_max_order`, `kcompactd_highest_zoneidx`; nil for the node's highest zone).
    public var request: (maxOrder: Int, highestZone: Int?) { lock.withLock { (maxOrder, highestZone) } }
}
