import NumaCore

/// The pair and burst cases: order-N allocations and frees on one CPU, through its pageset
/// (`rmqueue_pcplist`, `free_unref_page`) for the orders the pcp holds.
extension Bench {
    /// Alloc+free pairs of `order`, one pair at a time (`burst` 1) or `burst` allocations then
    /// their frees; the best ns per pair.
    ///
    /// The pair and burst cases as first recorded in docs/benchmarks.md; their loop is the
    /// reference the speed work compares against, so it stays as it is.
    func pairs(name: String, order: Int, burst: Int) throws -> BenchResult {
        let (m, node, cpu) = (machine, node, cpu)
        var best = Double.infinity
        for _ in 0..<runs {
            let a = PageAllocator(machine: m)
            var held: [AllocatedBlock] = []
            held.reserveCapacity(burst)
            let rounds = max(1, pairs / burst)
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<rounds where burst == 1 {
                // One pair at a time: no array between the allocation and the free.
                guard case .success(let b) = a.allocPages(gfp: .kernel, order: order, preferredNode: node, cpu: cpu) else {
                    throw BenchError("allocation failed during the benchmark")
                }
                a.freePages(b, cpu: cpu)
            }
            for _ in 0..<rounds where burst > 1 {
                try Self.allocate(a, burst: burst, order: order, node: node, cpu: cpu, into: &held,
                                  failure: "allocation failed during the benchmark")
                for b in held { a.freePages(b, cpu: cpu) }
                held.removeAll(keepingCapacity: true)
            }
            let elapsed = clock.now - start
            let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            best = min(best, ns / Double(rounds * burst))
        }
        return BenchResult(name: name, nsPerPair: best, nsPerOp: best / 2)
    }

    /// Allocation and free timed apart: `burst` allocations, then their frees, repeated.
    func splitBurst(order: Int, burst: Int) throws -> BenchResult {
        let rounds = max(1, pairs / burst)
        var bestAlloc = Double.infinity, bestFree = Double.infinity
        for _ in 0..<runs {
            let a = PageAllocator(machine: machine)
            var held: [AllocatedBlock] = []
            held.reserveCapacity(burst)
            var allocTime = Duration.zero, freeTime = Duration.zero
            let clock = ContinuousClock()
            for _ in 0..<rounds {
                let t0 = clock.now
                try Self.allocate(a, burst: burst, order: order, node: node, cpu: cpu, into: &held,
                                  failure: "order-\(order) allocation failed during the benchmark")
                let t1 = clock.now
                for b in held { a.freePages(b, cpu: cpu) }
                freeTime += clock.now - t1
                allocTime += t1 - t0
                held.removeAll(keepingCapacity: true)
            }
            bestAlloc = min(bestAlloc, Self.nanoseconds(allocTime) / Double(rounds * burst))
            bestFree = min(bestFree, Self.nanoseconds(freeTime) / Double(rounds * burst))
        }
        return BenchResult(name: "order-\(order) alloc, then free, bursts of \(burst)", nsPerAlloc: bestAlloc, nsPerFree: bestFree)
    }
}
