import NumaCore
import NumaTopology

/// The interleave case: MPOL_INTERLEAVE over every node with memory, order 0, as a task policy
/// (`alloc_pages` → `interleave_nodes`), checked to spread pages evenly.
extension Bench {
    func interleave() throws -> BenchResult {
        let m = machine, cpu = cpu, pairs = pairs
        let nodes = m.nodeIDs.filter(m.hasMemory)
        let policy = MemPolicy(.interleave, nodes: nodes)
        var spread: [Int: Int] = [:]
        let ns = try best(count: pairs) { a in
            var state = InterleaveState(maxNumNodes: m.topology.kernel.maxNumNodes)
            for _ in 0..<pairs {
                guard case .success(let b) = a.allocPages(gfp: .highUserMovable, order: 0, policy: policy, cpu: cpu, state: &state) else {
                    throw BenchError("allocation failed during the benchmark")
                }
                a.freePages(b, cpu: cpu)
            }
            // interleave_hit per node: each node got its turn (checked outside the timed loop).
            for id in nodes { spread[id] = a.numastat(node: id).interleaveHit }
        }
        let counts = nodes.map { spread[$0] ?? 0 }
        guard let lo = counts.min(), let hi = counts.max(), hi - lo <= 1 else {
            throw BenchError("interleave case: pages were not spread evenly over nodes \(nodes): interleave_hit \(counts)")
        }
        return BenchResult(name: "interleave over nodes \(CPUList(nodes).description), order-0 alloc+free", nsPerPair: ns, nsPerOp: ns / 2)
    }
}
