/// `memory.high` (mm/memcontrol.c, Linux 6.1: `mem_cgroup_handle_over_high`, `reclaim_high`,
/// `calculate_overage`, `calculate_high_delay`): a task that charged pages while its memcg was
/// above `memory.high` reclaims from it on its way back to user space and, if that does not
/// bring the memcg back, sleeps — on the simulated clock, a penalty growing with the square of
/// the overage.
extension PageAllocator {
    /// MEMCG_DELAY_PRECISION_SHIFT, MEMCG_DELAY_SCALING_SHIFT, MEMCG_CHARGE_BATCH.
    static let memcgDelayPrecisionShift = 20
    static let memcgDelayScalingShift = 14
    static let memcgChargeBatch = 64
    /// MEMCG_MAX_HIGH_DELAY_JIFFIES: 2 × HZ.
    static let memcgMaxHighDelayJiffies = 2 * Jiffies.hz

    /// `calculate_overage(usage, high)`: (usage − high) / high in 2^-20 units; 0 at or below high.
    static func memcgOverage(usage: Int, high: Int) -> Int {
        guard usage > high else { return 0 }
        let h = Swift.max(high, 1)
        return ((usage - h) << memcgDelayPrecisionShift) / h
    }

    /// `calculate_high_delay(memcg, nr_pages, max_overage)`: overage² × HZ, scaled down by
    /// 2^(20+14), times the task's share of a nominal charge batch (nr_pages / 64).
    static func memcgHighDelay(pages n: Int, overage: Int) -> Int {
        guard overage > 0 else { return 0 }
        var penalty = overage.multipliedReportingOverflow(by: overage).partialValue.multipliedReportingOverflow(by: Jiffies.hz)
        if penalty.overflow { penalty.partialValue = Int.max }
        let jiffies = (penalty.partialValue >> memcgDelayPrecisionShift) >> memcgDelayScalingShift
        return jiffies * n / memcgChargeBatch
    }

    /// `mem_cgroup_handle_over_high` after `n` pages were charged to `m` above its `memory.high`:
    /// `reclaim_high` (MEMCG_HIGH, reclaim of `n` pages from the memcg, then SWAP_CLUSTER_MAX on
    /// each retry); a penalty of at most 2 s; none at or below HZ/100 jiffies; while reclaim
    /// progresses, or for MAX_RECLAIM_RETRIES more rounds, reclaim again instead of sleeping;
    /// then the sleep, counted on the CPU's row as sleeping work (`schedule_timeout_killable`).
    func handleOverHigh(_ m: MemCgroup, pages n: Int, gfp: GFP, cpu: Int) {
        guard m.high != Int.max, m.current > m.high, gfp.contains(.directReclaim) else { return }
        var retries = PageAllocator.maxReclaimRetries
        var inRetry = false
        while true {
            var reclaimed = 0
            if m.current > m.high {
                m.count(.high)
                reclaimed = tryToFreeMemCgroupPages(m, pages: inRetry ? ScanControl.swapClusterMax : n, gfp: gfp, cpu: cpu)
            }
            let penalty = min(PageAllocator.memcgHighDelay(pages: n, overage: PageAllocator.memcgOverage(usage: m.current, high: m.high)),
                              PageAllocator.memcgMaxHighDelayJiffies)
            if penalty <= Jiffies.hz / 100 { return }
            if reclaimed > 0 { inRetry = true; continue }
            if retries > 0 { retries -= 1; inRetry = true; continue }
            vmEvents.add(.workSleepNanoseconds, penalty * costs[.jiffy], row: slot(ofCPU: cpu))
            m.addHighThrottle(jiffies: penalty)
            return
        }
    }
}
