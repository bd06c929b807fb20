import NumaCore

/// `/sys/kernel/debug/extfrag/extfrag_index` and `/sys/kernel/debug/extfrag/unusable_index`
/// (mm/vmstat.c, Linux 6.1 `extfrag_show_print`, `unusable_show_print`): per populated zone,
/// one value per order in thousandths printed as `index / 1000` "." `index % 1000` —
/// `%2d.%03d ` for the fragmentation index (-1.000 where a block of the order is free, ` 0.xxx`
/// otherwise), `%d.%03d ` for the unusable free space index.
public enum ExtfragFormat {
    /// `extfrag_index`: `__fragmentation_index` of each order.
    public static func extfragIndex(_ a: PageAllocator) -> String {
        render(a) { z, order in extfragCell(z.fragmentationIndex(order: order)) }
    }

    /// `unusable_index`: `unusable_free_index` of each order.
    public static func unusableIndex(_ a: PageAllocator) -> String {
        render(a) { z, order in unusableCell(z.unusableFreeIndex(order: order)) }
    }

    /// `seq_printf(m, "%2d.%03d ", index / 1000, index % 1000)`
    public static func extfragCell(_ i: Int) -> String { pad(String(i / 1000), 2) + "." + threeDigits(i % 1000) + " " }

    /// `seq_printf(m, "%d.%03d ", index / 1000, index % 1000)`
    public static func unusableCell(_ i: Int) -> String { "\(i / 1000)." + threeDigits(i % 1000) + " " }

    /// `walk_zones_in_node(m, pgdat, true, false, print)` over every node: populated zones only,
    /// each line `Node %d, zone %8s ` then the orders, then a newline.
    static func render(_ a: PageAllocator, _ value: (Zone, Int) -> String) -> String {
        var out = ""
        for id in a.nodeIDs {
            for z in a.machine.zones[id]! where z.isPopulated {
                let zone = a.zone(node: id, index: z.index)
                out += "Node \(id), zone \(NumastatFormat.right(z.name, 8)) "
                for order in 0..<FreeArea.maxOrder { out += value(zone, order) }
                out += "\n"
            }
        }
        return out
    }

    /// `%03d` of a remainder (C's `%` keeps the dividend's sign; the indices here are -1000 or
    /// 0…1000, so the remainder is never negative but for -1000, where it is 0).
    static func threeDigits(_ v: Int) -> String {
        let s = String(abs(v))
        return (v < 0 ? "-" : "") + String(repeating: "0", count: Swift.max(0, 3 - s.count)) + s
    }

    static func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: Swift.max(0, width - s.count)) + s }
}
