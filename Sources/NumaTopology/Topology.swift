import Foundation

/// A NUMA machine as the kernel sees it at boot: nodes with CPUs and physical memory, the
/// ACPI SLIT distance table, the architecture, and the sysctls that shape the page allocator.
///
/// This layer knows nothing about pages or zones; `NumaCore` lays those out from it.
public struct Topology: Equatable, Sendable {
    public var name: String
    public var description: String?
    /// Where the machine's figures come from (a datasheet, a sysfs copy, a QEMU command line).
    public var source: String?
    public var arch: Arch
    /// x86 firmware holes every PC has: pfn 0 and the legacy VGA/BIOS window 640 KiB–1 MiB are
    /// not RAM, and Linux reserves the whole first MiB (`x86_reserve_low`, 5.13+).
    public var legacyHoles: Bool
    /// Physical ranges that are not RAM (e.g. the PCI hole below 4 GiB). Nodes laid out by size
    /// skip them, as firmware relocates RAM above such a hole.
    public var holes: [MemoryRange]
    public var nodes: [NodeSpec]
    /// SLIT distances; `distances[i][j]` is from `nodes[i]` to `nodes[j]`.
    public var distances: [[Int]]
    public var sysctl: Sysctls
    public var kernel: KernelParameters

    public init(name: String, description: String? = nil, source: String? = nil, arch: Arch = .x86_64,
                legacyHoles: Bool? = nil, holes: [MemoryRange] = [], nodes: [NodeSpec],
                distances: [[Int]]? = nil, sysctl: Sysctls = Sysctls(), kernel: KernelParameters = KernelParameters()) {
        self.name = name
        self.description = description
        self.source = source
        self.arch = arch
        self.legacyHoles = legacyHoles ?? true
        self.holes = holes
        self.nodes = nodes
        self.distances = distances ?? Topology.defaultDistances(count: nodes.count)
        self.sysctl = sysctl
        self.kernel = kernel
    }

    /// The kernel's table when firmware gives no SLIT (`__node_distance`): 10 local, 20 remote.
    public static func defaultDistances(count: Int) -> [[Int]] {
        (0..<count).map { i in (0..<count).map { j in i == j ? 10 : 20 } }
    }

    public var nodeIDs: [Int] { nodes.map(\.id) }
    /// O(1) when ids are dense from 0 (the usual case), else O(nodes).
    public func index(ofNode id: Int) -> Int? {
        if id >= 0 && id < nodes.count && nodes[id].id == id { return id }
        return nodes.firstIndex { $0.id == id }
    }
    public func node(_ id: Int) -> NodeSpec? { nodes.first { $0.id == id } }

    /// `node_distance(from, to)` by node id.
    public func distance(from: Int, to: Int) -> Int {
        guard let i = index(ofNode: from), let j = index(ofNode: to) else { return from == to ? 10 : 20 }
        return distances[i][j]
    }

    /// Every CPU of the machine (all are online in the simulation).
    public var allCPUs: [Int] { nodes.flatMap(\.cpus.members).sorted() }
}

public enum Arch: String, Sendable, CaseIterable, Codable {
    case x86_64
    /// 32-bit x86 without PAE: 2-level page tables, 4 MiB huge pages (pageblock order 10).
    case i386
    /// 32-bit x86 with PAE: 3-level page tables, 2 MiB huge pages (pageblock order 9).
    case i386PAE = "i386-pae"

    public var is32Bit: Bool { self != .x86_64 }
}

/// A physical address range `[start, start + size)` in bytes.
public struct MemoryRange: Equatable, Hashable, Sendable, Codable {
    public var start: UInt64
    public var size: UInt64
    public init(start: UInt64, size: UInt64) { self.start = start; self.size = size }
    public var end: UInt64 { start + size }
}

/// One node of the machine: `pg_data_t` before boot.
public struct NodeSpec: Equatable, Sendable {
    public var id: Int
    public var cpus: CPUList
    /// Physical memory of the node. Empty for a CPU-only (memoryless) node.
    public var memory: NodeMemory
    /// Extra memory the firmware and early kernel keep (kernel image, ACPI tables, crash
    /// kernel…), taken from the top of the node as memblock allocates top-down.
    public var reserved: UInt64
    /// The node's managed memory (sysfs `MemTotal`) when known: the highest zone absorbs the
    /// difference from numasim's estimate so the node total matches exactly.
    public var managed: UInt64?
    /// Free memory at the start of a run (sysfs `MemFree`) when known.
    public var free: UInt64?
    /// Memory at the top of the node onlined as ZONE_MOVABLE (hot-plugged or `movable_node`
    /// memory, typical for CXL expanders). `nil` = none.
    public var movable: MovableAmount?
    /// Per-zone values recorded from a real machine (`/proc/zoneinfo`), used as given.
    public var zones: [String: ZoneOverride]

    public init(id: Int, cpus: CPUList = .empty, memory: NodeMemory, reserved: UInt64 = 0,
                managed: UInt64? = nil, free: UInt64? = nil, movable: MovableAmount? = nil,
                zones: [String: ZoneOverride] = [:]) {
        self.id = id
        self.cpus = cpus
        self.memory = memory
        self.reserved = reserved
        self.managed = managed
        self.free = free
        self.movable = movable
        self.zones = zones
    }
}

public enum NodeMemory: Equatable, Sendable {
    /// A size; the node is placed right after the previous node (skipping `holes`).
    case size(UInt64)
    /// Explicit physical ranges (as in the SRAT / `Early memory node ranges`).
    case ranges([MemoryRange])

    public var isEmpty: Bool {
        switch self {
        case .size(let s): return s == 0
        case .ranges(let r): return r.allSatisfy { $0.size == 0 }
        }
    }
}

public enum MovableAmount: Equatable, Sendable {
    case all
    case bytes(UInt64)
}

/// Values of one zone recorded on a real machine. `nil` fields are computed as the kernel would.
public struct ZoneOverride: Equatable, Sendable, Codable {
    public var startPfn: Int?
    public var spanned: Int?
    public var present: Int?
    public var managed: Int?
    public var free: Int?
    public var min: Int?
    public var low: Int?
    public var high: Int?
    public var protection: [Int]?
    public var pcpHigh: Int?
    public var pcpBatch: Int?

    public init(startPfn: Int? = nil, spanned: Int? = nil, present: Int? = nil, managed: Int? = nil,
                free: Int? = nil, min: Int? = nil, low: Int? = nil, high: Int? = nil,
                protection: [Int]? = nil, pcpHigh: Int? = nil, pcpBatch: Int? = nil) {
        self.startPfn = startPfn; self.spanned = spanned; self.present = present; self.managed = managed
        self.free = free; self.min = min; self.low = low; self.high = high; self.protection = protection
        self.pcpHigh = pcpHigh; self.pcpBatch = pcpBatch
    }

    public var isEmpty: Bool { self == ZoneOverride() }

    enum CodingKeys: String, CodingKey {
        case startPfn = "start_pfn", spanned, present, managed, free, min, low, high, protection
        case pcpHigh = "pcp_high", pcpBatch = "pcp_batch"
    }
}

/// `/proc/sys/vm/*` settings that change the allocator's numbers, plus THP's mode.
public struct Sysctls: Equatable, Sendable {
    /// `nil` = computed by the kernel (`calculate_min_free_kbytes`, THP raise); a number = as if
    /// written to `/proc/sys/vm/min_free_kbytes` after boot.
    public var minFreeKbytes: Int?
    public var watermarkScaleFactor: Int = 10
    public var watermarkBoostFactor: Int = 15000
    /// Indexed by zone type; `nil` = the kernel default for the arch.
    public var lowmemReserveRatio: [Int]?
    public var percpuPagelistHighFraction: Int = 0
    public var zoneReclaimMode: Int = 0
    public var transparentHugepage: THPMode = .always
    public var minUnmappedRatio: Int = 1
    public var minSlabRatio: Int = 5

    public init() {}
}

/// `/sys/kernel/mm/transparent_hugepage/enabled`; Debian's kernel defaults to `always`.
public enum THPMode: String, Sendable, CaseIterable, Codable {
    case always, madvise, never
    public var enabled: Bool { self != .never }
}

/// Boot-time facts of the kernel build and command line that the formulas depend on.
public struct KernelParameters: Equatable, Sendable {
    /// `1 << CONFIG_NODES_SHIFT`; Debian amd64 builds with MAXSMP, NODES_SHIFT 10.
    public var maxNumNodes: Int = 1024
    /// `node_reclaim_distance`: 30, raised to 32 on AMD Zen (`init_amd_zn`).
    public var nodeReclaimDistance: Int = 30
    /// i386 only: where HighMem begins (`max_low_pfn`), nominally 896 MiB with the 3G/1G split.
    public var highmemStart: UInt64 = 896 << 20

    public init() {}
}
