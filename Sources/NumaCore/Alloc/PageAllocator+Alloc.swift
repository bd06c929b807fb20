/// `__alloc_pages(gfp, order, preferred_nid, nodemask)` (mm/page_alloc.c 6.1.119): the fast
/// path at the low watermark over the zonelist from the preferred zone, then the slow path at
/// the min watermark (with reserve access for atomic and __GFP_HIGH callers), waking kswapd,
/// then direct reclaim (PageAllocator+DirectReclaim.swift) and the OOM killer; a request that
/// still passes no watermark fails with its reason.
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

    /// The call without a nodemask or interleave target (`alloc_pages_node`), the one almost
    /// every caller makes: its own entry point, so that the order-0 fast path keeps fewer
    /// arguments alive for the fallback call (measured: fewer spills than the general entry).
    public func allocPages(gfp: GFP, order: Int, preferredNode: Int, cpu: Int) -> Result<AllocatedBlock, AllocFailure> {
        if order == 0 && fastPathEnabled,
           let b = allocOrder0Fast(gfp: gfp, preferredNode: preferredNode, cpu: cpu, interleaveTarget: nil) {
            return .success(b)
        }
        return allocPagesGeneric(gfp: gfp, order: order, preferredNode: preferredNode, cpu: cpu)
    }

    /// Everything the order-0 fast path does not serve, out of line: the fast path's hit then
    /// needs no stack frame and saves no registers for the generic path's sake.
    @inline(never)
    func allocPagesGeneric(gfp: GFP, order: Int, preferredNode: Int, cpu: Int) -> Result<AllocatedBlock, AllocFailure> {
        allocPages(gfp: gfp, order: order, preferredNode: preferredNode, mask: nil, cpu: cpu, interleaveTarget: nil)
    }

    public func allocPages(gfp: GFP, order: Int, preferredNode: Int, nodemask: Set<Int>? = nil,
                           cpu: Int, interleaveTarget: Int? = nil) -> Result<AllocatedBlock, AllocFailure> {
        if order == 0 && nodemask == nil && fastPathEnabled,
           let b = allocOrder0Fast(gfp: gfp, preferredNode: preferredNode, cpu: cpu, interleaveTarget: interleaveTarget) {
            return .success(b)
        }
        guard let nodemask else {
            return allocPages(gfp: gfp, order: order, preferredNode: preferredNode, mask: nil, cpu: cpu, interleaveTarget: interleaveTarget)
        }
        return allocPagesWithNodemask(gfp: gfp, order: order, preferredNode: preferredNode, nodemask: nodemask, cpu: cpu,
                                      interleaveTarget: interleaveTarget)
    }

    /// With a nodemask: out of line so that the fast path's hit pays for no stack frame of the
    /// nodemask bitmap.
    @inline(never)
    func allocPagesWithNodemask(gfp: GFP, order: Int, preferredNode: Int, nodemask: Set<Int>,
                                cpu: Int, interleaveTarget: Int?) -> Result<AllocatedBlock, AllocFailure> {
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
        serviceDrainRequest(cpu: cpu)
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
        guard ref.zone == normalZoneIndex else { return f }
        if nodeIDs.count > 1 && !nodes[ref.nodeIndex].dma32Populated { return f }
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
                        z.watermarkFast(order: ac.order, mark: z.watermarkPages(index: flags.watermarkIndex),
                                        highestZone: ac.highestZone, flags: flags, gfp: ac.gfp)
                }
                if !ok {
                    // node_reclaim before going further down the zonelist (zone_reclaim_mode).
                    guard zoneReclaimMode != 0, !flags.contains(.noWatermarks),
                          nodes[pref.nodeIndex].distance(toIndex: ref.nodeIndex) <= machine.topology.kernel.nodeReclaimDistance
                    else { continue }
                    switch nodeReclaim(nodeIndex: ref.nodeIndex, ac) {
                    case .noScan, .full: continue
                    case .some, .success:
                        let z = nodes[ref.nodeIndex].zones[ref.zone]
                        if !z.watermarkOK(order: ac.order, mark: z.watermarkPages(index: flags.watermarkIndex), highestZone: ac.highestZone,
                                          flags: flags, free: z.nrFreePages) { continue }
                    }
                }
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
                pfn = z.allocBlock(order: order, ac.migrateType, flags: flags, cpu: slot ?? systemSlot)
            }
            guard z.boostedWatermarkFlag else { return (pfn, false) }
            z.boostedWatermarkFlag = false
            return (pfn, true)
        }
        if boosted { wakeupKswapd(nodeIndex: n, order: 0, highestZone: zi, gfp: ac.gfp) }
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
        var b = b
        // The system row is shared by every caller that is not a CPU (kswapd's demotions run
        // on several kswapds at once): its counters are bumped under the zone lock.
        let shared = slot == systemSlot
        withZone(servedIndex, b.zone) { z in
            // Only reclaim bumps generations: a handle must go stale when reclaim takes its
            // page, and every other way out of an allocation (the owner's free) ends the handle.
            // Every path that frees a page leaves its LRU byte clear.
            b.generation = z.memmap.generation(pfn: b.pfn)
            let p = z.pcp.pointer(slot)
            if shared { z.lock.lock() }
            p.pointee.pgalloc &+= 1 << b.order
            if b.node == pref.node { p.pointee.events.numaHit &+= 1 } else { p.pointee.events.numaMiss &+= 1 }
            if local { p.pointee.events.localNode &+= 1 } else { p.pointee.events.otherNode &+= 1 }
            if hit { p.pointee.events.interleaveHit &+= 1 }
            if shared { z.lock.unlock() }
        }
        if b.node != pref.node {
            withZone(pref.nodeIndex, pref.zone) { z in
                if shared { z.lock.lock() }
                z.pcp.pointer(slot).pointee.events.numaForeign &+= 1
                if shared { z.lock.unlock() }
            }
        }
        return b
    }

    /// `reserve_highatomic_pageblock`
    func reserveHighatomicPageblock(node n: Int, zone zi: Int, pfn: Int) {
        let z = nodes[n].zones[zi]   // slow path: a retain is fine here
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

    /// `wake_all_kswapds`: once per node of the eligible zonelist.
    func wakeAllKswapds(_ ac: AllocContext) {
        var last: Int? = nil
        for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
            if ref.node != last && nodes[ref.nodeIndex].zones[ref.zone].managed > 0 {
                wakeupKswapd(nodeIndex: ref.nodeIndex, order: ac.order, highestZone: ac.highestZone, gfp: ac.gfp)
            }
            last = ref.node
        }
    }

    /// MAX_RECLAIM_RETRIES bounds the no-progress loops; OOM kills are bounded too so that a
    /// victim that cannot free memory does not spin the simulation forever.
    static let maxOOMKillsPerAllocation = 4

    /// `__alloc_pages_slowpath` (6.1.119): wake kswapd, retry at min with the reserves the
    /// caller may use, direct compaction (`__alloc_pages_direct_compact`, first for costly and
    /// non-movable high orders, then after each direct reclaim; `should_compact_retry`), direct
    /// reclaim, `should_reclaim_retry`, the highatomic unreserve, OOM, and `__GFP_NOFAIL`. Failure is returned with its reason, never a crash.
    func slowPath(_ ac: inout AllocContext, interleaveTarget: Int?) -> Result<AllocatedBlock, AllocFailure> {
        let canDirectReclaim = ac.gfp.contains(.directReclaim)
        let costly = ac.order > PerCPUPages.costlyOrder
        var flags = ac.gfp.slowPathAllocFlags(order: ac.order)
        ac.preferred = firstZone(ac)
        guard ac.preferred != nil else { return .failure(.noEligibleZone) }
        if flags.contains(.kswapd) { wakeAllKswapds(ac) }
        if let b = getPageFromFreelist(&ac, flags: flags) { return .success(count(b, ac, interleaveTarget)) }
        var noProgressLoops = 0
        var oomKills = 0
        var reason: FailureReason = canDirectReclaim ? .nothingReclaimable : .cannotReclaim
        // Direct compaction first for costly and non-movable high orders (Compaction/).
        var compactResult = CompactResult.skipped, compactPriority = CompactPriority.initial, compactionRetries = 0
        var nopage = false
        if canDirectReclaim && (costly || (ac.order > 0 && ac.migrateType != .movable))
            && !(ac.gfp.contains(.memalloc) && !ac.gfp.contains(.nomemalloc)) {
            if let b = directCompact(&ac, allocFlags: flags, priority: .initial, result: &compactResult) { return .success(count(b, ac, interleaveTarget)) }
            if costly && ac.gfp.contains(.noretry) && (compactResult == .skipped || compactResult == .deferred) { reason = .noRetry; nopage = true }
        }
        retry: while !nopage {
            if flags.contains(.kswapd) { wakeAllKswapds(ac) }
            if ac.gfp.contains(.memalloc) && !ac.gfp.contains(.nomemalloc) {
                flags = [.noWatermarks]
                if ac.gfp.contains(.kswapdReclaim) { flags.insert(.kswapd) }
            }
            if !flags.contains(.cpuset) || flags.contains(.noWatermarks) {
                ac.nodemask = nil
                ac.preferred = firstZone(ac)
            }
            if let b = getPageFromFreelist(&ac, flags: flags) { return .success(count(b, ac, interleaveTarget)) }
            guard canDirectReclaim else { break retry }
            // __alloc_pages_direct_reclaim
            let progress = tryToFreePages(ac)
            if progress > 0 {
                if let b = getPageFromFreelist(&ac, flags: flags) { return .success(count(b, ac, interleaveTarget)) }
                _ = unreserveHighatomicPageblock(ac, force: false)
                drainLocalPages(cpu: ac.cpu)
                requestDrainAllPages()
                if let b = getPageFromFreelist(&ac, flags: flags) { return .success(count(b, ac, interleaveTarget)) }
            }
            if let b = directCompact(&ac, allocFlags: flags, priority: compactPriority, result: &compactResult) { return .success(count(b, ac, interleaveTarget)) }
            if ac.gfp.contains(.noretry) { reason = .noRetry; break retry }
            if costly && !ac.gfp.contains(.retryMayfail) { reason = progress > 0 ? .retriesExhausted : .nothingReclaimable; break retry }
            if shouldReclaimRetry(&ac, flags: flags, didProgress: progress > 0, noProgressLoops: &noProgressLoops) { continue retry }
            if progress > 0 && shouldCompactRetry(ac, allocFlags: flags, result: compactResult, priority: &compactPriority,
                                                  retries: &compactionRetries) { continue retry }
            // __alloc_pages_may_oom
            var last = ac
            if let b = getPageFromFreelist(&last, flags: [.wmarkHigh, .cpuset]) { return .success(count(b, ac, interleaveTarget)) }
            let mayKill = !costly && !ac.gfp.contains(.retryMayfail) && !ac.gfp.contains(.thisnode) && ac.highestZone >= machine.policyZone
            if mayKill, oomKills < PageAllocator.maxOOMKillsPerAllocation, let killer = oomKiller {
                if outOfMemory(ac, killer: killer) {
                    oomKills += 1
                    noProgressLoops = 0
                    continue retry
                }
                // panic("System is deadlocked on memory"): nothing runs after it.
                if hasPanicked { return .failure(.noMemory(order: ac.order, gfp: ac.gfp, reason: .outOfMemoryPanic)) }
            }
            reason = progress > 0 ? .retriesExhausted : .nothingReclaimable
            break retry
        }
        if ac.gfp.contains(.nofail) {
            var f: AllocFlags = [.wmarkMin, .minReserve, .cpuset]
            if let b = getPageFromFreelist(&ac, flags: f) { return .success(count(b, ac, interleaveTarget)) }
            f.remove(.cpuset)
            if let b = getPageFromFreelist(&ac, flags: f) { return .success(count(b, ac, interleaveTarget)) }
        }
        vmEvents.add(.allocFail, row: slot(ofCPU: ac.cpu))
        return .failure(.noMemory(order: ac.order, gfp: ac.gfp, reason: reason))
    }

    /// `should_reclaim_retry`: up to 16 loops without progress while some eligible zone would
    /// meet its min watermark if all its reclaimable pages were freed; then a forced highatomic
    /// unreserve earns one more try.
    func shouldReclaimRetry(_ ac: inout AllocContext, flags: AllocFlags, didProgress: Bool, noProgressLoops: inout Int) -> Bool {
        if didProgress && ac.order <= PerCPUPages.costlyOrder { noProgressLoops = 0 } else { noProgressLoops += 1 }
        if noProgressLoops <= PageAllocator.maxReclaimRetries {
            for ref in ac.zonelist where ref.zone <= ac.highestZone && (ac.nodemask?.contains(ref.node) ?? true) {
                let z = nodes[ref.nodeIndex].zones[ref.zone]
                let available = zoneReclaimablePages(z) + z.nrFreePages
                if z.watermarkOK(order: ac.order, mark: z.watermarkPages(.min), highestZone: ac.highestZone, flags: flags, free: available) {
                    return true
                }
            }
        }
        return unreserveHighatomicPageblock(ac, force: true)
    }

    /// `drain_local_pages`: this CPU's pagesets back to the buddy.
    func drainLocalPages(cpu: Int) {
        guard let slot = cpuSlot[cpu] else { return }
        for node in nodes { for z in node.zones where slot < z.pcp.count { z.drainPages(cpu: slot) } }
    }

    /// `drain_all_pages`: every other CPU drains its own pagesets when it next enters the allocator.
    func requestDrainAllPages() {
        for i in 0..<cpus.count { drainRequests.add(i) }
    }

    /// Honour a pending drain request for `cpu` (called on allocator entry).
    @inline(__always) func serviceDrainRequest(cpu: Int) {
        guard let slot = cpuSlot[cpu], drainRequests[slot] > 0 else { return }
        drainRequests.storage[slot].store(0, ordering: .relaxed)
        drainLocalPages(cpu: cpu)
    }
}
