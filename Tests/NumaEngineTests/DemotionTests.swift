import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// Demotion in reclaim (mm/vmscan.c 6.1 `demote_folio_list`): with `demotion_enabled`, pages
/// reclaim would free on a DRAM node move to its lower-tier target instead — anonymous memory
/// too, without swap — and their owners keep using them there.
final class DemotionTests: XCTestCase {
    /// DRAM nodes 0 and 1 with CPUs; node 2 a dax_kmem (CXL) node above 4 GiB, nearest node 0.
    static func topology(demotion: Bool) -> String {
        """
        name: tiered
        nodes:
          - {id: 0, cpus: "0-1", ranges: [{start: 0, size: 256MiB}]}
          - {id: 1, cpus: "2-3", ranges: [{start: 0x10000000, size: 256MiB}]}
          - {id: 2, memory_type: dax_kmem, ranges: [{start: 0x100000000, size: 512MiB}]}
        distances: [[10, 21, 14], [21, 10, 24], [14, 24, 10]]
        sysctl: {transparent_hugepage: never, demotion_enabled: \(demotion)}
        """
    }

    /// A task bound to node 0 (`bind:0`) touching anonymous memory beyond node 0, no swap, and
    /// re-touching its own pages at random.
    static let workload = """
        threads:
          - {cpus: "0", policy: "bind:0", kind: anon, allocate: 90000, touch: 2, free: never}
        """

    func run(demotion: Bool) throws -> StressResult {
        let m = try boot(Self.topology(demotion: demotion))
        let w = try Workload.parse(Self.workload, file: "w.yaml", topology: m.topology)
        return try DeterministicStress.run(machine: m, workload: w, seed: 1)
    }

    func testAnonymousPagesDemoteToTheLowerTierWithoutSwap() throws {
        let r = try run(demotion: true)
        let a = r.allocator
        XCTAssertEqual(a.demotionTargets(ofNode: 0).preferred, [2])
        let demoted = a.vmEvents[.pgdemoteKswapd] + a.vmEvents[.pgdemoteDirect]
        XCTAssertGreaterThan(demoted, 10_000)
        // Demoted pages count as reclaimed, and as migrated.
        XCTAssertGreaterThanOrEqual(a.vmEvents[.pgstealKswapd] + a.vmEvents[.pgstealDirect], demoted)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], demoted)
        // Nothing was lost: no refault (the owner followed each page to node 2), no OOM kill,
        // every page the task holds is still its own, on node 0 or on node 2.
        XCTAssertEqual(a.vmEvents[.pgmajfault], 0)
        XCTAssertEqual(a.vmEvents[.oomKill], 0)
        let t = r.tasks[0]
        XCTAssertEqual(t.stats.refaults, 0)
        XCTAssertEqual(t.stats.failed, 0)
        let held = t.live.map { a.isOwned($0) ? $0 : a.followMigration($0) }
        XCTAssertTrue(held.allSatisfy { $0 != nil })
        let nodes = Dictionary(grouping: held.compactMap { $0 }, by: \.node).mapValues(\.count)
        XCTAssertEqual(Set(nodes.keys), [0, 2])
        XCTAssertEqual(nodes.values.reduce(0, +), 90_000)
        XCTAssertGreaterThan(nodes[2]!, 10_000)
        for inv in a.checkInvariants() { XCTAssertTrue(inv.ok, "\(inv.violations)") }
    }

    /// The same run with demotion disabled: anonymous memory without swap cannot be reclaimed,
    /// nothing is demoted, and the bound task runs out of memory on node 0.
    func testWithoutDemotionNothingMoves() throws {
        let r = try run(demotion: false)
        let a = r.allocator
        XCTAssertEqual(a.vmEvents[.pgdemoteKswapd] + a.vmEvents[.pgdemoteDirect], 0)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 0)
        XCTAssertGreaterThan(a.vmEvents[.oomKill] + r.tasks[0].stats.failed, 0)
        for inv in a.checkInvariants() { XCTAssertTrue(inv.ok, "\(inv.violations)") }
    }

    /// The concurrent engine: two CPUs of node 0 (one task each), kswapd on its own queue
    /// demoting while the tasks touch and follow their moved pages. Pages are conserved and the
    /// invariants hold after the run (under ThreadSanitizer in `make tsan`).
    func testConcurrentEngineDemotesAndKeepsInvariants() throws {
        let m = try boot(Self.topology(demotion: true))
        let w = try Workload.parse("""
            threads:
              - {cpus: "0-1", policy: "bind:0", kind: anon, allocate: 90000, touch: 2, free: never}
            """, file: "w.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 1)
        let a = r.allocator
        XCTAssertGreaterThan(a.vmEvents[.pgdemoteKswapd] + a.vmEvents[.pgdemoteDirect], 0)
        XCTAssertEqual(a.vmEvents[.pgmajfault], 0)
        XCTAssertEqual(r.tasks.reduce(0) { $0 + $1.stats.failed }, 0)
        let held = r.tasks.flatMap(\.live).map { a.isOwned($0) ? $0 : a.followMigration($0) }
        XCTAssertEqual(held.compactMap { $0 }.count, 90_000)
        for inv in a.checkInvariants() { XCTAssertTrue(inv.ok, "\(inv.violations)") }
    }
}
