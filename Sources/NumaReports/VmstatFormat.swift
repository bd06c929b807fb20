import NumaCore
import NumaTopology

/// `/proc/vmstat` as Linux 6.1 prints it (mm/vmstat.c `vmstat_show`: `name value` per line), for
/// the counters numasim models — a subset of the kernel's lines, in the kernel's order:
///
/// 1. `nr_free_pages` (zone stat item; Σ NR_FREE_PAGES, buddy pages only, as in the kernel);
/// 2. `numa_hit numa_miss numa_foreign numa_interleave numa_local numa_other` (NUMA event items,
///    machine-wide sums of each zone's `vm_numa_event`);
/// 3. node stat items (`NodeCounters.machine`, or the caller's), in `enum node_stat_item` order;
/// 4. VM events in `enum vm_event_item` order: `pswpin`, `pswpout`, `pgalloc_<zone>` and
///    `allocstall_<zone>` for every zone type of the architecture, `pgfree`, `pgactivate`,
///    `pgdeactivate`, `pgfault`, `pgmajfault`, `pgrefill`, `pgsteal_kswapd`, `pgsteal_direct`,
///    `pgscan_kswapd`, `pgscan_direct`, `pgscan_anon`, `pgscan_file`, `pgsteal_anon`,
///    `pgsteal_file`, `kswapd_low_wmark_hit_quickly`, `kswapd_high_wmark_hit_quickly`,
///    `pageoutrun`, `oom_kill`, `pgmigrate_*`, `compact_*` — each `VMEvent` at the position of
///    its `kernelName`;
/// 5. `numasim_alloc_fail` (not a kernel counter, hence last).
///
/// Lines for counters numasim does not model (the other zone stat items, `nr_dirty_threshold`,
/// `pgskip_<zone>`, THP collapse, the trailing `nr_unstable 0`, …) are left out rather than
/// printed as zeros, so a value shown is always one the model computed.
public enum VmstatFormat {
    /// `enum vm_event_item` names of 6.1 in order, as a Debian 6.1 x86_64 kernel prints them
    /// (the kernel samples' /proc/vmstat). Entries ending in `_*` stand for one line per zone
    /// type (`TEXTS_FOR_ZONES`). Only the position matters here: it orders the modeled events.
    public static let eventOrder: [String] = [
        "pgpgin", "pgpgout", "pswpin", "pswpout",
        "pgalloc_*", "allocstall_*", "pgskip_*",
        "pgfree", "pgactivate", "pgdeactivate", "pglazyfree", "pgfault", "pgmajfault", "pglazyfreed",
        "pgrefill", "pgreuse", "pgsteal_kswapd", "pgsteal_direct", "pgdemote_kswapd", "pgdemote_direct",
        "pgscan_kswapd", "pgscan_direct", "pgscan_direct_throttle", "pgscan_anon", "pgscan_file",
        "pgsteal_anon", "pgsteal_file", "zone_reclaim_failed", "pginodesteal", "slabs_scanned",
        "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun",
        "pgrotated", "drop_pagecache", "drop_slab", "oom_kill",
        "numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults", "numa_hint_faults_local",
        "numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
        "thp_migration_fail", "thp_migration_split", "compact_migrate_scanned", "compact_free_scanned",
        "compact_isolated", "compact_stall", "compact_fail", "compact_success", "compact_daemon_wake",
        "compact_daemon_migrate_scanned", "compact_daemon_free_scanned", "htlb_buddy_alloc_success",
        "htlb_buddy_alloc_fail", "unevictable_pgs_culled", "unevictable_pgs_scanned",
        "unevictable_pgs_rescued", "unevictable_pgs_mlocked", "unevictable_pgs_munlocked",
        "unevictable_pgs_cleared", "unevictable_pgs_stranded", "thp_fault_alloc", "thp_fault_fallback",
        "thp_fault_fallback_charge", "thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_file_alloc",
        "thp_file_fallback", "thp_file_fallback_charge", "thp_file_mapped", "thp_split_page",
        "thp_split_page_failed", "thp_deferred_split_page", "thp_split_pmd", "thp_scan_exceed_none_pte",
        "thp_scan_exceed_swap_pte", "thp_scan_exceed_share_pte", "thp_split_pud", "thp_zero_page_alloc",
        "thp_zero_page_alloc_failed", "thp_swpout", "thp_swpout_fallback", "balloon_inflate",
        "balloon_deflate", "balloon_migrate", "swap_ra", "swap_ra_hit", "ksm_swpin_copy", "cow_ksm",
        "zswpin", "zswpout", "direct_map_level2_splits", "direct_map_level3_splits",
    ]

    /// The `TEXTS_FOR_ZONES` suffixes, one per zone type of the architecture in zone-index order:
    /// x86_64 `dma dma32 normal movable device`, i386 `dma normal high movable`.
    public static func zoneSuffixes(_ arch: Arch) -> [String] {
        arch.zoneNames.map { $0 == "HighMem" ? "high" : $0.lowercased() }
    }

    /// The lines of `render` as (name, value) pairs in the same order, for JSON.
    public static func counters(_ a: PageAllocator, nodeStats: [(String, Int)] = []) -> [(String, Int)] {
        let suffixes = zoneSuffixes(a.machine.topology.arch)
        let allZones = a.allZones
        var out: [(String, Int)] = [("nr_free_pages", allZones.reduce(0) { $0 + $1.nrFreePages })]

        let numa = a.events.flatMap { $0 }.reduce(NumaEvents(), +)
        out += [("numa_hit", numa.numaHit), ("numa_miss", numa.numaMiss), ("numa_foreign", numa.numaForeign),
                ("numa_interleave", numa.interleaveHit), ("numa_local", numa.localNode), ("numa_other", numa.otherNode)]

        out += nodeStats.isEmpty ? VmstatFormat.nodeStats(a) : nodeStats

        let pgalloc = a.pgalloc
        // All ALLOCSTALL slots, not only this arch's: i386 has no fifth zone, and its unused
        // slot must not surface under the x86_64 name.
        let allocstall = Set((VMEvent.allocstallDMA.rawValue...VMEvent.allocstallDevice.rawValue).map { VMEvent(rawValue: $0)! })
        // Matched by name, so a new VMEvent case lands at its kernel position with no edit here.
        var byName: [String: VMEvent] = [:]
        for e in VMEvent.allCases where e != .allocFail && !e.isSimulatedWork && !allocstall.contains(e) && !e.isNodeStat { byName[e.kernelName] = e }
        for name in eventOrder {
            switch name {
            case "pgalloc_*":
                for (i, s) in suffixes.enumerated() {
                    out.append(("pgalloc_\(s)", pgalloc.reduce(0) { $0 + (i < $1.count ? $1[i] : 0) }))
                }
            case "allocstall_*":
                // By zone index, not by the case's kernelName: on i386 the third slot is HighMem.
                for (i, s) in suffixes.enumerated() { out.append(("allocstall_\(s)", a.vmEvents[VMEvent.allocstall(zone: i)])) }
            case "htlb_buddy_alloc_success":
                // HTLB_BUDDY_PGALLOC: kept by the hugetlb pools (NumaCore/HugeTLB), not a VMEvent.
                out.append((name, a.hugetlb.htlbBuddyAllocSuccess))
            case "htlb_buddy_alloc_fail":
                out.append((name, a.hugetlb.htlbBuddyAllocFail))
            default:
                if let e = byName.removeValue(forKey: name) { out.append((name, a.vmEvents[e])) }
            }
        }
        // A VMEvent whose name is missing from eventOrder would otherwise vanish from the file;
        // keeping it (before the numasim-only line) makes the omission visible instead.
        for e in VMEvent.allCases where byName[e.kernelName] == e { out.append((e.kernelName, a.vmEvents[e])) }
        out.append((VMEvent.allocFail.kernelName, a.vmEvents[.allocFail]))
        return out
    }

    /// The node-stat items numasim models, machine-wide, in `enum node_stat_item` order: each
    /// node's `NodeCounters.node` summed (LRU sizes, reclaimable slab, workingset refaults and
    /// activations, anon and file pages, dirty pages, pages written back by reclaim).
    public static func nodeStats(_ a: PageAllocator) -> [(String, Int)] { NodeCounters.machine(a) }

    public static func render(_ a: PageAllocator, nodeStats: [(String, Int)] = []) -> String {
        counters(a, nodeStats: nodeStats).map { "\($0.0) \($0.1)\n" }.joined()
    }
}
