import Foundation

/// Synthetic machines for scale work: N identical nodes with a SLIT drawn from a simple
/// interconnect model, up to MAX_NUMNODES (1024) nodes.
///
/// Real firmware tables of that size are rare (SGI UV, HPE Superdome Flex, CXL fabrics); what
/// matters for the kernel's boot computations is the shape of the distance table, so the
/// models here produce the shapes that stress `find_next_best_node`: long runs of equal
/// distances (node_load rotation), nodes at every distance (ring, mesh) and two groups (a
/// board or socket level). Distances saturate at 255 because the SLIT is a table of u8
/// (`numa_set_distance` rejects anything above).
public struct TopologyGenerator: Sendable {
    public enum DistanceModel: String, Sendable, CaseIterable {
        /// Nodes on a ring: `10 + hop × hops`, hops the shorter way round.
        case ring
        /// Nodes on a square 2D mesh (row-major, ⌈√N⌉ per row): `10 + hop × Manhattan hops`.
        case mesh
        /// Groups of `groupSize` consecutive nodes: `near` inside a group, `far` across.
        case twoLevel = "two-level"
    }

    public var nodes: Int
    public var cpusPerNode: Int
    public var memoryPerNode: UInt64
    public var distance: DistanceModel
    /// Distance added per hop (ring, mesh).
    public var hop: Int = 10
    /// Nodes per group and the two distances (two-level).
    public var groupSize: Int = 4
    public var near: Int = 12
    public var far: Int = 32
    /// Node ids that get no CPUs (memory-only nodes, like a CXL expander); CPUs stay numbered
    /// densely over the other nodes.
    public var cpulessNodes: Set<Int> = []
    public var name: String?
    /// x86-64 page-table levels (`--paging`): 5-level raises the physical limit to 2^52 bytes.
    public var paging = Paging.fourLevel

    public init(nodes: Int, cpusPerNode: Int, memoryPerNode: UInt64, distance: DistanceModel = .twoLevel) {
        self.nodes = nodes
        self.cpusPerNode = cpusPerNode
        self.memoryPerNode = memoryPerNode
        self.distance = distance
    }

    /// The machine, checked as a topology file would be (node count, sizes, SLIT range).
    public func topology(maxNumNodes: Int = 1024) throws -> Topology {
        let file = "topology generate"
        guard (1...maxNumNodes).contains(nodes) else {
            throw InputError(file: file, key: "--nodes", "expected 1…\(maxNumNodes) nodes (MAX_NUMNODES), got \(nodes)")
        }
        guard cpusPerNode >= 0 else { throw InputError(file: file, key: "--cpus-per-node", "expected 0 or more, got \(cpusPerNode)") }
        guard memoryPerNode % 4096 == 0 else {
            throw InputError(file: file, key: "--memory-per-node", "expected a multiple of the 4 KiB page size, got \(memoryPerNode) bytes")
        }
        if let bad = cpulessNodes.first(where: { !(0..<nodes).contains($0) }) {
            throw InputError(file: file, key: "--cpuless", "node \(bad) does not exist (nodes are 0…\(nodes - 1))")
        }
        guard (11...255).contains(10 + hop) || distance == .twoLevel else {
            throw InputError(file: file, key: "--hop", "expected 1…245 (a remote SLIT entry is 11…255), got \(hop)")
        }
        if distance == .twoLevel {
            guard groupSize >= 1 else { throw InputError(file: file, key: "--group-size", "expected 1 or more, got \(groupSize)") }
            for (key, d) in [("--near", near), ("--far", far)] where !(11...255).contains(d) {
                throw InputError(file: file, key: key, "a remote SLIT entry is 11…255, got \(d)")
            }
        }
        var specs: [NodeSpec] = []
        var nextCPU = 0
        for id in 0..<nodes {
            var cpus = CPUList.empty
            if !cpulessNodes.contains(id) && cpusPerNode > 0 {
                cpus = CPUList(nextCPU..<(nextCPU + cpusPerNode))
                nextCPU += cpusPerNode
            }
            specs.append(NodeSpec(id: id, cpus: cpus, memory: .size(memoryPerNode)))
        }
        let side = Int(Double(nodes).squareRoot().rounded(.up))
        let table = (0..<nodes).map { i in (0..<nodes).map { j in slit(i, j, side: side) } }
        let label = name ?? "generated-\(nodes)n-\(distance.rawValue)"
        let describe = "\(nodes) nodes × \(cpusPerNode) CPUs × \(ByteSize.format(memoryPerNode)), \(distance.rawValue) SLIT"
            + (cpulessNodes.isEmpty ? "" : ", CPU-less nodes \(CPUList(cpulessNodes).description)")
        var t = Topology(name: label, description: describe, source: "numasim topology generate (synthetic)",
                         nodes: specs, distances: table)
        t.kernel.maxNumNodes = maxNumNodes
        t.paging = paging
        return t
    }

    func slit(_ i: Int, _ j: Int, side: Int) -> Int {
        if i == j { return 10 }
        switch distance {
        case .ring:
            let d = abs(i - j)
            return min(255, 10 + hop * min(d, nodes - d))
        case .mesh:
            let hops = abs(i / side - j / side) + abs(i % side - j % side)
            return min(255, 10 + hop * hops)
        case .twoLevel:
            return i / groupSize == j / groupSize ? near : far
        }
    }
}
