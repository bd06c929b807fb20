/// `__alloc_pages(gfp, order, preferred_nid, nodemask)` (mm/page_alloc.c 6.1.119): the fast
/// path at the low watermark over the zonelist from the preferred zone, then the slow path at
/// the min watermark (with reserve access for atomic and __GFP_HIGH callers), waking kswapd.
/// Direct reclaim and OOM arrive with the reclaim model; until then a request that passes no
/// watermark fails with its reason.
extension PageAllocator {
    struct AllocContext {
        var gfp: GFP
        var order: Int
        var highestZone: Int
        var migrateType: MigrateType
        var zonelist: [ZoneRef]
        var nodemask: Set<Int>?
        var preferred: Int?     // index into zonelist
        var cpu: Int
    }

    func firstZone(_ ac: AllocContext) -> Int? {
        ac.zonelist.firstIndex { $0.zone <= ac.highestZone && (ac.nodemask?.contains($0.node) ?? true) }
    }

    public mutating func allocPages(gfp: GFP, order: Int, preferredNode: Int, nodemask: Set<Int>? = nil,
                                    cpu: Int, interleaveTarget: Int? = nil) -> Result<AllocatedBlock, AllocFailure> {
        guard order >= 0 && order < FreeArea.maxOrder else { return .failure(.invalidOrder(order)) }
        guard let hz = gfp.zone(arch: machine.topology.arch) else { return .failure(.invalidGFP(gfp)) }
        guard let pn = nodeIndex[preferredNode] else { return .failure(.noEligibleZone) }
        var ac = AllocContext(gfp: gfp, order: order, highestZone: hz,
                              migrateType: gfp.migrateType(mobilityDisabled: !machine.mobilityGrouping),
                              zonelist: gfp.contains(.thisnode) ? noFallbackLists[pn] : fallbackLists[pn],
                              nodemask: nodemask, preferred: nil, cpu: cpu)
        ac.preferred = firstZone(ac)
        guard ac.preferred != nil else { return .failure(.noEligibleZone) }
        var flags: AllocFlags = .wmarkLow
        flags.formUnion(noFragmentFlags(ac))
        if let b = getPageFromFreelist(&ac, flags: flags) { return .success(count(b, ac, interleaveTarget)) }
        return slowPath(&ac, interleaveTarget: interleaveTarget)
    }

    /// `alloc_flags_nofragment`
    func noFragmentFlags(_ ac: AllocContext) -> AllocFlags {
        var f: AllocFlags = ac.gfp.contains(.kswapdReclaim) ? .kswapd : []
        guard machine.topology.arch == .x86_64, let p = ac.preferred else { return f }
        let ref = ac.zonelist[p]
        guard ref.zone == 2 else { return f }
        if nodeIDs.count > 1 && !machine.zones[ref.node]![1].isPopulated { return f }
        f.insert(.noFragment)
        return f
    }

    /// `get_page_from_freelist`
    mutating func getPageFromFreelist(_ ac: inout AllocContext, flags startFlags: AllocFlags) -> AllocatedBlock? {
        var flags = startFlags
        retry: while true {
            let noFallback = flags.contains(.noFragment)
            guard let start = ac.preferred else { return nil }
            let pref = ac.zonelist[start]
            for i in start..<ac.zonelist.count {
                let ref = ac.zonelist[i]
                guard ref.zone <= ac.highestZone, ac.nodemask?.contains(ref.node) ?? true else { continue }
                if noFallback && nodeIDs.count > 1 && i != start && ref.node != pref.node {
                    flags.remove(.noFragment)
                    continue retry
                }
                let n = nodeIndex[ref.node]!
                let mark = zones[n][ref.zone].watermarkPages(flags.watermarkIndex)
                if !flags.contains(.noWatermarks) &&
                    !zones[n][ref.zone].watermarkFast(order: ac.order, mark: mark, highestZone: ac.highestZone, flags: flags, gfp: ac.gfp) {
                    continue
                }
                if let pfn = rmqueue(node: n, zone: ref.zone, ac: ac, flags: flags) {
                    if flags.contains(.highAtomic) { reserveHighatomicPageblock(node: n, zone: ref.zone, pfn: pfn) }
                    return AllocatedBlock(pfn: pfn, order: ac.order, node: ref.node, zone: ref.zone)
                }
            }
            if noFallback {
                flags.remove(.noFragment)
                continue retry
            }
            return nil
        }
    }

    /// `rmqueue`: pcp for pcp orders, else the buddy; clears a boosted watermark and wakes kswapd.
    mutating func rmqueue(node n: Int, zone zi: Int, ac: AllocContext, flags: AllocFlags) -> Int? {
        let order = ac.order
        var pfn: Int?
        if PerCPUPages.allowedOrder(order, pageblockOrder: zones[n][zi].pageblockOrder), let slot = cpuSlot[ac.cpu] {
            pfn = zones[n][zi].rmqueuePcplist(cpu: slot, order: order, ac.migrateType, flags: flags)
        } else {
            pfn = zones[n][zi].allocBlock(order: order, ac.migrateType, flags: flags)
        }
        if zones[n][zi].boostedWatermarkFlag {
            zones[n][zi].boostedWatermarkFlag = false
            wakeupKswapd(node: nodeIDs[n])
        }
        return pfn
    }

    /// Accounting of a successful allocation: PGALLOC and `zone_statistics`.
    mutating func count(_ b: AllocatedBlock, _ ac: AllocContext, _ interleaveTarget: Int?) -> AllocatedBlock {
        let n = nodeIndex[b.node]!
        pgalloc[n][b.zone] += 1 << b.order
        let pref = ac.zonelist[ac.preferred!]
        if b.node == pref.node {
            events[n][b.zone].numaHit += 1
        } else {
            events[n][b.zone].numaMiss += 1
            events[nodeIndex[pref.node]!][pref.zone].numaForeign += 1
        }
        if b.node == cpuNode[ac.cpu] { events[n][b.zone].localNode += 1 } else { events[n][b.zone].otherNode += 1 }
        if let t = interleaveTarget, t == b.node { events[n][b.zone].interleaveHit += 1 }
        return b
    }

    /// `reserve_highatomic_pageblock`
    mutating func reserveHighatomicPageblock(node n: Int, zone zi: Int, pfn: Int) {
        // Mutate in place: a copy of the zone would copy its whole mem_map.
        let maxReserved = zones[n][zi].managed / 100 + zones[n][zi].pageblockPages
        guard zones[n][zi].nrReservedHighatomic < maxReserved else { return }
        guard zones[n][zi].memmap.pageblockMigrateType(pfn: pfn).isMergeable else { return }
        zones[n][zi].nrReservedHighatomic += zones[n][zi].pageblockPages
        zones[n][zi].memmap.setPageblockMigrateType(pfn: pfn, .highAtomic)
        _ = zones[n][zi].moveFreepagesBlock(pfn, .highAtomic)
    }

    /// `wakeup_kswapd` bookkeeping (the kswapd threads come with the reclaim model).
    mutating func wakeupKswapd(node: Int) { kswapdWakeups[node, default: 0] += 1 }

    /// `wake_all_kswapds`: once per node of the eligible zonelist.
    mutating func wakeAllKswapds(_ ac: AllocContext) {
        var last: Int? = nil
        for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
            if ref.node != last && zone(node: ref.node, index: ref.zone).managed > 0 { wakeupKswapd(node: ref.node) }
            last = ref.node
        }
    }

    /// `__alloc_pages_slowpath`, reclaim-free part.
    mutating func slowPath(_ ac: inout AllocContext, interleaveTarget: Int?) -> Result<AllocatedBlock, AllocFailure> {
        var flags = ac.gfp.slowPathAllocFlags(order: ac.order)
        ac.preferred = firstZone(ac)
        guard ac.preferred != nil else { return .failure(.noEligibleZone) }
        if flags.contains(.kswapd) { wakeAllKswapds(ac) }
        if let b = getPageFromFreelist(&ac, flags: flags) { return .success(count(b, ac, interleaveTarget)) }
        if ac.gfp.contains(.memalloc) && !ac.gfp.contains(.nomemalloc) {
            flags = [.noWatermarks]
            if ac.gfp.contains(.kswapdReclaim) { flags.insert(.kswapd) }
        }
        if !flags.contains(.cpuset) || flags.contains(.noWatermarks) {
            ac.nodemask = nil
            ac.preferred = firstZone(ac)
        }
        if let b = getPageFromFreelist(&ac, flags: flags) { return .success(count(b, ac, interleaveTarget)) }
        if ac.gfp.contains(.nofail) {
            var f: AllocFlags = [.wmarkMin, .minReserve, .cpuset]
            if let b = getPageFromFreelist(&ac, flags: f) { return .success(count(b, ac, interleaveTarget)) }
            f.remove(.cpuset)
            if let b = getPageFromFreelist(&ac, flags: f) { return .success(count(b, ac, interleaveTarget)) }
        }
        allocFailures += 1
        let reason = ac.gfp.contains(.directReclaim)
            ? "every eligible zone is below its min watermark and nothing can be reclaimed (no reclaim model yet)"
            : "every eligible zone is below its min watermark and the caller cannot reclaim"
        return .failure(.noMemory(order: ac.order, gfp: ac.gfp, reason: reason))
    }
}

