import Foundation
import XCTest
import NumaTestSupport

/// `numasim compare A.json B.json` on two runs of a shipped page-cache example, once with
/// vm.zone_reclaim_mode 0 and once with 1 (node reclaim keeps the reader's page cache local).
final class CompareCommandTests: XCTestCase {
    static let workload = """
        threads:
          - {cpus: "0", gfp: GFP_HIGHUSER_MOVABLE, kind: file, allocate: 60000, free: random, live: 45000}
        """

    func stress(_ extra: [String]) throws -> (path: String, json: [String: Any]) {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", Self.workload)
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.err)
        let path = try NumasimBinary.temp("run.json", r.out)
        return (path, try NumasimBinary.json(r.out))
    }

    func testZoneReclaimModeZeroAgainstOne() throws {
        let (pa, a) = try stress([])
        let (pb, b) = try stress(["--sysctl", "vm.zone_reclaim_mode=1"])
        let r = try NumasimBinary.run(["compare", pa, pb, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let c = try NumasimBinary.json(r.out)
        XCTAssertEqual(c["schema"] as? String, "numasim.compare/1")
        let rows = try XCTUnwrap(c["rows"] as? [[String: Any]])
        func row(_ key: String) throws -> [String: Any] { try XCTUnwrap(rows.first { $0["key"] as? String == key }, key) }

        // Values come from the two files, the delta is B − A, and `changed` says whether they differ.
        let na = (a["numastat"] as! [String: [String: Int]])["1"]!["numa_miss"]!
        let nb = (b["numastat"] as! [String: [String: Int]])["1"]!["numa_miss"]!
        XCTAssertGreaterThan(na, 0, "mode 0: the reader spills to node 1")
        XCTAssertLessThan(nb, na, "mode 1: node reclaim keeps it local")
        let miss = try row("node1 numa_miss")
        XCTAssertEqual(miss["a"] as? Double, Double(na))
        XCTAssertEqual(miss["b"] as? Double, Double(nb))
        XCTAssertEqual(miss["delta"] as? Double, Double(nb - na))
        XCTAssertEqual(miss["changed"] as? Bool, true)
        let pa01 = (a["fallback"] as! [String: Any])["pages"] as! [[Int]]
        XCTAssertEqual(try row("node0 -> node1 pages")["a"] as? Double, Double(pa01[0][1]))
        XCTAssertEqual(try row("node1 numa_foreign")["changed"] as? Bool, false, "nothing asked of node 1 in either run")
        XCTAssertEqual(try row("pgscan_direct")["changed"] as? Bool,
                       (a["vmstat"] as! [String: Int])["pgscan_direct"] != (b["vmstat"] as! [String: Int])["pgscan_direct"])

        // Text without a terminal: changed rows marked with *, no colour codes.
        let text = try NumasimBinary.run(["compare", pa, pb])
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertFalse(text.out.contains("\u{1B}["))
        let marked = text.out.split(separator: "\n").filter { $0.hasPrefix("* ") }
        // The inputs that differ are marked too (vm.zone_reclaim_mode), before the rows.
        let inputs = try XCTUnwrap(c["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.map { $0["key"] as? String }, ["sysctl vm.zone_reclaim_mode"])
        XCTAssertEqual(marked.count, inputs.count + rows.filter { $0["changed"] as? Bool == true }.count)
        XCTAssertTrue(marked.contains { $0.contains("node1 numa_miss") }, text.out)
        XCTAssertFalse(marked.contains { $0.contains("node1 numa_foreign") }, text.out)
    }

    /// Two shipped examples, as a user would compare them: the first-touch overflow against the
    /// zone_reclaim_mode example on the same machine. Every compared value is the file's own.
    func testTwoShippedExamples() throws {
        let topo = NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path
        var runs: [(String, [String: Any])] = []
        for w in ["workloads/first-touch-overflow.yaml", "workloads/zone-reclaim.yaml"] {
            let r = try NumasimBinary.run(["stress", "-t", topo, "-w", NumasimBinary.root.appendingPathComponent(w).path, "--json"])
            XCTAssertEqual(r.status, 0, r.err)
            runs.append((try NumasimBinary.temp("run.json", r.out), try NumasimBinary.json(r.out)))
        }
        let r = try NumasimBinary.run(["compare", runs[0].0, runs[1].0, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let rows = try XCTUnwrap(try NumasimBinary.json(r.out)["rows"] as? [[String: Any]])
        for node in ["0", "1"] {
            for counter in ["numa_hit", "numa_miss", "numa_foreign", "local_node", "other_node"] {
                let row = try XCTUnwrap(rows.first { $0["key"] as? String == "node\(node) \(counter)" }, "node\(node) \(counter)")
                let a = (runs[0].1["numastat"] as! [String: [String: Int]])[node]![counter]!
                let b = (runs[1].1["numastat"] as! [String: [String: Int]])[node]![counter]!
                XCTAssertEqual(row["a"] as? Double, Double(a))
                XCTAssertEqual(row["b"] as? Double, Double(b))
                XCTAssertEqual(row["changed"] as? Bool, a != b)
            }
        }
    }

    func testClearErrors() throws {
        let (good, _) = try stress([])
        let missing = try NumasimBinary.run(["compare", good, "/nonexistent/b.json"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("/nonexistent/b.json: no such file"), missing.err)

        let notJSON = try NumasimBinary.temp("x.json", "numa_hit 12\n")
        let r1 = try NumasimBinary.run(["compare", notJSON, good])
        XCTAssertNotEqual(r1.status, 0)
        XCTAssertTrue(r1.err.contains("\(notJSON): not JSON"), r1.err)

        let boot = try NumasimBinary.run(["topology", "show", "-t", "topologies/nehalem-2s-qemu.yaml", "--json"])
        let bootPath = try NumasimBinary.temp("boot.json", boot.out)
        let r2 = try NumasimBinary.run(["compare", good, bootPath])
        XCTAssertNotEqual(r2.status, 0)
        XCTAssertTrue(r2.err.contains("\(bootPath): not a numasim stress result (schema 'numasim.boot/1'"), r2.err)

        let old = try NumasimBinary.temp("old.json", try String(contentsOfFile: good, encoding: .utf8)
            .replacingOccurrences(of: "\"numasim.stress/3\"", with: "\"numasim.stress/2\""))
        let r3 = try NumasimBinary.run(["compare", old, good])
        XCTAssertNotEqual(r3.status, 0)
        XCTAssertTrue(r3.err.contains("\(old): schema numasim.stress/2, but compare reads numasim.stress/3"), r3.err)

        var j = try NumasimBinary.json(try String(contentsOfFile: good, encoding: .utf8))
        j["fallback"] = nil
        let cut = try NumasimBinary.temp("cut.json", String(decoding: try JSONSerialization.data(withJSONObject: j), as: UTF8.self))
        let r4 = try NumasimBinary.run(["compare", good, cut])
        XCTAssertNotEqual(r4.status, 0)
        XCTAssertTrue(r4.err.contains("\(cut): missing key fallback"), r4.err)
        for r in [missing, r1, r2, r3, r4] { XCTAssertFalse(r.err.contains("Fatal error"), r.err) }
    }
}
