/// kcompactd's loop on the simulated clock (mm/compaction.c, Linux 6.1 `kcompactd()`,
/// `kcompactd_run`, `compaction_proactiveness_sysctl_handler`): proactive compaction.
///
/// Each node's kcompactd waits (`wait_event_freezable_timeout`) for a wake-up or for its
/// `timeout`: `default_timeout` = `msecs_to_jiffies(HPAGE_FRAG_CHECK_INTERVAL_MSEC)` (500 ms),
/// MAX_SCHEDULE_TIMEOUT (no timer at all) while `compaction_proactiveness` is 0 at the loop's
/// top. When the wait ends:
/// - woken with work requested (`kcompactd_max_order` > 0, not the sysctl trigger):
///   `kcompactd_do_work` (counted as `compact_daemon_wake`), then `timeout = default_timeout`
///   — a proactive deferral is dropped;
/// - otherwise (the timeout ran out, or the sysctl trigger): `timeout = default_timeout`, and if
///   `should_proactive_compact_node` (proactiveness on, kswapd not running, the node's score
///   above the high mark) `proactive_compact_node`; if the node's score did not go down,
///   `timeout = default_timeout << COMPACT_MAX_DEFER_SHIFT` (32 s). Neither `compact_daemon_wake`
///   nor the `compact_daemon_*_scanned` counters move (6.3 added the latter); `compact_zone`
///   counts `compact_migrate_scanned`, `compact_free_scanned`, `compact_isolated`, `pgmigrate_*`.
/// `wait_event_freezable_timeout` tests the condition once more when the timeout runs out, so a
/// request that `wakeup_kcompactd` left without waking (the node was not suitable) is worked on
/// then (`kcompactd_do_work`, counted as a wake).
///
/// The decisions are here, once; an engine only calls `kcompactdTimerExpired` when a node's
/// `kcompactdDeadline` comes on the simulated clock (while a phase runs), and
/// `kcompactdWakeEnded` after each kswapd iteration. kcompactd has no thread of its own (see
/// PageAllocator+Kcompactd.swift): its work runs on the node's kswapd thread and counter row,
/// and a wait starts when that work ends (the start time plus the work priced on the row).
extension PageAllocator {
    /// HPAGE_FRAG_CHECK_INTERVAL_MSEC
    public static let hpageFragCheckIntervalMsec = 500

    /// `default_timeout` = `msecs_to_jiffies(HPAGE_FRAG_CHECK_INTERVAL_MSEC)` jiffies (125 at
    /// HZ=250), in ns: 500 ms.
    public static let kcompactdDefaultTimeoutNs = Int(Jiffies.fromMilliseconds(hpageFragCheckIntervalMsec)) * Jiffies.tickNanoseconds

    /// `default_timeout << COMPACT_MAX_DEFER_SHIFT` in ns: 64 × 500 ms = 32 s.
    public static let kcompactdDeferredTimeoutNs = kcompactdDefaultTimeoutNs << ZoneCompactionState.maxDeferShift

    /// `vm.compaction_proactiveness`
    public var compactionProactiveness: Int { machine.topology.sysctl.compactionProactiveness }

    /// `kcompactd_run` for every node (`kcompactd_init` at boot): each kcompactd starts its
    /// loop at `nowNs` with `timeout = default_timeout`. Without it (an allocator no engine
    /// runs) no kcompactd has a timer.
    public func kcompactdRun(nowNs: Int = 0) {
        for n in nodes.indices {
            nodes[n].kcompactd.timeoutNs = PageAllocator.kcompactdDefaultTimeoutNs
            kcompactdWait(nodeIndex: n, nowNs: nowNs)
        }
    }

    /// When node index `n`'s kcompactd's wait runs out (nil: no timer).
    public func kcompactdDeadline(nodeIndex n: Int) -> Int? { nodes[n].kcompactd.deadline }

    /// The top of `kcompactd()`'s loop at `nowNs`: no timer while proactiveness is 0
    /// (`timeout = MAX_SCHEDULE_TIMEOUT`), else the wait runs out `timeout` from now.
    func kcompactdWait(nodeIndex n: Int, nowNs: Int) {
        let k = nodes[n].kcompactd
        if compactionProactiveness == 0 { k.timeoutNs = nil }
        k.deadlineAtomic.store(k.timeoutNs.map { nowNs &+ $0 } ?? Int.max, ordering: .releasing)
    }

    /// Node index `n`'s kcompactd's timeout ran out at `nowNs`: the work the wait's end leads
    /// to, then the next wait. Returns the new deadline (nil: no timer).
    @discardableResult
    public func kcompactdTimerExpired(nodeIndex n: Int, nowNs: Int) -> Int? {
        let k = nodes[n].kcompactd
        let row = kswapdSlot(nodeIndex: n)
        let work = workNanoseconds(row: row)
        k.timerExpiries += 1
        if k.request.maxOrder > 0 {
            // kcompactd_work_requested() holds as the timeout ends: the wait returns 1.
            kcompactdDoWork(nodeIndex: n, row: row)
            k.timeoutNs = PageAllocator.kcompactdDefaultTimeoutNs
        } else {
            kcompactdProactivePass(nodeIndex: n, row: row)
        }
        kcompactdWait(nodeIndex: n, nowNs: nowNs &+ (workNanoseconds(row: row) &- work))
        return k.deadline
    }

    /// A kswapd iteration of node index `n` ended at `nowNs` (kswapd's clock): if it woke
    /// kcompactd (`kcompactd_do_work` ran), kcompactd's wait restarts now with
    /// `timeout = default_timeout`. Returns true if the deadline changed.
    public func kcompactdWakeEnded(nodeIndex n: Int, nowNs: Int) -> Bool {
        let k = nodes[n].kcompactd
        guard k.woken else { return false }
        k.woken = false
        k.timeoutNs = PageAllocator.kcompactdDefaultTimeoutNs
        kcompactdWait(nodeIndex: n, nowNs: nowNs)
        return true
    }

    /// `compaction_proactiveness_sysctl_handler`: a sysctl step that wrote
    /// `compaction_proactiveness` (`assignments` as `NAME=VALUE`) with a value other than 0 sets
    /// every node's `proactive_compact_trigger` and wakes its kcompactd, which at once makes the
    /// proactive pass (not `kcompactd_do_work`: the trigger skips it), then — a request being
    /// pending makes the next wait return at once — `kcompactd_do_work`, and waits again.
    /// Between phases, at `nowNs`; the work is charged to each node's kswapd row.
    public func compactionSysctlsWritten(_ assignments: [String], nowNs: Int) {
        let wrote = assignments.contains { s in
            let name = s.split(separator: "=", maxSplits: 1).first.map(String.init) ?? s
            return (name.hasPrefix("vm.") ? String(name.dropFirst(3)) : name) == "compaction_proactiveness"
        }
        guard wrote, compactionProactiveness != 0 else { return }
        for n in nodes.indices {
            let k = nodes[n].kcompactd
            let row = kswapdSlot(nodeIndex: n)
            let work = workNanoseconds(row: row)
            kcompactdProactivePass(nodeIndex: n, row: row)
            if k.request.maxOrder > 0 {
                kcompactdDoWork(nodeIndex: n, row: row)
                k.timeoutNs = PageAllocator.kcompactdDefaultTimeoutNs
            }
            k.woken = false
            kcompactdWait(nodeIndex: n, nowNs: nowNs &+ (workNanoseconds(row: row) &- work))
        }
    }

    /// The proactive half of `kcompactd()`'s loop: `timeout = default_timeout`; if
    /// `should_proactive_compact_node`, `proactive_compact_node` between two
    /// `fragmentation_score_node` readings, deferring by `default_timeout <<
    /// COMPACT_MAX_DEFER_SHIFT` when the score did not go down.
    func kcompactdProactivePass(nodeIndex n: Int, row: Int) {
        let k = nodes[n].kcompactd
        k.timeoutNs = PageAllocator.kcompactdDefaultTimeoutNs
        guard shouldProactiveCompactNode(nodeIndex: n) else { return }
        let prevScore = fragmentationScoreNode(nodeIndex: n)
        proactiveCompactNode(nodeIndex: n, row: row)
        k.proactiveRuns += 1
        if fragmentationScoreNode(nodeIndex: n) >= prevScore { k.timeoutNs = PageAllocator.kcompactdDeferredTimeoutNs }
    }

    /// `kswapd_is_running(pgdat)`: the node's kswapd is not asleep (in the kernel: not blocked in
    /// `kswapd_try_to_sleep`'s nap or sleep, TASK_RUNNING).
    func kswapdIsRunning(nodeIndex n: Int) -> Bool { !nodes[n].reclaim.isKswapdSleeping }
}
