import NumaCore

/// `/proc/pagetypeinfo` as Linux 6.1 prints it (mm/vmstat.c `pagetypeinfo_show`): for every node
/// with memory, the pageblock size, the free blocks per populated zone, migratetype and order
/// (`pagetypeinfo_showfree_print`), then the pageblocks of each migratetype per populated zone
/// (`pagetypeinfo_showblockcount_print`). The "Number of mixed blocks" table needs PAGE_OWNER
/// enabled at boot, which Debian's kernel does not do, so it is never printed.
///
/// Columns are `MigrateType.allCases` (MIGRATE_TYPES = 5 in the 6.1 Debian config: no CMA).
public enum PagetypeinfoFormat {
    /// The kernel stops walking a free list at this many entries (the walk holds `zone->lock`)
    /// and prints the count with a leading `>`.
    public static let freeCountCap = 100_000

    public static func render(_ a: PageAllocator) -> String {
        let order = a.machine.topology.arch.pageblockOrder
        var out = ""
        // pagetypeinfo_show returns early for a node without N_MEMORY (a memoryless node).
        for id in a.nodeIDs where a.machine.hasMemory(id) {
            let populated = a.machine.zones[id]!.filter(\.isPopulated).map { a.zone(node: id, index: $0.index) }
            out += "Page block order: \(order)\n"
            out += "Pages per block:  \(1 << order)\n"
            out += "\n"
            out += pad("Free pages count per migrate type at order", 43, left: true) + " "
            out += (0..<FreeArea.maxOrder).map { pad("\($0)", 6) + " " }.joined() + "\n"
            for zone in populated {
                // Snapshot under zone->lock as walk_zones_in_node does, so one zone's rows agree.
                let counts = zone.lock.withLock {
                    MigrateType.allCases.map { mt in (0..<FreeArea.maxOrder).map { zone.freeBlocks(order: $0, mt) } }
                }
                for mt in MigrateType.allCases {
                    out += freeLine(node: id, zone: zone.name, type: mt, counts: counts[Int(mt.rawValue)])
                }
            }
            // "\n%-23s": the string is 22 characters, so two spaces follow "type".
            out += "\n" + pad("Number of blocks type ", 23, left: true)
            out += MigrateType.allCases.map { pad($0.description, 12) + " " }.joined() + "\n"
            for zone in populated {
                out += "Node \(id), zone \(pad(zone.name, 8)) " + blockCounts(zone).map { pad("\($0)", 12) + " " }.joined() + "\n"
            }
        }
        return out
    }

    /// One row of the free table: `"Node %4d, zone %8s, type %12s "` then a cell per order.
    /// `counts` are the lengths of the free lists of that migratetype, order 0 first.
    public static func freeLine(node: Int, zone: String, type: MigrateType, counts: [Int]) -> String {
        "Node \(pad("\(node)", 4)), zone \(pad(zone, 8)), type \(pad(type.description, 12)) "
            + counts.map(freeCountCell).joined() + "\n"
    }

    /// `"%s%6lu "` with the cap: the kernel's loop breaks when the running count reaches the cap,
    /// so a list of exactly 100000 blocks already prints `>100000`.
    public static func freeCountCell(_ count: Int) -> String {
        count >= freeCountCap ? ">" + pad("\(freeCountCap)", 6) + " " : pad("\(count)", 6) + " "
    }

    /// Pageblocks per migratetype, indexed by `MigrateType.rawValue`. The kernel samples one pfn
    /// every pageblock_nr_pages from `zone_start_pfn` (not rounded down) while below the zone end,
    /// so a zone that starts inside a pageblock (DMA at pfn 1) counts that block once and the
    /// count is ⌈spanned / pageblock_nr_pages⌉. Pfns that `pfn_to_online_page` would reject
    /// (offline sections) do not occur: numasim's mem_map covers the whole zone span. The
    /// samples are the consecutive pageblocks from the one holding `zone_start_pfn`, counted
    /// sparsely (`PageblockTypes.counts`): O(8 GiB chunks + pageblocks of chunks that hold a
    /// non-MOVABLE type), not O(pageblocks).
    public static func blockCounts(_ zone: Zone) -> [Int] {
        let samples = (zone.endPfn - zone.startPfn + zone.pageblockPages - 1) / zone.pageblockPages
        return zone.lock.withLock { zone.memmap.pageblockTypeCounts(from: zone.startPfn, blocks: samples) }
    }

    /// printf `%Ns` (right-justified) or `%-Ns` (left).
    static func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
        guard s.count < width else { return s }
        let fill = String(repeating: " ", count: width - s.count)
        return left ? s + fill : fill + s
    }
}
