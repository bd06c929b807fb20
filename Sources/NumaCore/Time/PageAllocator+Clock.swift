import NumaTopology

/// The simulated clock's view of the allocator (docs/time.md). The kernel work a CPU or a
/// kswapd did is already counted on its own row of `vmEvents` (the kernel's per-CPU
/// `vm_event_states`, plus numasim's work counters): its time is that work priced by the
/// `CostModel`. Engines advance a CPU's or a kswapd's clock by the difference across an
/// operation, so the clock costs the order-0 fast path nothing.
extension PageAllocator {
    /// The kernel work counted on row `row` so far, in simulated nanoseconds: pcp batches and
    /// the pages they moved, buddy splits and merges, reclaim (pages isolated, freed,
    /// deactivated, written back, swapped out) and time asleep (throttling). O(1): a dozen
    /// loads from the row's own cache lines.
    public func workNanoseconds(row: Int) -> Int {
        let e = vmEvents, c = costs
        var ns = e.value(.workPcpBatches, row: row) &* c[.pcpBatch]
        ns &+= e.value(.workPcpPages, row: row) &* c[.pcpPerPage]
        ns &+= e.value(.workBuddySplits, row: row) &* c[.buddySplit]
        ns &+= e.value(.workBuddyMerges, row: row) &* c[.buddyMerge]
        ns &+= (e.value(.pgscanKswapd, row: row) &+ e.value(.pgscanDirect, row: row)) &* c[.reclaimScanPerPage]
        ns &+= (e.value(.pgstealKswapd, row: row) &+ e.value(.pgstealDirect, row: row)) &* c[.reclaimFreePerPage]
        ns &+= e.value(.pgrefill, row: row) &* c[.refillPerPage]
        ns &+= e.value(.nrWritten, row: row) &* c[.writebackPerPage]
        ns &+= e.value(.pswpout, row: row) &* c[.swapOut]
        ns &+= e.value(.workSleepNanoseconds, row: row)
        return ns
    }

    /// Memory access latency from a CPU of node index `from` to memory of node index `to`.
    @inline(__always) public func accessNanoseconds(fromNodeIndex from: Int, toNodeIndex to: Int) -> Int {
        costs.latency[from][to]
    }

    /// The node index of a CPU (nil for a CPU the machine does not have).
    public func nodeIndex(ofCPU cpu: Int) -> Int? {
        guard let id = cpuNode[cpu] else { return nil }
        return nodeIndex[id]
    }
}
