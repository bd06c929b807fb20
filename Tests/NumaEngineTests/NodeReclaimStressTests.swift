import XCTest
import NumaTestSupport
@testable import NumaCore
import NumaEngine
import NumaTopology
import NumaWorkload

/// Node reclaim (`vm.zone_reclaim_mode`) in a whole run of the deterministic engine.
final class NodeReclaimStressTests: XCTestCase {
    /// zone_reclaim_mode = 1: a page-cache reader on node 0 reclaims its own node's clean cache
    /// before spilling to node 1; with mode 0 it spills (numa_miss) and reclaims nothing.
    func testZoneReclaimModeKeepsPageCacheLocal() throws {
        func run(mode: Int) throws -> PageAllocator {
            let m = try boot("""
                name: two
                nodes: [{id: 0, cpus: "0", memory: 64MiB}, {id: 1, cpus: "1", memory: 64MiB}]
                sysctl: {transparent_hugepage: never, zone_reclaim_mode: \(mode)}
                """)
            let w = try Workload.parse("""
                threads: [{cpus: "0", kind: file, allocate: 40000, free: random, live: 15800}]
                """, file: "w.yaml", topology: m.topology)
            return try DeterministicStress.run(machine: m, workload: w, seed: 1).allocator
        }
        let off = try run(mode: 0), on = try run(mode: 1)
        XCTAssertGreaterThan(off.numastat(node: 1).numaMiss, 0)
        XCTAssertEqual(off.vmEvents[.pgscanDirect], 0)
        XCTAssertEqual(on.numastat(node: 1).numaMiss, 0, "every page came from node 0")
        XCTAssertGreaterThan(on.vmEvents[.pgstealDirect], 0, "node reclaim counts as direct reclaim")
        for r in on.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// unreserve_highatomic_pageblock(force): a HighAtomic pageblock goes back to the request's
    /// migratetype and nr_reserved_highatomic drops by one pageblock.
}
