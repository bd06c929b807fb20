import NumaTopology
import Yams

/// Reading a `hotplug:` phase (`{offline: NODE}`, `{online: NODE}`, `blocks: K`): the memory
/// blocks `offline_pages` / `online_pages` act on between phases (docs/memory-hotplug.md).
extension Workload {
    static func hotplugStep(_ node: Yams.Node, _ path: String, _ r: YAMLReader, _ topology: Topology) throws -> HotplugStep {
        let m = try r.mapping(node, path, allowed: ["offline", "online", "blocks"])
        let action: HotplugStep.Action
        let target: Yams.Node
        switch (m["offline"], m["online"]) {
        case (let n?, nil): (action, target) = (.offline, n)
        case (nil, let n?): (action, target) = (.online, n)
        default: throw r.fail(node, path, "expected exactly one of 'offline: NODE' or 'online: NODE'")
        }
        let key = "\(path).\(action.rawValue)"
        let id = try r.int(target, key, range: 0...Int.max)
        guard topology.nodes.contains(where: { $0.id == id }) else {
            throw r.fail(target, key, "node \(id) is not in the topology (nodes: \(topology.nodes.map { String($0.id) }.joined(separator: ", ")))")
        }
        var step = HotplugStep(action: action, node: id)
        if let b = m["blocks"] { step.blocks = try r.int(b, "\(path).blocks", range: 1...Int.max) }
        return step
    }
}
