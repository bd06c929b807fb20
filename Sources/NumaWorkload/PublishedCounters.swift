import Synchronization
import NumaCore

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

