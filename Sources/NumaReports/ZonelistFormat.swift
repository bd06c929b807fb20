import NumaCore

/// The kernel's zonelist messages (mm/page_alloc.c `build_zonelists`, `build_all_zonelists`).
public enum ZonelistFormat {
    public static func render(_ m: BootedMachine, zonelists: Zonelists, showZones: Bool) -> String {
        var out = ""
        for id in zonelists.nodes {
            out += zonelists.fallbackLine(node: id) + "\n"
            if showZones {
                let refs = zonelists.fallback[id] ?? []
                out += "  ZONELIST_FALLBACK:   " + refs.map { "Node \($0.node) \(m.zoneNames[$0.zone])" }.joined(separator: ", ") + "\n"
                let thisNode = zonelists.noFallback[id] ?? []
                out += "  ZONELIST_NOFALLBACK: " + thisNode.map { "Node \($0.node) \(m.zoneNames[$0.zone])" }.joined(separator: ", ") + "\n"
            }
        }
        // nr_online_nodes: at boot, memory a driver hot-adds later has not brought its node online.
        let online = zonelists.sawCPUs ? m.nodeIDs.count : m.nodesOnlineAtBoot
        out += "Built \(online) zonelists, mobility grouping \(m.mobilityGrouping ? "on" : "off").  Total pages: \(m.totalPagesAtBuild)\n"
        out += "Policy zone: \(m.zoneNames[m.policyZone])\n"
        return out
    }
}
