import NumaCore

/// numastat in the kernel's per-node file format (drivers/base/node.c `node_read_numastat`) and
/// the `numastat` tool's compatibility table (numactl 2.0.16 numastat.c, `NumastatTool`: 16-wide
/// cells, label column left-justified, values right-justified, 4 nodes per 80-column section on
/// a terminal).
public enum NumastatFormat {
    public static func nodeFile(_ e: NumaEvents) -> String {
        e.named.map { "\($0.0) \($0.1)\n" }.joined()
    }

    /// The tool's default output (compatibility mode: `numastat` without arguments) for these
    /// nodes' counters, `width` columns wide (the tool's width when its output is not a terminal
    /// by default): `NumastatTool` over the nodes' numastat files.
    public static func table(nodes: [Int], stats: [Int: NumaEvents], width: Int = 10_000_000) -> String {
        var files: [Int: NumastatTool.NodeFiles] = [:]
        for id in nodes { files[id] = NumastatTool.NodeFiles(numastat: nodeFile(stats[id]!), meminfo: nil) }
        return (try? NumastatTool(files: files).render(NumastatTool.Options(), screenWidth: width)) ?? ""
    }

    static func left(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
    static func right(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
}
