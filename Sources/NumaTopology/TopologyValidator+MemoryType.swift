/// `memory_type:` against the rest of the node: hot-added memory needs memory to add, and the
/// machine needs memory present at boot (memory_tier_init runs on the boot memory alone).
extension TopologyValidator {
    static func checkMemoryTypes(_ t: Topology) throws(TopologyIssue) {
        for (i, node) in t.nodes.enumerated() where node.memoryType.isHotAdded && node.memory.isEmpty {
            throw TopologyIssue(place: .nodeKey(i, "memory_type"), key: "nodes[\(i)].memory_type",
                                message: "memory_type: \(node.memoryType.name) is memory a driver hot-adds after boot, but node \(node.id) has no memory; give the node memory: or leave memory_type out")
        }
        guard t.nodes.contains(where: { !$0.memory.isEmpty && !$0.isHotAdded }) else {
            throw TopologyIssue(place: .nodes, key: "nodes",
                                message: "every node's memory is hot-added after boot (memory_type: dax_kmem or adistance:); the kernel needs memory present at boot: expected at least one node with memory_type: dram")
        }
    }
}
