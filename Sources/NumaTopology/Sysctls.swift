/// `/proc/sys/vm/*` settings that change the allocator's numbers, plus THP's mode and the
/// memory-tiering knobs.
public struct Sysctls: Equatable, Sendable {
    /// `nil` = computed by the kernel (`calculate_min_free_kbytes`, THP raise); a number = as if
    /// written to `/proc/sys/vm/min_free_kbytes` after boot.
    public var minFreeKbytes: Int?
    public var watermarkScaleFactor: Int = 10
    public var watermarkBoostFactor: Int = 15000
    /// Indexed by zone type; `nil` = the kernel default for the arch.
    public var lowmemReserveRatio: [Int]?
    public var percpuPagelistHighFraction: Int = 0
    public var zoneReclaimMode: Int = 0
    public var transparentHugepage: THPMode = .always
    /// `/sys/kernel/mm/transparent_hugepage/defrag` (default `madvise`, Debian's).
    public var transparentHugepageDefrag: THPDefrag = .madvise
    public var minUnmappedRatio: Int = 1
    public var minSlabRatio: Int = 5
    /// `vm.swappiness` (0…200): how reclaim weighs anon against file pages (`get_scan_count`).
    /// A workload's top-level `swappiness:` sets it too, for its run.
    public var swappiness: Int = 60
    /// `vm.nr_hugepages`: 2 MiB hugetlb pages allocated at boot, node-interleaved
    /// (`hugetlb_hstate_alloc_pages`; NumaCore/HugeTLB/).
    public var nrHugepages: Int = 0
    /// `vm.extfrag_threshold` (0…1000, default 500): costly-order compaction is skipped in a
    /// zone whose fragmentation index is at most this (`compaction_suitable`).
    public var extfragThreshold: Int = 500
    /// `vm.compaction_proactiveness` (0…100, default 20): proactive compaction's target
    /// (`fragmentation_score_wmark`); 0 turns it off.
    public var compactionProactiveness: Int = 20
    /// `demotion_enabled` and the NUMA-balancing knobs (docs/tiering.md).
    public var tiering = TieringSysctls()

    public init() {}

    /// Every name the topology file's `sysctl:` takes.
    public static let names = ["min_free_kbytes", "watermark_scale_factor", "watermark_boost_factor",
                               "lowmem_reserve_ratio", "percpu_pagelist_high_fraction", "zone_reclaim_mode",
                               "transparent_hugepage", "transparent_hugepage_defrag", "min_unmapped_ratio", "min_slab_ratio", "swappiness", "nr_hugepages",
                               "extfrag_threshold", "compaction_proactiveness"] + TieringSysctls.names
}
