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
    /// The nodes (`pg_data_t`), by node index; each owns its zones and reclaim state.
    public let nodes: [PGData]
    /// Node ids by node index (`nodes[i].nodeID`).
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
        didSet {
            zonelists._checkInvariants()
            installZonelists()
            rebuildZonelistTables()
        }
    }
    /// Zonelists by node index, FALLBACK and NOFALLBACK, as flat tables the fast path reads
    /// without reference counting (rebuilt only between phases).
    @exclusivity(unchecked) var zonelistTable: ZonelistTable
    /// Every zone by `nodeIndex * zonesPerNode + zoneIndex`, unretained (their nodes own them).
    let zoneHandles: UnsafeMutablePointer<Unmanaged<Zone>>
    let zonesPerNode: Int
    /// The order-0 fast paths' tables by CPU id and node id (rebuilt with the zonelists).
    @exclusivity(unchecked) var fastTables: FastPathTables
    /// Facts of the machine the fast path needs, hoisted out of `machine` (a struct of
    /// dictionaries): the arch, its ZONE_NORMAL index, and mobility grouping.
    let arch: Arch
    let normalZoneIndex: Int
    let mobilityDisabled: Bool
    /// Per-CPU `vm_event_states` (rows: CPUs, the system row, one per kswapd).
    public let vmEvents: VMEventTable
    /// Swap space (none unless configured): anon pages are reclaimable only while it has room.
    @exclusivity(unchecked) public var swap = SwapSpace(totalPages: 0)
    /// `vm.swappiness` (0…200).
    @exclusivity(unchecked) public var swappiness = 60
    /// `vm.zone_reclaim_mode` bits (RECLAIM_ZONE 1, RECLAIM_WRITE 2, RECLAIM_UNMAP 4).
    @exclusivity(unchecked) public var zoneReclaimMode: Int
    /// `/sys/kernel/mm/numa/demotion_enabled` (`numa_demotion_enabled`).
    @exclusivity(unchecked) public var demotionEnabled: Bool
    /// `sysctl_numa_balancing_mode` (/proc/sys/kernel/numa_balancing): NUMA_BALANCING_NORMAL 1,
    /// NUMA_BALANCING_MEMORY_TIERING 2.
    @exclusivity(unchecked) public var numaBalancingMode: Int
    /// Where migrated pages went, for owners holding the old handle (`MigrationEntries`).
    public let migrationEntries = MigrationEntries()
    /// Serializes allocations and frees made for no CPU at run time (demotion's target pages,
    /// from several kswapds at once): they share the system counter row, which has one writer.
    let systemRowLock = SpinLock()
    /// Pending `drain_all_pages` requests, one flag per CPU slot: a CPU drains its own pagesets
    /// when it next enters the allocator (the kernel queues work on each CPU for the same reason).
    let drainRequests: AtomicCounters
    /// Called when `wakeup_kswapd` decides to wake a sleeping kswapd (node index). The engine
    /// runs kswapd; without one the wake-up is only counted.
    @exclusivity(unchecked) public var kswapdWaker: (@Sendable (Int) -> Void)?
    /// Called by reclaim after each batch of up to SWAP_CLUSTER_MAX pages it isolated and
    /// handled (`shrink_lruvec`'s loop), outside every lock, with the reclaimer's counter row
    /// (a CPU slot for direct and node reclaim, `kswapdSlot` for kswapd). The deterministic
    /// engine suspends kswapd here until the simulated clock reaches kswapd's time again.
    @exclusivity(unchecked) public var reclaimBatchDone: ((Int) -> Void)?
    /// What each operation costs on the simulated clock (docs/time.md): the topology's
    /// `costs:` over the defaults; engines may replace it before a run (`--costs FILE`).
    @exclusivity(unchecked) public var costs: CostModel {
        didSet { installCosts() }
    }
    /// `costs` by `CostModel.Key` raw value, and the price of each counted unit of work by
    /// `VMEvent` raw value, as flat tables: read on every operation without reference counting.
    public let costTable: UnsafeMutablePointer<Int>
    @usableFromInline let workPrices: UnsafeMutablePointer<Int>
    /// Zeroing and copying a page by node index (`2n`, `2n + 1`), and memory latency by node
    /// index pair (`from × nodes + to`).
    public let pageMemoryTable: UnsafeMutablePointer<Int>
    public let latencyTable: UnsafeMutablePointer<Int>
    public let nodeCount: Int
    /// Reclaim leaves shadow entries of evicted file pages (`workingset_eviction`) for the page
    /// cache to find at a refault; on while a workload reads named files.
    @exclusivity(unchecked) public var recordsShadows = false
    /// The page cache of named files (`file:` groups), kept for the whole stress run.
    @exclusivity(unchecked) public var pageCache = PageCache()
    /// Tests turn the order-0 fast path off to check it against the generic path.
    @exclusivity(unchecked) var fastPathEnabled = true
    /// `out_of_memory`'s choice of victim (PageAllocator+OutOfMemory.swift), supplied by the
    /// engine that knows the tasks: asked for a failing allocation on a CPU; says whether it
    /// killed something (the allocation retries), a victim is still exiting, or nothing is
    /// killable (the kernel panics). Without one, an allocation simply fails. It is given the
    /// `oom_control` of the failing allocation; `constrainedAlloc` works out its constraint.
    @exclusivity(unchecked) public var oomKiller: (@Sendable (OOMControl) -> OOMKillResult)?
    /// Every OOM kill of the run, as the kernel reports it (the engines' killers append).
    public let oomKills = OOMKillLog()
    /// The workload's cgroups (NumaCore/Cgroup), set by the engine before the first phase.
    @exclusivity(unchecked) public var cgroups = CgroupTable([])
    /// The memory cgroups by the index their pages' tags carry (`enableMemcg`); [0] is the root.
    /// Empty without cgroups.
    @exclusivity(unchecked) public internal(set) var memcgs: [MemCgroup] = []
    /// Set when `out_of_memory` found nothing to kill: the kernel would have panicked.
    public let panicState = PanicState()
    /// The hugetlb pools (`hstates[]`, NumaCore/HugeTLB/).
    public let hugetlb: HugeTLBState
    /// Transparent huge pages' per-node counters (NumaCore/THP/).
    public let thp: THPState

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
        zonelists = m.currentZonelists
        let pageblockOrder = m.topology.arch.pageblockOrder
        var all: [[Zone]] = []
        var laidOut: [Int: [Int]] = [:]
        for id in m.nodeIDs {
            var list: [Zone] = []
            for b in m.zones[id]! {
                // One pageset per CPU plus the system row (statistics only, its lists stay empty).
                let z = Zone(boot: b, pageblockOrder: pageblockOrder, cpus: cpus.count + 1)
                z.mobilityGroupingDisabled = !m.mobilityGrouping
                z.watermarkBoostFactor = m.topology.sysctl.watermarkBoostFactor
                z.keepsUntouchedBlocks = sparseMemMap
                if b.isPopulated {
                    if let used = PageAllocator.freeRecordedLayout(z, b, machine: m) {
                        laidOut[all.count * Zone.maxZoneTypes + list.count] = used
                    } else {
                        z.freeManagedPages(present: m.layout.nodeRanges[id] ?? [])
                    }
                }
                list.append(z)
            }
            all.append(list)
        }
        nodes = all.enumerated().map { n, zones in
            let id = m.nodeIDs[n]
            return PGData(nodeID: id, index: n, zones: zones,
                          distances: m.nodeIDs.map { m.topology.distance(from: id, to: $0) },
                          dma32Populated: m.topology.arch.zoneIndex(.dma32).map { m.zones[id]![$0].isPopulated } ?? false)
        }
        zonesPerNode = all.map(\.count).max() ?? 0
        zoneHandles = .allocate(capacity: Swift.max(1, all.count * zonesPerNode))
        for (n, list) in all.enumerated() {
            for (i, z) in list.enumerated() { (zoneHandles + n * zonesPerNode + i).initialize(to: Unmanaged.passUnretained(z)) }
        }
        arch = m.topology.arch
        normalZoneIndex = m.topology.arch.zoneIndex(.normal) ?? -1
        mobilityDisabled = !m.mobilityGrouping
        zonelistTable = ZonelistTable(m.currentZonelists, nodeIDs: m.nodeIDs, nodeIndex: ni)
        vmEvents = VMEventTable(rows: cpus.count + 1 + m.nodeIDs.count)
        costs = CostModel(topology: m.topology)
        costTable = .allocate(capacity: CostModel.Key.allCases.count)
        costTable.initialize(repeating: 0, count: CostModel.Key.allCases.count)
        workPrices = .allocate(capacity: VMEventTable.rowInts)
        workPrices.initialize(repeating: 0, count: VMEventTable.rowInts)
        nodeCount = m.nodeIDs.count
        pageMemoryTable = .allocate(capacity: 2 * max(1, m.nodeIDs.count))
        pageMemoryTable.initialize(repeating: 0, count: 2 * max(1, m.nodeIDs.count))
        latencyTable = .allocate(capacity: max(1, m.nodeIDs.count * m.nodeIDs.count))
        latencyTable.initialize(repeating: 0, count: max(1, m.nodeIDs.count * m.nodeIDs.count))
        for list in all { for z in list { z.workRows = vmEvents } }
        zoneReclaimMode = m.topology.sysctl.zoneReclaimMode
        swappiness = m.topology.sysctl.swappiness
        demotionEnabled = m.topology.sysctl.tiering.demotionEnabled
        numaBalancingMode = m.numaBalancingMode
        drainRequests = AtomicCounters(count: cpus.count + 1 + m.nodeIDs.count)
        fastTables = FastPathTables(cpus: cpus, cpuNode: cpus.map { node[$0] ?? -1 }, drainRequests: drainRequests, arch: arch,
                                    mobilityDisabled: mobilityDisabled, nodeIDs: m.nodeIDs, zones: all, zonelists: m.currentZonelists)
        thp = THPState(nodes: m.nodeIDs.count)
        hugetlb = HugeTLBState(nodeCount: m.nodeIDs.count, firstMemoryNode: m.nodeIDs.first { m.hasMemory($0) } ?? m.nodeIDs[0])
        var used = allocateRecordedUsedPages(skipping: Set(laidOut.keys))
        used.merge(laidOut) { a, _ in a }
        installRecordedState(used: used)
        installZonelists()
        installCosts()
        for node in nodes { node._checkInvariants(nodeCount: nodes.count) }
        zonelists._checkInvariants()
        if m.topology.sysctl.nrHugepages > 0 { hugetlbBootAllocPages(m.topology.sysctl.nrHugepages) }
    }

    deinit {
        costTable.deallocate()
        workPrices.deallocate()
        pageMemoryTable.deallocate()
        latencyTable.deallocate()
        zoneHandles.deallocate()
        zonelistTable.deallocate()
        fastTables.deallocate()
    }

    /// Each node takes its two zonelists (`node_zonelists`) from the machine-wide build.
    func installZonelists() {
        for node in nodes {
            node.zonelistFallback = zonelists.fallback[node.nodeID] ?? []
            node.zonelistNoFallback = zonelists.noFallback[node.nodeID] ?? []
        }
    }

    func rebuildZonelistTables() {
        zonelistTable.deallocate()
        zonelistTable = ZonelistTable(zonelists, nodeIDs: nodeIDs, nodeIndex: nodeIndex)
        fastTables.deallocate()
        fastTables = FastPathTables(cpus: cpus, cpuNode: cpus.map { cpuNode[$0] ?? -1 }, drainRequests: drainRequests, arch: arch,
                                    mobilityDisabled: mobilityDisabled, nodeIDs: nodeIDs, zones: nodes.map(\.zones), zonelists: zonelists)
    }

    /// Runs `body` on zone (node index `n`, zone index `zi`) without retaining it.
    @inline(__always) func withZone<R>(_ n: Int, _ zi: Int, _ body: (Zone) -> R) -> R {
        zoneHandles[n &* zonesPerNode &+ zi]._withUnsafeGuaranteedRef(body)
    }

    /// A replayed machine starts with its recorded free pages: the rest is allocated up front
    /// (not counted in any statistic), taken from the top of each zone. Zones whose free_area
    /// was laid out as recorded (`skipping`, keys `nodeIndex * Zone.maxZoneTypes + zoneIndex`)
    /// are done. Returns, for zones that record pcp or LRU pages, the allocated pages split to
    /// order 0 (`split_page`), in the same keys.
    func allocateRecordedUsedPages(skipping: Set<Int>) -> [Int: [Int]] {
        var split: [Int: [Int]] = [:]
        for (n, id) in nodeIDs.enumerated() {
            for (i, b) in machine.zones[id]!.enumerated() where b.free < b.managed && !skipping.contains(n * Zone.maxZoneTypes + i) {
                let z = nodes[n].zones[i]
                let keep = machine.topology.node(id)?.zones[b.name].map { ($0.pcpCount?.reduce(0, +) ?? 0) + ($0.lru?.total ?? 0) > 0 } ?? false
                var pages: [Int] = []
                var need = b.managed - b.free
                var order = FreeArea.maxOrder - 1
                while need > 0 && order >= 0 {
                    if 1 << order > need { order -= 1; continue }
                    if let pfn = z.allocBlock(order: order, .movable) {
                        need -= 1 << order
                        if keep {
                            z.splitPage(pfn, order: order)
                            pages.append(contentsOf: pfn..<(pfn + (1 << order)))
                        }
                    } else {
                        order -= 1
                    }
                }
                if keep { split[n * Zone.maxZoneTypes + i] = pages.sorted() }
            }
        }
        return split
    }

    public func node(ofCPU cpu: Int) -> Int? { cpuNode[cpu] }
    /// The node with id `node` (ids at the edges, indexes inside: `nodes[i]`).
    public func pgdat(node: Int) -> PGData { nodes[nodeIndex[node]!] }
    public func zone(node: Int, index: Int) -> Zone { pgdat(node: node).zones[index] }
    /// The index of node id `node` in `nodes`, nil if the machine has no such node.
    public func index(ofNode node: Int) -> Int? { nodeIndex[node] }
    /// Every zone of every node, node by node.
    public var allZones: [Zone] { nodes.flatMap(\.zones) }
    /// The counter row of a CPU (the system row for ids that are not online CPUs).
    @inline(__always) public func slot(ofCPU cpu: Int) -> Int { cpuSlot[cpu] ?? cpus.count }

    /// `vm_numa_event` per zone, folded over the CPUs: events[nodeIndex][zoneIndex].
    public var events: [[NumaEvents]] { nodes.map { $0.zones.map(\.numaEvents) } }

    /// `pgalloc_<zone>` per zone (pages), folded over the CPUs: pgalloc[nodeIndex][zoneIndex].
    public var pgalloc: [[Int]] { nodes.map { $0.zones.map(\.pgalloc) } }

    /// `pgfree` (pages).
    public var pgfree: Int { vmEvents[.pgfree] }
    /// Allocations that failed.
    public var allocFailures: Int { vmEvents[.allocFail] }
    /// kswapd wake-up requests per node id (`wakeup_kswapd` calls that passed its checks).
    public var kswapdWakeups: [Int: Int] {
        var d: [Int: Int] = [:]
        for node in nodes where node.kswapdWakeups > 0 { d[node.nodeID] = node.kswapdWakeups }
        return d
    }

    /// Per-node numastat of node id `node` (sum over the node's zones).
    public func numastat(node: Int) -> NumaEvents { pgdat(node: node).numastat }

    /// NR_FREE_PAGES of node id `node`.
    public func freePages(node: Int) -> Int { pgdat(node: node).freePages }

    /// Invariants of every zone (every page in exactly one place; counters add up).
    /// Call while no other thread allocates.
    public func checkInvariants() -> [Zone.InvariantReport] {
        var reports = allZones.map { $0.checkInvariants() }
        checkHugeTLBInvariants(&reports)
        return reports
    }
}
