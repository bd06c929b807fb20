import NumaTopology

/// A machine after Linux 6.1 has booted on it: every node's zones laid out and sized, the
/// global `min_free_kbytes`, per-zone watermarks, protection, pcp batch/high, vmstat thresholds,
/// and the zonelists — both as built at boot and as a rebuild with CPUs in their nodes would give.
///
/// Built by `init(topology:)` in the kernel's boot order (see `Boot.swift`). A value type: the
/// allocator and the engines copy what they need from it.
public struct BootedMachine: Sendable {
    public var topology: Topology
    public var layout: ZoneLayout
    /// Node ids in ascending order (the kernel's `for_each_online_node`).
    public var nodeIDs: [Int]
    /// `zones[nodeID][zoneIndex]`, all MAX_NR_ZONES of each node, populated or not.
    public var zones: [Int: [BootZone]]
    public var minFreeKbytes: Int
    /// What `calculate_min_free_kbytes` alone gave (before THP or a sysctl write).
    public var calculatedMinFreeKbytes: Int
    /// The THP recommendation in kB, when THP is enabled (nil otherwise).
    public var thpRecommendedMinFreeKbytes: Int?
    /// Whether `hugepage_init` left THP on (mode ≠ never and ≥ 512 MiB of RAM).
    public var thpEnabled: Bool
    public var totalReservePages: Int
    public var nodeTotalReserve: [Int: Int]
    public var minUnmappedPages: [Int: Int]
    public var minSlabPages: [Int: Int]
    /// Zonelists from the boot build (x86: before CPUs join their nodes, so no CPU penalty).
    public var bootZonelists: Zonelists
    /// Zonelists rebuilt with the current CPU masks (as after memory hotplug).
    public var rebuiltZonelists: Zonelists
    /// `policy_zone`: the highest populated zone type other than Movable.
    public var policyZone: Int
    /// `vm_total_pages` as printed by "Built N zonelists … Total pages: N".
    public var totalPagesAtBuild: Int
    public var mobilityGrouping: Bool
    public var onlineCPUs: Int
    /// `dma_reserve` (x86 `memblock_find_dma_reserve`).
    public var dmaReserve: Int
    /// Whether a `build_all_zonelists` ran after boot (memory hot-add or hotplug): the live
    /// zonelists and `node_load` are then `rebuiltZonelists`'s, else `bootZonelists`'s.
    public var zonelistsRebuiltAfterBoot = false
    /// The memory tiers and demotion targets as last established (mm/memory-tiers.c).
    public var memoryTiers = MemoryTiers()

    public var zoneNames: [String] { topology.arch.zoneNames }
    public var movableIndex: Int { zoneNames.firstIndex(of: "Movable")! }
    public var normalIndex: Int { zoneNames.firstIndex(of: "Normal")! }
    public var pageblockPages: Int { 1 << topology.arch.pageblockOrder }

    /// The zonelists of the last build: what the allocator walks and whose `node_load`
    /// `establish_demotion_targets` reads.
    public var currentZonelists: Zonelists { zonelistsRebuiltAfterBoot ? rebuiltZonelists : bootZonelists }

    public func zone(_ ref: ZoneRef) -> BootZone { zones[ref.node]![ref.zone] }
    public var allZones: [BootZone] { nodeIDs.flatMap { zones[$0]! } }

    public func cpus(ofNode id: Int) -> CPUList { topology.node(id)?.cpus ?? .empty }
    public func hasMemory(_ id: Int) -> Bool { (zones[id] ?? []).contains { $0.present > 0 } }

    /// Node of a CPU (`cpu_to_node`).
    public func node(ofCPU cpu: Int) -> Int? { topology.nodes.first { $0.cpus.contains(cpu) }?.id }
}
