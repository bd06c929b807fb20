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
}
