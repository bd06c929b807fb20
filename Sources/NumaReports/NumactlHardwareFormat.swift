import NumaCore

/// `numactl --hardware` (numactl 2.0.16 `hardware()`): node CPUs, size and free memory in MB
/// from each node's meminfo (managed and buddy-free pages), and the distance table.
public enum NumactlHardwareFormat {
    public static func render(_ m: BootedMachine, freePages: [Int: Int]? = nil) -> String {
        let nodes = m.nodeIDs
        var out = "available: \(nodes.count) nodes (\(ranges(nodes)))\n"
        for id in nodes {
            let zones = m.zones[id]!
            let managed = zones.reduce(0) { $0 + $1.managed }
            let free = freePages?[id] ?? zones.reduce(0) { $0 + $1.free }
            out += "node \(id) cpus:" + m.cpus(ofNode: id).members.map { " \($0)" }.joined() + "\n"
            out += "node \(id) size: \((managed * 4096) >> 20) MB\n"
            out += "node \(id) free: \((free * 4096) >> 20) MB\n"
        }
        out += "node distances:\n"
        out += "node " + nodes.map { spaced3($0) + " " }.joined() + "\n"
        for i in nodes {
            out += spaced3(i) + ": " + nodes.map { spaced3(m.topology.distance(from: i, to: $0)) + " " }.joined() + "\n"
        }
        return out
    }

    /// printf("% 3d", v): a space for the sign, width 3.
    static func spaced3(_ v: Int) -> String {
        let s = v < 0 ? "\(v)" : " \(v)"
        return s.count >= 3 ? s : String(repeating: " ", count: 3 - s.count) + s
    }

    /// The node set as numactl prints it: runs collapsed with `-`, gaps with `,`, using the
    /// program's own prev/skip walk (so `0-1,3`).
    static func ranges(_ nodes: [Int]) -> String {
        var out = ""
        var prev = -1
        var skip = false
        let maxNode = nodes.last ?? 0
        for (k, i) in nodes.enumerated() {
            if k == 0 {
                out += "\(i)"
            } else if i > prev + 1 {
                if skip { out += "\(prev)"; skip = false }
                out += ",\(i)"
            } else {
                if !skip { out += "-"; skip = true }
                if i == maxNode && skip { out += "\(i)" }
            }
            prev = i
        }
        return out
    }
}
