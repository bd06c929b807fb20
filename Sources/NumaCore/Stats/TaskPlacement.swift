
/// Where one task's pages came from: the fallback matrix (asking × serving node), the locality
/// matrix (the node of the CPU it ran on × serving node) and running sums the timeline reads.
/// Owned by the task's host thread; `publish` copies the sums to atomics so that a reporter on
/// another thread can read them while the task runs (relaxed: a sample is a momentary view).
public struct TaskPlacement: Sendable {
    public private(set) var fallback: FallbackMatrix
    public private(set) var locality: FallbackMatrix
    /// SLIT distance by row/column index, row-major (`node_distance`).
    let distance: [Int]
    public internal(set) var pages = 0
    public internal(set) var missPages = 0
    public internal(set) var localPages = 0
    public internal(set) var distancePages = 0

    public init(_ a: PageAllocator) {
        fallback = FallbackMatrix(nodeIDs: a.nodeIDs)
        locality = FallbackMatrix(nodeIDs: a.nodeIDs)
        let t = a.machine.topology
        distance = a.nodeIDs.flatMap { x in a.nodeIDs.map { y in t.distance(from: x, to: y) } }
    }

    @inline(__always) public mutating func record(asking: Int, local: Int, serving: Int, order: Int) {
        let p = 1 << order
        fallback.record(asking: asking, serving: serving, order: order)
        locality.record(asking: local, serving: serving, order: order)
        pages &+= p
        if asking != serving { missPages &+= p }
        if local == serving { localPages &+= p }
        let idx = fallback.index
        if local < idx.count, serving < idx.count, idx[local] >= 0, idx[serving] >= 0 {
            distancePages &+= p &* distance[idx[local] &* fallback.nodeIDs.count &+ idx[serving]]
        }
    }
}

/// Operation and placement sums of one or more tasks.
public struct PlacementSums: Sendable, Equatable {
    public init(ops: Int = 0, pages: Int = 0, missPages: Int = 0, localPages: Int = 0, distancePages: Int = 0) {
        self.ops = ops; self.pages = pages; self.missPages = missPages; self.localPages = localPages; self.distancePages = distancePages
    }
    public var ops = 0
    public var pages = 0
    public var missPages = 0
    public var localPages = 0
    public var distancePages = 0

    public static func + (l: PlacementSums, r: PlacementSums) -> PlacementSums {
        PlacementSums(ops: l.ops + r.ops, pages: l.pages + r.pages, missPages: l.missPages + r.missPages,
                      localPages: l.localPages + r.localPages, distancePages: l.distancePages + r.distancePages)
    }

    public static func - (l: PlacementSums, r: PlacementSums) -> PlacementSums {
        PlacementSums(ops: l.ops - r.ops, pages: l.pages - r.pages, missPages: l.missPages - r.missPages,
                      localPages: l.localPages - r.localPages, distancePages: l.distancePages - r.distancePages)
    }
}
