import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// Operation counts, hold times and wall-clock durations of thread groups.
final class WorkloadDurationTests: XCTestCase {
    func machine() throws -> BootedMachine { try boot(TestTopologies.pressure4n) }

    func testOpsLimitStopsTheGroup() throws {
        let m = try machine()
        let w = try Workload.parse("""
            threads:
              - {cpus: "0", ops: 5001, free: immediately}
              - {cpus: "2", ops: 3000, free: random, live: 100, touch: 2}
            """, file: "w.yaml", topology: m.topology)
        XCTAssertEqual(w.threads[0].allocatePages, Workload.unlimitedPages)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 3)
        // One step is an allocation and its free (2 ops), or an allocation, frees and 2 touches:
        // a group stops at the first step that reaches its count.
        XCTAssertEqual(r.tasks[0].stats.ops, 5002)
        XCTAssertEqual(r.tasks[0].stats.allocations, 2501)
        XCTAssertGreaterThanOrEqual(r.tasks[1].stats.ops, 3000)
        XCTAssertLessThan(r.tasks[1].stats.ops, 3000 + 5)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    /// `free: hold` keeps each block for the next `hold` allocations: the live set is the last
    /// `hold` blocks, everything older was freed.
    func testHoldKeepsTheLastBlocks() throws {
        let m = try machine()
        let w = try Workload.parse("""
            threads:
              - {cpus: "1", allocate: 1000, free: hold, hold: 128, kind: anon}
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 3)
        let t = r.tasks[0]
        XCTAssertEqual(t.stats.allocations, 1000)
        XCTAssertEqual(t.stats.frees, 1000 - 128)
        XCTAssertEqual(t.livePages, 128)
        XCTAssertEqual(t.live.count, 128)
        // Allocated pages in the machine: the held ones plus what the pcp lists hold is free.
        let allocated = r.allocator.checkInvariants().reduce(0) { $0 + $1.allocatedPages }
        let recorded = m.allZones.reduce(0) { $0 + $1.managed - $1.free }
        XCTAssertEqual(allocated - recorded, 128)
    }

    func testDurationStopsAConcurrentGroup() throws {
        let m = try machine()
        let w = try Workload.parse("""
            threads:
              - {cpus: "0", duration: 150ms, free: immediately}
              - {cpus: "2", duration: 150ms, free: random, live: 50}
            """, file: "w.yaml", topology: m.topology)
        XCTAssertEqual(w.threads[0].duration, 0.15)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 1)
        XCTAssertTrue(r.tasks.allSatisfy(\.timedOut))
        XCTAssertGreaterThanOrEqual(r.seconds, 0.15)
        XCTAssertGreaterThan(r.ops, 0)
        for phase in r.phaseInvariants { for rep in phase { XCTAssertTrue(rep.ok, "\(rep.violations)") } }
    }

    func testDurationIsRefusedByTheDeterministicEngine() throws {
        let m = try machine()
        let w = try Workload.parse("threads:\n  - {cpus: \"0\", duration: 1s}\n", file: "w.yaml", topology: m.topology)
        XCTAssertThrowsError(try DeterministicStress.run(machine: m, workload: w, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("threads[0].duration"), "\(e)")
            XCTAssertTrue("\(e)".contains("--threads"), "\(e)")
        }
    }

    func testBadDurationsOpsAndHoldsNameTheirKey() throws {
        let m = try machine()
        let cases: [(String, String)] = [
            ("{cpus: \"0\", duration: fast}", "threads[0].duration"),
            ("{cpus: \"0\", duration: -2s}", "threads[0].duration"),
            ("{cpus: \"0\", ops: 0}", "threads[0].ops"),
            ("{cpus: \"0\", allocate: 10, free: hold}", "threads[0].hold"),
            ("{cpus: \"0\", allocate: 10, hold: 5}", "threads[0].hold"),
            ("{cpus: \"0\", free: never}", "threads[0].allocate"),
        ]
        for (group, key) in cases {
            XCTAssertThrowsError(try Workload.parse("threads:\n  - \(group)\n", file: "w.yaml", topology: m.topology), group) { e in
                XCTAssertTrue("\(e)".contains(key), "\(e) should name \(key)")
                XCTAssertTrue("\(e)".contains("w.yaml:2"), "\(e)")
            }
        }
    }
}
