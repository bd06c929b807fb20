/// The LRU list walkers of mm/vmscan.c 6.1: `isolate_lru_folios`, `shrink_inactive_list`,
/// `shrink_folio_list`, `folio_check_references`, `move_folios_to_lru`, `shrink_active_list`.
///
/// Simplifications (docs/reclaim.md): dirty page cache is written back synchronously by kswapd
/// (direct reclaim keeps it); no `may_unmap` check on mapped pages; no exec pages.
extension PageAllocator {
    /// `isolate_lru_folios`: walks node `n`'s list `l` from its tail, taking up to `nrToScan`
    /// pages of zones ≤ `sc.reclaimIdx`. Pages of higher zones are skipped: not counted against
    /// `nrToScan`, spliced back at the list's head in their order, and counted as
    /// `pgskip_<zone>`. Returns the pages taken (PG_lru cleared) and `nr_scanned`, which counts
    /// every page walked, skipped ones included, as the kernel's `total_scan` does. A THP is
    /// one entry of 512 pages (`folio_nr_pages`) in every count.
    func isolate(nodeIndex n: Int, _ l: LRUVec.List, _ nrToScan: Int, _ sc: ScanControl) -> (taken: [(Zone, Int)], scanned: Int) {
        let v = nodes[n].lruvec
        if sc.targetMemcg != 0 || !sc.protectedMemcgs.isEmpty { return v.lock.withLock { isolateMemcgLocked(v, l, nrToScan, sc) } }
        return v.lock.withLock {
            var taken: [(Zone, Int)] = []
            taken.reserveCapacity(nrToScan)
            var skipped: [(Zone, Int)] = []
            var scan = 0, total = 0
            while scan < nrToScan, let (z, pfn) = v.tail(l) {
                let nr = 1 << z.memmap.order(pfn: pfn)
                total += nr
                v.remove(z, pfn, l)
                if z.index > sc.reclaimIdx {
                    skipped.append((z, pfn))
                    v.pgskip[z.index] += nr
                    continue
                }
                scan += nr
                z.memmap.removeLRUFlags(pfn, .lru)
                taken.append((z, pfn))
            }
            for (z, pfn) in skipped { v.addHead(z, pfn, l) }
            return (taken, total)
        }
    }

    /// `enum folio_references`
    enum Verdict { case activate, keep, reclaim, reclaimClean }

    /// `folio_check_references`: the PTE accessed bit (`folio_referenced`) and PG_referenced,
    /// both consumed. A mapped page seen young is marked referenced and kept for another trip
    /// ("look twice"), activated if it was referenced already; an unreferenced page is
    /// reclaimed; a referenced unmapped file page (read(2) page cache) is FOLIOREF_RECLAIM_CLEAN.
    func folioCheckReferences(_ z: Zone, _ pfn: Int, _ kind: PageKind) -> Verdict {
        let young = z.memmap.removeLRUFlags(pfn, .young).contains(.young)
        let referenced = z.memmap.removeLRUFlags(pfn, .referenced).contains(.referenced)
        if young {
            z.memmap.insertLRUFlags(pfn, .referenced)
            return referenced ? .activate : .keep
        }
        return referenced && kind == .file ? .reclaimClean : .reclaim
    }

    /// `shrink_inactive_list` + `shrink_folio_list`: PGSCAN_{KSWAPD,DIRECT} and PGSCAN_{ANON,FILE}
    /// count `nr_scanned`; PGSTEAL_* the pages freed; PGACTIVATE the pages activated; the pages
    /// written out (`stat.nr_pageout`: swapped, or dirty page cache written) go to
    /// `lru_note_cost`. Node
    /// reclaim runs in the allocating task and counts as direct, as in 6.1
    /// (`current_is_kswapd()`). Returns pages reclaimed.
    func shrinkInactiveList(nodeIndex n: Int, _ l: LRUVec.List, _ nrToScan: Int, _ sc: inout ScanControl) -> Int {
        let (isolated, scanned) = isolate(nodeIndex: n, l, nrToScan, sc)
        sc.nrScanned += scanned
        vmEvents.add(sc.reclaimer == .kswapd ? .pgscanKswapd : .pgscanDirect, scanned, row: sc.row)
        vmEvents.add(l.isFile ? .pgscanFile : .pgscanAnon, scanned, row: sc.row)
        var reclaimed = 0, pageouts = 0
        // do_demote_pass: what would be reclaimed moves to the lower tier first.
        let demote = canDemote(nodeIndex: n)
        var toDemote: [(Zone, Int)] = []
        for (z, pfn) in isolated {
            let f = z.memmap.lruFlags(pfn: pfn)
            if f.contains(.orphan) {
                reclaimed += 1 << z.memmap.order(pfn: pfn)
                commitReclaim(z, pfn, n, sc, tookSwapSlot: false)
                continue
            }
            let verdict = folioCheckReferences(z, pfn, f.kind)
            if demote && (verdict == .reclaim || verdict == .reclaimClean) {
                toDemote.append((z, pfn))
                continue
            }
            let (freed, pageout) = reclaimOrPutBack(z, pfn, verdict, n, sc)
            reclaimed += freed
            pageouts += pageout
        }
        if !toDemote.isEmpty {
            // demote_folio_list; what did not move goes round again without demotion (its
            // references were consumed: the second look reclaims it).
            let (demoted, left) = demotePages(toDemote, nodeIndex: n, sc)
            reclaimed += demoted
            for (z, pfn) in left {
                let (freed, pageout) = reclaimOrPutBack(z, pfn, .reclaim, n, sc)
                reclaimed += freed
                pageouts += pageout
            }
        }
        vmEvents.add(sc.reclaimer == .kswapd ? .pgstealKswapd : .pgstealDirect, reclaimed, row: sc.row)
        vmEvents.add(l.isFile ? .pgstealFile : .pgstealAnon, reclaimed, row: sc.row)
        lruNoteCost(nodeIndex: n, file: l.isFile, pageouts)
        return reclaimed
    }

    /// The rest of `shrink_folio_list` for one page after its references were read: an anon
    /// page needs a swap slot (without one it goes back active), dirty page cache is written
    /// back by kswapd or kept; then the page is reclaimed, or put back. Returns the pages freed
    /// and written out (`stat.nr_pageout`). An anonymous THP to be reclaimed is split first
    /// (`split_folio_to_list` before `add_to_swap`, THP_SPLIT_PAGE) and its 512 pages go on
    /// alone; one to keep or activate goes back whole.
    func reclaimOrPutBack(_ z: Zone, _ pfn: Int, _ v: Verdict, _ n: Int, _ sc: ScanControl) -> (freed: Int, pageout: Int) {
        if (v == .reclaim || v == .reclaimClean) && z.memmap.order(pfn: pfn) == TransparentHugepage.order {
            guard let parts = splitIsolatedHugePage(z, pfn, nodeIndex: n, row: sc.row) else {
                // Its owner let go meanwhile: freed whole.
                commitReclaim(z, pfn, n, sc, tookSwapSlot: false)
                return (TransparentHugepage.pages, 0)
            }
            var freed = 0, pageouts = 0
            for p in parts {
                let (f, o) = reclaimOrPutBack(z, p, v, n, sc)
                freed += f
                pageouts += o
            }
            return (freed, pageouts)
        }
        var verdict = v
        var tookSlot = false, pageout = false
        if verdict == .reclaim || verdict == .reclaimClean {
            let f = z.memmap.lruFlags(pfn: pfn)
            if f.kind == .anon {
                // add_to_swap: without a free slot the page goes back active.
                if sc.maySwap && swap.take() { tookSlot = true; pageout = true } else { verdict = .activate }
            } else if f.contains(.dirty) {
                if verdict == .reclaim && sc.reclaimer == .kswapd && sc.mayWritepage {
                    // pageout(): written back (synchronously in this model), then clean.
                    z.memmap.removeLRUFlags(pfn, .dirty)
                    accountDirty(n, z, -1)
                    vmEvents.add(.nrWritten, row: sc.row)
                    nodes[n].reclaim.addWritten(1)
                    pageout = true
                } else {
                    verdict = .keep
                }
            }
        }
        let out = pageout ? 1 : 0
        switch verdict {
        case .reclaim, .reclaimClean:
            commitReclaim(z, pfn, n, sc, tookSwapSlot: tookSlot)
            return (1, out)
        case .activate:
            putBack(z, pfn, active: true, n, sc)
        case .keep:
            putBack(z, pfn, active: false, n, sc)
        }
        return (0, out)
    }

    /// The page leaves its owner (`__remove_mapping`): generation bumped under the LRU lock (the
    /// owner's handle goes stale), LRU state cleared, then freed. A file page its owner still
    /// holds leaves a shadow entry (`workingset_eviction`). An anon page goes to swap unless its
    /// owner already let go of it. Returns true (always frees).
    @discardableResult
    func commitReclaim(_ z: Zone, _ pfn: Int, _ n: Int, _ sc: ScanControl, tookSwapSlot: Bool) -> Bool {
        let v = nodes[n].lruvec
        let f: LRUFlags = v.lock.withLock {
            let f = z.memmap.lruFlags(pfn: pfn)
            let old = z.memmap.generation(pfn: pfn)
            _ = z.memmap.bumpGeneration(pfn)
            z.memmap.setLRUFlags(pfn, [])
            if f.kind == .file && !f.contains(.orphan) { workingsetEviction(v, pfn: pfn, generation: old) }
            return f
        }
        if tookSwapSlot {
            if f.contains(.orphan) { swap.release() } else { vmEvents.add(.pswpout, row: sc.row) }
        }
        if f.kind == .file && f.contains(.dirty) { accountDirty(n, z, -1) }
        freeReclaimed(z, pfn, sc)
        return true
    }

    /// Back on a list (`move_folios_to_lru`: an active page advances `nonresident_age`),
    /// unless the owner let go meanwhile. PGACTIVATE for an activated page.
    func putBack(_ z: Zone, _ pfn: Int, active: Bool, _ n: Int, _ sc: ScanControl) {
        let v = nodes[n].lruvec
        let orphaned: Bool = v.lock.withLock {
            let f = z.memmap.lruFlags(pfn: pfn)
            if dropOrphanLocked(z, pfn, f, n) { return true }
            if active {
                z.memmap.insertLRUFlags(pfn, [.active, .lru])
                v.nonresidentAge += 1 << z.memmap.order(pfn: pfn)
            } else {
                z.memmap.insertLRUFlags(pfn, .lru)
            }
            v.addHead(z, pfn, LRUVec.List.of(kind: f.kind, active: active))
            return false
        }
        if orphaned {
            freeReclaimed(z, pfn, sc)
        } else if active {
            vmEvents.add(.pgactivate, 1 << z.memmap.order(pfn: pfn), row: sc.row)
        }
    }

    /// A page isolated from the LRU whose owner let go of it meanwhile (an orphan: the owner's
    /// free found it isolated and left it to reclaim, as `folio_put` leaves the last reference to
    /// the isolating side): its LRU state is cleared and its generation bumped, and the caller
    /// frees it. Under the LRU lock. Returns false for a page still owned.
    func dropOrphanLocked(_ z: Zone, _ pfn: Int, _ f: LRUFlags, _ n: Int) -> Bool {
        guard f.contains(.orphan) else { return false }
        if f.kind == .file && f.contains(.dirty) { accountDirty(n, z, -1) }
        z.memmap.setLRUFlags(pfn, [])
        _ = z.memmap.bumpGeneration(pfn)
        return true
    }

    /// Frees the page (or THP) at `pfn` that reclaim holds. A THP freed whole (an orphan, or
    /// the old copy of a demoted one) leaves NR_ANON_THPS.
    func freeReclaimed(_ z: Zone, _ pfn: Int, _ sc: ScanControl) {
        let order = z.memmap.order(pfn: pfn)
        if order != 0 { thp.addAnon(nodeIndex: nodeIndex[z.node]!, -1) }
        if !memcgs.isEmpty { memcgUncharge(z, pfn, order: order) }
        vmEvents.add(.pgfree, 1 << order, row: sc.row)
        if let slot = sc.cpuSlot { z.freePages(cpu: slot, pfn: pfn, order: order) } else { z.freeBlock(pfn, order: order) }
    }

    /// `shrink_active_list`: isolates up to `nr` pages from the active tail (PGREFILL counts
    /// `nr_scanned`, skipped pages included), consumes their accessed bit and deactivates them
    /// (PGDEACTIVATE): 6.1 keeps only referenced executable file pages active, which are not
    /// modelled. PG_referenced stays as it was.
    func shrinkActiveList(nodeIndex n: Int, _ l: LRUVec.List, _ nr: Int, _ sc: inout ScanControl) {
        let (isolated, scanned) = isolate(nodeIndex: n, l, nr, sc)
        vmEvents.add(.pgrefill, scanned, row: sc.row)
        let v = nodes[n].lruvec
        var deactivated = 0
        for (z, pfn) in isolated {
            z.memmap.removeLRUFlags(pfn, .young)
            let orphaned: Bool = v.lock.withLock {
                let f = z.memmap.lruFlags(pfn: pfn)
                if dropOrphanLocked(z, pfn, f, n) { return true }
                z.memmap.removeLRUFlags(pfn, .active)
                z.memmap.insertLRUFlags(pfn, .lru)
                v.addHead(z, pfn, LRUVec.List.of(kind: f.kind, active: false))
                return false
            }
            if orphaned { freeReclaimed(z, pfn, sc) } else { deactivated += 1 << z.memmap.order(pfn: pfn) }
        }
        vmEvents.add(.pgdeactivate, deactivated, row: sc.row)
    }
}
