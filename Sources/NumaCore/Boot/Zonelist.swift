/// Zonelists: the order in which an allocation tries zones (mm/page_alloc.c
/// `__build_all_zonelists`, `build_zonelists`, `find_next_best_node` (`NextBestNode`),
/// `build_zonerefs_node`).
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
    /// `node_load[]` as the build leaves it (`__build_all_zonelists` zeroes it first), by node
    /// id: what `establish_demotion_targets` reads until the next build.
    public var nodeLoad: [Int: Int] = [:]

    /// Inputs: every possible node in ascending id; which have memory (N_MEMORY) and CPUs;
    /// the distance function; MAX_NUMNODES; the populated zone types per node, highest first.
    public static func build(nodes: [Int], hasMemory: (Int) -> Bool, hasCPUs: (Int) -> Bool,
                             distance: (Int, Int) -> Int, maxNumNodes: Int,
                             zonesOf: (Int) -> [Int], sawCPUs: Bool) -> Zonelists {
        let sorted = nodes.sorted()
        let count = sorted.count
        // By position in `sorted`: distances, penalties and node_load as flat arrays, so a
        // 1024-node (MAX_NUMNODES) machine builds in well under a second.
        var dist = [Int](repeating: 0, count: count * count)
        for (i, a) in sorted.enumerated() { for (j, b) in sorted.enumerated() { dist[i * count + j] = distance(a, b) } }
        let memoryPositions = sorted.indices.filter { hasMemory(sorted[$0]) }
        let cpuPenalty = sorted.map { sawCPUs && hasCPUs($0) ? 1 : 0 }  // PENALTY_FOR_NODE_WITH_CPUS
        var nodeLoad = [Int](repeating: 0, count: count)
        var result = Zonelists(nodeOrder: [:], fallback: [:], noFallback: [:], sawCPUs: sawCPUs, nodes: sorted)
        for (l, local) in sorted.enumerated() {
            // find_next_best_node returns the local node first, then the other memory nodes in
            // NextBestNode's order (positions in `sorted` order candidates as ids do).
            let picks = NextBestNode.order(memoryPositions.filter { $0 != l }) { n in
                NextBestNode.value(distance: dist[l * count + n], belowLocal: n < l, hasCPUs: cpuPenalty[n] == 1,
                                   load: nodeLoad[n], maxNumNodes: maxNumNodes)
            }
            var prev = l
            var order = [local]
            for n in picks {
                // The first node of each new distance group takes a load (round-robin spreading).
                if dist[l * count + n] != dist[l * count + prev] { nodeLoad[n] += 1 }
                order.append(sorted[n])
                prev = n
            }
            result.nodeOrder[local] = order
            result.fallback[local] = order.flatMap { n in zonesOf(n).map { ZoneRef(node: n, zone: $0) } }
            result.noFallback[local] = zonesOf(local).map { ZoneRef(node: local, zone: $0) }
        }
        result.nodeLoad = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, nodeLoad[$0]) })
        return result
    }

    /// The kernel's boot message for one node, trailing space included.
    public func fallbackLine(node: Int) -> String {
        "Fallback order for Node \(node): " + (nodeOrder[node] ?? []).map { "\($0) " }.joined()
    }
}
