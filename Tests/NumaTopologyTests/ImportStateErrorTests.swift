import XCTest
import NumaTestSupport
@testable import NumaTopology

/// Bad state input is one error naming the file and line (or the YAML key) and what was
/// expected; quirks of real captures (`>100000` counts, files read moments apart) are warnings.
final class ImportStateErrorTests: XCTestCase {
    func nehalem() throws -> Topology { try TopologyFile.parse(ImportFixtures.nehalemYAML, file: "nehalem.yaml") }

    static let header = """
        Page block order: 9
        Pages per block:  512

        Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10

        """

    func row(_ node: Int, _ zone: String, _ type: String, _ counts: [String]) -> String {
        "Node    \(node), zone \(zone), type \(type) " + counts.joined(separator: " ") + "\n"
    }

    func testPagetypeinfoErrorsNameTheLine() throws {
        var t = try nehalem()
        var w: [InputWarning] = []
        let zeros = Array(repeating: "0", count: 11)
        // A count that is not a number.
        let bad = Self.header + row(0, "DMA32", "Unmovable", zeros) + row(0, "DMA32", "Movable", Array(zeros.dropLast()) + ["x1"])
        assertInputError({ try PagetypeinfoImporter.apply(text: bad, file: "pti.txt", to: &t, warnings: &w) },
                         file: "pti.txt", line: 6, contains: "expected a count of free blocks (or '>100000'), got 'x1'")
        // Ten counts instead of eleven.
        let short = Self.header + row(0, "DMA32", "Movable", Array(zeros.dropLast()))
        assertInputError({ try PagetypeinfoImporter.apply(text: short, file: "pti.txt", to: &t, warnings: &w) },
                         file: "pti.txt", line: 5, contains: "and 11 counts (orders 0…10)")
        // A node the topology does not have.
        let node7 = Self.header + row(7, "DMA32", "Movable", zeros)
        assertInputError({ try PagetypeinfoImporter.apply(text: node7, file: "pti.txt", to: &t, warnings: &w) },
                         file: "pti.txt", line: 5, contains: "node 7 is not in the topology")
        // Another pageblock order.
        assertInputError({ try PagetypeinfoImporter.apply(text: "Page block order: 10\n", file: "pti.txt", to: &t, warnings: &w) },
                         file: "pti.txt", line: 1, contains: "expected 'Page block order: 9'")
        // A CMA column: not a Debian 6.1 kernel.
        let cma = Self.header + "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate\n"
        assertInputError({ try PagetypeinfoImporter.apply(text: cma, file: "pti.txt", to: &t, warnings: &w) },
                         file: "pti.txt", line: 5, contains: "unknown migratetype 'CMA'")
    }

    /// `pagetypeinfo_showfree_print` stops at 100000 and prints `>100000`: buddyinfo gives the
    /// exact count (warning); without buddyinfo and with more than one capped count, an error.
    func testCappedCountsComeFromBuddyinfo() throws {
        var t = try nehalem()
        var w: [InputWarning] = []
        let zeros = Array(repeating: "0", count: 11)
        var movable = zeros; movable[0] = ">100000"
        var unmovable = zeros; unmovable[1] = ">100000"
        let text = Self.header + row(0, "DMA32", "Unmovable", zeros) + row(0, "DMA32", "Movable", movable)
        let buddy = try BuddyinfoImporter.parse(text: "Node 0, zone    DMA32 120000 0 0 0 0 0 0 0 0 0 0\n", file: "bi.txt")
        try PagetypeinfoImporter.apply(text: text, file: "pti.txt", to: &t, buddyinfo: buddy, buddyinfoFile: "bi.txt", warnings: &w)
        XCTAssertEqual(t.node(0)?.zones["DMA32"]?.freeBlocks?[1][0], 120_000)
        XCTAssertEqual(t.node(0)?.zones["DMA32"]?.free, 120_000)
        XCTAssertTrue(w.map(\.description).contains { $0.hasPrefix("pti.txt:6: Movable order 0: the kernel stops counting a free list at 100000") }, "\(w)")

        var t2 = try nehalem()
        let two = Self.header + row(0, "DMA32", "Unmovable", unmovable) + row(0, "DMA32", "Movable", movable)
        assertInputError({ try PagetypeinfoImporter.apply(text: two, file: "pti.txt", to: &t2, warnings: &w) },
                         file: "pti.txt", line: 5, contains: "expected --buddyinfo")
    }

    func testZoneinfoStateErrorsNameTheLine() throws {
        var t = try nehalem()
        let base = "Node 0, zone    DMA32\n  pages free     1000\n        boost    0\n  pagesets\n    cpu: 0\n"
        assertInputError({ try ZoneinfoImporter.apply(text: base + "              count: 12x\n", file: "zi.txt", to: &t) },
                         file: "zi.txt", line: 6, key: "count", contains: "expected a number of pages")
        assertInputError({ try ZoneinfoImporter.apply(text: base + "    cpu: 9\n              count: 5\n", file: "zi.txt", to: &t) },
                         file: "zi.txt", line: 7, key: "count", contains: "the topology has no CPU 9")
        assertInputError({ try ZoneinfoImporter.apply(text: base + "  node_unreclaimable:  2\n", file: "zi.txt", to: &t) },
                         file: "zi.txt", line: 6, key: "node_unreclaimable", contains: "expected 0 or 1")
        // A possible CPU that is not online holds no pages: accepted.
        try ZoneinfoImporter.apply(text: base + "              count: 7\n    cpu: 9\n              count: 0\n  node_unreclaimable:  1\n",
                                   file: "zi.txt", to: &t)
        XCTAssertEqual(t.node(0)?.zones["DMA32"]?.pcpCount, [7, 0, 0, 0])
        XCTAssertEqual(t.node(0)?.unreclaimable, true)
    }

    func testTopologyStateKeysAreChecked() throws {
        func load(_ zone: String) throws -> Topology {
            try TopologyFile.parse("""
                name: t
                nodes:
                  - {id: 0, cpus: "0-1", memory: 1GiB, zones: {DMA32: \(zone)}}
                """, file: "t.yaml")
        }
        assertInputError({ try load("{managed: 1000, free: 900, pcp_count: [10, 20, 30]}") },
                         file: "t.yaml", key: "nodes[0].zones.DMA32.pcp_count", contains: "expected 2 counts (one per CPU")
        assertInputError({ try load("{managed: 1000, free: 900, pcp_count: [10, 20], lru: {inactive_anon: 71}}") },
                         file: "t.yaml", key: "nodes[0].zones.DMA32.lru", contains: "exceed managed (1000)")
        assertInputError({ try load("{free: 900, free_blocks: {Movable: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]}}") },
                         file: "t.yaml", key: "nodes[0].zones.DMA32.free_blocks", contains: "hold 1024 pages, but the zone's free is 900")
        assertInputError({ try load("{free_blocks: {Movable: [1, 2]}}") },
                         file: "t.yaml", key: "nodes[0].zones.DMA32.free_blocks.Movable", contains: "expected 11 counts")
        assertInputError({ try load("{lru: {inactive: 3}}") },
                         file: "t.yaml", key: "nodes[0].zones.DMA32.lru.inactive", contains: "unknown key")
        assertInputError({ try load("{min: 10, boost: 20}") },
                         file: "t.yaml", key: "nodes[0].zones.DMA32.boost", contains: "expected boost <= min")
        let ok = try load("{managed: 1000, free: 900, pcp_count: [10, 20], lru: {active_file: 70}, boost: 0}")
        XCTAssertEqual(ok.node(0)?.zones["DMA32"]?.lru, LRUCounts(activeFile: 70))
    }
}
