import Yams

/// The simulated clock's inputs in a topology file or a `--costs FILE` (docs/time.md):
///
/// ```yaml
/// costs: {page_fault: 800, reclaim_free_per_page: 300}   # ns, any key of CostModel.Key
/// latency_ns: [[90, 140], [140, 90]]                     # CPU of node i reading node j's memory
/// bandwidth_gbps: [20, 20]                               # per node, in node order
/// ```
extension YAMLReader {
    /// `costs:`, `latency_ns:` and `bandwidth_gbps:` of a top-level mapping (each optional).
    func costOverrides(_ top: [String: Yams.Node], nodeCount: Int) throws -> CostOverrides {
        var result = CostOverrides()
        if let c = top["costs"] {
            let m = try mapping(c, "costs", allowed: Set(CostModel.Key.allCases.map(\.name)))
            for (name, v) in m {
                let key = CostModel.Key(name: name)!
                let ns = try int(v, "costs.\(name)", range: (key == .jiffy || key == .kswapdNap ? 1 : 0)...(1 << 40))
                result.overrides[key] = ns
            }
        }
        if let l = top["latency_ns"] {
            let rows = try sequence(l, "latency_ns", "rows of a latency matrix in ns, one per node")
            guard rows.count == nodeCount else {
                throw fail(l, "latency_ns", "expected \(nodeCount) rows (one per node), got \(rows.count)")
            }
            var matrix: [[Int]] = []
            for (i, row) in rows.enumerated() {
                let cells = try sequence(row, "latency_ns[\(i)]", "latencies in ns")
                guard cells.count == nodeCount else {
                    throw fail(row, "latency_ns[\(i)]", "expected \(nodeCount) latencies (one per node), got \(cells.count)")
                }
                matrix.append(try cells.enumerated().map { j, c in try int(c, "latency_ns[\(i)][\(j)]", range: 1...1_000_000_000) })
            }
            result.latencyNs = matrix
        }
        if let b = top["bandwidth_gbps"] {
            let cells = try sequence(b, "bandwidth_gbps", "bandwidths in GB/s, one per node")
            guard cells.count == nodeCount else {
                throw fail(b, "bandwidth_gbps", "expected \(nodeCount) bandwidths (one per node), got \(cells.count)")
            }
            result.bandwidthGBps = try cells.enumerated().map { i, c in
                let text = try scalar(c, "bandwidth_gbps[\(i)]", "a bandwidth in GB/s")
                guard let v = Double(text), v > 0, v.isFinite, v <= 1_000_000 else {
                    throw fail(c, "bandwidth_gbps[\(i)]", "expected a positive number of GB/s, got '\(text)'")
                }
                return v
            }
        }
        return result
    }

}

extension TopologyFile {
    /// A `--costs FILE` (a mapping with `costs:`, `latency_ns:`, `bandwidth_gbps:`) over the
    /// topology's own: keys the file gives replace the topology's.
    public static func applyCosts(path: String, to t: inout Topology) throws {
        let root = try compose(try InputText.read(path), file: path, expected: "a mapping with 'costs:'")
        let reader = YAMLReader(file: path)
        let top = try reader.mapping(root, "", allowed: ["costs", "latency_ns", "bandwidth_gbps"])
        let o = try reader.costOverrides(top, nodeCount: t.nodes.count)
        t.costs.overrides.merge(o.overrides) { _, new in new }
        if let l = o.latencyNs { t.costs.latencyNs = l }
        if let b = o.bandwidthGBps { t.costs.bandwidthGBps = b }
    }
}
