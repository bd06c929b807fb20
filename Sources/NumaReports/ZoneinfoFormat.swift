import NumaCore

/// `/proc/zoneinfo` as Linux 6.1 prints it (mm/vmstat.c `zoneinfo_show_print`): every zone of
/// every node, empty ones included, with the same field order and spacing.
///
/// Counters numasim does not model at boot (slab, kernel stacks, LRU sizes…) are 0: the simulated
/// machine has allocated nothing yet. `count:` of each pageset is the pages on that CPU's pcp.
public enum ZoneinfoFormat {
    /// node_stat_item names in 6.1 enum order (include/linux/mmzone.h, mm/vmstat.c vmstat_text).
    public static let nodeStatItems = [
        "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
        "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file",
        "workingset_nodes", "workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon",
        "workingset_activate_file", "workingset_restore_anon", "workingset_restore_file",
        "workingset_nodereclaim", "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback",
        "nr_writeback_temp", "nr_shmem", "nr_shmem_hugepages", "nr_shmem_pmdmapped", "nr_file_hugepages",
        "nr_file_pmdmapped", "nr_anon_transparent_hugepages", "nr_vmscan_write", "nr_vmscan_immediate_reclaim",
        "nr_dirtied", "nr_written", "nr_throttled_written", "nr_kernel_misc_reclaimable", "nr_foll_pin_acquired",
        "nr_foll_pin_released", "nr_kernel_stack", "nr_page_table_pages", "nr_sec_page_table_pages",
        "nr_swapcached", "pgpromote_success", "pgpromote_candidate",
    ]
    /// zone_stat_item names (6.1, with CONFIG_ZSMALLOC and CMA accounting lines).
    public static let zoneStatItems = [
        "nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file",
        "nr_zone_active_file", "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock", "nr_bounce",
        "nr_zspages", "nr_free_cma",
    ]
    public static let numaStatItems = ["numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"]

    /// The state a zone is printed from; at boot it is built from `BootZone`, later the allocator
    /// supplies live values through the same type.
    public struct ZoneState {
        public var zone: BootZone
        public var free: Int
        public var nodeStats: [String: Int] = [:]
        public var zoneStats: [String: Int] = [:]
        public var numaStats: [String: Int] = [:]
        /// pcp `count` per CPU.
        public var pcpCount: [Int: Int] = [:]
        public var nodeUnreclaimable = false

        public init(zone: BootZone) { self.zone = zone; self.free = zone.free }
    }

    public static func render(_ m: BootedMachine) -> String {
        render(m, states: m.nodeIDs.flatMap { m.zones[$0]!.map(ZoneState.init(zone:)) })
    }

    public static func render(_ m: BootedMachine, states: [ZoneState]) -> String {
        var out = ""
        let cpus = m.topology.allCPUs
        var seenFirstPopulated = Set<Int>()
        for s in states {
            let z = s.zone
            out += "Node \(z.node), zone \(pad(z.name, 8, left: false))"
            if z.isPopulated && !seenFirstPopulated.contains(z.node) {
                seenFirstPopulated.insert(z.node)
                out += "\n  per-node stats"
                for item in nodeStatItems { out += "\n      \(pad(item, 12)) \(s.nodeStats[item] ?? 0)" }
            }
            let w = z.watermark
            out += "\n  pages free     \(s.free)"
            out += "\n        boost    \(w.boost)"
            out += "\n        min      \(w.minPages)"
            out += "\n        low      \(w.lowPages)"
            out += "\n        high     \(w.highPages)"
            out += "\n        spanned  \(z.spanned)"
            out += "\n        present  \(z.present)"
            out += "\n        managed  \(z.managed)"
            out += "\n        cma      0"
            out += "\n        protection: (\(z.lowmemReserve.map(String.init).joined(separator: ", ")))"
            guard z.isPopulated else {
                out += "\n"
                continue
            }
            for item in zoneStatItems {
                let v = item == "nr_free_pages" ? s.free : (s.zoneStats[item] ?? 0)
                out += "\n      \(pad(item, 12)) \(v)"
            }
            for item in numaStatItems { out += "\n      \(pad(item, 12)) \(s.numaStats[item] ?? 0)" }
            out += "\n  pagesets"
            for cpu in cpus {
                out += "\n    cpu: \(cpu)"
                out += "\n              count: \(s.pcpCount[cpu] ?? 0)"
                out += "\n              high:  \(z.pcpHigh)"
                out += "\n              batch: \(z.pcpBatch)"
                out += "\n  vm stats threshold: \(z.statThreshold)"
            }
            out += "\n  node_unreclaimable:  \(s.nodeUnreclaimable ? 1 : 0)"
            out += "\n  start_pfn:           \(z.startPfn)"
            out += "\n"
        }
        return out
    }

    /// printf `%-Ns` (left) or `%Ns` (right).
    static func pad(_ s: String, _ width: Int, left: Bool = true) -> String {
        guard s.count < width else { return s }
        let fill = String(repeating: " ", count: width - s.count)
        return left ? s + fill : fill + s
    }
}
