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
    /// x86-64's page-table levels (`paging:`), which set the physical address limit.
    public var paging: Paging = .fourLevel
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
    /// The simulated clock's costs the file overrides (`costs:`, `latency_ns:`, `bandwidth_gbps:`).
    public var costs = CostOverrides()

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

    /// `1 << MAX_PHYSMEM_BITS` of this machine's architecture and paging.
    public var physicalLimit: PhysicalLimit { PhysicalLimit(arch: arch, paging: paging) }

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
