/// Classic LRU reclaim of one node (mm/vmscan.c 6.1, MGLRU off): `shrink_node`,
/// `prepare_scan_count`, `get_scan_count`, `shrink_lruvec`, `shrink_list`, `inactive_is_low`.
/// The list walkers (`isolate_lru_folios`, `shrink_inactive_list`, `shrink_folio_list`,
/// `shrink_active_list`) are in `PageAllocator+ShrinkList.swift`.
///
/// SCAN_FRACT weighs swappiness against the recent reclaim costs of each type
/// (`lru_note_cost`: pages reclaim had to write out, to swap or to the file).
extension PageAllocator {
    /// `lru_note_cost(lruvec, file, nr_pages)` (mm/swap.c 6.1): `nr_pages` written out by
    /// reclaim count as cost of their type; when the costs exceed a quarter of the node's LRU
    /// pages both are halved (a decaying average).
    func lruNoteCost(nodeIndex n: Int, file: Bool, _ nrPages: Int) {
        guard nrPages > 0 else { return }
        let v = nodes[n].lruvec
        v.lock.withLock {
            if file { v.fileCost += nrPages } else { v.anonCost += nrPages }
            let lrusize = LRUVec.List.allCases.reduce(0) { $0 + v.size($1) }
            if v.fileCost + v.anonCost > lrusize / 4 {
                v.fileCost /= 2
                v.anonCost /= 2
            }
        }
    }

    /// `inactive_is_low(lruvec, inactive_lru)`: inactive × ratio < active over the whole node
    /// (`lruvec_page_state`, all zones), ratio = int_sqrt(10 × GiB) (1 below 1 GiB).
    /// For a memcg limit reclaim (`memcg` ≠ 0) the sizes are the memcg's lruvec on the node.
    func inactiveIsLow(nodeIndex n: Int, file: Bool, memcg: Int = 0) -> Bool {
        let inactive = lruSize(nodeIndex: n, file ? .inactiveFile : .inactiveAnon, memcg: memcg)
        let active = lruSize(nodeIndex: n, file ? .activeFile : .activeAnon, memcg: memcg)
        let gb = (inactive + active) >> (30 - 12)
        let ratio = gb > 0 ? Int(KernelMath.intSqrt(UInt64(10 * gb))) : 1
        return inactive * ratio < active
    }

    /// SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE (`enum scan_balance`).
    enum ScanBalance { case equal, fract, file, anon }

    /// `shrink_node` → `prepare_scan_count` → `shrink_lruvec` for node index `n`. Returns pages
    /// reclaimed by this call.
    @discardableResult
    public func shrinkNode(nodeIndex n: Int, _ sc: inout ScanControl) -> Int {
        let before = sc.nrReclaimed
        let lruvec = nodes[n].lruvec
        if sc.targetMemcg == 0 && memcgs.count > 1 { memcgProtection(&sc) }
        // can_reclaim_anon_pages: swap space, or a lower tier to demote to.
        let canSwap = sc.maySwap && canReclaimAnon(nodeIndex: n)
        // prepare_scan_count: deactivate when inactive is low, or when refaults were activated
        // since the last reclaim run ended (`snapshot_refaults`).
        let (refaultsAnon, refaultsFile) = lruvec.lock.withLock {
            (lruvec.workingsetActivate[0] != lruvec.refaultsSnapshot[0], lruvec.workingsetActivate[1] != lruvec.refaultsSnapshot[1])
        }
        let memcg = sc.targetMemcg
        let deactivateAnon = refaultsAnon || inactiveIsLow(nodeIndex: n, file: false, memcg: memcg)
        let deactivateFile = refaultsFile || inactiveIsLow(nodeIndex: n, file: true, memcg: memcg)
        let cacheTrim = (lruSize(nodeIndex: n, .inactiveFile, memcg: memcg) >> sc.priority) != 0 && !deactivateFile
        let highSum = nodes[n].zones.reduce(0) { $0 + ($1.managed > 0 ? $1.watermarkPages(.high) : 0) }
        let nodeFile = lruSize(nodeIndex: n, .inactiveFile) + lruSize(nodeIndex: n, .activeFile)
        // file_is_tiny is worked out for global reclaim only (`if (!cgroup_reclaim(sc))`).
        let fileIsTiny = memcg == 0 && nodeFile + freePages(node: nodeIDs[n]) <= highSum && !deactivateAnon
            && (lruSize(nodeIndex: n, .inactiveAnon) >> sc.priority) != 0
        // get_scan_count
        let balance: ScanBalance
        if !canSwap { balance = .file }
        else if sc.priority == 0 && swappiness != 0 { balance = .equal }
        else if fileIsTiny { balance = .anon }
        else if cacheTrim { balance = .file }
        else { balance = .fract }
        // SCAN_FRACT: swappiness against the costs (each side gets the total as a floor, so
        // one type's cost cannot starve the other); without costs ap = swappiness,
        // fp = 200 − swappiness.
        let (anonCost, fileCost) = lruvec.lock.withLock { (lruvec.anonCost, lruvec.fileCost) }
        let total = anonCost + fileCost
        let anonC = total + anonCost, fileC = total + fileCost
        let ap = swappiness * (anonC + fileC + 1) / (anonC + 1)
        let fp = (200 - swappiness) * (anonC + fileC + 1) / (fileC + 1)
        var nr = [Int](repeating: 0, count: 4)
        for l in LRUVec.List.allCases {
            var scan = lruSize(nodeIndex: n, l, highestZone: sc.reclaimIdx, memcg: memcg)
            if !sc.protectedMemcgs.isEmpty { scan -= min(scan, lruvec.lock.withLock { sc.protectedMemcgs.reduce(0) { $0 + lruvec.memcgSize($1, l) } }) }
            scan >>= sc.priority
            switch balance {
            case .equal: break
            case .fract: scan = ap + fp == 0 ? 0 : scan * (l.isFile ? fp : ap) / (ap + fp)
            case .file: if !l.isFile { scan = 0 }
            case .anon: if l.isFile { scan = 0 }
            }
            nr[l.rawValue] = scan
        }
        shrinkLruvec(nodeIndex: n, nr, deactivate: (deactivateAnon, deactivateFile), canSwap: canSwap, &sc)
        let reclaimed = sc.nrReclaimed - before
        if reclaimed > 0 { nodes[n].reclaim.failuresAtomic.store(0, ordering: .relaxed) }
        return reclaimed
    }

    /// `shrink_lruvec`: batches of SWAP_CLUSTER_MAX from each list in turn until the targets
    /// are scanned. Once this call reclaimed `nr_to_reclaim`, it stops scanning the smaller of
    /// anon and file and rescales the other to the share of its target not yet scanned (the
    /// proportional scan), except for global direct reclaim at DEF_PRIORITY
    /// (`proportional_reclaim`), which scans its whole targets. After each round
    /// (`cond_resched`) the engine's `reclaimBatchDone` hook runs, outside every lock.
    func shrinkLruvec(nodeIndex n: Int, _ targets: [Int], deactivate: (anon: Bool, file: Bool), canSwap: Bool,
                      _ sc: inout ScanControl) {
        var nr = targets
        var nrReclaimed = 0
        let nrToReclaim = sc.nrToReclaim
        let proportionalReclaim = sc.reclaimer != .kswapd && sc.priority == ScanControl.defPriority
        let ia = LRUVec.List.inactiveAnon.rawValue, aa = LRUVec.List.activeAnon.rawValue
        let iF = LRUVec.List.inactiveFile.rawValue, aF = LRUVec.List.activeFile.rawValue
        while nr[ia] > 0 || nr[aF] > 0 || nr[iF] > 0 {
            for l in LRUVec.List.allCases where nr[l.rawValue] > 0 {
                let take = min(nr[l.rawValue], ScanControl.swapClusterMax)
                nr[l.rawValue] -= take
                // shrink_list
                if l.isActive {
                    if l.isFile ? deactivate.file : deactivate.anon { shrinkActiveList(nodeIndex: n, l, take, &sc) }
                } else {
                    nrReclaimed += shrinkInactiveList(nodeIndex: n, l, take, &sc)
                }
            }
            reclaimBatchDone?(sc.row)
            if nrReclaimed < nrToReclaim || proportionalReclaim { continue }
            let nrFile = nr[iF] + nr[aF], nrAnon = nr[ia] + nr[aa]
            if nrFile == 0 || nrAnon == 0 { break }
            // Stop the smaller type; scan the other in proportion to what is left of its target.
            let percentage: Int
            let other: [Int]
            if nrFile > nrAnon {
                percentage = nrAnon * 100 / (targets[ia] + targets[aa] + 1)
                nr[ia] = 0; nr[aa] = 0
                other = [iF, aF]
            } else {
                percentage = nrFile * 100 / (targets[iF] + targets[aF] + 1)
                nr[iF] = 0; nr[aF] = 0
                other = [ia, aa]
            }
            for l in other {
                let scanned = targets[l] - nr[l]
                nr[l] = targets[l] * (100 - percentage) / 100
                nr[l] -= min(nr[l], scanned)
            }
        }
        sc.nrReclaimed += nrReclaimed
        // Rebalance anon active/inactive even when anon was not scanned (can_age_anon_pages).
        if canAgeAnon(nodeIndex: n) && inactiveIsLow(nodeIndex: n, file: false, memcg: sc.targetMemcg) {
            shrinkActiveList(nodeIndex: n, .activeAnon, ScanControl.swapClusterMax, &sc)
        }
    }

    /// `snapshot_refaults`: the end of a reclaim run remembers the node's workingset
    /// activations, so the next `prepare_scan_count` sees only new ones.
    func snapshotRefaults(nodeIndex n: Int) {
        let v = nodes[n].lruvec
        v.lock.withLock { v.refaultsSnapshot = v.workingsetActivate }
    }
}
