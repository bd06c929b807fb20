/// Direct reclaim (mm/vmscan.c 6.1 `try_to_free_pages`, `do_try_to_free_pages`, `shrink_zones`,
/// `allow_direct_reclaim`; mm/page_alloc.c `__alloc_pages_direct_reclaim`) and node reclaim
/// (`node_reclaim`, `__node_reclaim`, `node_pagecache_reclaimable`) for `vm.zone_reclaim_mode`.
extension PageAllocator {
    /// `allow_direct_reclaim`: free pages of the node's zones up to Normal exceed half their min
    /// watermarks (or the node is hopeless). Wakes kswapd when it says no.
    func allowDirectReclaim(nodeIndex n: Int) -> Bool {
        if nodes[n].reclaim.kswapdFailures >= PageAllocator.maxReclaimRetries { return true }
        var reserve = 0, free = 0
        for z in nodes[n].zones where z.index <= machine.policyZone && z.managed > 0 {
            if lruPages(z, .inactiveFile) + lruPages(z, .activeFile) + (swap.hasFreeSlots ? lruPages(z, .inactiveAnon) + lruPages(z, .activeAnon) : 0) == 0 { continue }
            reserve += z.watermarkPages(.min)
            free += z.nrFreePages
        }
        if reserve == 0 { return true }
        let ok = free > reserve / 2
        if !ok && nodes[n].reclaim.isKswapdSleeping {
            nodes[n].reclaim.post(order: 0, highestZone: min(machine.policyZone, nodes[n].zones.count - 1))
            nodes[n].countKswapdWakeup()
            kswapdWaker?(n)
        }
        return ok
    }

    /// `try_to_free_pages` for an allocation context: `ALLOCSTALL_<gfp_zone>` once, then priority
    /// 12 → 0 over the zonelist's nodes (each once, zonelist order) until 32 pages are reclaimed.
    func tryToFreePages(_ ac: AllocContext) -> Int {
        let row = slot(ofCPU: ac.cpu)
        // throttle_direct_reclaim: counted, kswapd woken, and the caller sleeps on
        // pfmemalloc_wait until kswapd makes room: a jiffy on the simulated clock (docs/time.md).
        if let first = ac.zonelist.first(where: { $0.zone <= machine.policyZone }),
           !allowDirectReclaim(nodeIndex: first.nodeIndex) {
            vmEvents.add(.pgscanDirectThrottle, row: row)
            vmEvents.add(.workSleepNanoseconds, costs[.jiffy], row: row)
        }
        var sc = ScanControl(nrToReclaim: ScanControl.swapClusterMax, reclaimIdx: ac.highestZone, order: ac.order,
                             reclaimer: .direct, row: row, cpuSlot: cpuSlot[ac.cpu])
        vmEvents.add(VMEvent.allocstall(zone: ac.highestZone), row: row)
        var seen = Set<Int>()
        retry: while true {
            while sc.priority >= 0 {
                seen.removeAll(keepingCapacity: true)
                for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
                    if seen.insert(ref.nodeIndex).inserted { shrinkNode(nodeIndex: ref.nodeIndex, &sc) }
                }
                if sc.nrReclaimed >= sc.nrToReclaim { break }
                // consider_reclaim_throttle: no progress at priority 1 → reclaim_throttle(NOPROGRESS),
                // one jiffy asleep.
                if sc.priority == 1 && sc.nrReclaimed == 0 { vmEvents.add(.workSleepNanoseconds, costs[.jiffy], row: row) }
                sc.priority -= 1
            }
            // "Untapped cgroup reserves? Don't OOM, retry": nothing reclaimed while memory.low
            // kept a memcg out, so reclaim again from DEF_PRIORITY, below memory.low this time.
            if sc.nrReclaimed == 0 && sc.memcgLowSkipped && !sc.memcgLowReclaim {
                sc.priority = ScanControl.defPriority
                sc.memcgLowReclaim = true
                sc.memcgLowSkipped = false
                continue retry
            }
            break
        }
        for n in seen { snapshotRefaults(nodeIndex: n) }
        return sc.nrReclaimed
    }

    /// NODE_RECLAIM_* results.
    enum NodeReclaimResult { case noScan, full, some, success }

    /// `node_pagecache_reclaimable` (no mapped page cache in this model).
    func nodePagecacheReclaimable(nodeIndex n: Int) -> Int {
        let file = lruSize(nodeIndex: n, .inactiveFile) + lruSize(nodeIndex: n, .activeFile)
        let delta = zoneReclaimMode & 2 != 0 ? 0 : nodes[n].reclaim.dirtyFilePages
        return file - min(delta, file)
    }

    /// `node_reclaim(pgdat, gfp, order)` from the fast path, when zone_reclaim_mode is on.
    func nodeReclaim(nodeIndex n: Int, _ ac: AllocContext) -> NodeReclaimResult {
        let minUnmapped = machine.minUnmappedPages[nodeIDs[n]] ?? 0
        let minSlab = machine.minSlabPages[nodeIDs[n]] ?? 0
        let reclaimable = nodePagecacheReclaimable(nodeIndex: n)
        if reclaimable <= minUnmapped && 0 <= minSlab { return .full }
        if !ac.gfp.contains(.directReclaim) { return .noScan }
        let hasCPUs = !(machine.topology.node(nodeIDs[n])?.cpus.isEmpty ?? true)
        if hasCPUs && nodeIDs[n] != cpuNode[ac.cpu] { return .noScan }
        if nodes[n].reclaim.reclaimLocked.exchange(true, ordering: .acquiring) { return .noScan }
        defer { nodes[n].reclaim.reclaimLocked.store(false, ordering: .releasing) }
        let want = 1 << ac.order
        var sc = ScanControl(nrToReclaim: max(want, ScanControl.swapClusterMax), reclaimIdx: ac.highestZone, order: ac.order,
                             reclaimer: .node, row: slot(ofCPU: ac.cpu), cpuSlot: cpuSlot[ac.cpu])
        sc.priority = 4
        sc.mayWritepage = zoneReclaimMode & 2 != 0
        sc.mayUnmap = zoneReclaimMode & 4 != 0
        if reclaimable > minUnmapped {
            repeat {
                shrinkNode(nodeIndex: n, &sc)
                sc.priority -= 1
            } while sc.nrReclaimed < want && sc.priority >= 0
        }
        let ok = sc.nrReclaimed >= want
        if !ok { vmEvents.add(.zoneReclaimFailed, row: sc.row) }
        return ok ? .success : .some
    }

    /// `zone_reclaimable_pages`: file LRU pages, plus anon LRU pages while swap has room
    /// (6.1.158: the zone's free pages when that is zero).
    func zoneReclaimablePages(_ z: Zone) -> Int {
        var n = lruPages(z, .inactiveFile) + lruPages(z, .activeFile)
        if swap.hasFreeSlots { n += lruPages(z, .inactiveAnon) + lruPages(z, .activeAnon) }
        return n
    }

    /// `unreserve_highatomic_pageblock(ac, force)`: give a HighAtomic pageblock back to the
    /// request's migratetype. Returns true if something moved.
    func unreserveHighatomicPageblock(_ ac: AllocContext, force: Bool) -> Bool {
        for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
            let z = nodes[ref.nodeIndex].zones[ref.zone]
            if !force && z.nrReservedHighatomic <= z.pageblockPages { continue }
            let moved: Bool = z.lock.withLock {
                for order in 0..<FreeArea.maxOrder {
                    guard let pfn = z.memmap.headPfn(z.freeArea.list(order: order, .highAtomic)) else { continue }
                    if z.memmap.pageblockMigrateType(pfn: pfn) == .highAtomic {
                        z.addReservedHighatomic(-min(z.pageblockPages, z.nrReservedHighatomic))
                    }
                    z.memmap.setPageblockMigrateType(pfn: pfn, ac.migrateType)
                    let (movedPages, _) = z.moveFreepagesBlock(pfn, ac.migrateType)
                    if movedPages > 0 { return true }
                }
                return false
            }
            if moved { return true }
        }
        return false
    }
}
