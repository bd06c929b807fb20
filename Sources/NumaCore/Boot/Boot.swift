import NumaTopology

/// The boot sequence, in the kernel's order:
///
/// 1. `free_area_init`: zone spans, present pages, the managed estimate (`ZoneLayout`).
/// 2. `build_all_zonelists` (from `start_kernel`, before SMP bring-up: no CPU is in its node's
///    mask yet on x86), "Total pages", mobility grouping, policy zone.
/// 3. `memblock_free_all`: managed pages (`ManagedPages`).
/// 4. `init_per_zone_wmark_min`: `calculate_min_free_kbytes`, `setup_per_zone_wmarks` (+
///    `zone_pcp_update` for every zone), `refresh_zone_stat_thresholds`,
///    `setup_per_zone_lowmem_reserve`, `setup_min_unmapped_ratio`, `setup_min_slab_ratio`.
/// 5. `hugepage_init` → `set_recommended_min_free_kbytes` raises min_free_kbytes if THP is on;
///    `memory_tier_init` (`MemoryTiers`); then memory that dax/kmem hot-adds (`memory_type:
///    dax_kmem`), which steps 1–4 left out, comes online block by block (`online_pages`).
/// 6. Sysctls written after boot (`min_free_kbytes` given as a number, …) recompute watermarks.
///
/// Values recorded from a real machine (`ZoneOverride`) replace the computed ones at the step
/// that computes them, so everything downstream follows from the recorded numbers.
///
/// A topology that cannot boot throws `BootError`: the node, the topology key and what was
/// expected, without a file (`InputError.labelling(file:)` adds it where the topology was read).
extension BootedMachine {
    /// Boots `t` as Linux 6.1 does (the steps above): zones, watermarks, lowmem_reserve,
    /// pagesets, zonelists, memory tiers. What `numasim topology show` prints.
    ///
    /// - Throws: `BootError` when the machine cannot boot (overlapping memory, a zone that
    ///   cannot hold its recorded pages, …).
    public init(topology t: Topology) throws(BootError) {
        do { try TopologyValidator.validate(t) } catch { throw .invalidTopology(error) }
        let layout = try ZoneLayout(topology: t)
        let names = t.arch.zoneNames
        let movableIndex = names.firstIndex(of: "Movable")!
        let highmemIndex = names.firstIndex(of: "HighMem")
        let nodeIDs = t.nodes.map(\.id).sorted()
        let onlineCPUs = t.allCPUs.count

        // 1. Zone spans and the estimate seen by build_all_zonelists.
        var zones: [Int: [BootZone]] = [:]
        for (nodeIndex, node) in t.nodes.enumerated() {
            var list: [BootZone] = []
            for (index, name) in names.enumerated() {
                let span = layout.span(node: node.id, zone: index, movableIndex: movableIndex)
                let highmem = index == highmemIndex || (index == movableIndex && highmemIndex != nil && layout.movableZone == highmemIndex)
                var z = BootZone(node: node.id, index: index, name: name, startPfn: span.startPfn,
                                 spanned: span.spanned, present: span.present, managed: 0, bootEstimate: 0,
                                 free: 0, lowmemReserve: [Int](repeating: 0, count: names.count), isHighmem: highmem)
                if let o = node.zones[name] {
                    if let v = o.startPfn { z.startPfn = v }
                    if let v = o.spanned { z.spanned = v }
                    if let v = o.present { z.present = v }
                }
                list.append(z)
            }
            try ManagedPages.assign(zones: &list, node: node, layout: layout, arch: t.arch,
                                    legacyHoles: t.legacyHoles)
            for i in list.indices {
                if let m = node.zones[list[i].name]?.managed { list[i].managed = m }
                guard list[i].managed <= list[i].present else {
                    throw .zoneManagedAbovePresent(node: node.id, zone: list[i].name, managed: list[i].managed,
                                                   present: list[i].present)
                }
                // The zone's managed pages are freed from the node's memory inside its span
                // (`Zone.freeManagedPages`): a recorded span elsewhere would leave them short.
                let z = list[i]
                if z.managed > 0 {
                    let (end, overflow) = z.startPfn.addingReportingOverflow(z.spanned)
                    let inside = overflow ? 0 : layout.presentPages(node: node.id, in: z.startPfn..<max(z.startPfn, end))
                    guard inside >= z.managed else {
                        let span = layout.nodeSpan(node.id)
                        throw .invalidTopology(TopologyIssue(
                            place: .nodeKey(nodeIndex, "zones.\(z.name).spanned"), key: "nodes[\(nodeIndex)].zones.\(z.name).spanned",
                            message: "the zone spans pfn \(z.startPfn)…\(overflow ? "2^63" : String(end - 1)), where node \(node.id)'s memory (pfn \(span.lowerBound)…\(span.upperBound - 1)) has \(inside) pages, fewer than its \(z.managed) managed pages; expected start_pfn and spanned inside the node's memory"))
                    }
                }
            }
            zones[node.id] = list
        }
        // Memory a driver hot-adds after boot (dax/kmem) is not there at boot: its zones start
        // empty and come online after step 5 (`hotAddDriverMemory`, BootedMachine+DaxKmem.swift).
        var plugged: [Int: [BootZone]] = [:]
        for (i, node) in t.nodes.enumerated() where node.isHotAdded {
            try BootedMachine.checkHotAddedZones(zones[node.id]!, node: node, index: i, arch: t.arch)
            plugged[node.id] = zones[node.id]
            zones[node.id] = zones[node.id]!.map(\.unpopulated)
        }
        // dma_reserve: reserved pages below MAX_DMA_PFN (x86 memblock_find_dma_reserve).
        var dmaReserve = 0
        for id in nodeIDs { if let z = zones[id]?.first, z.present > 0 { dmaReserve += z.present - z.managed } }
        for id in nodeIDs {
            for i in zones[id]!.indices {
                zones[id]![i].bootEstimate = ManagedPages.bootEstimate(zone: zones[id]![i], dmaReserve: dmaReserve, arch: t.arch)
            }
        }

        // 2. Zonelists: boot build without CPUs, and a rebuild with them.
        var indexOf: [Int: Int] = [:]
        for (i, n) in t.nodes.enumerated() { indexOf[n.id] = i }
        let distance: (Int, Int) -> Int = { a, b in t.distances[indexOf[a]!][indexOf[b]!] }
        let nodeHasCPUs = Dictionary(uniqueKeysWithValues: t.nodes.map { ($0.id, !$0.cpus.isEmpty) })
        let populatedZones = Dictionary(uniqueKeysWithValues: zones.map { id, list in
            (id, Array(list.filter { $0.present > 0 }.map(\.index).reversed()))
        })
        let hasMemory: (Int) -> Bool = { !populatedZones[$0]!.isEmpty }
        let zonesOf: (Int) -> [Int] = { populatedZones[$0]! }
        let boot = Zonelists.build(nodes: nodeIDs, hasMemory: hasMemory, hasCPUs: { _ in false }, distance: distance,
                                   maxNumNodes: t.kernel.maxNumNodes, zonesOf: zonesOf, sawCPUs: false)
        let rebuilt = Zonelists.build(nodes: nodeIDs, hasMemory: hasMemory,
                                      hasCPUs: { nodeHasCPUs[$0]! }, distance: distance,
                                      maxNumNodes: t.kernel.maxNumNodes, zonesOf: zonesOf, sawCPUs: true)
        var policyZone = 0
        for z in zones.values.flatMap({ $0 }) where z.present > 0 && z.index != movableIndex && z.index > policyZone {
            policyZone = z.index
        }
        let bootNode = t.nodes.first { $0.cpus.contains(t.allCPUs.first ?? 0) }?.id ?? nodeIDs[0]
        // nr_free_zone_pages(gfp_zone(GFP_HIGHUSER_MOVABLE)) over the boot CPU's fallback list.
        let totalPages = boot.fallback[bootNode]!.reduce(0) { sum, ref in
            sum + max(0, zones[ref.node]![ref.zone].bootEstimate)
        }
        let migrateTypes = 5 // Unmovable, Movable, Reclaimable, HighAtomic, Isolate (no CMA in Debian 6.1)
        let mobility = totalPages >= (1 << t.arch.pageblockOrder) * migrateTypes

        // 3. Free pages at the start: all managed pages, or what the machine recorded.
        for node in t.nodes {
            if let list = plugged[node.id] {
                plugged[node.id] = try BootedMachine.startingFree(list, node: node)
            } else {
                zones[node.id] = try BootedMachine.startingFree(zones[node.id]!, node: node)
            }
        }

        self.init(topology: t, layout: layout, nodeIDs: nodeIDs, zones: zones, minFreeKbytes: 1024,
                  calculatedMinFreeKbytes: 1024, thpRecommendedMinFreeKbytes: nil, thpEnabled: false,
                  totalReservePages: 0, nodeTotalReserve: [:], minUnmappedPages: [:], minSlabPages: [:],
                  bootZonelists: boot, rebuiltZonelists: rebuilt, policyZone: policyZone,
                  totalPagesAtBuild: totalPages, mobilityGrouping: mobility, onlineCPUs: onlineCPUs,
                  dmaReserve: dmaReserve)

        // 4. init_per_zone_wmark_min.
        let bootZonelist = boot.fallback[bootNode]!
        calculatedMinFreeKbytes = MinFreeKbytes.calculated(lowmemPages: nrFreeZonePages(bootZonelist, highestZone: normalIndex))
        minFreeKbytes = calculatedMinFreeKbytes
        setupPerZoneWatermarks()
        refreshZoneStatThresholds()
        setupLowmemReserve()
        for id in nodeIDs {
            minUnmappedPages[id] = zones[id]!.reduce(0) { $0 + $1.managed * t.sysctl.minUnmappedRatio / 100 }
            minSlabPages[id] = zones[id]!.reduce(0) { $0 + $1.managed * t.sysctl.minSlabRatio / 100 }
        }

        // 5. hugepage_init: THP stays off below 512 MiB of RAM.
        let totalRAM = allZones.reduce(0) { $0 + $1.managed }
        thpEnabled = t.sysctl.transparentHugepage.enabled && totalRAM >= (512 << 20) >> 12
        if thpEnabled {
            let nrZones = allZones.filter { $0.present > 0 && $0.index <= normalIndex }.count
            let rec = MinFreeKbytes.thpRecommended(nrZones: nrZones, pageblockPages: pageblockPages,
                                                   freeBufferPages: nrFreeZonePages(bootZonelist, highestZone: normalIndex))
            thpRecommendedMinFreeKbytes = rec
            if rec > minFreeKbytes { minFreeKbytes = rec }
            setupPerZoneWatermarks()
        }

        // 5b. memory_tier_init, then the driver-managed memory onlined block by block.
        memoryTiers = establishedMemoryTiers()
        hotAddDriverMemory(plugged)

        // 6. A min_free_kbytes written after boot.
        if let user = t.sysctl.minFreeKbytes {
            minFreeKbytes = user
            setupPerZoneWatermarks()
        }
        // Recorded free areas fit their zones (hot-added zones included, now that they are online).
        try checkRecordedLayouts()
    }

    /// Free pages at the start of a run: every managed page, less what the node's `free:` or a
    /// zone's recorded `free` says is in use (taken from the highest zone first).
    static func startingFree(_ zones: [BootZone], node: NodeSpec) throws(BootError) -> [BootZone] {
        var list = zones
        for i in list.indices { list[i].free = list[i].managed }
        if let nodeFree = node.free {
            var deficit = list.reduce(0) { $0 + $1.managed } - Int(nodeFree >> ZoneLayout.pageShift)
            for i in list.indices.reversed() where deficit > 0 {
                let take = min(deficit, list[i].free)
                list[i].free -= take
                deficit -= take
            }
        }
        for i in list.indices {
            if let f = node.zones[list[i].name]?.free {
                guard f <= list[i].managed else {
                    throw .zoneFreeAboveManaged(node: node.id, zone: list[i].name, free: f, managed: list[i].managed)
                }
                list[i].free = f
            }
        }
        return list
    }

    /// `nr_free_zone_pages(offset)`: Σ max(0, managed − high) over a zonelist's zones ≤ offset.
    public func nrFreeZonePages(_ zonelist: [ZoneRef], highestZone: Int) -> Int {
        zonelist.filter { $0.zone <= highestZone }.reduce(0) { sum, ref in
            let z = zone(ref)
            return sum + max(0, z.managed - z.watermark.highPages)
        }
    }

    /// `setup_per_zone_wmarks`: watermarks, then `zone_pcp_update` for every zone, then
    /// `calculate_totalreserve_pages`. Recorded values (`ZoneOverride`) are applied on top.
    public mutating func setupPerZoneWatermarks() {
        var flat = allZones
        Watermarks.setup(zones: &flat, minFreeKbytes: minFreeKbytes,
                         watermarkScaleFactor: topology.sysctl.watermarkScaleFactor)
        for z in flat {
            var w = z.watermark
            if let o = topology.node(z.node)?.zones[z.name] {
                if let v = o.min { w.min = v }
                if let v = o.low { w.low = v }
                if let v = o.high { w.high = v }
                // zoneinfo's min/low/high include the boost; `_watermark[]` does not.
                if let b = o.boost, b > 0 {
                    w.boost = b
                    if o.min != nil { w.min = Swift.max(0, w.min - b) }
                    if o.low != nil { w.low = Swift.max(0, w.low - b) }
                    if o.high != nil { w.high = Swift.max(0, w.high - b) }
                }
            }
            zones[z.node]![z.index].watermark = w
        }
        updatePageSets()
        computeTotalReserve()
    }

    /// `zone_pcp_update(zone, 0)` for every zone.
    public mutating func updatePageSets() {
        for id in nodeIDs {
            let nodeCPUs = cpus(ofNode: id).count
            for i in zones[id]!.indices {
                var z = zones[id]![i]
                let o = topology.node(id)?.zones[z.name]
                z.pcpBatch = o?.pcpBatch ?? PageSetSizing.batch(managed: z.managed)
                z.pcpHigh = o?.pcpHigh ?? PageSetSizing.high(
                    lowWatermark: z.watermark.lowPages, managed: z.managed, batch: z.pcpBatch, nodeCPUs: nodeCPUs,
                    onlineCPUs: onlineCPUs, highFraction: topology.sysctl.percpuPagelistHighFraction)
                zones[id]![i] = z
            }
        }
    }

    /// `refresh_zone_stat_thresholds` for populated zones.
    public mutating func refreshZoneStatThresholds() {
        for id in nodeIDs {
            for i in zones[id]!.indices where zones[id]![i].present > 0 {
                let t = VMStatThreshold.normal(managed: zones[id]![i].managed, onlineCPUs: onlineCPUs)
                zones[id]![i].statThreshold = t
                zones[id]![i].percpuDriftMark = VMStatThreshold.driftMark(
                    watermark: zones[id]![i].watermark, threshold: t, onlineCPUs: onlineCPUs)
            }
        }
    }

    /// `setup_per_zone_lowmem_reserve` (then totalreserve).
    public mutating func setupLowmemReserve() {
        let ratios = topology.sysctl.lowmemReserveRatio ?? topology.arch.defaultLowmemReserveRatio
        for id in nodeIDs {
            var list = zones[id]!
            LowmemReserve.setup(nodeZones: &list, ratios: ratios)
            for i in list.indices {
                if let p = topology.node(id)?.zones[list[i].name]?.protection { list[i].lowmemReserve = p }
            }
            zones[id] = list
        }
        computeTotalReserve()
    }

    mutating func computeTotalReserve() {
        var total = 0
        for id in nodeIDs {
            let r = LowmemReserve.totalReserve(nodeZones: zones[id]!)
            nodeTotalReserve[id] = r
            total += r
        }
        totalReservePages = total
    }
}
