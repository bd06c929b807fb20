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
        var zonelist: UnsafeBufferPointer<ZonelistEntry>
        var nodemask: NodeMaskView?
        var preferred: Int?     // index into zonelist
        var cpu: Int
    }

    /// `first_zones_zonelist`: the first entry allowed by the highest zone and the nodemask.
    func firstZone(_ ac: AllocContext) -> Int? {
        for i in 0..<ac.zonelist.count {
            let ref = ac.zonelist[i]
            if ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) { return i }
        }
        return nil
    }

    public func allocPages(gfp: GFP, order: Int, preferredNode: Int, nodemask: Set<Int>? = nil,
                           cpu: Int, interleaveTarget: Int? = nil) -> Result<AllocatedBlock, AllocFailure> {
        guard let nodemask else {
            return allocPages(gfp: gfp, order: order, preferredNode: preferredNode, mask: nil, cpu: cpu, interleaveTarget: interleaveTarget)
        }
        // nodemask_t as a bitmap on the stack: membership tests on the zonelist walk cost a
        // shift, not a hash.
        let words = ((nodeIDs.max() ?? 0) >> 6) + 1
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: words) { buf in
            buf.initialize(repeating: 0)
            for n in nodemask where n >= 0 && n < words << 6 { buf[n >> 6] |= 1 << UInt64(n & 63) }
            return allocPages(gfp: gfp, order: order, preferredNode: preferredNode,
                              mask: NodeMaskView(words: UnsafeBufferPointer(buf)), cpu: cpu, interleaveTarget: interleaveTarget)
        }
    }

    func allocPages(gfp: GFP, order: Int, preferredNode: Int, mask: NodeMaskView?,
                    cpu: Int, interleaveTarget: Int?) -> Result<AllocatedBlock, AllocFailure> {
        guard order >= 0 && order < FreeArea.maxOrder else { return .failure(.invalidOrder(order)) }
        guard let hz = gfp.zone(arch: arch) else { return .failure(.invalidGFP(gfp)) }
        guard let pn = nodeIndex[preferredNode] else { return .failure(.noEligibleZone) }
        var ac = AllocContext(gfp: gfp, order: order, highestZone: hz,
                              migrateType: gfp.migrateType(mobilityDisabled: mobilityDisabled),
                              zonelist: zonelistTable.list(nodeIndex: pn, thisNode: gfp.contains(.thisnode)),
                              nodemask: mask, preferred: nil, cpu: cpu)
        ac.preferred = firstZone(ac)
        guard ac.preferred != nil else { return .failure(.noEligibleZone) }
        var flags: AllocFlags = .wmarkLow
        flags.formUnion(noFragmentFlags(ac))
        if let b = getPageFromFreelist(&ac, flags: flags) { return .success(count(b, ac, interleaveTarget)) }
        return slowPath(&ac, interleaveTarget: interleaveTarget)
    }

    /// `alloc_flags_nofragment`
    @inline(__always) func noFragmentFlags(_ ac: AllocContext) -> AllocFlags {
        var f: AllocFlags = ac.gfp.contains(.kswapdReclaim) ? .kswapd : []
        guard arch == .x86_64, let p = ac.preferred else { return f }
        let ref = ac.zonelist[p]
        guard ref.zone == 2 else { return f }
        if nodeIDs.count > 1 && !dma32Populated[ref.nodeIndex] { return f }
        f.insert(.noFragment)
        return f
    }

    /// `get_page_from_freelist`
    func getPageFromFreelist(_ ac: inout AllocContext, flags startFlags: AllocFlags) -> AllocatedBlock? {
        var flags = startFlags
        let multiNode = nodeIDs.count > 1
        retry: while true {
            let noFallback = flags.contains(.noFragment)
            guard let start = ac.preferred else { return nil }
            let pref = ac.zonelist[start]
            for i in start..<ac.zonelist.count {
                let ref = ac.zonelist[i]
                guard ref.zone <= ac.highestZone, ac.nodemask?.contains(ref.node) ?? true else { continue }
                if noFallback && multiNode && i != start && ref.node != pref.node {
                    flags.remove(.noFragment)
                    continue retry
                }
                let ok = withZone(ref.nodeIndex, ref.zone) { z in
                    flags.contains(.noWatermarks) ||
                        z.watermarkFast(order: ac.order, mark: z.watermarkPages(flags.watermarkIndex),
                                        highestZone: ac.highestZone, flags: flags, gfp: ac.gfp)
                }
                if !ok { continue }
                if let pfn = rmqueue(node: ref.nodeIndex, zone: ref.zone, ac: ac, flags: flags) {
                    if flags.contains(.highAtomic) { reserveHighatomicPageblock(node: ref.nodeIndex, zone: ref.zone, pfn: pfn) }
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
    func rmqueue(node n: Int, zone zi: Int, ac: AllocContext, flags: AllocFlags) -> Int? {
        let order = ac.order
        let slot = cpuSlot[ac.cpu]
        let (pfn, boosted) = withZone(n, zi) { z -> (Int?, Bool) in
            let pfn: Int?
            if let slot, PerCPUPages.allowedOrder(order, pageblockOrder: z.pageblockOrder) {
                pfn = z.rmqueuePcplist(cpu: slot, order: order, ac.migrateType, flags: flags)
            } else {
                pfn = z.allocBlock(order: order, ac.migrateType, flags: flags)
            }
            guard z.boostedWatermarkFlag else { return (pfn, false) }
            z.boostedWatermarkFlag = false
            return (pfn, true)
        }
        if boosted { wakeupKswapd(node: nodeIDs[n]) }
        return pfn
    }

    /// Accounting of a successful allocation: PGALLOC and `zone_statistics`, on the allocating
    /// CPU's rows (folded when read, as the kernel's per-CPU diffs are).
    func count(_ b: AllocatedBlock, _ ac: AllocContext, _ interleaveTarget: Int?) -> AllocatedBlock {
        let slot = self.slot(ofCPU: ac.cpu)
        let pref = ac.zonelist[ac.preferred!]
        let servedIndex = b.node == pref.node ? pref.nodeIndex : nodeIndex[b.node]!
        let local = b.node == cpuNode[ac.cpu]
        let hit = interleaveTarget == b.node
        withZone(servedIndex, b.zone) { z in
            let p = z.pcp.pointer(slot)
            p.pointee.pgalloc &+= 1 << b.order
            if b.node == pref.node { p.pointee.events.numaHit &+= 1 } else { p.pointee.events.numaMiss &+= 1 }
            if local { p.pointee.events.localNode &+= 1 } else { p.pointee.events.otherNode &+= 1 }
            if hit { p.pointee.events.interleaveHit &+= 1 }
        }
        if b.node != pref.node {
            withZone(pref.nodeIndex, pref.zone) { $0.pcp.pointer(slot).pointee.events.numaForeign &+= 1 }
        }
        return b
    }

    /// `reserve_highatomic_pageblock`
    func reserveHighatomicPageblock(node n: Int, zone zi: Int, pfn: Int) {
        let z = zones[n][zi]   // slow path: a retain is fine here
        let maxReserved = z.managed / 100 + z.pageblockPages
        guard z.nrReservedHighatomic < maxReserved else { return }
        z.lock.withLock {
            guard z.nrReservedHighatomic < maxReserved else { return }
            let mt = z.memmap.pageblockMigrateType(pfn: pfn)
            guard mt.isMergeable else { return }
            z.addReservedHighatomic(z.pageblockPages)
            z.memmap.setPageblockMigrateType(pfn: pfn, .highAtomic)
            _ = z.moveFreepagesBlock(pfn, .highAtomic)
        }
    }

    /// `wakeup_kswapd` bookkeeping (the kswapd threads come with the reclaim model).
    func wakeupKswapd(node: Int) { kswapdWakeupCounts.add(nodeIndex[node]!) }

    /// `wake_all_kswapds`: once per node of the eligible zonelist.
    func wakeAllKswapds(_ ac: AllocContext) {
        var last: Int? = nil
        for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
            if ref.node != last && zones[ref.nodeIndex][ref.zone].managed > 0 { wakeupKswapd(node: ref.node) }
            last = ref.node
        }
    }

    /// `__alloc_pages_slowpath`, reclaim-free part.
    func slowPath(_ ac: inout AllocContext, interleaveTarget: Int?) -> Result<AllocatedBlock, AllocFailure> {
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
        vmEvents.add(.allocFail, row: slot(ofCPU: ac.cpu))
        let reason: FailureReason = ac.gfp.contains(.directReclaim) ? .nothingReclaimable : .cannotReclaim
        return .failure(.noMemory(order: ac.order, gfp: ac.gfp, reason: reason))
    }
}

