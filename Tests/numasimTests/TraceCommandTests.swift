import Foundation
import XCTest
import NumaTestSupport

/// `numasim stress --trace FILE` through the binary: the JSON `trace` section and its schema, the
/// text block, standard input, and the refusals.
final class TraceCommandTests: XCTestCase {
    var synthetic: String { Fixtures.path("traces/synthetic-2node.txt") }

    func testJSONTraceSectionAndSchema() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let r = try NumasimBinary.run(["stress", "-t", t, "--trace", synthetic, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let j = try NumasimBinary.json(r.out)
        XCTAssertEqual(StressJSONSchemaTests.validate(j, try StressJSONSchemaTests.schema), [])
        let trace = try XCTUnwrap(j["trace"] as? [String: Any])
        XCTAssertEqual(trace["events"] as? Int, 13)
        XCTAssertEqual(trace["replayed"] as? Int, 9)
        let skipped = try XCTUnwrap(trace["skipped"] as? [String: Int])
        XCTAssertEqual(skipped.values.reduce(0, +), 4)
        XCTAssertEqual(trace["same_node_pct"] as? Double, 80)
        XCTAssertEqual(trace["same_zone_pct"] as? Double, 60)
        XCTAssertEqual(trace["compared"] as? Int, 5)
        XCTAssertEqual(trace["migratetype_mismatches"] as? Int, 1)
        XCTAssertEqual(j["allocations"] as? Int, 7)
    }

    func testTextBlockAndStandardInput() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let p = Process()
        p.executableURL = NumasimBinary.url
        p.arguments = ["stress", "-t", t, "--trace", "-"]
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: synthetic))
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(out.contains("Trace replay (-): 13 events, 9 replayed, 4 skipped"), out)
        XCTAssertTrue(out.contains("same node as the kernel: 80.00%, same zone: 60.00% of 5 allocations"), out)
        XCTAssertTrue(out.contains("invariants: ok"), out)
    }

    func testWorkloadAndTraceAreExclusive() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", "threads:\n  - {cpus: \"0\", allocate: 10}\n")
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--trace", synthetic])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--trace and --workload (-w) are mutually exclusive"), r.err)
        let th = try NumasimBinary.run(["stress", "-t", t, "--trace", synthetic, "--threads", "2"])
        XCTAssertNotEqual(th.status, 0)
        XCTAssertTrue(th.err.contains("drop --threads"), th.err)
    }

    func testBadTraceNamesFileLineAndToken() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let bad = try NumasimBinary.temp("bad-trace.txt", """
            # a comment
            a 1 [000] 1.000001: kmem:mm_page_alloc: page=0x1 pfn=0x5000 order=0 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_SPARKLE
            """)
        let r = try NumasimBinary.run(["stress", "-t", t, "--trace", bad])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(bad):2: gfp_flags: unknown flag '__GFP_SPARKLE'"), r.err)
        XCTAssertEqual(r.err.split(separator: "\n").filter { !$0.isEmpty }.count, 1, "one clear line: \(r.err)")
        XCTAssertFalse(r.err.contains("Fatal error"), r.err)
    }
}
