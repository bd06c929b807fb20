import NumaTopology
import Synchronization

/// The order-0 fast path: what `__alloc_pages` → `get_page_from_freelist` → `rmqueue_pcplist` →
/// `zone_statistics` does, written out in one function for the case that dominates every
/// workload — an order-0 request without a nodemask whose first eligible zone passes its low
/// watermark and whose CPU holds a page on the matching pcp list.
///
/// It makes exactly the generic path's decisions for that case (`PageAllocator+Alloc.swift`):
/// - the first zoneref at or below the highest zone (`first_zones_zonelist`), with the NOFALLBACK
///   list for __GFP_THISNODE — looked up in `FastPathTables.firstZone`, which holds that answer
///   for every node, zonelist and highest zone;
/// - `zone_watermark_fast` at the low watermark for order 0: free pages minus the highatomic
///   reserve above low + boost + lowmem_reserve[classzone];
/// - ALLOC_NOFRAGMENT and zone_reclaim_mode matter only when a zone fails or the pcp list must be
///   refilled, so they cannot change the outcome here;
/// - `zone_statistics` with the served zone as the preferred one: numa_hit, local/other node,
///   interleave_hit; PGALLOC.
/// Everything else — an empty pcp list, a failed watermark, a pending drain request, a boosted
/// watermark to clear — returns nil and the caller takes the generic path.
/// The free side (`free_unref_page` for order 0) is `Zone.freeOrder0Fast` in `Zone+PCP.swift`.
extension PageAllocator {
    @inline(__always)
    func allocOrder0Fast(gfp: GFP, preferredNode: Int, cpu: Int, interleaveTarget: Int?) -> AllocatedBlock? {
        guard let c = fastTables.cpu(cpu), fastTables.drainRequested(slot: c.slot) == 0 else { return nil }
        let g = fastTables.gfpClass(gfp)
        guard let ref = fastTables.firstZone(node: preferredNode, g) else { return nil }
        let slot = c.slot, hz = g.highestZone
        let node = ref.nodeAndZone[0]
        let local = node == c.node
        let hit = interleaveTarget == node
        return ref.zone._withUnsafeGuaranteedRef { z -> AllocatedBlock? in
            let free = z.nrFreePages
            let usable = free &- Swift.min(free, z.nrReservedHighatomic)
            guard usable > z.baseWatermark.low &+ z.watermarkBoost &+ z.reserveByClasszone[hz],
                  !z.boostedWatermarkFlag else { return nil }
            let list = z.pcp.list(slot, g.pindex)
            let i = Int(list.pointee.head)
            guard i >= 0 else { return nil }
            let p = z.pcp.pointer(slot)
            p.pointee.freeFactor &>>= 1
            z.memmap.popHead(index: i, &list.pointee)
            p.pointee.count &-= 1
            z.memmap.setFlags(at: i, .allocated)
            p.pointee.pgalloc &+= 1
            p.pointee.events.numaHit &+= 1
            if local { p.pointee.events.localNode &+= 1 } else { p.pointee.events.otherNode &+= 1 }
            if hit { p.pointee.events.interleaveHit &+= 1 }
            return AllocatedBlock(pfnAndOrder: ref.startPfnAndOrder0 &+ SIMD2(i, 0), nodeAndZone: ref.nodeAndZone,
                                  generation: z.memmap.generation(at: i))
        }
    }
}

/// What the fast paths look up by the ids and flags callers pass, each behind one bounds
/// check: a CPU's pageset slot, node and drain-request flag; a GFP's highest zone and pcp list
/// (`gfp_zone`, `gfp_migratetype`); a node's zones; and per node, zonelist and highest zone,
/// the zone `first_zones_zonelist` picks when there is no nodemask. The zones are unretained
/// (`PageAllocator.zones` owns them). Built when the allocator is and rebuilt with its
/// zonelists (between phases only); the allocator frees the previous tables.
struct FastPathTables: @unchecked Sendable {
    /// An online CPU: its pageset slot and its node id (-1 if it has none).
    struct CPUEntry {
        var slot: Int
        var node: Int
    }

    /// What a GFP mask selects: `column` = zonelist × zoneClasses + `gfp_zone` (-1: an invalid
    /// zone combination), and the pcp list of its migratetype for order 0.
    struct GFPClass {
        var column: Int
        var highestZone: Int
        var pindex: Int
    }

    /// The first zone of a zonelist at or below a highest zone: the zone, its node id and index,
    /// its first pfn and 0 (the halves of an order-0 `AllocatedBlock`).
    struct FirstZone {
        var zone: Unmanaged<Zone>
        var nodeAndZone: SIMD2<Int>
        var startPfnAndOrder0: SIMD2<Int>
    }

    /// Zone indices (and `gfp_zone` results) are below this (MAX_NR_ZONES).
    static let zoneClasses = Zone.maxZoneTypes
    /// The GFP bits the class depends on: the zone modifiers and mobility (0x1f) and
    /// __GFP_THISNODE (0x200000), folded into six bits.
    static let gfpClasses = 64
    @inline(__always) static func gfpKey(_ gfp: GFP) -> Int {
        Int(truncatingIfNeeded: (gfp.rawValue & 0x1f) | ((gfp.rawValue &>> 16) & 0x20))
    }

    let cpus: UnsafeMutablePointer<CPUEntry?>
    let cpuIDs: Int
    /// `AtomicCounters.storage` of the allocator's drain requests (not owned).
    let drainRequests: UnsafeMutablePointer<Atomic<Int>>
    let gfpClasses: UnsafeMutablePointer<GFPClass>
    /// By node id × zoneClasses + zone index.
    let zones: UnsafeMutablePointer<Unmanaged<Zone>?>
    /// By node id × 2 × zoneClasses + `GFPClass.column`.
    let first: UnsafeMutablePointer<FirstZone?>
    let nodeIDs: Int

    init(cpus cpuList: [Int], cpuNode: [Int], drainRequests: AtomicCounters, arch: Arch, mobilityDisabled: Bool,
         nodeIDs ids: [Int], zones zoneList: [[Zone]], zonelists: Zonelists) {
        let classes = FastPathTables.zoneClasses
        cpuIDs = (cpuList.max() ?? -1) + 1
        cpus = .allocate(capacity: Swift.max(1, cpuIDs))
        cpus.initialize(repeating: nil, count: Swift.max(1, cpuIDs))
        for (slot, id) in cpuList.enumerated() { cpus[id] = CPUEntry(slot: slot, node: cpuNode[slot]) }
        self.drainRequests = drainRequests.storage
        gfpClasses = .allocate(capacity: FastPathTables.gfpClasses)
        for key in 0..<FastPathTables.gfpClasses {
            let gfp = GFP(rawValue: UInt32(key & 0x1f) | (key & 0x20 != 0 ? GFP.thisnode.rawValue : 0))
            let hz = gfp.zone(table: GFP.zoneTable(arch: arch))
            precondition(hz < classes, "gfp_zone beyond MAX_NR_ZONES")
            let column = hz < 0 ? -1 : (gfp.contains(.thisnode) ? classes : 0) + hz
            (gfpClasses + key).initialize(to: GFPClass(column: column, highestZone: hz,
                                                       pindex: Int(gfp.migrateType(mobilityDisabled: mobilityDisabled).rawValue)))
        }
        nodeIDs = (ids.max() ?? -1) + 1
        zones = .allocate(capacity: Swift.max(1, nodeIDs * classes))
        zones.initialize(repeating: nil, count: Swift.max(1, nodeIDs * classes))
        var byID: [Int: [Zone]] = [:]
        for (n, id) in ids.enumerated() {
            precondition(zoneList[n].count <= classes, "more zones than MAX_NR_ZONES")
            byID[id] = zoneList[n]
            for (i, z) in zoneList[n].enumerated() { zones[id * classes + i] = Unmanaged.passUnretained(z) }
        }
        first = .allocate(capacity: Swift.max(1, nodeIDs * 2 * classes))
        first.initialize(repeating: nil, count: Swift.max(1, nodeIDs * 2 * classes))
        for id in ids {
            for (t, list) in [zonelists.fallback[id] ?? [], zonelists.noFallback[id] ?? []].enumerated() {
                for hz in 0..<classes {
                    guard let ref = list.first(where: { $0.zone <= hz }), let z = byID[ref.node]?[ref.zone] else { continue }
                    first[(id * 2 + t) * classes + hz] = FirstZone(zone: Unmanaged.passUnretained(z), nodeAndZone: SIMD2(ref.node, ref.zone),
                                                                   startPfnAndOrder0: SIMD2(z.startPfn, 0))
                }
            }
        }
        // AllocatedBlock(pfnAndOrder:nodeAndZone:generation:) relies on the field order.
        precondition(MemoryLayout<AllocatedBlock>.offset(of: \.order) == 8 && MemoryLayout<AllocatedBlock>.offset(of: \.node) == 16
                     && MemoryLayout<AllocatedBlock>.offset(of: \.zone) == 24 && MemoryLayout<AllocatedBlock>.offset(of: \.generation) == 32
                     && MemoryLayout<AllocatedBlock>.size == 36)
    }

    func deallocate() {
        cpus.deallocate()
        gfpClasses.deallocate()
        zones.deallocate()
        first.deallocate()
    }

    /// nil for an id that is not an online CPU.
    @inline(__always) func cpu(_ id: Int) -> CPUEntry? {
        UInt(bitPattern: id) < UInt(bitPattern: cpuIDs) ? cpus[id] : nil
    }

    @inline(__always) func drainRequested(slot: Int) -> Int { drainRequests[slot].load(ordering: .relaxed) }

    @inline(__always) func gfpClass(_ gfp: GFP) -> GFPClass { gfpClasses[FastPathTables.gfpKey(gfp)] }

    /// Zone `index` of node id `node`; nil if the machine has no such zone.
    @inline(__always) func zone(node: Int, index: Int) -> Unmanaged<Zone>? {
        guard UInt(bitPattern: node) < UInt(bitPattern: nodeIDs),
              UInt(bitPattern: index) < UInt(FastPathTables.zoneClasses) else { return nil }
        return zones[node &* FastPathTables.zoneClasses &+ index]
    }

    /// `first_zones_zonelist(zonelist, highest_zoneidx, NULL)` of node id `node`; nil if the
    /// node is unknown, the GFP's zone combination is invalid or no zone of the list qualifies.
    @inline(__always) func firstZone(node: Int, _ g: GFPClass) -> FirstZone? {
        guard UInt(bitPattern: node) < UInt(bitPattern: nodeIDs), g.column >= 0 else { return nil }
        return first[node &* (2 &* FastPathTables.zoneClasses) &+ g.column]
    }
}

extension AllocatedBlock {
    /// A block built from two 16-byte halves (pfn, order) and (node, zone), so that the
    /// compiler stores it in two 16-byte stores: callers copy a returned block with 16-byte
    /// loads, and a load that spans two 8-byte stores cannot be forwarded from the store buffer
    /// (a stall of ~15 cycles per allocation, a fifth of an order-0 pair's time).
    @inline(__always)
    init(pfnAndOrder: SIMD2<Int>, nodeAndZone: SIMD2<Int>, generation: UInt32) {
        self = unsafeBitCast((pfnAndOrder, nodeAndZone, generation), to: AllocatedBlock.self)
    }
}
