/// `find_next_best_node` (mm/page_alloc.c, Linux 6.1), used by `build_zonelists` and by
/// `establish_demotion_targets` (mm/memory-tiers.c).
///
/// A call returns the local node if it is not yet in the used mask; otherwise, among the nodes
/// with memory (`for_each_node_state(n, N_MEMORY)`) not in the mask, the one with the least
///
///     val = (node_distance(local, n) + (n < local) + PENALTY_FOR_NODE_WITH_CPUS·[n has CPUs])
///           × MAX_NUMNODES + node_load[n]
///
/// (`val < min_val`: ties go to the lowest id), and adds it to the mask. The function itself
/// never changes `node_load`, and `build_zonelists` bumps only the node just picked, so the
/// other candidates' values stay fixed across one caller's calls: the successive picks are the
/// candidates sorted by (val, id). `order` returns that sequence.
public enum NextBestNode {
    /// `PENALTY_FOR_NODE_WITH_CPUS`.
    public static let cpuPenalty = 1

    /// `val` of a candidate: its distance from the local node, whether its id is below the local
    /// node's, whether the caller sees CPUs in its mask, and its `node_load`.
    @inline(__always)
    public static func value(distance: Int, belowLocal: Bool, hasCPUs: Bool, load: Int, maxNumNodes: Int) -> Int {
        (distance + (belowLocal ? 1 : 0) + (hasCPUs ? cpuPenalty : 0)) * maxNumNodes + load
    }

    /// What successive calls return after the local node (already in the used mask): the
    /// `candidates` (nodes with memory outside the mask, any order) by increasing `value`, ties by
    /// increasing `id`. `id` orders the candidates as node ids do (an id, or a position in a list
    /// sorted by id).
    public static func order(_ candidates: [Int], id: (Int) -> Int = { $0 }, value: (Int) -> Int) -> [Int] {
        candidates.map { (val: value($0), id: id($0), c: $0) }
            .sorted { ($0.val, $0.id) < ($1.val, $1.id) }
            .map(\.c)
    }
}
