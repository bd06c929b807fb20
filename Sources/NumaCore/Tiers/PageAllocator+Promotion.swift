import NumaTopology

/// The node side of NUMA-balancing page migration, Linux 6.1: kernel/sched/fair.c
/// `should_numa_migrate_memory`'s memory-tiering branch (`pgdat_free_space_enough`,
/// `numa_promotion_adjust_threshold`, `numa_promotion_rate_limit`, `numa_hint_fault_latency`)
/// and mm/migrate.c `migrate_misplaced_page` (`migrate_balanced_pgdat`,
/// `numamigrate_isolate_page`, `alloc_misplaced_dst_page`). The process side — PTE scanning,
/// hinting faults, the two-reference filter — is NumaProcess's (`SimulatedProcess+NumaFault`).
/// Times are `jiffies_to_msecs` values, u32 and wrapping, as the kernel keeps them.
extension PageAllocator {
    /// `sysctl_numa_balancing_mode & NUMA_BALANCING_MEMORY_TIERING`.
    public var isMemoryTieringMode: Bool { numaBalancingMode & TieringSysctls.memoryTieringBit != 0 }
    /// `nr_cpu_ids`: the highest possible CPU id plus one. O(CPUs).
    public var nrCPUIDs: Int { (cpus.max() ?? 0) + 1 }

    /// N_CPU: the nodes with CPUs. O(nodes).
    public var nodesWithCPUs: Set<Int> { Set(machine.topology.nodes.filter { !$0.cpus.isEmpty }.map(\.id)) }

    /// `sysctl_numa_balancing_mode & NUMA_BALANCING_NORMAL`.
    public var isNormalBalancingMode: Bool { numaBalancingMode & 1 != 0 }

    /// `pgdat_free_space_enough`: some zone of the node, from the highest down, has its
    /// WMARK_PROMO plus max(1 GiB, 4 % of the node's present pages) free (`zone_watermark_ok`
    /// at order 0 for ZONE_MOVABLE). Then promotion needs neither threshold nor rate limit.
    public func pgdatFreeSpaceEnough(nodeIndex n: Int) -> Bool {
        let present = machine.zones[nodeIDs[n]]?.reduce(0) { $0 + $1.present } ?? 0
        let enough = max((1 << 30) >> 12, present * 4 / 100)
        let movable = arch.zoneTypes.firstIndex(of: .movable) ?? (nodes[n].zones.count - 1)
        for z in nodes[n].zones.reversed() where z.managed > 0 {
            if z.watermarkOK(order: 0, mark: z.watermarkPages(.promo) + enough, highestZone: movable, flags: [], free: z.nrFreePages) {
                return true
            }
        }
        return false
    }

    /// The memory-tiering branch of `should_numa_migrate_memory` for a lower-tier page whose
    /// hinting fault happened on a CPU of node index `n`: promote if `n` has plenty of free
    /// space (and reset its threshold); else adjust the threshold (every scan_period_max,
    /// towards the rate limit), read the page's hint-fault latency (`latencyMs`, which stamps
    /// the page: `numa_hint_fault_latency`), and promote a hot page (latency under the
    /// threshold) if the rate limit allows.
    public func shouldPromote(toNodeIndex n: Int, nowMs: UInt32, cpu: Int, nrPages: Int = 1, latencyMs: () -> UInt32) -> Bool {
        let p = nodes[n].promotion
        if pgdatFreeSpaceEnough(nodeIndex: n) {
            p.threshold = 0
            return true
        }
        let s = machine.topology.sysctl.tiering
        let defTh = UInt32(truncatingIfNeeded: s.hotThresholdMs)
        let rateLimit = s.promoteRateLimitMBps << (20 - 12)
        adjustPromotionThreshold(p, rateLimit: rateLimit, refTh: defTh, nowMs: nowMs, periodMaxMs: s.scanPeriodMaxMs)
        let th = p.threshold != 0 ? p.threshold : defTh
        if latencyMs() >= th { return false }
        return !promotionRateLimited(p, rateLimit: rateLimit, nrPages: nrPages, nowMs: nowMs, cpu: cpu)
    }

    /// `numa_promotion_rate_limit`: counts the candidate (PGPROMOTE_CANDIDATE), restarts the
    /// one-second window when more than MSEC_PER_SEC passed, and refuses once the window's
    /// candidates reach the limit.
    func promotionRateLimited(_ p: NodePromotionState, rateLimit: Int, nrPages: Int, nowMs: UInt32, cpu: Int) -> Bool {
        p.candidates += nrPages
        count(.pgpromoteCandidate, nrPages, cpu: cpu)
        if nowMs &- p.rateLimitStart > 1000 {
            p.rateLimitStart = nowMs
            p.rateLimitCandidates = p.candidates
            p.maxWindowPromoted = max(p.maxWindowPromoted, p.promoted - p.windowPromotedStart)
            p.windowPromotedStart = p.promoted
        }
        return p.candidates - p.rateLimitCandidates >= rateLimit
    }

    /// `numa_promotion_adjust_threshold` (NUMA_MIGRATION_ADJUST_STEPS 16): once per
    /// scan_period_max, lower the threshold a step if the window saw over 110 % of the
    /// candidates the rate limit allows, raise it (to at most twice the sysctl) under 90 %.
    func adjustPromotionThreshold(_ p: NodePromotionState, rateLimit: Int, refTh: UInt32, nowMs: UInt32, periodMaxMs: Int) {
        let thPeriod = UInt32(truncatingIfNeeded: periodMaxMs)
        guard nowMs &- p.thresholdStart > thPeriod else { return }
        p.thresholdStart = nowMs
        let refCand = rateLimit * periodMaxMs / 1000
        let diffCand = p.candidates - p.thresholdCandidates
        let unitTh = refTh &* 2 / 16
        var th = p.threshold != 0 ? p.threshold : refTh
        if diffCand > refCand * 11 / 10 {
            th = max(th &- unitTh, unitTh)
        } else if diffCand < refCand * 9 / 10 {
            th = min(th &+ unitTh, refTh &* 2)
        }
        p.thresholdCandidates = p.candidates
        p.threshold = th
    }

    /// `migrate_balanced_pgdat`: some managed zone of the node keeps its high watermark after
    /// `nrPages` more are taken (checked before a misplaced page is isolated, "avoid migrating
    /// to a node that is nearly full").
    public func migrateBalancedPgdat(nodeIndex n: Int, nrPages: Int) -> Bool {
        let movable = arch.zoneTypes.firstIndex(of: .movable) ?? (nodes[n].zones.count - 1)
        for z in nodes[n].zones.reversed() where z.managed > 0 {
            if z.watermarkOK(order: 0, mark: z.watermarkPages(.high) + nrPages, highestZone: movable, flags: [], free: z.nrFreePages) {
                return true
            }
        }
        return false
    }

    /// `numamigrate_isolate_page`'s answer to a nearly full target in memory-tiering mode:
    /// `wakeup_kswapd` on its highest managed zone (order 0, classzone ZONE_MOVABLE), so
    /// kswapd demotes cold pages and makes room for the next promotions.
    public func wakeKswapdForPromotion(nodeIndex n: Int) {
        guard let z = nodes[n].zones.last(where: { $0.managed > 0 }) else { return }
        let movable = arch.zoneTypes.firstIndex(of: .movable) ?? z.index
        wakeupKswapd(nodeIndex: n, order: 0, highestZone: movable, gfp: .highUserMovable)
    }

    /// `alloc_misplaced_dst_page`'s mask: `(GFP_HIGHUSER_MOVABLE | __GFP_THISNODE |
    /// __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN) & ~__GFP_RECLAIM` — the target node only,
    /// no reclaim, no kswapd.
    public static let misplacedGFP: GFP = GFP.highUserMovable.union([.thisnode, .nomemalloc, .noretry, .nowarn]).subtracting(.reclaim)

    /// Counts a page NUMA balancing migrated from `from` to `to` (node ids) on `cpu`'s row:
    /// PGMIGRATE_SUCCESS and NUMA_PAGE_MIGRATE, and PGPROMOTE_SUCCESS on the target when it
    /// went from a lower tier to the top tier.
    /// `pages`: 512 for a THP (`nr_succeeded` counts base pages), which also counts
    /// THP_MIGRATION_SUCCESS.
    public func countMisplacedMigration(from: Int, to: Int, cpu: Int, pages: Int = 1) {
        count(.pgmigrateSuccess, pages, cpu: cpu)
        count(.numaPagesMigrated, pages, cpu: cpu)
        if pages > 1 { count(.thpMigrationSuccess, cpu: cpu) }
        if !isTopTier(node: from) && isTopTier(node: to), let n = index(ofNode: to) {
            nodes[n].promotion.promoted += pages
            count(.pgpromoteSuccess, pages, cpu: cpu)
        }
    }
}
