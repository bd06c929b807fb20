import NumaCore

/// numastat in the kernel's per-node file format (drivers/base/node.c `node_read_numastat`) and
/// the `numastat` tool's compatibility table (numactl 2.0.16 numastat.c: 16-wide cells, label
/// column left-justified, values right-justified, 4 nodes per 80-column section on a terminal).
public enum NumastatFormat {
    public static func nodeFile(_ e: NumaEvents) -> String {
        e.named.map { "\($0.0) \($0.1)\n" }.joined()
    }

    public static func table(nodes: [Int], stats: [Int: NumaEvents], width: Int = 10_000_000) -> String {
        let perSection = max(1, (width - 16) / 16)
        var out = ""
        var start = 0
        while start < nodes.count {
            let chunk = Array(nodes[start..<min(nodes.count, start + perSection)])
            if start > 0 { out += "\n" }
            out += String(repeating: " ", count: 16) + chunk.map { right("node\($0)", 16) }.joined() + "\n"
            for (k, name) in ["numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node"].enumerated() {
                out += left(name, 16) + chunk.map { right("\(stats[$0]!.named[k].1)", 16) }.joined() + "\n"
            }
            start += perSection
        }
        return out
    }

    static func left(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
    static func right(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }

    /// `/proc/buddyinfo` (mm/vmstat.c `frag_show_print`): populated zones, `%6lu ` per order.
    public static func buddyinfo(_ a: PageAllocator) -> String {
        var out = ""
        for id in a.nodeIDs {
            for z in a.machine.zones[id]! where z.isPopulated {
                let zone = a.zone(node: id, index: z.index)
                out += "Node \(id), zone \(right(z.name, 8)) " + zone.buddyinfo.map { right("\($0)", 6) + " " }.joined() + "\n"
            }
        }
        return out
    }

    /// `/proc/zoneinfo` with the allocator's live state (free pages, NUMA counters, pcp counts).
    public static func zoneinfo(_ a: PageAllocator) -> String {
        let m = a.machine
        var states: [ZoneinfoFormat.ZoneState] = []
        for (n, id) in m.nodeIDs.enumerated() {
            for b in m.zones[id]! {
                let z = a.nodes[n].zones[b.index]
                var s = ZoneinfoFormat.ZoneState(zone: b)
                s.zone.watermark = z.watermark
                s.free = z.nrFreePages
                let e = z.numaEvents
                s.numaStats = ["numa_hit": e.numaHit, "numa_miss": e.numaMiss, "numa_foreign": e.numaForeign,
                               "numa_interleave": e.interleaveHit, "numa_local": e.localNode, "numa_other": e.otherNode]
                for (slot, cpu) in a.cpus.enumerated() where slot < z.pcp.count { s.pcpCount[cpu] = z.pcp[slot].count }
                states.append(s)
            }
        }
        return ZoneinfoFormat.render(m, states: states)
    }
}
