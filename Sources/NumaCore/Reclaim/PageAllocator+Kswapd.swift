/// What one iteration of the `kswapd()` loop ended with.
public enum KswapdOutcome: Sendable, Equatable {
    /// `prepare_kswapd_sleep` holds: kswapd naps (HZ/10), then checks again at `order` and
    /// `highestZone` before its full sleep (`kswapdNapEnded`).
    case maySleep(order: Int, highestZone: Int)
    /// The node is still unbalanced (KSWAPD_HIGH_WMARK_HIT_QUICKLY counted): run again.
    case unbalanced
}

/// kswapd's reclaim logic (mm/vmscan.c 6.1: `kswapd`, `kswapd_try_to_sleep`, `wakeup_kswapd`,
/// `pgdat_balanced`, `pgdat_watermark_boosted`, `prepare_kswapd_sleep`, `balance_pgdat`,
/// `kswapd_shrink_node`, `kswapd_age_node`). The loop iteration is here, once, for both
/// engines; what is the engine's is only the thread that runs it and how long the nap lasts (a
/// loop on the node's own Dispatch queue, `KswapdLoop`, or inline in the deterministic engine).
extension PageAllocator {
    /// One iteration of `kswapd()` for node index `n`: read and clear the pending request
    /// (`kswapd_order`; `kswapd_highest_zoneidx`, keeping the classzone of the previous
    /// iteration when none is pending), `balance_pgdat`, and the first check of
    /// `kswapd_try_to_sleep` (a reclaim order below the request's means order 0).
    public func kswapdIteration(nodeIndex n: Int) -> KswapdOutcome {
        let node = nodes[n]
        let req = node.reclaim.consumeRequest()
        let hz = req.highestZone ?? node.reclaim.kswapdClasszone ?? node.highestZoneIndex
        node.reclaim.kswapdClasszone = hz
        var order = balancePgdat(nodeIndex: n, order: req.order, highestZone: hz)
        node.countKswapdRun()
        if order < req.order { order = 0 }
        if prepareKswapdSleep(nodeIndex: n, order: order, highestZone: hz) {
            // kswapd_try_to_sleep: compact for the order that was asked for (Compaction/).
            wakeupKcompactd(nodeIndex: n, order: req.order, highestZone: hz)
            return .maySleep(order: order, highestZone: hz)
        }
        vmEvents.add(.kswapdHighWmarkHitQuickly, row: kswapdSlot(nodeIndex: n))
        return .unbalanced
    }

    /// The end of kswapd's nap (`kswapd_try_to_sleep` after `schedule_timeout(HZ/10)` ran out
    /// without a wake-up): true if it may now sleep until `wakeup_kswapd`; false (counted as
    /// KSWAPD_HIGH_WMARK_HIT_QUICKLY) if the node went unbalanced meanwhile and kswapd runs again.
    public func kswapdNapEnded(nodeIndex n: Int, order: Int, highestZone hz: Int) -> Bool {
        if prepareKswapdSleep(nodeIndex: n, order: order, highestZone: hz) { return true }
        vmEvents.add(.kswapdHighWmarkHitQuickly, row: kswapdSlot(nodeIndex: n))
        return false
    }

    /// A `wakeup_kswapd` that found kswapd napping cut the nap short (`remaining > 0`):
    /// KSWAPD_LOW_WMARK_HIT_QUICKLY.
    public func kswapdWokenDuringNap(nodeIndex n: Int) {
        vmEvents.add(.kswapdLowWmarkHitQuickly, row: kswapdSlot(nodeIndex: n))
    }

    /// MAX_RECLAIM_RETRIES: after this many fruitless balance_pgdat runs a node is hopeless.
    public static let maxReclaimRetries = 16

    /// `pgdat_balanced`: any managed zone ≤ hz meets its high watermark (with boost) at `order`
    /// — its WMARK_PROMO instead while NUMA balancing is in memory-tiering mode, so kswapd
    /// keeps room for promotions.
    public func pgdatBalanced(nodeIndex n: Int, order: Int, highestZone hz: Int) -> Bool {
        var mark = -1
        let wmark: Watermark = isMemoryTieringMode ? .promo : .high
        for z in nodes[n].zones where z.index <= hz && z.managed > 0 {
            mark = z.watermarkPages(wmark)
            if z.watermarkOK(order: order, mark: mark, highestZone: hz, flags: [], free: z.nrFreePages) { return true }
        }
        return mark == -1
    }

    /// `pgdat_watermark_boosted`
    func pgdatWatermarkBoosted(nodeIndex n: Int, highestZone hz: Int) -> Bool {
        nodes[n].zones.contains { $0.index <= hz && $0.managed > 0 && $0.watermarkBoost != 0 }
    }

    /// `wakeup_kswapd(zone, gfp, order, highest_zoneidx)` for node index `n`.
    func wakeupKswapd(nodeIndex n: Int, order: Int, highestZone hz: Int, gfp: GFP) {
        let state = nodes[n].reclaim
        state.post(order: order, highestZone: hz)
        guard state.isKswapdSleeping else { return }
        if state.kswapdFailures >= PageAllocator.maxReclaimRetries ||
            (pgdatBalanced(nodeIndex: n, order: order, highestZone: hz) && !pgdatWatermarkBoosted(nodeIndex: n, highestZone: hz)) {
            return
        }
        nodes[n].countKswapdWakeup()
        kswapdWaker?(n)
    }

    /// `prepare_kswapd_sleep`
    public func prepareKswapdSleep(nodeIndex n: Int, order: Int, highestZone hz: Int) -> Bool {
        if nodes[n].reclaim.kswapdFailures >= PageAllocator.maxReclaimRetries { return true }
        return pgdatBalanced(nodeIndex: n, order: order, highestZone: hz)
    }

    /// `balance_pgdat(pgdat, order, highest_zoneidx)`: reclaim until some eligible zone meets its
    /// high watermark; returns the order it finished at. Runs on node `n`'s kswapd.
    public func balancePgdat(nodeIndex n: Int, order startOrder: Int, highestZone hz: Int) -> Int {
        let row = kswapdSlot(nodeIndex: n)
        var sc = ScanControl(nrToReclaim: 0, reclaimIdx: hz, order: startOrder, reclaimer: .kswapd, row: row, cpuSlot: nil)
        vmEvents.add(.pageoutrun, row: row)
        let eligible = nodes[n].zones.filter { $0.index <= hz && $0.managed > 0 }
        let rememberedBoost = eligible.map(\.watermarkBoost)
        var nrBoostReclaim = rememberedBoost.reduce(0, +)
        let boosted = nrBoostReclaim > 0
        restart: while true {
            for z in eligible { z.reclaimActiveAtomic.store(true, ordering: .relaxed) }
            sc.priority = ScanControl.defPriority
            var balancedOut = false
            repeat {
                let before = sc.nrReclaimed
                var raisePriority = true
                sc.reclaimIdx = hz
                let balanced = pgdatBalanced(nodeIndex: n, order: sc.order, highestZone: hz)
                if !balanced && nrBoostReclaim > 0 {
                    nrBoostReclaim = 0
                    continue restart
                }
                if nrBoostReclaim == 0 && balanced { balancedOut = true; break }
                if nrBoostReclaim > 0 && sc.priority == ScanControl.defPriority - 2 { raisePriority = false }
                sc.mayWritepage = nrBoostReclaim == 0
                sc.maySwap = nrBoostReclaim == 0
                // kswapd_age_node
                if canAgeAnon(nodeIndex: n) && inactiveIsLow(nodeIndex: n, file: false) {
                    shrinkActiveList(nodeIndex: n, .activeAnon, ScanControl.swapClusterMax, &sc)
                }
                if sc.priority < ScanControl.defPriority - 2 { sc.mayWritepage = true }
                sc.nrScanned = 0
                // kswapd_shrink_node
                sc.nrToReclaim = nodes[n].zones.reduce(0) { $0 + ($1.index <= sc.reclaimIdx && $1.managed > 0 ? max($1.watermarkPages(.high), ScanControl.swapClusterMax) : 0) }
                shrinkNode(nodeIndex: n, &sc)
                if sc.order > 0 && sc.nrReclaimed >= 2 << sc.order { sc.order = 0 }
                if sc.nrScanned >= sc.nrToReclaim { raisePriority = false }
                let delta = sc.nrReclaimed - before
                nrBoostReclaim -= min(nrBoostReclaim, delta)
                if nrBoostReclaim > 0 && delta == 0 { break }
                if raisePriority || delta == 0 { sc.priority -= 1 }
            } while sc.priority >= 1
            if !balancedOut && sc.nrReclaimed == 0 { nodes[n].reclaim.failuresAtomic.wrappingAdd(1, ordering: .relaxed) }
            break
        }
        for z in eligible { z.reclaimActiveAtomic.store(false, ordering: .relaxed) }
        if boosted {
            for (z, b) in zip(eligible, rememberedBoost) where b > 0 {
                z.lock.withLock { z.setWatermarkBoost(z.watermarkBoost - min(z.watermarkBoost, b)) }
            }
        }
        snapshotRefaults(nodeIndex: n)
        return sc.order
    }
}
