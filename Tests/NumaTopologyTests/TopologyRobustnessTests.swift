import Foundation
import XCTest
import NumaTestSupport
@testable import NumaTopology

/// Inputs that once trapped (an end past 2^64) or were clamped silently (free above the node,
/// inverted watermarks) are refused with the file, the line and key, and what was expected.
final class TopologyRobustnessTests: XCTestCase {
    func parse(_ yaml: String, file: String = "bad.yaml") throws -> Topology { try TopologyFile.parse(yaml, file: file) }

    // MARK: - ends past 2^64

    func testHoleEndingPast2To64IsRefused() {
        let yaml = """
            name: hole
            holes: [{start: 0x8000000000000000, size: 0x8000000000000000}]
            nodes:
              - {id: 0, cpus: 0, memory: 1GiB}
            """
        // The start alone is already beyond the physical address limit.
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 2, key: "holes[0].start",
                         contains: "beyond the x86_64 physical address limit")
    }

    func testNodeRangeEndingPast2To64IsRefused() {
        let yaml = """
            name: range
            legacy_holes: false
            nodes:
              - id: 0
                cpus: 0
                ranges: [{start: 0xffffffffffff0000, size: 1MiB}]
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 6, key: "nodes[0].ranges[0].start",
                         contains: "expected at most 2^46 bytes")
    }

    /// Below the start limit, start + size past 2^64 names the size.
    func testRangeStartPlusSizeOverflowNamesTheSize() {
        let yaml = """
            name: range
            nodes:
              - id: 0
                cpus: 0
                ranges:
                  - {start: 1GiB, size: 0xffffffffffff0000}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 6, key: "nodes[0].ranges[0].size",
                         contains: "ends beyond the x86_64 physical address limit")
    }

    // MARK: - the physical address limit

    func testX86_64RangeBeyond46BitsIsRefused() {
        let yaml = """
            name: big
            nodes:
              - {id: 0, cpus: 0, memory: 1GiB}
              - {id: 1, cpus: 1, ranges: [{start: 64TiB, size: 1GiB}]}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 4, key: "nodes[1].ranges[0].size",
                         contains: "2^46 bytes")
    }

    /// Sizes laid end to end: each fits, together they pass 64 TiB; the node that crosses is named.
    func testX86_64NodesLaidOutBeyond46BitsAreRefused() {
        let yaml = """
            name: big
            nodes:
              - {id: 0, cpus: 0, memory: 40TiB}
              - {id: 1, cpus: 1, memory: 30TiB}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 4, key: "nodes[1].memory",
                         contains: "ends beyond the x86_64 physical address limit")
        // 64 TiB exactly still loads.
        XCTAssertNoThrow(try parse("""
            name: fits
            nodes:
              - {id: 0, cpus: 0, memory: 32TiB}
              - {id: 1, cpus: 1, memory: 32TiB}
            """))
    }

    func testI386LimitsAre32And36Bits() {
        assertInputError({ try self.parse("""
            name: i386
            arch: i386
            nodes:
              - {id: 0, cpus: 0, memory: 5GiB}
            """) }, file: "bad.yaml", line: 4, key: "nodes[0].memory", contains: "2^32 bytes")
        assertInputError({ try self.parse("""
            name: pae
            arch: i386-pae
            nodes:
              - {id: 0, cpus: 0, ranges: [{start: 0, end: 65GiB}]}
            """) }, file: "bad.yaml", line: 4, key: "nodes[0].ranges[0].end", contains: "2^36 bytes")
        XCTAssertNoThrow(try parse("""
            name: pae
            arch: i386-pae
            nodes:
              - {id: 0, cpus: 0, memory: 8GiB}
            """))
    }

    // MARK: - amounts that were clamped

    func testFreeReservedMovableLargerThanTheNodeAreRefused() {
        for (key, value) in [("free", "2GiB"), ("reserved", "3GiB"), ("movable", "1025MiB")] {
            let yaml = """
                name: clamp
                nodes:
                  - id: 0
                    cpus: 0
                    memory: 1GiB
                    \(key): \(value)
                """
            assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 6, key: "nodes[0].\(key)",
                             contains: "larger than the node's memory (1GiB)")
        }
    }

    func testInvertedWatermarksAreRefused() {
        let yaml = """
            name: wmarks
            nodes:
              - id: 0
                cpus: 0
                memory: 1GiB
                zones:
                  DMA32: {min: 50000, low: 924, high: 1}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 7, key: "nodes[0].zones.DMA32.low",
                         contains: "expected min <= low <= high")
    }

    func testPagesetBatchAboveHighIsRefused() {
        let yaml = """
            name: pcp
            nodes:
              - id: 0
                cpus: 0
                memory: 1GiB
                zones:
                  DMA32: {pcp_high: 10, pcp_batch: 63}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 7, key: "nodes[0].zones.DMA32.pcp_batch",
                         contains: "zone_highsize keeps high >= 4 * batch")
    }

    /// The boot pageset (high 0, batch 1) of a zone without managed pages is what the kernel prints.
    func testBootPagesetIsAccepted() {
        XCTAssertNoThrow(try parse("""
            name: pcp
            nodes:
              - id: 0
                cpus: 0
                memory: 1GiB
                zones:
                  DMA32: {pcp_high: 0, pcp_batch: 1}
            """))
    }

    // MARK: - importers

    func testNumactlSizeBeyondThePhysicalLimitIsRefused() throws {
        let good = try String(contentsOfFile: ImportFixtures.fixture("numactl/32em64t-2n.txt"), encoding: .utf8)
        var lines = good.components(separatedBy: "\n")
        let i = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("node 0 size:") })
        lines[i] = "node 0 size: 99999999999 MB"
        assertInputError({ try NumactlImporter.parse(lines.joined(separator: "\n"), file: "h.txt") },
                         file: "h.txt", line: i + 1, contains: "beyond the x86_64 physical address limit")
        // Each node fits, together they do not: the size line of the node that crosses.
        lines[i] = "node 0 size: 50000000 MB"
        let j = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("node 1 size:") })
        lines[j] = "node 1 size: 50000000 MB"
        assertInputError({ try NumactlImporter.parse(lines.joined(separator: "\n"), file: "h.txt") },
                         file: "h.txt", line: j + 1, contains: "up to node 1")
    }

    func testSysfsMemTotalBeyondThePhysicalLimitIsRefused() throws {
        var files = goodTwoNodeFiles()
        files[1]!["meminfo"] = meminfo(1, totalKB: 1 << 40, freeKB: 1000)
        let root = try makeSysfs(files)
        let e = assertInputError({ try SysfsImporter.load(path: root) },
                                 file: root + "/sys/devices/system/node/node1/meminfo", line: 1, key: "MemTotal",
                                 contains: "beyond the x86_64 physical address limit")
        XCTAssertNotNil(e)
    }

    // MARK: - duplicate keys

    /// A duplicate key is reported at the duplicate, not at the key's first occurrence.
    func testDuplicateKeyIsReportedAtTheDuplicate() {
        let yaml = """
            name: dup
            nodes:
              - id: 0
                cpus: 0
                memory: 1GiB
                cpus: 1
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 6, key: "cpus",
                         contains: "duplicate key (first at line 4)")
        let top = """
            name: dup
            nodes: [{id: 0, cpus: 0, memory: 1GiB}]
            name: again
            """
        assertInputError({ try self.parse(top) }, file: "bad.yaml", line: 3, key: "name",
                         contains: "duplicate key (first at line 1)")
        let flow = """
            nodes: [{id: 0, cpus: 0, memory: 1GiB, id: 1}]
            """
        assertInputError({ try self.parse(flow) }, file: "bad.yaml", line: 1, key: "id", contains: "duplicate key")
    }
}
