/// Refault detection (mm/workingset.c 6.1, classic LRU): `workingset_eviction`,
/// `workingset_refault`, `workingset_activation`, `workingset_age_nonresident`.
///
/// The kernel leaves a shadow entry in the page cache's xarray slot of an evicted file page: its
/// node and the lruvec's `nonresident_age` at eviction. Here the shadow is kept by the evicted
/// page's node, keyed by the owner's now stale handle (pfn and generation), and the owner (the
/// page cache, `PageCache` in NumaWorkload) takes it back at the refault. Only recorded while
/// `recordsShadows` is on (a workload with named files); PG_workingset is not modelled, so
/// WORKINGSET_RESTORE is never counted.
extension PageAllocator {
    /// A shadow entry (`pack_shadow`): the eviction's node index and `nonresident_age`.
    public struct Shadow: Sendable, Equatable {
        public let nodeIndex: Int
        public let eviction: Int
    }

    static func shadowKey(pfn: Int, generation: UInt32) -> UInt64 { UInt64(pfn) << 32 | UInt64(generation) }

    /// `workingset_eviction`: the shadow takes `nonresident_age`, which then advances. Under the
    /// node's LRU lock.
    func workingsetEviction(_ v: LRUVec, pfn: Int, generation: UInt32) {
        if recordsShadows { v.shadows[PageAllocator.shadowKey(pfn: pfn, generation: generation)] = v.nonresidentAge }
        v.nonresidentAge += 1
    }

    /// The shadow the eviction of the block `b` (a stale handle) left, removed from the table;
    /// nil if it left none (not recorded, or already taken).
    public func takeShadow(_ b: AllocatedBlock) -> Shadow? {
        let n = nodeIndex[b.node]!
        let v = nodes[n].lruvec
        return v.lock.withLock {
            v.shadows.removeValue(forKey: PageAllocator.shadowKey(pfn: b.pfn, generation: b.generation))
                .map { Shadow(nodeIndex: n, eviction: $0) }
        }
    }

    /// `workingset_refault(folio, shadow)` for a file page read back into `b`: counts
    /// WORKINGSET_REFAULT_FILE on `b`'s node and returns whether the page is activated — its
    /// refault distance (`nonresident_age` of the eviction node now, minus at eviction) is at
    /// most the eviction node's workingset (NR_ACTIVE_FILE, plus anon while swap has room), then
    /// WORKINGSET_ACTIVATE_FILE and `nonresident_age` advances. Call before `addToLRU`.
    public func workingsetRefault(_ b: AllocatedBlock, shadow: Shadow, cpu: Int) -> Bool {
        let n = nodeIndex[b.node]!
        vmEvents.add(.workingsetRefaultFile, 1 << b.order, row: slot(ofCPU: cpu))
        nodes[n].reclaim.addRefaults(file: true, 1 << b.order)
        let ev = nodes[shadow.nodeIndex].lruvec
        let (distance, workingset) = ev.lock.withLock {
            var ws = ev.size(.activeFile)
            if swap.hasFreeSlots { ws += ev.size(.activeAnon) + ev.size(.inactiveAnon) }
            return (ev.nonresidentAge - shadow.eviction, ws)
        }
        guard distance <= workingset else { return false }
        let v = nodes[n].lruvec
        v.lock.withLock {
            v.nonresidentAge += 1 << b.order
            v.workingsetActivate[1] += 1 << b.order
        }
        vmEvents.add(.workingsetActivateFile, 1 << b.order, row: slot(ofCPU: cpu))
        return true
    }

    /// A task's own refault (`SimulatedTask.refault`: reclaim took its page and it touches it
    /// again), once the replacement `b` is allocated: WORKINGSET_REFAULT and WORKINGSET_ACTIVATE
    /// (always activated) on `b`'s node, as `workingset_refault` counts them on the new folio's
    /// lruvec, and on `cpu`'s counter row for /proc/vmstat.
    public func countRefault(_ b: AllocatedBlock, file: Bool, cpu: Int) {
        let n = nodeIndex[b.node]!, pages = 1 << b.order, row = slot(ofCPU: cpu)
        vmEvents.add(file ? .workingsetRefaultFile : .workingsetRefaultAnon, pages, row: row)
        vmEvents.add(file ? .workingsetActivateFile : .workingsetActivateAnon, pages, row: row)
        nodes[n].reclaim.addRefaults(file: file, pages)
        let v = nodes[n].lruvec
        v.lock.withLock { v.workingsetActivate[file ? 1 : 0] += pages }
    }

    /// WORKINGSET_ACTIVATE_{ANON,FILE} of node `n` so far (the lruvec's count, which
    /// `prepare_scan_count` compares with its snapshot).
    public func workingsetActivations(nodeIndex n: Int, file: Bool) -> Int {
        let v = nodes[n].lruvec
        return v.lock.withLock { v.workingsetActivate[file ? 1 : 0] }
    }
}
