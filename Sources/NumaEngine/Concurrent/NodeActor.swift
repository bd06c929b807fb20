import Dispatch
import NumaCore

/// A node's `pg_data_t` (`PGData`) as an actor whose jobs run on the node's own serial Dispatch
/// queue, owning the node's kswapd loop.
///
/// Page work never hops here (an await onto a Dispatch-queue executor costs ~18 µs, an order-0
/// allocation ~50 ns): CPUs allocate through the lock-free per-CPU pagesets and the zone locks.
/// What the actor serialises is the node's coarse state changes and views: starting and
/// stopping its kswapd, and consistent snapshots of its zones for progress lines and reports.
public actor NodeActor {
    public let nodeID: Int
    public let nodeIndex: Int
    /// The node this actor stands for.
    public nonisolated let pgdat: PGData
    let allocator: PageAllocator
    public nonisolated let kswapd: KswapdLoop
    private let executor: DispatchQueueExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(nodeIndex: Int, allocator: PageAllocator, window: ClockWindow) {
        self.nodeIndex = nodeIndex
        nodeID = allocator.nodeIDs[nodeIndex]
        pgdat = allocator.nodes[nodeIndex]
        self.allocator = allocator
        executor = DispatchQueueExecutor(label: "numasim.node\(allocator.nodeIDs[nodeIndex])")
        kswapd = KswapdLoop(nodeIndex: nodeIndex, allocator: allocator, label: "numasim.kswapd\(allocator.nodeIDs[nodeIndex])", window: window)
    }

    /// One zone as the node sees it at a moment.
    public struct ZoneSnapshot: Sendable, Codable {
        public var name: String
        public var free: Int
        public var min: Int
        public var low: Int
        public var high: Int
        public var lru: [Int]
    }

    public struct Snapshot: Sendable, Codable {
        public var node: Int
        public var zones: [ZoneSnapshot]
        public var kswapdSleeping: Bool
        public var kswapdFailures: Int
        public var free: Int { zones.reduce(0) { $0 + $1.free } }
        public var low: Int { zones.reduce(0) { $0 + $1.low } }
    }

    /// The node's zones, watermarks, LRU sizes and kswapd state (free counts are read
    /// lock-free, as /proc/zoneinfo reads them).
    public func snapshot() -> Snapshot {
        let zones = pgdat.managedZones.map { z in
            ZoneSnapshot(name: z.name, free: z.nrFreePages, min: z.watermarkPages(.min), low: z.watermarkPages(.low),
                         high: z.watermarkPages(.high), lru: LRUVec.List.allCases.map { allocator.lruPages(z, $0) })
        }
        let r = pgdat.reclaim
        return Snapshot(node: nodeID, zones: zones, kswapdSleeping: r.isKswapdSleeping, kswapdFailures: r.kswapdFailures)
    }

    public func startKswapd() { kswapd.resume() }
    public func stopKswapd() { kswapd.stop() }
}

extension NodeActor {
    /// Whether the actor's code is running on its node's Dispatch queue (for tests).
    public func isOnOwnQueue() -> Bool {
        executor.checkIsolated()
        return true
    }
}
