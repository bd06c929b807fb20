import NumaTopology

/// The whole machine's page allocator, sequential and deterministic: every node's zones with
/// their buddy lists and per-CPU pagesets, the boot zonelists, and the kernel's counters.
/// `__alloc_pages` is in `PageAllocator+Alloc.swift`, freeing in `PageAllocator+Free.swift`.
public struct PageAllocator: Sendable {
    public let machine: BootedMachine
    /// zones[nodeIndex][zoneIndex]
    public var zones: [[Zone]]
    public let nodeIDs: [Int]
    /// Flat lookup tables (hashing a dictionary per allocation costs more than the allocation).
    let nodeIndex: IDTable
    /// Online CPUs in ascending order; a CPU's pcp slot is its position here.
    public let cpus: [Int]
    let cpuSlot: IDTable
    let cpuNode: IDTable
    public var zonelists: Zonelists {
        didSet { rebuildZonelistTables() }
    }
    /// Zonelists by node index: FALLBACK and NOFALLBACK.
    var fallbackLists: [[ZoneRef]] = []
    var noFallbackLists: [[ZoneRef]] = []

    public var events: [[NumaEvents]]
    /// `pgalloc_<zone>` per zone (pages).
    public var pgalloc: [[Int]]
    public var pgfree = 0
    /// kswapd wake-up requests per node (`wakeup_kswapd` calls that passed its checks).
    public var kswapdWakeups: [Int: Int] = [:]
    public var allocFailures = 0

    public init(machine m: BootedMachine) {
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
                var z = Zone(boot: b, pageblockOrder: pageblockOrder, cpus: m.topology.allCPUs.count)
                z.mobilityGroupingDisabled = !m.mobilityGrouping
                z.watermarkBoostFactor = m.topology.sysctl.watermarkBoostFactor
                if b.isPopulated { z.freeManagedPages(present: m.layout.nodeRanges[id] ?? []) }
                list.append(z)
            }
            all.append(list)
        }
        zones = all
        events = m.nodeIDs.map { id in m.zones[id]!.map { _ in NumaEvents() } }
        pgalloc = m.nodeIDs.map { id in m.zones[id]!.map { _ in 0 } }
        rebuildZonelistTables()
        allocateRecordedUsedPages()
    }

    mutating func rebuildZonelistTables() {
        fallbackLists = nodeIDs.map { zonelists.fallback[$0] ?? [] }
        noFallbackLists = nodeIDs.map { zonelists.noFallback[$0] ?? [] }
    }

    /// A replayed machine starts with its recorded free pages: the rest is allocated up front
    /// (not counted in any statistic), taken from the top of each zone.
    mutating func allocateRecordedUsedPages() {
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

    /// Per-node numastat (sum over the node's zones).
    public func numastat(node: Int) -> NumaEvents {
        events[nodeIndex[node]!].reduce(NumaEvents(), +)
    }

    /// NR_FREE_PAGES of a node.
    public func freePages(node: Int) -> Int { zones[nodeIndex[node]!].reduce(0) { $0 + $1.nrFreePages } }

    /// Invariants of every zone (every page in exactly one place; counters add up).
    public func checkInvariants() -> [Zone.InvariantReport] {
        zones.flatMap { $0 }.map { $0.checkInvariants() }
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

/// A block handed out by the allocator.
public struct AllocatedBlock: Sendable, Hashable {
    public var pfn: Int
    public var order: Int
    public var node: Int
    public var zone: Int
}

/// Why an allocation failed (reported, never a crash).
public enum AllocFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOrder(Int)
    case invalidGFP(GFP)
    case noEligibleZone
    case noMemory(order: Int, gfp: GFP, reason: String)

    public var description: String {
        switch self {
        case .invalidOrder(let o): return "order \(o) is not below MAX_ORDER (11)"
        case .invalidGFP(let g): return "invalid GFP zone combination \(g)"
        case .noEligibleZone: return "no zone of the zonelist is allowed by the GFP zone and nodemask"
        case .noMemory(let order, let gfp, let reason): return "page allocation failure: order:\(order), mode:\(gfp): \(reason)"
        }
    }
}
