import NumaCore
import NumaTopology

/// A task's simulated time (docs/time.md): every operation advances `clockNs` by what it costs
/// on the `CostModel` — the allocator call itself, the kernel work it caused on the CPU's
/// counter row (pcp refills and drains, buddy splits and merges, direct and node reclaim,
/// throttling sleeps: priced once per step, in `step`), and what the page's first use costs (a
/// fault and zeroing for anon memory, a disk read and a copy for page cache). Both engines use
/// these; neither reads a host clock. With `--latency` each call's own work is priced too, for
/// its latency sample.
extension SimulatedTask {
    /// An allocator call (with `--latency`, it started with `workBefore` on counter row `row`).
    @inline(__always)
    func chargeAllocation(_ a: PageAllocator, _ r: Result<AllocatedBlock, AllocFailure>, order: Int, gfp: GFP, row: Int, workBefore: Int) {
        var ns = a.cost(.allocFastPath)
        if latency != nil {
            latency!.record(OpLatency.OpClass.alloc(order: order), nanoseconds: UInt64(ns &+ (a.workNanoseconds(row: row) &- workBefore)))
        }
        if case .success(let b) = r { ns &+= firstUseCost(a, b, gfp: gfp) }
        clockNs &+= ns
    }

    /// What the first use of a new block costs: the anonymous fault and zeroing of each page
    /// (`do_anonymous_page`, `clear_user_highpage`), or for page cache the read from disk and
    /// the copy to the reader (`filemap_read`); kernel memory only what `__GFP_ZERO` asks.
    @inline(__always)
    func firstUseCost(_ a: PageAllocator, _ b: AllocatedBlock, gfp: GFP) -> Int {
        let pages = 1 << b.order
        let n = a.index(ofNode: b.node) ?? 0
        switch spec.kind {
        case .anon: return a.cost(.pageFault) &+ pages &* a.pageMemoryCost(zero: true, nodeIndex: n)
        case .file:
            // read(2) copies the page to the reader; a mapped file page faults instead.
            let use = spec.access == .mmap ? a.cost(.pageFault) : a.pageMemoryCost(zero: false, nodeIndex: n)
            return pages &* (a.cost(.fileReadPerPage) &+ use)
        case .kernel: return gfp.contains(.zero) ? pages &* a.pageMemoryCost(zero: true, nodeIndex: n) : 0
        }
    }

    /// A free (with `--latency`, it started with `workBefore` on counter row `row`: a pcp drain
    /// is its work).
    @inline(__always)
    func chargeFree(_ a: PageAllocator, row: Int, workBefore: Int) {
        let ns = a.cost(.freeFastPath)
        clockNs &+= ns
        if latency != nil { latency!.record(OpLatency.OpClass.free, nanoseconds: UInt64(ns &+ (a.workNanoseconds(row: row) &- workBefore))) }
    }

    /// A touch of a resident page: one memory access from the CPU's node to the page's.
    @inline(__always)
    func chargeAccess(_ a: PageAllocator, _ b: AllocatedBlock, cpu: Int) {
        let from = a.nodeIndex(ofCPU: cpu) ?? 0
        let ns = a.accessNanoseconds(fromNodeIndex: from, toNodeIndex: a.index(ofNode: b.node) ?? from)
        clockNs &+= ns
        accessNs &+= ns
    }

    /// A page-cache hit: `read(2)` copies the cached page (`copy`), a mapped access is one memory
    /// access.
    func chargeCachedRead(_ a: PageAllocator, _ b: AllocatedBlock, cpu: Int, copy: Bool) {
        if copy {
            clockNs &+= a.pageMemoryCost(zero: false, nodeIndex: a.index(ofNode: b.node) ?? 0)
        } else {
            chargeAccess(a, b, cpu: cpu)
        }
    }

    /// A touch of a page reclaim took: the major fault's I/O (a swap-in or a page-cache read);
    /// the new page's allocation is charged by `allocate`.
    func chargeRefault(_ a: PageAllocator, kind: PageKind) {
        clockNs &+= kind == .anon ? a.cost(.swapIn) &+ a.cost(.pageFault) : a.cost(.fileReadPerPage) &+ a.cost(.pageFault)
    }
}

extension SimulatedTask {
    /// The CPU the next step runs on (the task's CPUs are taken in turn).
    public var nextCPU: Int {
        if let replay, !replay.isDone { return replay.events[replay.cursor].cpu }
        return cpus[cpuTurn % cpus.count]
    }
}
