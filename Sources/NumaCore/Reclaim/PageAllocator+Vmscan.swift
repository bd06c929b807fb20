/// Classic LRU reclaim (mm/vmscan.c 6.1, MGLRU off): `shrink_node`, `prepare_scan_count`,
/// `get_scan_count`, `shrink_lruvec`, `shrink_inactive_list`, `shrink_folio_list`,
/// `folio_check_references`, `shrink_active_list`, `inactive_is_low`.
///
/// Simplifications (docs/reclaim.md): the per-zone LRU (see `LRUVec`) — a pass takes each batch
/// from the eligible zone with the longest list; reclaim costs (`lru_note_cost`) are taken as
/// equal, so SCAN_FRACT splits by swappiness alone; once `nr_to_reclaim` is reached the pass
/// stops instead of rescaling the other lists; dirty page cache is written back synchronously by
/// kswapd (direct reclaim keeps it); no slab shrinkers, no mapped page cache, no exec pages.
extension PageAllocator {
    /// `inactive_is_low`: inactive × ratio < active, ratio = int_sqrt(10 × GiB) (1 below 1 GiB).
    func inactiveIsLow(nodeIndex n: Int, file: Bool, highestZone: Int) -> Bool {
        let inactive = lruSize(nodeIndex: n, file ? .inactiveFile : .inactiveAnon, highestZone: highestZone)
        let active = lruSize(nodeIndex: n, file ? .activeFile : .activeAnon, highestZone: highestZone)
        let gb = (inactive + active) >> (30 - 12)
        let ratio = gb > 0 ? Int(KernelMath.intSqrt(UInt64(10 * gb))) : 1
        return inactive * ratio < active
    }

    /// `shrink_node` → `shrink_lruvec` for node index `n`. Returns pages reclaimed by this call.
    @discardableResult
    public func shrinkNode(nodeIndex n: Int, _ sc: inout ScanControl) -> Int {
        let before = sc.nrReclaimed
        var size = [Int](repeating: 0, count: 4)
        for l in LRUVec.List.allCases { size[l.rawValue] = lruSize(nodeIndex: n, l, highestZone: sc.reclaimIdx) }
        let canSwap = sc.maySwap && swap.hasFreeSlots
        // prepare_scan_count
        let deactivateAnon = canSwap && inactiveIsLow(nodeIndex: n, file: false, highestZone: sc.reclaimIdx)
        let deactivateFile = inactiveIsLow(nodeIndex: n, file: true, highestZone: sc.reclaimIdx)
        let cacheTrim = (size[LRUVec.List.inactiveFile.rawValue] >> sc.priority) != 0 && !deactivateFile
        let highSum = nodes[n].zones.reduce(0) { $0 + ($1.managed > 0 ? $1.watermarkPages(.high) : 0) }
        let fileIsTiny = size[2] + size[3] + freePages(node: nodeIDs[n]) <= highSum && !deactivateAnon
            && (size[0] >> sc.priority) != 0
        // get_scan_count
        enum Balance { case equal, fract, file, anon }
        let balance: Balance
        if !canSwap { balance = .file }
        else if sc.priority == 0 && swappiness != 0 { balance = .equal }
        else if fileIsTiny { balance = .anon }
        else if cacheTrim { balance = .file }
        else { balance = .fract }
        // Equal anon and file costs: total = 0, so ap = swappiness, fp = 200 − swappiness.
        let ap = swappiness, fp = 200 - swappiness
        var nr = [Int](repeating: 0, count: 4)
        for l in LRUVec.List.allCases {
            var scan = size[l.rawValue] >> sc.priority
            switch balance {
            case .equal: break
            case .fract: scan = ap + fp == 0 ? 0 : scan * (l.isFile ? fp : ap) / (ap + fp)
            case .file: if !l.isFile { scan = 0 }
            case .anon: if l.isFile { scan = 0 }
            }
            nr[l.rawValue] = scan
        }
        // shrink_lruvec
        while nr[0] > 0 || nr[3] > 0 || nr[2] > 0 {
            for l in LRUVec.List.allCases where nr[l.rawValue] > 0 {
                let take = min(nr[l.rawValue], ScanControl.swapClusterMax)
                nr[l.rawValue] -= take
                if l.isActive {
                    if l.isFile ? deactivateFile : deactivateAnon { shrinkActiveList(nodeIndex: n, l, take, &sc) }
                } else {
                    sc.nrReclaimed += shrinkInactiveList(nodeIndex: n, l, take, &sc)
                }
            }
            if sc.nrReclaimed >= sc.nrToReclaim { break }
        }
        if canSwap && inactiveIsLow(nodeIndex: n, file: false, highestZone: sc.reclaimIdx) {
            shrinkActiveList(nodeIndex: n, .activeAnon, ScanControl.swapClusterMax, &sc)
        }
        let reclaimed = sc.nrReclaimed - before
        if reclaimed > 0 { nodes[n].reclaim.failuresAtomic.store(0, ordering: .relaxed) }
        return reclaimed
    }

    /// The eligible zone of node `n` with the most pages on list `l` (nil if all are empty).
    func busiestZone(nodeIndex n: Int, _ l: LRUVec.List, highestZone: Int) -> Zone? {
        var best: Zone? = nil
        var bestCount = 0
        for z in nodes[n].zones where z.index <= highestZone {
            let c = lruPages(z, l)
            if c > bestCount { best = z; bestCount = c }
        }
        return best
    }

    /// `isolate_lru_folios`: up to `nr` pages from the tail (oldest end) of a list.
    func isolate(_ z: Zone, _ l: LRUVec.List, _ nr: Int) -> [Int] {
        z.lru.lock.withLock {
            var out: [Int] = []
            out.reserveCapacity(nr)
            let list = z.lru.lists + l.rawValue
            while out.count < nr, let pfn = z.memmap.tailPfn(list.pointee) {
                z.memmap.unlink(pfn, &list.pointee)
                z.memmap.removeLRUFlags(pfn, .lru)
                out.append(pfn)
            }
            return out
        }
    }

    enum Verdict { case activate, keep, reclaim, reclaimClean }

    /// `shrink_inactive_list` + `shrink_folio_list`. Returns pages reclaimed.
    func shrinkInactiveList(nodeIndex n: Int, _ l: LRUVec.List, _ nrToScan: Int, _ sc: inout ScanControl) -> Int {
        guard let z = busiestZone(nodeIndex: n, l, highestZone: sc.reclaimIdx) else { return 0 }
        let isolated = isolate(z, l, nrToScan)
        sc.nrScanned += isolated.count
        vmEvents.add(sc.reclaimer == .kswapd ? .pgscanKswapd : .pgscanDirect, isolated.count, row: sc.row)
        vmEvents.add(l.isFile ? .pgscanFile : .pgscanAnon, isolated.count, row: sc.row)
        var reclaimed = 0
        for pfn in isolated {
            let f = z.memmap.lruFlags(pfn: pfn)
            if f.contains(.orphan) {
                commitReclaim(z, pfn, n, sc, tookSwapSlot: false)
                reclaimed += 1
                continue
            }
            // folio_check_references
            let young = z.memmap.removeLRUFlags(pfn, .young).contains(.young)
            let referenced = z.memmap.removeLRUFlags(pfn, .referenced).contains(.referenced)
            var verdict: Verdict
            if young {
                z.memmap.insertLRUFlags(pfn, .referenced)
                verdict = referenced ? .activate : .keep
            } else if referenced && f.kind == .file {
                verdict = .reclaimClean
            } else {
                verdict = .reclaim
            }
            var tookSlot = false
            if verdict == .reclaim || verdict == .reclaimClean {
                if f.kind == .anon {
                    // add_to_swap: without a free slot the page goes back active.
                    if sc.maySwap && swap.take() { tookSlot = true } else { verdict = .activate }
                } else if z.memmap.lruFlags(pfn: pfn).contains(.dirty) {
                    if verdict == .reclaim && sc.reclaimer == .kswapd && sc.mayWritepage {
                        // pageout(): written back (synchronously in this model), then clean.
                        z.memmap.removeLRUFlags(pfn, .dirty)
                        nodes[n].reclaim.addDirty(-1)
                        vmEvents.add(.nrWritten, row: sc.row)
                    } else {
                        verdict = .keep
                    }
                }
            }
            switch verdict {
            case .reclaim, .reclaimClean:
                if commitReclaim(z, pfn, n, sc, tookSwapSlot: tookSlot) { reclaimed += 1 }
            case .activate:
                putBack(z, pfn, active: true, n, sc)
            case .keep:
                putBack(z, pfn, active: false, n, sc)
            }
        }
        vmEvents.add(sc.reclaimer == .kswapd ? .pgstealKswapd : .pgstealDirect, reclaimed, row: sc.row)
        vmEvents.add(l.isFile ? .pgstealFile : .pgstealAnon, reclaimed, row: sc.row)
        return reclaimed
    }

    /// The page leaves its owner: generation bumped under the LRU lock (the owner's handle goes
    /// stale), LRU state cleared, then freed. An anon page goes to swap unless its owner already
    /// let go of it. Returns true (always frees).
    @discardableResult
    func commitReclaim(_ z: Zone, _ pfn: Int, _ n: Int, _ sc: ScanControl, tookSwapSlot: Bool) -> Bool {
        let f: LRUFlags = z.lru.lock.withLock {
            let f = z.memmap.lruFlags(pfn: pfn)
            _ = z.memmap.bumpGeneration(pfn)
            z.memmap.setLRUFlags(pfn, [])
            return f
        }
        if tookSwapSlot {
            if f.contains(.orphan) { swap.release() } else { vmEvents.add(.pswpout, row: sc.row) }
        }
        if f.kind == .file && f.contains(.dirty) { nodes[n].reclaim.addDirty(-1) }
        freeReclaimed(z, pfn, sc)
        return true
    }

    /// Back on a list (`move_folios_to_lru`), unless the owner let go meanwhile.
    func putBack(_ z: Zone, _ pfn: Int, active: Bool, _ n: Int, _ sc: ScanControl) {
        let orphaned: Bool = z.lru.lock.withLock {
            let f = z.memmap.lruFlags(pfn: pfn)
            if dropOrphanLocked(z, pfn, f, n) { return true }
            if active { z.memmap.insertLRUFlags(pfn, [.active, .lru]) } else { z.memmap.insertLRUFlags(pfn, .lru) }
            z.memmap.pushHead(pfn, &z.lru.lists[LRUVec.List.of(kind: f.kind, active: active).rawValue])
            return false
        }
        if orphaned {
            freeReclaimed(z, pfn, sc)
        } else if active {
            vmEvents.add(.pgactivate, row: sc.row)
        }
    }

    /// A page isolated from the LRU whose owner let go of it meanwhile (an orphan: the owner's
    /// free found it isolated and left it to reclaim, as `folio_put` leaves the last reference to
    /// the isolating side): its LRU state is cleared and its generation bumped, and the caller
    /// frees it. Under the LRU lock. Returns false for a page still owned.
    func dropOrphanLocked(_ z: Zone, _ pfn: Int, _ f: LRUFlags, _ n: Int) -> Bool {
        guard f.contains(.orphan) else { return false }
        if f.kind == .file && f.contains(.dirty) { nodes[n].reclaim.addDirty(-1) }
        z.memmap.setLRUFlags(pfn, [])
        _ = z.memmap.bumpGeneration(pfn)
        return true
    }

    func freeReclaimed(_ z: Zone, _ pfn: Int, _ sc: ScanControl) {
        vmEvents.add(.pgfree, row: sc.row)
        if let slot = sc.cpuSlot { z.freePages(cpu: slot, pfn: pfn, order: 0) } else { z.freeBlock(pfn, order: 0) }
    }

    /// `shrink_active_list`: deactivate up to `nr` pages from the active tail (the accessed bit
    /// is consumed; 6.1 keeps only executable file pages active, which are not modelled).
    func shrinkActiveList(nodeIndex n: Int, _ l: LRUVec.List, _ nr: Int, _ sc: inout ScanControl) {
        guard let z = busiestZone(nodeIndex: n, l, highestZone: sc.reclaimIdx) else { return }
        let isolated = isolate(z, l, nr)
        vmEvents.add(.pgrefill, isolated.count, row: sc.row)
        var deactivated = 0
        for pfn in isolated {
            z.memmap.removeLRUFlags(pfn, .young)
            let orphaned: Bool = z.lru.lock.withLock {
                let f = z.memmap.lruFlags(pfn: pfn)
                if dropOrphanLocked(z, pfn, f, n) { return true }
                z.memmap.removeLRUFlags(pfn, .active)
                z.memmap.insertLRUFlags(pfn, .lru)
                z.memmap.pushHead(pfn, &z.lru.lists[LRUVec.List.of(kind: f.kind, active: false).rawValue])
                return false
            }
            if orphaned { freeReclaimed(z, pfn, sc) } else { deactivated += 1 }
        }
        vmEvents.add(.pgdeactivate, deactivated, row: sc.row)
    }
}
