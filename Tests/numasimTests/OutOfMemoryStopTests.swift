import Foundation
import XCTest
import NumaTestSupport

/// `stress` when kernel memory outgrows the machine with nothing to kill: the run stops with the
/// kernel's reason ("Out of memory and no killable processes..."), prints everything up to it,
/// text and JSON, and exits 4 — quickly, instead of failing once per page it could not have.
final class OutOfMemoryStopTests: XCTestCase {
    func run(_ extra: [String]) throws -> (status: Int32, out: String, err: String) {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", """
            phases:
              - threads:
                  - {cpus: "0", gfp: GFP_KERNEL, allocate: 2GiB, free: never}
              - threads:
                  - {cpus: "2", allocate: 1000}
            """)
        let clock = ContinuousClock(), start = clock.now
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w] + extra)
        XCTAssertLessThan(clock.now - start, .seconds(15), "2 GiB asked of 256 MiB must not spin")
        return r
    }

    func testTextStopsWithTheKernelsReasonAndExitsFour() throws {
        let r = try run([])
        XCTAssertEqual(r.status, 4, r.err)
        let stopped = try XCTUnwrap(r.out.split(separator: "\n").first { $0.hasPrefix("stopped: ") }, r.out)
        XCTAssertEqual(stopped, "stopped: Out of memory and no killable processes... Kernel panic - not syncing: System is deadlocked on memory "
                       + "(order-0 GFP_KERNEL allocation on CPU 0; mm/oom_kill.c out_of_memory), during phases[0].threads; nothing after it ran")
        // Everything up to it is printed: numastat, the tables, the failure, the invariants.
        for section in ["Per-node numastat", "Fallback matrix", "Zones at the end", "Reclaim: ", "Allocation failures by GFP: GFP_KERNEL 1",
                        "1 × GFP_KERNEL order 0: out of memory and no killable processes (kernel panic)", "invariants: ok"] {
            XCTAssertTrue(r.out.contains(section), section)
        }
        XCTAssertTrue(r.out.hasSuffix("invariants: ok\n"))
    }

    func testJSONHasTheStopReasonAndMatchesTheSchema() throws {
        for engine in [[], ["--threads", "2"]] {
            let r = try run(["--json"] + engine)
            XCTAssertEqual(r.status, 4, r.err)
            let j = try NumasimBinary.json(r.out)
            XCTAssertEqual(StressJSONSchemaTests.validate(j, try StressJSONSchemaTests.schema), [])
            let reason = try XCTUnwrap(j["stop_reason"] as? String)
            XCTAssertTrue(reason.hasPrefix("Out of memory and no killable processes..."), reason)
            XCTAssertTrue(reason.hasSuffix("during phases[0].threads"), reason)
            XCTAssertEqual(j["failures_by_gfp"] as? [String: Int], ["GFP_KERNEL": 1])
            XCTAssertEqual((j["invariants"] as? [String: Any])?["ok"] as? Bool, true)
            // The machine is full: about 256 MiB of pages, none of phase 1's CPU 2.
            let allocations = try XCTUnwrap(j["allocations"] as? Int)
            XCTAssertGreaterThan(allocations, 55000)
            XCTAssertLessThan(allocations, 65536)
        }
        // A run that ends normally has no stop_reason.
        let ok = try NumasimBinary.run(["stress", "-t", try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes), "-w",
                                        try NumasimBinary.temp("w.yaml", "threads: [{cpus: \"0\", allocate: 1000}]"), "--json"])
        XCTAssertEqual(ok.status, 0, ok.err)
        XCTAssertNil(try NumasimBinary.json(ok.out)["stop_reason"])
    }
}
