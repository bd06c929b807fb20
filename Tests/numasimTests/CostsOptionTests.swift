import Foundation
import XCTest
import NumaTestSupport

/// `stress --costs FILE` (docs/time.md): the simulated clock's costs from a file, over the
/// topology's; a bad file names itself, the line and the key.
final class CostsOptionTests: XCTestCase {
    func stress(_ extra: [String]) throws -> (status: Int32, out: String, err: String) {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", "threads:\n  - {cpus: \"0\", kind: anon, allocate: 20000, free: never}\n")
        return try NumasimBinary.run(["stress", "-t", t, "-w", w, "--json", "--quiet"] + extra)
    }

    func testCostsFileChangesSimulatedTimeOnly() throws {
        let base = try stress([])
        XCTAssertEqual(base.status, 0, base.err)
        let costs = try NumasimBinary.temp("c.yaml", "costs: {page_fault: 10600}\n")
        let slow = try stress(["--costs", costs])
        XCTAssertEqual(slow.status, 0, slow.err)
        let a = try NumasimBinary.json(base.out), b = try NumasimBinary.json(slow.out)
        let ta = try XCTUnwrap(a["simulated_time_ns"] as? Int), tb = try XCTUnwrap(b["simulated_time_ns"] as? Int)
        // 20000 anon first touches, each fault 10 µs dearer; nothing else changes.
        XCTAssertEqual(tb - ta, 20000 * 10_000)
        XCTAssertEqual(a["numastat"] as? NSDictionary, b["numastat"] as? NSDictionary)
    }

    func testBadCostsFileIsNamed() throws {
        let costs = try NumasimBinary.temp("bad.yaml", "costs:\n  page_fault: 800\n  zero_pages: 3\n")
        let r = try stress(["--costs", costs])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(costs):3:"), r.err)
        XCTAssertTrue(r.err.contains("costs.zero_pages"), r.err)
        XCTAssertTrue(r.err.contains("unknown key"), r.err)
        let missing = try stress(["--costs", "/nonexistent/costs.yaml"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("/nonexistent/costs.yaml"), missing.err)
    }
}
