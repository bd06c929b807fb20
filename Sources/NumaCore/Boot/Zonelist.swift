/// Zonelists: the order in which an allocation tries zones (mm/page_alloc.c
/// `__build_all_zonelists`, `build_zonelists`, `find_next_best_node`, `build_zonerefs_node`).
///
/// For each node, nodes are ranked by SLIT distance with two +1 penalties (a lower node id, a
/// node that has CPUs), then by `node_load`, a counter shared by all nodes' builds and bumped for
/// the first node of each new distance group, which rotates equidistant nodes between lists.
/// Inside a node, zones go from the highest type down, skipping unpopulated ones.
public struct Zonelists: Equatable, Sendable {
    /// `node_order` per node: the printed "Fallback order for Node N:".
    public var nodeOrder: [Int: [Int]]
    /// `node_zonelists[ZONELIST_FALLBACK]`.
    public var fallback: [Int: [ZoneRef]]
    /// `node_zonelists[ZONELIST_NOFALLBACK]` (used for `__GFP_THISNODE`).
    public var noFallback: [Int: [ZoneRef]]
    /// Whether the build saw each node's CPUs (a rebuild) or none (x86's boot build).
    public var sawCPUs: Bool
    /// The build order of nodes (`for_each_node`: ascending id).
    public var nodes: [Int]

    /// Inputs: every possible node in ascending id; which have memory (N_MEMORY) and CPUs;
    /// the distance function; MAX_NUMNODES; the populated zone types per node, highest first.
    public static func build(nodes: [Int], hasMemory: (Int) -> Bool, hasCPUs: (Int) -> Bool,
                             distance: (Int, Int) -> Int, maxNumNodes: Int,
                             zonesOf: (Int) -> [Int], sawCPUs: Bool) -> Zonelists {
        let sorted = nodes.sorted()
        let memoryNodes = sorted.filter(hasMemory)
        var nodeLoad: [Int: Int] = [:]
        var result = Zonelists(nodeOrder: [:], fallback: [:], noFallback: [:], sawCPUs: sawCPUs, nodes: sorted)
        let penaltyForNodeWithCPUs = 1
        for local in sorted {
            var used = Set<Int>()
            var order: [Int] = []
            var prev = local
            func findNextBest() -> Int? {
                if !used.contains(local) {
                    used.insert(local)
                    return local
                }
                var best: Int? = nil
                var bestVal = Int.max
                for n in memoryNodes where !used.contains(n) {
                    var val = distance(local, n)
                    val += n < local ? 1 : 0
                    if sawCPUs && hasCPUs(n) { val += penaltyForNodeWithCPUs }
                    val *= maxNumNodes
                    val += nodeLoad[n, default: 0]
                    if val < bestVal {
                        bestVal = val
                        best = n
                    }
                }
                if let best { used.insert(best) }
                return best
            }
            while let n = findNextBest() {
                if distance(local, n) != distance(local, prev) {
                    nodeLoad[n, default: 0] += 1
                }
                order.append(n)
                prev = n
            }
            result.nodeOrder[local] = order
            result.fallback[local] = order.flatMap { n in zonesOf(n).map { ZoneRef(node: n, zone: $0) } }
            result.noFallback[local] = zonesOf(local).map { ZoneRef(node: local, zone: $0) }
        }
        return result
    }

    /// The kernel's boot message for one node, trailing space included.
    public func fallbackLine(node: Int) -> String {
        "Fallback order for Node \(node): " + (nodeOrder[node] ?? []).map { "\($0) " }.joined()
    }
}
