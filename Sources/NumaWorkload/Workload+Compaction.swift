import NumaTopology
import Yams

/// The phase `compact_memory: all` (writing 1 to /proc/sys/vm/compact_memory:
/// `sysctl_compaction_handler` → `compact_nodes`) or `compact_memory: {node: N}` (writing to
/// /sys/devices/system/node/nodeN/compact: `compact_node`), Linux 6.1 mm/compaction.c.
extension Workload {
    public struct CompactMemoryStep: Sendable, Equatable {
        /// nil: every node.
        public var node: Int?
        public init(node: Int? = nil) { self.node = node }
    }

    static func compactMemoryStep(_ n: Yams.Node, _ path: String, _ r: YAMLReader, _ topology: Topology) throws -> CompactMemoryStep {
        if case .scalar = n {
            let text = try r.scalar(n, path, "all or {node: N}")
            guard text == "all" || text == "1" else { throw r.fail(n, path, "expected all (or 1) or {node: N}, got '\(text)'") }
            return CompactMemoryStep()
        }
        let m = try r.mapping(n, path, allowed: ["node"])
        guard let v = m["node"] else { throw r.fail(n, "\(path).node", "missing; expected a node id") }
        let id = try r.int(v, "\(path).node", range: 0...Int.max)
        guard topology.nodes.contains(where: { $0.id == id && !$0.memory.isEmpty }) else {
            throw r.fail(v, "\(path).node", "node \(id) is not a node with memory in the topology")
        }
        return CompactMemoryStep(node: id)
    }
}
