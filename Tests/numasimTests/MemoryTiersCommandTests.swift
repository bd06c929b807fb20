import Foundation
import XCTest
import NumaTestSupport

/// `topology show` with memory tiers: the text lines and JSON keys of docs/tiering.md, and a bad
/// `memory_type:` refused with the file, line and key and a non-zero exit.
final class MemoryTiersCommandTests: XCTestCase {
    /// cxl-tier: nodes 2-3 dax_kmem (worked out in NumaCoreTests/MemoryTiersTests).
    func testShowPrintsTiersAndDemotionTargets() throws {
        let r = try NumasimBinary.run(["topology", "show", "-t", "topologies/cxl-tier.yaml"])
        XCTAssertEqual(r.status, 0, r.err)
        for line in ["memory_tier4 (abstract distance 512-639): nodes 0-1",
                     "memory_tier22 (abstract distance 2816-2943): nodes 2-3",
                     "Demotion targets for Node 0: preferred: 2, fallback: 2-3",
                     "Demotion targets for Node 1: preferred: 3, fallback: 2-3",
                     "Demotion targets for Node 3: preferred: , fallback: ",
                     "top_tier_adistance: 639 (top tier: memory_tier4)"] {
            XCTAssertTrue(r.out.contains(line + "\n"), "missing '\(line)' in\n\(r.out)")
        }
        let j = try NumasimBinary.run(["topology", "show", "-t", "topologies/cxl-tier.yaml", "--json"])
        let json = try NumasimBinary.json(j.out)
        let tiers = json["memory_tiers"] as? [[String: Any]]
        XCTAssertEqual(tiers?.map { $0["id"] as? Int }, [4, 22])
        XCTAssertEqual(tiers?.map { $0["nodes"] as? [Int] }, [[0, 1], [2, 3]])
        let targets = json["demotion_targets"] as? [String: [String: [Int]]]
        XCTAssertEqual(targets?["1"], ["preferred": [3], "fallback": [2, 3]])
        XCTAssertEqual(targets?["2"], ["preferred": [], "fallback": []])
    }

    func testBadMemoryTypeExitsNonZero() throws {
        let path = try NumasimBinary.temp("bad-memtype.yaml", """
            nodes:
              - {id: 0, cpus: "0-1", memory: 2GiB}
              - {id: 1, memory: 1GiB, memory_type: cxl}
            """)
        let r = try NumasimBinary.run(["topology", "show", "-t", path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(path):3:"), r.err)
        XCTAssertTrue(r.err.contains("nodes[1].memory_type: unknown memory type 'cxl'"), r.err)
    }
}
