import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// Direct compaction under the concurrent engine: order-0 anon and page-cache groups that free
/// at random leave the nodes fragmented while order-9 groups keep asking for huge blocks, so
/// the slow path compacts (migrating LRU pages other CPUs own and touch) while other CPUs
/// allocate and free. Every page must stay in exactly one place; each compaction stall ends in
/// a success or a failure. Also under ThreadSanitizer with the other concurrent suites.
final class CompactionConcurrentTests: XCTestCase {
    /// Phase 1: CPUs 0 and 1 fill node 0 (15616 pages) together, anon pages kept and page
    /// cache freed at exit, so their pcp refills interleave and the exit leaves holes of a
    /// batch or two between kept chunks. Phase 2 asks for 16 order-9 blocks there while two
    /// other CPUs churn anon and page-cache pages (whose pages compaction may migrate).
    static let workload = """
        swap: 16MiB
        phases:
          - threads:
              - {cpus: "0", policy: "bind:0", gfp: GFP_HIGHUSER_MOVABLE, kind: anon, order: 0, allocate: 7000, free: never}
              - {cpus: "1", policy: "bind:0", gfp: GFP_HIGHUSER_MOVABLE, kind: file, order: 0, allocate: 7000, free: at_exit}
          - threads:
              - {cpus: "0-1", policy: "bind:0", gfp: GFP_HIGHUSER_MOVABLE, kind: anon, order: 9, allocate: 8192, free: never}
              - {cpus: "2", policy: "bind:0", gfp: GFP_HIGHUSER_MOVABLE, kind: anon, order: 0, allocate: 20000, free: random, live: 500, touch: 1}
              - {cpus: "3", policy: "bind:0", gfp: GFP_HIGHUSER_MOVABLE, kind: file, order: 0, allocate: 20000, free: random, live: 500, touch: 1}
        """

    func testOrder9AllocationsCompactUnderTwoThreads() throws {
        let m = try boot(TestTopologies.pressure4n)
        let w = try Workload.parse(Self.workload, file: "compaction.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 7)
        let a = r.allocator
        for phase in r.phaseInvariants { for rep in phase { XCTAssertTrue(rep.ok, "\(rep.violations)") } }
        for rep in a.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
        XCTAssertGreaterThan(a.vmEvents[.compactStall], 0, "order-9 requests on a fragmented node compacted")
        XCTAssertEqual(a.vmEvents[.compactStall], a.vmEvents[.compactSuccess] + a.vmEvents[.compactFail])
        XCTAssertGreaterThan(a.vmEvents[.compactMigrateScanned], 0)
        XCTAssertGreaterThan(a.vmEvents[.pgmigrateSuccess], 0, "pages other CPUs own were migrated")
        XCTAssertLessThanOrEqual(a.vmEvents[.compactIsolated], a.vmEvents[.compactMigrateScanned] + a.vmEvents[.compactFreeScanned])
    }
}
