import NumaCore

/// The fallback case: the local node's zones below their low watermark (filled before timing),
/// so every allocation fails the fast path's watermark check locally and walks the zonelist
/// (`get_page_from_freelist`) to the next node.
extension Bench {
    /// Takes pages on `node` until an allocation preferring it comes from elsewhere: then every
    /// zone of the node fails its low-watermark check for order 0.
    static func fillBelowLow(_ a: PageAllocator, node: Int, cpu: Int) throws {
        // Pageblock-sized blocks first (few calls), then single pages for the last stretch.
        for order in [a.machine.topology.arch.pageblockOrder, 0] {
            while true {
                guard case .success(let b) = a.allocPages(gfp: .kernel, order: order, preferredNode: node, cpu: cpu) else {
                    throw BenchError("fallback case: an allocation failed while filling node \(node)")
                }
                if b.node != node { a.freePages(b, cpu: cpu); break }
            }
        }
    }

    func fallback() throws -> BenchResult {
        let m = machine, node = node, cpu = cpu, pairs = pairs
        guard m.nodeIDs.filter(m.hasMemory).count > 1 else {
            return BenchResult(name: "fallback", note: "skipped: needs a second node with memory")
        }
        var servedBy = node
        let ns = try best(count: pairs, setUp: { a in
            try Self.fillBelowLow(a, node: node, cpu: cpu)
            guard case .success(let probe) = a.allocPages(gfp: .kernel, order: 0, preferredNode: node, cpu: cpu) else {
                throw BenchError("fallback case: the probe allocation failed")
            }
            servedBy = probe.node
            a.freePages(probe, cpu: cpu)
            guard probe.node != node else { throw BenchError("fallback case: node \(node) still serves its own allocations") }
        }) { a in
            for _ in 0..<pairs {
                guard case .success(let b) = a.allocPages(gfp: .kernel, order: 0, preferredNode: node, cpu: cpu) else {
                    throw BenchError("allocation failed during the benchmark")
                }
                a.freePages(b, cpu: cpu)
            }
        }
        return BenchResult(name: "fallback: node \(node) below low, served by node \(servedBy), order-0 alloc+free",
                           nsPerPair: ns, nsPerOp: ns / 2)
    }
}
