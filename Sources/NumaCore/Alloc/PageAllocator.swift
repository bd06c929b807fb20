import NumaTopology

/// The whole machine's page allocator: every node's zones with their buddy lists and per-CPU
/// pagesets, the zonelists, and the kernel's counters. `__alloc_pages` is in
/// `PageAllocator+Alloc.swift`, freeing in `PageAllocator+Free.swift`.
///
/// One object serves both engines. The deterministic engine calls it from one thread. The
/// concurrent engine calls it from several, each simulated CPU owned by one thread: the pcp fast
/// path touches only that CPU's pageset and counter rows, refills/drains and buddy operations
/// take the zone lock, and the zonelists and watermarks change only between phases.
public final class PageAllocator: @unchecked Sendable {
    /// The boot numbers as they stand (memory hotplug and sysctl steps replace them between phases).
    @exclusivity(unchecked) public internal(set) var machine: BootedMachine
    /// zones[nodeIndex][zoneIndex]
    public let zones: [[Zone]]
    public let nodeIDs: [Int]
    /// Flat lookup tables (hashing a dictionary per allocation costs more than the allocation).
    let nodeIndex: IDTable
    /// Online CPUs in ascending order; a CPU's pcp slot is its position here.
    public let cpus: [Int]
    let cpuSlot: IDTable
    let cpuNode: IDTable
    /// The counter row of callers that are not one of the machine's CPUs.
    public var systemSlot: Int { cpus.count }
    /// The counter row of node index `n`'s kswapd.
    public func kswapdSlot(nodeIndex n: Int) -> Int { cpus.count + 1 + n }
    public var zonelists: Zonelists {
        didSet { rebuildZonelistTables() }
    }
    /// Zonelists by node index, FALLBACK and NOFALLBACK, as flat tables the fast path reads
    /// without reference counting (rebuilt only between phases).
    @exclusivity(unchecked) var zonelistTable: ZonelistTable
    /// Every zone by `nodeIndex * zonesPerNode + zoneIndex`, unretained (`zones` owns them).
    let zoneHandles: UnsafeMutablePointer<Unmanaged<Zone>>
    let zonesPerNode: Int
    /// The order-0 fast paths' tables by CPU id and node id (rebuilt with the zonelists).
    @exclusivity(unchecked) var fastTables: FastPathTables
    /// Facts of the machine the fast path needs, hoisted out of `machine` (a struct of
    /// dictionaries): the arch, mobility grouping, and per node whether DMA32 is populated
    /// (`alloc_flags_nofragment`).
    let arch: Arch
    let mobilityDisabled: Bool
    let dma32Populated: [Bool]
    /// SLIT distances by node index (`node_distance`), row-major.
    let nodeDistance: [Int]
    /// Per-CPU `vm_event_states` (rows: CPUs, the system row, one per kswapd).
    public let vmEvents: VMEventTable
    /// `wakeup_kswapd` calls that passed its checks, per node index (atomic: any CPU wakes any node).
    let kswapdWakeupCounts: AtomicCounters
    /// The reclaim fields of each node's pg_data_t, by node index.
    public let nodeReclaim: [NodeReclaimState]
    /// Swap space (none unless configured): anon pages are reclaimable only while it has room.
    @exclusivity(unchecked) public var swap = SwapSpace(totalPages: 0)
    /// `vm.swappiness` (0…200).
    @exclusivity(unchecked) public var swappiness = 60
    /// `vm.zone_reclaim_mode` bits (RECLAIM_ZONE 1, RECLAIM_WRITE 2, RECLAIM_UNMAP 4).
    @exclusivity(unchecked) public var zoneReclaimMode: Int
    /// Pending `drain_all_pages` requests, one flag per CPU slot: a CPU drains its own pagesets
    /// when it next enters the allocator (the kernel queues work on each CPU for the same reason).
    let drainRequests: AtomicCounters
    /// Called when `wakeup_kswapd` decides to wake a sleeping kswapd (node index). The engine
    /// runs kswapd; without one the wake-up is only counted.
    @exclusivity(unchecked) public var kswapdWaker: (@Sendable (Int) -> Void)?
    /// Tests turn the order-0 fast path off to check it against the generic path.
    @exclusivity(unchecked) var fastPathEnabled = true
    /// `out_of_memory`: asked to free memory for a failing allocation (the CPU that asks);
    /// returns true if it killed something (the allocation then retries).
    @exclusivity(unchecked) public var oomKiller: (@Sendable (Int) -> Bool)?

    /// `sparseMemMap: false` writes every page record at boot (a dense mem_map: same behaviour,
    /// host memory for every page; for tests that compare the two).
    public init(machine m: BootedMachine, sparseMemMap: Bool = true) {
        machine = m
        nodeIDs = m.nodeIDs
        var ni = IDTable(maxID: m.nodeIDs.max() ?? 0)
        for (i, id) in m.nodeIDs.enumerated() { ni[id] = i }
        nodeIndex = ni
        cpus = m.topology.allCPUs
        var slot = IDTable(maxID: cpus.max() ?? 0), node = IDTable(maxID: cpus.max() ?? 0)
        for (i, c) in cpus.enumerated() { slot[c] = i; node[c] = m.node(ofCPU: c) }
        cpuSlot = slot
        cpuNode = node
        zonelists = m.bootZonelists
        let pageblockOrder = m.topology.arch.pageblockOrder
        var all: [[Zone]] = []
        for id in m.nodeIDs {
            var list: [Zone] = []
            for b in m.zones[id]! {
                // One pageset per CPU plus the system row (statistics only, its lists stay empty).
                let z = Zone(boot: b, pageblockOrder: pageblockOrder, cpus: cpus.count + 1)
                z.mobilityGroupingDisabled = !m.mobilityGrouping
                z.watermarkBoostFactor = m.topology.sysctl.watermarkBoostFactor
                z.keepsUntouchedBlocks = sparseMemMap
                if b.isPopulated { z.freeManagedPages(present: m.layout.nodeRanges[id] ?? []) }
                list.append(z)
            }
            all.append(list)
        }
        zones = all
        zonesPerNode = all.map(\.count).max() ?? 0
        zoneHandles = .allocate(capacity: Swift.max(1, all.count * zonesPerNode))
        for (n, list) in all.enumerated() {
            for (i, z) in list.enumerated() { (zoneHandles + n * zonesPerNode + i).initialize(to: Unmanaged.passUnretained(z)) }
        }
        arch = m.topology.arch
        mobilityDisabled = !m.mobilityGrouping
        dma32Populated = m.nodeIDs.map { id in (m.zones[id] ?? []).count > 1 && m.zones[id]![1].isPopulated }
        nodeDistance = m.nodeIDs.flatMap { a in m.nodeIDs.map { b in m.topology.distance(from: a, to: b) } }
        zonelistTable = ZonelistTable(m.bootZonelists, nodeIDs: m.nodeIDs, nodeIndex: ni)
        vmEvents = VMEventTable(rows: cpus.count + 1 + m.nodeIDs.count)
        kswapdWakeupCounts = AtomicCounters(count: m.nodeIDs.count)
        nodeReclaim = m.nodeIDs.map { _ in NodeReclaimState(maxNrZones: m.topology.arch.zoneNames.count) }
        zoneReclaimMode = m.topology.sysctl.zoneReclaimMode
        drainRequests = AtomicCounters(count: cpus.count + 1 + m.nodeIDs.count)
        fastTables = FastPathTables(cpus: cpus, cpuNode: cpus.map { node[$0] ?? -1 }, drainRequests: drainRequests, arch: arch,
                                    mobilityDisabled: mobilityDisabled, nodeIDs: m.nodeIDs, zones: all, zonelists: m.bootZonelists)
        allocateRecordedUsedPages()
    }

    deinit {
        zoneHandles.deallocate()
        zonelistTable.deallocate()
        fastTables.deallocate()
    }

    func rebuildZonelistTables() {
        zonelistTable.deallocate()
        zonelistTable = ZonelistTable(zonelists, nodeIDs: nodeIDs, nodeIndex: nodeIndex)
        fastTables.deallocate()
        fastTables = FastPathTables(cpus: cpus, cpuNode: cpus.map { cpuNode[$0] ?? -1 }, drainRequests: drainRequests, arch: arch,
                                    mobilityDisabled: mobilityDisabled, nodeIDs: nodeIDs, zones: zones, zonelists: zonelists)
    }

    /// Runs `body` on zone (node index `n`, zone index `zi`) without retaining it.
    @inline(__always) func withZone<R>(_ n: Int, _ zi: Int, _ body: (Zone) -> R) -> R {
        zoneHandles[n &* zonesPerNode &+ zi]._withUnsafeGuaranteedRef(body)
    }

    /// A replayed machine starts with its recorded free pages: the rest is allocated up front
    /// (not counted in any statistic), taken from the top of each zone.
    func allocateRecordedUsedPages() {
        for (n, id) in nodeIDs.enumerated() {
            for (i, b) in machine.zones[id]!.enumerated() where b.free < b.managed {
                var need = b.managed - b.free
                var order = FreeArea.maxOrder - 1
                while need > 0 && order >= 0 {
                    if 1 << order > need { order -= 1; continue }
                    if zones[n][i].allocBlock(order: order, .movable) != nil { need -= 1 << order } else { order -= 1 }
                }
            }
        }
    }

    public func node(ofCPU cpu: Int) -> Int? { cpuNode[cpu] }
    public func zone(node: Int, index: Int) -> Zone { zones[nodeIndex[node]!][index] }
    /// The counter row of a CPU (the system row for ids that are not online CPUs).
    @inline(__always) public func slot(ofCPU cpu: Int) -> Int { cpuSlot[cpu] ?? cpus.count }

    /// `vm_numa_event` per zone, folded over the CPUs: events[nodeIndex][zoneIndex].
    public var events: [[NumaEvents]] { zones.map { $0.map(events(of:)) } }

    /// `vm_numa_event` of one zone, folded over the CPUs. O(CPUs).
    public func events(of z: Zone) -> NumaEvents { z.pcp.indices.reduce(NumaEvents()) { $0 + z.pcp[$1].events } }

    /// `pgalloc_<zone>` per zone (pages), folded over the CPUs: pgalloc[nodeIndex][zoneIndex].
    public var pgalloc: [[Int]] {
        zones.map { $0.map { z in z.pcp.indices.reduce(0) { $0 + z.pcp[$1].pgalloc } } }
    }

    /// `pgfree` (pages).
    public var pgfree: Int { vmEvents[.pgfree] }
    /// Allocations that failed.
    public var allocFailures: Int { vmEvents[.allocFail] }
    /// kswapd wake-up requests per node id (`wakeup_kswapd` calls that passed its checks).
    public var kswapdWakeups: [Int: Int] {
        var d: [Int: Int] = [:]
        for (i, id) in nodeIDs.enumerated() where kswapdWakeupCounts[i] > 0 { d[id] = kswapdWakeupCounts[i] }
        return d
    }

    /// Per-node numastat (sum over the node's zones).
    public func numastat(node: Int) -> NumaEvents {
        zones[nodeIndex[node]!].reduce(NumaEvents()) { $0 + events(of: $1) }
    }

    /// NR_FREE_PAGES of a node.
    public func freePages(node: Int) -> Int { zones[nodeIndex[node]!].reduce(0) { $0 + $1.nrFreePages } }

    /// Invariants of every zone (every page in exactly one place; counters add up).
    /// Call while no other thread allocates.
    public func checkInvariants() -> [Zone.InvariantReport] {
        zones.flatMap { $0 }.map { $0.checkInvariants() }
    }
}

/// A `nodemask_t` borrowed for one allocation: a bitmap, trivially copyable.
struct NodeMaskView {
    let words: UnsafeBufferPointer<UInt64>
    @inline(__always) func contains(_ node: Int) -> Bool {
        let w = node >> 6
        return node >= 0 && w < words.count && words[w] & (1 << UInt64(node & 63)) != 0
    }
}

/// One entry of a zonelist as the fast path reads it: the node id, its index, the zone index.
struct ZonelistEntry: Sendable {
    var node: Int
    var nodeIndex: Int
    var zone: Int
}

/// The zonelists of every node as flat buffers: `list(nodeIndex:thisNode:)` gives FALLBACK or
/// NOFALLBACK. Trivial storage (no reference counting on the fast path); the allocator frees
/// the previous generation when it rebuilds (between phases only).
struct ZonelistTable: @unchecked Sendable {
    let storage: UnsafeMutableBufferPointer<ZonelistEntry>
    /// Per node index: fallback start, fallback count, nofallback start, nofallback count.
    let spans: UnsafeMutableBufferPointer<Int>

    init(_ z: Zonelists, nodeIDs: [Int], nodeIndex: IDTable) {
        var all: [ZonelistEntry] = []
        var spans: [Int] = []
        for id in nodeIDs {
            let f = (z.fallback[id] ?? []).map { ZonelistEntry(node: $0.node, nodeIndex: nodeIndex[$0.node]!, zone: $0.zone) }
            let nf = (z.noFallback[id] ?? []).map { ZonelistEntry(node: $0.node, nodeIndex: nodeIndex[$0.node]!, zone: $0.zone) }
            spans += [all.count, f.count, all.count + f.count, nf.count]
            all += f + nf
        }
        storage = .allocate(capacity: Swift.max(1, all.count))
        _ = storage.initialize(from: all)
        self.spans = .allocate(capacity: Swift.max(1, spans.count))
        _ = self.spans.initialize(from: spans)
    }

    func deallocate() {
        storage.deallocate()
        spans.deallocate()
    }

    @inline(__always) func list(nodeIndex n: Int, thisNode: Bool) -> UnsafeBufferPointer<ZonelistEntry> {
        let k = n &* 4 &+ (thisNode ? 2 : 0)
        return UnsafeBufferPointer(start: storage.baseAddress! + spans[k], count: spans[k &+ 1])
    }
}

/// A map from small non-negative ids (nodes, CPUs) to values, as a flat array; absent = nil.
struct IDTable: Sendable {
    private var values: [Int]
    init(maxID: Int) { values = [Int](repeating: -1, count: maxID + 1) }
    subscript(id: Int) -> Int? {
        get { id >= 0 && id < values.count && values[id] >= 0 ? values[id] : nil }
        set { if id >= 0 && id < values.count { values[id] = newValue ?? -1 } }
    }
}

/// Why the slow path gave up (a trivial enum, so that `Result<AllocatedBlock, AllocFailure>`
/// costs no reference counting on the fast path).
public enum FailureReason: Sendable, Equatable, CustomStringConvertible {
    /// Below min everywhere and the caller may not reclaim (GFP_ATOMIC, GFP_NOWAIT).
    case cannotReclaim
    /// Below min everywhere, and direct reclaim found nothing to reclaim.
    case nothingReclaimable
    /// Direct reclaim freed pages but other CPUs took them before the retry; retries exhausted.
    case retriesExhausted
    /// __GFP_NORETRY: one reclaim attempt, then give up.
    case noRetry

    public var description: String {
        switch self {
        case .cannotReclaim: return "every eligible zone is below its min watermark and the caller cannot reclaim"
        case .nothingReclaimable: return "every eligible zone is below its min watermark and nothing can be reclaimed"
        case .retriesExhausted: return "reclaim made progress but the retries ran out before a watermark held"
        case .noRetry: return "__GFP_NORETRY: gave up after one reclaim attempt"
        }
    }
}

/// A block handed out by the allocator.
public struct AllocatedBlock: Sendable, Hashable {
    public var pfn: Int
    public var order: Int
    public var node: Int
    public var zone: Int
    /// The block's allocation generation: reclaim bumps it when it takes the page, so the owner
    /// can tell its handle went stale (see `PageAllocator.touch`).
    public var generation: UInt32 = 0

    public init(pfn: Int, order: Int, node: Int, zone: Int, generation: UInt32 = 0) {
        self.pfn = pfn; self.order = order; self.node = node; self.zone = zone; self.generation = generation
    }
}

/// Why an allocation failed (reported, never a crash).
public enum AllocFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOrder(Int)
    case invalidGFP(GFP)
    case noEligibleZone
    case noMemory(order: Int, gfp: GFP, reason: FailureReason)

    public var description: String {
        switch self {
        case .invalidOrder(let o): return "order \(o) is not below MAX_ORDER (11)"
        case .invalidGFP(let g): return "invalid GFP zone combination \(g)"
        case .noEligibleZone: return "no zone of the zonelist is allowed by the GFP zone and nodemask"
        case .noMemory(let order, let gfp, let reason): return "page allocation failure: order:\(order), mode:\(gfp): \(reason)"
        }
    }
}

extension PageAllocator {
    /// Copies recomputed boot numbers (after a sysctl change: `setup_per_zone_wmarks`,
    /// `setup_per_zone_lowmem_reserve`, `zone_set_pageset_high_and_batch`) into node index `n`'s
    /// zones. Only between phases, when no CPU allocates.
    public func applyBootNumbers(of m: BootedMachine, nodeIndex n: Int) {
        guard let boot = m.zones[nodeIDs[n]] else { return }
        for (z, b) in zip(zones[n], boot) {
            z.baseWatermark = ZoneWatermarks(min: b.watermark.min, low: b.watermark.low, high: b.watermark.high, promo: b.watermark.promo)
            z.lowmemReserve = b.lowmemReserve
            z.watermarkBoostFactor = m.topology.sysctl.watermarkBoostFactor
            for i in z.pcp.indices {
                z.pcp[i].high = b.pcpHigh
                z.pcp[i].batch = b.pcpBatch
            }
        }
    }
}
