import NumaCore

/// `/proc/buddyinfo` (mm/vmstat.c `frag_show_print`): free blocks per order of every populated
/// zone, `%6lu ` per order.
public enum BuddyinfoFormat {
    public static func render(_ a: PageAllocator) -> String {
        var out = ""
        for id in a.nodeIDs {
            for z in a.machine.zones[id]! where z.isPopulated {
                let zone = a.zone(node: id, index: z.index)
                out += "Node \(id), zone \(NumastatFormat.right(z.name, 8)) " + zone.buddyinfo.map { NumastatFormat.right("\($0)", 6) + " " }.joined() + "\n"
            }
        }
        return out
    }
}
