/// kcompactd, woken by kswapd (mm/compaction.c, Linux 6.1 `wakeup_kcompactd`,
/// `kcompactd_node_suitable`, `kcompactd_do_work`; mm/vmscan.c `kswapd_try_to_sleep` calls
/// `wakeup_kcompactd(pgdat, alloc_order, highest_zoneidx)` when kswapd balanced the node and is
/// about to nap).
///
/// Simplification: numasim runs no kcompactd thread. The work a woken kcompactd would do runs
/// at once on the waking kswapd's thread (its coroutine in the deterministic engine, its
/// Dispatch queue in the concurrent one), charged to kswapd's counter row and clock; kcompactd
/// is taken to be asleep whenever it is woken. After the work kcompactd waits again with its
/// default timeout from the end of the waking kswapd iteration (`kcompactdWakeEnded`); its
/// timer and proactive compaction: PageAllocator+ProactiveCompaction.swift.
extension PageAllocator {
    /// `wakeup_kcompactd(pgdat, order, highest_zoneidx)` for node index `n`.
    public func wakeupKcompactd(nodeIndex n: Int, order: Int, highestZone hz: Int) {
        guard order > 0 else { return }
        let k = nodes[n].kcompactd
        k.lock.withLock {
            if k.maxOrder < order { k.maxOrder = order }
            if (k.highestZone ?? Int.max) > hz { k.highestZone = hz }
        }
        guard kcompactdNodeSuitable(nodeIndex: n) else { return }
        kcompactdDoWork(nodeIndex: n, row: kswapdSlot(nodeIndex: n))
        k.woken = true
    }

    /// `kcompactd_node_suitable(pgdat)`: some populated zone up to the request's highest zone
    /// where `compaction_suitable` (at the min watermark) says COMPACT_CONTINUE.
    func kcompactdNodeSuitable(nodeIndex n: Int) -> Bool {
        let (order, hzOpt) = nodes[n].kcompactd.request
        let hz = hzOpt ?? (nodes[n].zones.count - 1)
        for z in nodes[n].zones where z.index <= hz && z.managed > 0 {
            if compactionSuitable(z, order: order, allocFlags: .wmarkMin, highestZone: hz) == .continue { return true }
        }
        return false
    }

    /// `kcompactd_do_work(pgdat)`: COMPACT_DAEMON_WAKE, then each populated zone up to the
    /// request's highest zone that is neither deferred nor unsuitable gets a MIGRATE_SYNC_LIGHT
    /// `compact_zone` from the cached scanner positions; success resets the deferral, a run that
    /// completes or stops short asks every CPU to drain its pagesets (`drain_all_pages`, as a
    /// request each CPU honours at its next allocation) and defers. The scans count as
    /// `compact_daemon_{migrate,free}_scanned` too. The request is then cleared.
    public func kcompactdDoWork(nodeIndex n: Int, row: Int) {
        let k = nodes[n].kcompactd
        let (order, hzOpt) = k.request
        let hz = hzOpt ?? (nodes[n].zones.count - 1)
        vmEvents.add(.compactDaemonWake, row: row)
        for z in nodes[n].zones where z.index <= hz && z.managed > 0 {
            if z.compaction.compactionDeferred(order: order) { continue }
            if compactionSuitable(z, order: order, allocFlags: .wmarkMin, highestZone: z.index) != .continue { continue }
            var cc = CompactControl(order: order, gfp: .kernel, migrateType: GFP.kernel.migrateType(mobilityDisabled: mobilityDisabled),
                                    allocFlags: .wmarkMin, highestZone: hz, mode: .syncLight, directCompaction: false,
                                    wholeZone: false, ignoreSkipHint: false, ignoreBlockSuitable: false, row: row)
            let status = compactZone(&cc, z)
            if status == .success {
                z.compaction.deferReset(order: order, allocSuccess: false)
            } else if status == .partialSkipped || status == .complete {
                requestDrainAllPages()
                z.compaction.deferCompaction(order: order)
            }
            vmEvents.add(.compactDaemonMigrateScanned, cc.totalMigrateScanned, row: row)
            vmEvents.add(.compactDaemonFreeScanned, cc.totalFreeScanned, row: row)
        }
        k.lock.withLock {
            if k.maxOrder <= order { k.maxOrder = 0 }
            if (k.highestZone ?? Int.max) >= hz { k.highestZone = nil }
        }
    }
}
