/// kswapd's reclaim logic (mm/vmscan.c 6.1: `wakeup_kswapd`, `pgdat_balanced`,
/// `pgdat_watermark_boosted`, `prepare_kswapd_sleep`, `balance_pgdat`, `kswapd_shrink_node`,
/// `kswapd_age_node`). The thread that runs it — a loop on the node's own Dispatch queue, or
/// inline in the deterministic engine — is the engine's (`KswapdLoop`).
extension PageAllocator {
    /// MAX_RECLAIM_RETRIES: after this many fruitless balance_pgdat runs a node is hopeless.
    public static let maxReclaimRetries = 16

    /// `pgdat_balanced`: any managed zone ≤ hz meets its high watermark (with boost) at `order`.
    public func pgdatBalanced(nodeIndex n: Int, order: Int, highestZone hz: Int) -> Bool {
        var mark = -1
        for z in zones[n] where z.index <= hz && z.managed > 0 {
            mark = z.watermarkPages(2)
            if z.watermarkOK(order: order, mark: mark, highestZone: hz, flags: [], free: z.nrFreePages) { return true }
        }
        return mark == -1
    }

    /// `pgdat_watermark_boosted`
    func pgdatWatermarkBoosted(nodeIndex n: Int, highestZone hz: Int) -> Bool {
        zones[n].contains { $0.index <= hz && $0.managed > 0 && $0.watermarkBoost != 0 }
    }

    /// `wakeup_kswapd(zone, gfp, order, highest_zoneidx)` for node index `n`.
    func wakeupKswapd(nodeIndex n: Int, order: Int, highestZone hz: Int, gfp: GFP) {
        let state = nodeReclaim[n]
        state.post(order: order, highestZone: hz)
        guard state.isKswapdSleeping else { return }
        if state.kswapdFailures >= PageAllocator.maxReclaimRetries ||
            (pgdatBalanced(nodeIndex: n, order: order, highestZone: hz) && !pgdatWatermarkBoosted(nodeIndex: n, highestZone: hz)) {
            return
        }
        kswapdWakeupCounts.add(n)
        kswapdWaker?(n)
    }

    /// `prepare_kswapd_sleep`
    public func prepareKswapdSleep(nodeIndex n: Int, order: Int, highestZone hz: Int) -> Bool {
        if nodeReclaim[n].kswapdFailures >= PageAllocator.maxReclaimRetries { return true }
        return pgdatBalanced(nodeIndex: n, order: order, highestZone: hz)
    }

    /// `balance_pgdat(pgdat, order, highest_zoneidx)`: reclaim until some eligible zone meets its
    /// high watermark; returns the order it finished at. Runs on node `n`'s kswapd.
    public func balancePgdat(nodeIndex n: Int, order startOrder: Int, highestZone hz: Int) -> Int {
        let row = kswapdSlot(nodeIndex: n)
        var sc = ScanControl(nrToReclaim: 0, reclaimIdx: hz, order: startOrder, reclaimer: .kswapd, row: row, cpuSlot: nil)
        vmEvents.add(.pageoutrun, row: row)
        let eligible = zones[n].filter { $0.index <= hz && $0.managed > 0 }
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
                if swap.hasFreeSlots && inactiveIsLow(nodeIndex: n, file: false, highestZone: hz) {
                    shrinkActiveList(nodeIndex: n, .activeAnon, ScanControl.swapClusterMax, &sc)
                }
                if sc.priority < ScanControl.defPriority - 2 { sc.mayWritepage = true }
                sc.nrScanned = 0
                // kswapd_shrink_node
                sc.nrToReclaim = zones[n].reduce(0) { $0 + ($1.index <= sc.reclaimIdx && $1.managed > 0 ? max($1.watermarkPages(2), ScanControl.swapClusterMax) : 0) }
                shrinkNode(nodeIndex: n, &sc)
                if sc.order > 0 && sc.nrReclaimed >= 2 << sc.order { sc.order = 0 }
                if sc.nrScanned >= sc.nrToReclaim { raisePriority = false }
                let delta = sc.nrReclaimed - before
                nrBoostReclaim -= min(nrBoostReclaim, delta)
                if nrBoostReclaim > 0 && delta == 0 { break }
                if raisePriority || delta == 0 { sc.priority -= 1 }
            } while sc.priority >= 1
            if !balancedOut && sc.nrReclaimed == 0 { nodeReclaim[n].failuresAtomic.wrappingAdd(1, ordering: .relaxed) }
            break
        }
        for z in eligible { z.reclaimActiveAtomic.store(false, ordering: .relaxed) }
        if boosted {
            for (z, b) in zip(eligible, rememberedBoost) where b > 0 {
                z.lock.withLock { z.setWatermarkBoost(z.watermarkBoost - min(z.watermarkBoost, b)) }
            }
        }
        return sc.order
    }
}
