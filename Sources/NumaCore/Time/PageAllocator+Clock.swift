import NumaTopology

/// The simulated clock's view of the allocator (docs/time.md). The kernel work a CPU or a
/// kswapd did is already counted on its own row of `vmEvents` (the kernel's per-CPU
/// `vm_event_states`, plus numasim's work counters): its time is that work priced by the
/// `CostModel`. Engines advance a CPU's or a kswapd's clock by the difference across an
/// operation, so the clock costs the order-0 fast path nothing.
extension PageAllocator {
    /// The kernel work counted on row `row` so far, in simulated nanoseconds: pcp batches and
    /// the pages they moved, buddy splits and merges, reclaim (pages isolated, freed,
    /// deactivated, written back, swapped out, demoted: a page copy each) and time asleep (throttling). O(1): the priced
    /// counters of the row, from its own cache lines, against the flat price table.
    @inlinable public func workNanoseconds(row: Int) -> Int {
        let r = vmEvents.base + row &* VMEventTable.rowInts, p = workPrices
        @inline(__always) func w(_ e: VMEvent) -> Int { r[e.rawValue] &* p[e.rawValue] }
        var ns = w(.workPcpBatches) &+ w(.workPcpPages) &+ w(.workBuddySplits) &+ w(.workBuddyMerges)
        ns &+= w(.pgscanKswapd) &+ w(.pgscanDirect) &+ w(.pgstealKswapd) &+ w(.pgstealDirect)
        ns &+= w(.pgrefill) &+ w(.nrWritten) &+ w(.pswpout) &+ w(.workSleepNanoseconds)
        ns &+= w(.pgdemoteKswapd) &+ w(.pgdemoteDirect) &+ w(.workCompactNanoseconds)
        return ns
    }

    /// Fills the flat tables from `costs` (at init and whenever `costs` is replaced).
    func installCosts() {
        for k in CostModel.Key.allCases { costTable[k.rawValue] = costs[k] }
        let c = costs
        let prices: [(VMEvent, Int)] = [
            (.workPcpBatches, c[.pcpBatch]), (.workPcpPages, c[.pcpPerPage]), (.workBuddySplits, c[.buddySplit]),
            (.workBuddyMerges, c[.buddyMerge]), (.pgscanKswapd, c[.reclaimScanPerPage]), (.pgscanDirect, c[.reclaimScanPerPage]),
            (.pgstealKswapd, c[.reclaimFreePerPage]), (.pgstealDirect, c[.reclaimFreePerPage]), (.pgrefill, c[.refillPerPage]),
            (.nrWritten, c[.writebackPerPage]), (.pswpout, c[.swapOut]), (.workSleepNanoseconds, 1),
            (.pgdemoteKswapd, c[.copyPage]), (.pgdemoteDirect, c[.copyPage]), (.workCompactNanoseconds, 1),
        ]
        for (e, ns) in prices { workPrices[e.rawValue] = ns }
        let n = nodes.count
        for i in 0..<n {
            pageMemoryTable[2 * i] = c.pageMemoryCost(zero: true, nodeIndex: i)
            pageMemoryTable[2 * i + 1] = c.pageMemoryCost(zero: false, nodeIndex: i)
            for j in 0..<n { latencyTable[i * n + j] = i < c.latency.count && j < c.latency[i].count ? c.latency[i][j] : c[.localAccess] }
        }
    }

    /// One cost of the model (a flat-table read).
    @inlinable public func cost(_ k: CostModel.Key) -> Int { costTable[k.rawValue] }

    /// Zeroing (`zero`) or copying a page of node index `n`.
    @inlinable public func pageMemoryCost(zero: Bool, nodeIndex n: Int) -> Int { pageMemoryTable[2 &* n &+ (zero ? 0 : 1)] }

    /// Memory access latency from a CPU of node index `from` to memory of node index `to`.
    @inlinable public func accessNanoseconds(fromNodeIndex from: Int, toNodeIndex to: Int) -> Int {
        latencyTable[from &* nodeCount &+ to]
    }

    /// The node index of a CPU (nil for a CPU the machine does not have).
    public func nodeIndex(ofCPU cpu: Int) -> Int? {
        guard let id = cpuNode[cpu] else { return nil }
        return nodeIndex[id]
    }
}
