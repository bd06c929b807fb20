/// Where allocations asked to be served and where they were: the node a task passed to
/// `__alloc_pages` as `preferred_nid` (asking) against the node of the page it got back (serving),
/// in pages and in allocations. The kernel keeps only the diagonal/off-diagonal sums of this
/// (`NUMA_HIT`/`NUMA_MISS` on the serving node, `NUMA_FOREIGN` on the preferred one, per
/// allocation, in `zone_statistics`); the matrix says which node paid for which.
///
/// Each task owns one (no atomics: one host thread steps a task); the engine sums them at the end.
public struct FallbackMatrix: Sendable, Equatable {
    /// Node ids, in the order of rows and columns.
    public let nodeIDs: [Int]
    /// pages[asking * n + serving]
    public private(set) var pages: [Int]
    /// allocations[asking * n + serving]
    public private(set) var allocations: [Int]
    /// Node id → row (ids are small: a flat table, no hashing on the allocation path).
    let index: [Int]

    public init(nodeIDs: [Int]) {
        self.nodeIDs = nodeIDs
        let n = nodeIDs.count
        pages = [Int](repeating: 0, count: n * n)
        allocations = [Int](repeating: 0, count: n * n)
        var idx = [Int](repeating: -1, count: (nodeIDs.max() ?? 0) + 1)
        for (i, id) in nodeIDs.enumerated() { idx[id] = i }
        index = idx
    }

    @inline(__always) mutating func record(asking: Int, serving: Int, order: Int) {
        guard asking >= 0, asking < index.count, serving >= 0, serving < index.count else { return }
        let a = index[asking], s = index[serving]
        guard a >= 0, s >= 0 else { return }
        let k = a &* nodeIDs.count &+ s
        pages[k] &+= 1 << order
        allocations[k] &+= 1
    }

    public func pages(asking: Int, serving: Int) -> Int {
        pages[index[asking] * nodeIDs.count + index[serving]]
    }

    public func allocations(asking: Int, serving: Int) -> Int {
        allocations[index[asking] * nodeIDs.count + index[serving]]
    }

    public var totalPages: Int { pages.reduce(0, +) }

    /// Pages served by each node (the column sums), by node id.
    public var servedPages: [Int: Int] {
        var out: [Int: Int] = [:]
        for (j, id) in nodeIDs.enumerated() { out[id] = nodeIDs.indices.reduce(0) { $0 + pages[$1 * nodeIDs.count + j] } }
        return out
    }
    /// Pages served by the node that was asked for (the diagonal).
    public var localPages: Int { nodeIDs.indices.reduce(0) { $0 + pages[$1 * nodeIDs.count + $1] } }

    public static func + (l: FallbackMatrix, r: FallbackMatrix) -> FallbackMatrix {
        precondition(l.nodeIDs == r.nodeIDs)
        var m = l
        for i in m.pages.indices { m.pages[i] &+= r.pages[i]; m.allocations[i] &+= r.allocations[i] }
        return m
    }
}
