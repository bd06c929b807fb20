/// The boot numbers after boot: what the kernel recomputes when memory goes on- or offline
/// (mm/memory_hotplug.c `online_pages`, `offline_pages`) and when a sysctl is written.
///
/// A memory block changes a zone's present and managed pages; then `init_per_zone_wmark_min`
/// runs again (min_free_kbytes from the *current* high watermarks, watermarks, pcp high/batch,
/// stat thresholds, lowmem_reserve, node reclaim ratios, the THP raise), and
/// `build_all_zonelists` runs when a zone became populated or unpopulated — a rebuild that sees
/// the CPUs now in each node's mask (kernel-reference §5.2).
extension BootedMachine {
    /// `memory_block_size_bytes()`. x86-64 (`probe_memory_block_size`, bare metal): 128 MiB
    /// below 64 GiB of memory, else 2 GiB; other arches: one memory section.
    public var memoryBlockPages: Int {
        guard topology.arch == .x86_64 else { return Int(topology.arch.sectionBytes >> ZoneLayout.pageShift) }
        // max_pfn at boot: memory a driver hot-adds later does not count.
        let endPfn = allZones.filter { !(topology.node($0.node)?.isHotAdded ?? false) }
            .map { $0.startPfn + $0.spanned }.max() ?? 0
        let bytes: UInt64 = UInt64(endPfn) << UInt64(ZoneLayout.pageShift) < (64 << 30) ? 128 << 20 : 2 << 30
        return Int(bytes >> UInt64(ZoneLayout.pageShift))
    }

    /// Zones whose memory blocks numasim lets go offline: ZONE_MOVABLE and the zones at or above
    /// `policy_zone` (Normal on x86-64, HighMem on i386). The kernel would also try DMA32 blocks,
    /// but boot memory there always holds unmovable pages on real machines.
    public func isOfflinable(zoneIndex i: Int) -> Bool { i == movableIndex || i >= policyZone }

    /// `adjust_managed_page_count` + `adjust_present_page_count` for one block, and the zone
    /// span: `move_pfn_range_to_zone` grows it, `remove_pfn_range_from_zone` (`shrink_zone_span`)
    /// shrinks it to the blocks still present (empty when none is).
    /// `managed` changes by `managedDelta` when given (hot-added memory whose last block holds
    /// the pages the topology keeps reserved), else by `delta`.
    public mutating func adjustZone(node: Int, zone i: Int, pages delta: Int, managed managedDelta: Int? = nil,
                                    span: Range<Int>) {
        var z = zones[node]![i]
        z.present += delta
        z.managed += managedDelta ?? delta
        z.free += managedDelta ?? delta
        if z.present == 0 {
            z.startPfn = 0
            z.spanned = 0
        } else if delta > 0 {
            let lo = z.spanned == 0 ? span.lowerBound : min(z.startPfn, span.lowerBound)
            let hi = z.spanned == 0 ? span.upperBound : max(z.startPfn + z.spanned, span.upperBound)
            z.startPfn = lo
            z.spanned = hi - lo
        }
        zones[node]![i] = z
    }

    /// Shrinks a zone's span to `span` (the caller knows which blocks remain present).
    public mutating func setSpan(node: Int, zone i: Int, _ span: Range<Int>) {
        guard zones[node]![i].present > 0 else { return }
        zones[node]![i].startPfn = span.lowerBound
        zones[node]![i].spanned = span.count
    }

    /// `init_per_zone_wmark_min` as run by memory hotplug: `calculate_min_free_kbytes` from
    /// `nr_free_buffer_pages()` with today's high watermarks (a user-written min_free_kbytes
    /// wins only while the calculated value is not larger), `setup_per_zone_wmarks`,
    /// `refresh_zone_stat_thresholds`, `setup_per_zone_lowmem_reserve`, the node reclaim ratios
    /// and `khugepaged_min_free_kbytes_update`.
    public mutating func initPerZoneWmarkMin() {
        let lowmem = nrFreeBufferPages()
        let user = topology.sysctl.minFreeKbytes ?? -1
        calculatedMinFreeKbytes = MinFreeKbytes.calculated(lowmemPages: lowmem, userMinFreeKbytes: user, current: minFreeKbytes)
        minFreeKbytes = calculatedMinFreeKbytes
        setupPerZoneWatermarks()
        refreshZoneStatThresholds()
        setupLowmemReserve()
        setupNodeReclaimRatios()
        if thpEnabled {
            let nrZones = allZones.filter { $0.present > 0 && $0.index <= normalIndex }.count
            let rec = MinFreeKbytes.thpRecommended(nrZones: nrZones, pageblockPages: pageblockPages,
                                                   freeBufferPages: nrFreeBufferPages())
            thpRecommendedMinFreeKbytes = rec
            if rec > minFreeKbytes {
                minFreeKbytes = rec
                setupPerZoneWatermarks()
            }
        }
    }

    /// `nr_free_buffer_pages()`: the local fallback zonelist holds every node with memory, so
    /// this is Σ max(0, managed − high) over all zones ≤ Normal.
    public func nrFreeBufferPages() -> Int {
        allZones.filter { $0.index <= normalIndex }.reduce(0) { $0 + max(0, $1.managed - $1.watermark.highPages) }
    }

    /// `setup_min_unmapped_ratio`, `setup_min_slab_ratio`.
    public mutating func setupNodeReclaimRatios() {
        for id in nodeIDs {
            minUnmappedPages[id] = zones[id]!.reduce(0) { $0 + $1.managed * topology.sysctl.minUnmappedRatio / 100 }
            minSlabPages[id] = zones[id]!.reduce(0) { $0 + $1.managed * topology.sysctl.minSlabRatio / 100 }
        }
    }

    /// `build_all_zonelists(NULL)` after boot: node_load reset, every node rebuilt, each seeing
    /// the CPUs now in its node's mask and the nodes that now have memory.
    public mutating func rebuildAllZonelists() {
        var indexOf: [Int: Int] = [:]
        for (i, n) in topology.nodes.enumerated() { indexOf[n.id] = i }
        let t = topology
        let populated = Dictionary(uniqueKeysWithValues: zones.map { id, list in
            (id, Array(list.filter { $0.present > 0 }.map(\.index).reversed()))
        })
        let hasCPUs = Dictionary(uniqueKeysWithValues: t.nodes.map { ($0.id, !$0.cpus.isEmpty) })
        zonelistsRebuiltAfterBoot = true
        rebuiltZonelists = Zonelists.build(
            nodes: nodeIDs, hasMemory: { !populated[$0]!.isEmpty }, hasCPUs: { hasCPUs[$0]! },
            distance: { t.distances[indexOf[$0]!][indexOf[$1]!] }, maxNumNodes: t.kernel.maxNumNodes,
            zonesOf: { populated[$0]! }, sawCPUs: true)
        var policy = 0
        for z in allZones where z.present > 0 && z.index != movableIndex && z.index > policy { policy = z.index }
        policyZone = policy
    }

    /// A sysctl write after boot, as its handler recomputes (`min_free_kbytes_sysctl_handler`,
    /// `watermark_scale_factor_sysctl_handler`, `lowmem_reserve_ratio_sysctl_handler`,
    /// `percpu_pagelist_high_fraction_sysctl_handler`, the node reclaim ratio handlers): from the
    /// machine as it stands, so memory taken offline stays offline.
    public mutating func applySysctlWrite() {
        if let user = topology.sysctl.minFreeKbytes { minFreeKbytes = user }
        setupPerZoneWatermarks()
        setupLowmemReserve()
        setupNodeReclaimRatios()
    }
}
