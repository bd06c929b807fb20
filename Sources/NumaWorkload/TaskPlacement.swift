import NumaCore
import Synchronization

/// Where one task's pages came from: the fallback matrix (asking × serving node), the locality
/// matrix (the node of the CPU it ran on × serving node) and running sums the timeline reads.
/// Owned by the task's host thread; `publish` copies the sums to atomics so that a reporter on
/// another thread can read them while the task runs (relaxed: a sample is a momentary view).
public struct TaskPlacement: Sendable {
    public private(set) var fallback: FallbackMatrix
    public private(set) var locality: FallbackMatrix
    /// SLIT distance by row/column index, row-major (`node_distance`).
    let distance: [Int]
    var pages = 0
    var missPages = 0
    var localPages = 0
    var distancePages = 0

    init(_ a: PageAllocator) {
        fallback = FallbackMatrix(nodeIDs: a.nodeIDs)
        locality = FallbackMatrix(nodeIDs: a.nodeIDs)
        let t = a.machine.topology
        distance = a.nodeIDs.flatMap { x in a.nodeIDs.map { y in t.distance(from: x, to: y) } }
    }

    @inline(__always) mutating func record(asking: Int, local: Int, serving: Int, order: Int) {
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

/// A task's running sums as other threads may read them.
final class PublishedCounters: @unchecked Sendable {
    /// The six counters in a cache-line-aligned block of their own: the owner stores to them
    /// after every step, and two tasks' counters on one line would bounce it between threads.
    private let storage: UnsafeMutablePointer<Atomic<Int>>

    init() {
        storage = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128).bindMemory(to: Atomic<Int>.self, capacity: 6)
        for i in 0..<6 { (storage + i).initialize(to: Atomic(0)) }
    }

    deinit {
        storage.deinitialize(count: 6)
        UnsafeMutableRawPointer(storage).deallocate()
    }

    enum Field: Int { case ops, pages, missPages, localPages, distancePages, clock }

    @inline(__always) func store(_ f: Field, _ v: Int) { storage[f.rawValue].store(v, ordering: .relaxed) }
    @inline(__always) func load(_ f: Field) -> Int { storage[f.rawValue].load(ordering: .relaxed) }

    var snapshot: PlacementSums {
        PlacementSums(ops: load(.ops), pages: load(.pages), missPages: load(.missPages), localPages: load(.localPages),
                      distancePages: load(.distancePages))
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
