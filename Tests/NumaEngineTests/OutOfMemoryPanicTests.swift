import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// Issue 19: kernel memory beyond the machine with nothing to kill. In 6.1 the allocation ends
/// in `out_of_memory`, which finds no process to kill and panics ("Out of memory and no killable
/// processes...", "System is deadlocked on memory"); numasim stops the run there instead of
/// failing and retrying reclaim once per remaining page.
final class OutOfMemoryPanicTests: XCTestCase {
    /// 1 GiB of GFP_KERNEL that is never freed on a 512 MiB machine, then a phase that must not run.
    static let workload = """
        phases:
          - threads:
              - {cpus: "0", gfp: GFP_KERNEL, allocate: 1GiB, free: never}
          - threads:
              - {cpus: "2", allocate: 1000, free: never}
        """

    func checkStopped(_ r: StressResult, file: StaticString = #filePath, line: UInt = #line) throws {
        let stop = try XCTUnwrap(r.stop, "the run stops", file: file, line: line)
        XCTAssertEqual(stop.phase, 0, file: file, line: line)
        XCTAssertEqual(stop.key, "phases[0].threads", file: file, line: line)
        XCTAssertEqual(stop.panic.order, 0, file: file, line: line)
        XCTAssertEqual(stop.panic.gfp, .kernel, file: file, line: line)
        XCTAssertEqual(stop.panic.cpu, 0, file: file, line: line)
        XCTAssertTrue(stop.reason.hasPrefix("Out of memory and no killable processes... Kernel panic - not syncing: System is deadlocked on memory"),
                      stop.reason, file: file, line: line)
        // One failed allocation, the one that panicked; nothing was killed; phase 1 never ran.
        XCTAssertEqual(r.failures, ["GFP_KERNEL order 0: out of memory and no killable processes (kernel panic)": 1], file: file, line: line)
        XCTAssertEqual(r.allocator.vmEvents[.oomKill], 0, file: file, line: line)
        XCTAssertFalse(r.tasks.contains { $0.cpus == [2] }, "phase 1 did not run", file: file, line: line)
        // The machine was full: every node below its min watermark for GFP_KERNEL, the pages
        // all held, and every page still in exactly one place.
        let managed = r.allocator.nodes.reduce(0) { $0 + $1.zones.reduce(0) { $0 + $1.managed } }
        XCTAssertGreaterThan(r.allocations, managed * 9 / 10, "it filled the machine first", file: file, line: line)
        XCTAssertLessThan(r.allocations, managed, file: file, line: line)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)", file: file, line: line) }
    }

    func testDeterministicEngineStopsAtThePanic() throws {
        let m = try boot(TestTopologies.two256)
        let w = try Workload.parse(Self.workload, file: "w.yaml", topology: m.topology)
        let clock = ContinuousClock(), start = clock.now
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        XCTAssertLessThan(clock.now - start, .seconds(20), "no spinning over the 130k pages that cannot be had")
        try checkStopped(r)
        XCTAssertEqual(r.allocator.panicState.panic, r.stop?.panic)
    }

    func testConcurrentEngineStopsAtThePanic() throws {
        let m = try boot(TestTopologies.two256)
        let w = try Workload.parse(Self.workload, file: "w.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 1)
        try checkStopped(r)
    }

    /// A task holding pages is killed first (the kernel's victim); only when nothing is left to
    /// kill does the machine panic. Kernel memory kept without a live set is not the task's to
    /// give back.
    func testKillableTaskIsKilledBeforeThePanic() throws {
        let m = try boot(TestTopologies.two256)
        let w = try Workload.parse("""
            threads:
              - {cpus: "2", kind: anon, allocate: 30000, free: at_exit}
              - {cpus: "0", gfp: GFP_KERNEL, allocate: 1GiB, free: never}
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        XCTAssertEqual(r.oomKilled, ["threads[0]"])
        XCTAssertEqual(r.allocator.vmEvents[.oomKill], 1)
        let stop = try XCTUnwrap(r.stop)
        XCTAssertEqual(stop.key, "threads")
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    /// Within the machine nothing changes: no panic, no stop.
    func testNoPanicWhenMemorySuffices() throws {
        let m = try boot(TestTopologies.two256)
        let w = try Workload.parse("""
            threads:
              - {cpus: "0", gfp: GFP_KERNEL, allocate: 64MiB, free: never}
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        XCTAssertNil(r.stop)
        XCTAssertFalse(r.allocator.hasPanicked)
        XCTAssertEqual(r.allocations, 16384)
    }
}
