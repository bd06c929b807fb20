import Synchronization

/// A node's kcompactd (Linux 6.1): its request (`pgdat->kcompactd_max_order`,
/// `pgdat->kcompactd_highest_zoneidx`), raised by `wakeup_kcompactd` and consumed by
/// `kcompactd_do_work`, and the state of the `kcompactd()` loop's wait — its `timeout` variable
/// and when the current `wait_event_freezable_timeout` runs out on the simulated clock.
///
/// The request is guarded by a lock: kswapd posts and runs the work on its own thread, but tests
/// and reports read it. The loop's fields are touched only by the thread kcompactd's work runs
/// on (the node's kswapd: its coroutine or its Dispatch queue) or between phases; the deadline
/// is atomic because the concurrent engine's host threads read it to see when it is due.
public final class KcompactdState: @unchecked Sendable {
    let lock = SpinLock()
    @exclusivity(unchecked) var maxOrder = 0
    /// nil: `pgdat->nr_zones - 1` (the node's highest zone), as after a reset.
    @exclusivity(unchecked) var highestZone: Int? = nil

    /// `kcompactd()`'s `timeout` in simulated ns: `default_timeout`, or `default_timeout <<
    /// COMPACT_MAX_DEFER_SHIFT` after a proactive run that did not lower the score; nil for
    /// MAX_SCHEDULE_TIMEOUT (set at the loop's top while `compaction_proactiveness` is 0, kept
    /// until a wake-up's work or a proactive pass sets it back).
    @exclusivity(unchecked) var timeoutNs: Int? = PageAllocator.kcompactdDefaultTimeoutNs
    /// `wakeup_kcompactd` ran `kcompactd_do_work` inside a kswapd iteration: the wait restarts
    /// when that iteration ends (`kcompactdWakeEnded`), at kswapd's clock.
    @exclusivity(unchecked) var woken = false
    /// Timeouts that ran out (`kcompactdTimerExpired`) and proactive passes run
    /// (`proactive_compact_node`); the kernel counts neither, numasim's tests and reports read them.
    @exclusivity(unchecked) public internal(set) var timerExpiries = 0
    @exclusivity(unchecked) public internal(set) var proactiveRuns = 0
    /// When the current wait runs out, in simulated ns (Int.max: no timer, or kcompactd not
    /// started: `kcompactdRun`).
    let deadlineAtomic = Atomic<Int>(Int.max)

    public init() {}

    /// (`kcompactd_max_order`, `kcompactd_highest_zoneidx`; nil for the node's highest zone).
    public var request: (maxOrder: Int, highestZone: Int?) { lock.withLock { (maxOrder, highestZone) } }

    /// The end of the current wait (nil: none pending).
    public var deadline: Int? {
        let d = deadlineAtomic.load(ordering: .acquiring)
        return d == Int.max ? nil : d
    }
}
