import Foundation
import XCTest
import NumaTestSupport
@testable import NumaTopology

/// A zone's recorded place (`start_pfn`, `spanned`) must lie in its node's memory and within its
/// zone type's limits (x86_64: DMA below 16 MiB, DMA32 16 MiB…4 GiB, Normal above). Boot frees a
/// zone's pages from the node's memory inside the zone's span, so a span elsewhere used to pass
/// and leave the zone short of its managed pages, found only by the invariant check at the end of
/// a stress. Now the file is refused where it is read, naming the line and key.
final class ZonePlacementTests: XCTestCase {
    func parse(_ yaml: String) throws -> Topology { try TopologyFile.parse(yaml, file: "bad.yaml") }

    // MARK: - topology files

    func testStartPfnOutsideTheNodesMemoryIsRefused() {
        let yaml = """
            name: outside
            nodes:
              - {id: 0, cpus: 0, memory: 1GiB}
              - id: 1
                cpus: 1
                memory: 1GiB
                zones:
                  Normal: {start_pfn: 1048576, spanned: 262144, present: 262144, managed: 250000}
            """
        // Node 1 is laid at 1 GiB…2 GiB (pfn 262144…524287): no Normal there, and 4 GiB is outside it.
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 8, key: "nodes[1].zones.Normal.start_pfn",
                         contains: "outside node 1's memory (pfn 262144…524287)")
    }

    func testDMA32StartPfnBelow16MiBIsRefused() {
        let yaml = """
            name: dma32
            nodes:
              - id: 0
                cpus: 0
                memory: 1GiB
                zones:
                  DMA32: {start_pfn: 100, spanned: 1000}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 7, key: "nodes[0].zones.DMA32.start_pfn",
                         contains: "expected DMA32 within pfn 4096 (16MiB)…pfn 1048576 (4GiB) on x86_64")
    }

    func testDMASpanBeyond16MiBIsRefused() {
        let yaml = """
            name: dma
            nodes:
              - id: 0
                cpus: 0
                memory: 1GiB
                zones:
                  DMA: {start_pfn: 1, spanned: 8191}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 7, key: "nodes[0].zones.DMA.spanned",
                         contains: "expected DMA below pfn 4096 (16MiB)")
    }

    func testDMA32SpanBeyond4GiBIsRefused() {
        let yaml = """
            name: dma32
            nodes:
              - id: 0
                cpus: 0
                memory: 8GiB
                zones:
                  DMA32: {start_pfn: 4096, spanned: 2000000}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 7, key: "nodes[0].zones.DMA32.spanned",
                         contains: "beyond its zone's limit")
    }

    func testNormalStartPfnBelow4GiBIsRefused() {
        let yaml = """
            name: normal
            nodes:
              - id: 0
                cpus: 0
                memory: 8GiB
                zones:
                  Normal: {start_pfn: 524288, spanned: 100}
            """
        assertInputError({ try self.parse(yaml) }, file: "bad.yaml", line: 7, key: "nodes[0].zones.Normal.start_pfn",
                         contains: "expected Normal at or above pfn 1048576 (4GiB)")
    }

    func testZonesInsideTheirNodeAreAccepted() throws {
        let t = try parse("""
            name: fine
            nodes:
              - id: 0
                cpus: 0
                ranges: [{start: 0x1000, size: 0xbffdf000}]
                zones:
                  DMA: {start_pfn: 1, spanned: 4095}
                  DMA32: {start_pfn: 4096, spanned: 782304}
              - id: 1
                cpus: 1
                ranges: [{start: 0x100000000, size: 3GiB}]
                zones:
                  Normal: {start_pfn: 1048576, spanned: 786432}
            """)
        XCTAssertEqual(t.node(1)?.zones["Normal"]?.startPfn, 1_048_576)
    }

    // MARK: - zoneinfo

    func sysfsTopology() throws -> Topology { try SysfsImporter.load(path: sysfsTree(fromKernelSample: "big-2s")) }

    /// The reported machine: its zoneinfo places node 1 at 4 GiB, which sysfs cannot say.
    func testBig2sZoneinfoPlacesTheNodesAsTheKernelDid() throws {
        var t = try sysfsTopology()
        try ZoneinfoImporter.apply(path: ImportFixtures.fixture("kernel-samples/big-2s/final_zoneinfo.txt"), to: &t)
        // dmesg: node 0 [mem 0x1000-0xbffdffff], node 1 [mem 0x100000000-0x1bfffffff].
        XCTAssertEqual(t.node(0)?.memory, .ranges([MemoryRange(start: 0x1000, size: 0xbffdf000)]))
        XCTAssertEqual(t.node(1)?.memory, .ranges([MemoryRange(start: 0x1_0000_0000, size: 3 << 30)]))
        XCTAssertEqual(t.node(0)?.managed, 2_983_932 * 1024)
        XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)), t)
    }

    /// Four lines (header, spanned, present, managed) managing node 1's whole MemTotal place it too.
    func testFourLinesOfZoneinfoPlaceTheirNode() throws {
        var t = try sysfsTopology()
        try ZoneinfoImporter.apply(text: "Node 1, zone   Normal\n  spanned  786432\n  present  786432\n  managed  769160\n",
                                   file: "four.txt", to: &t)
        XCTAssertEqual(t.node(1)?.memory, .ranges([MemoryRange(start: 0x1_0000_0000, size: 3 << 30)]))
        XCTAssertEqual(t.node(1)?.zones["Normal"]?.startPfn, 1_048_576)
    }

    /// A span that does not say where all of the node's memory is, and does not fit where numasim
    /// lays the node, is refused at its line.
    func testPartialZoneinfoOutsideTheLaidOutNodeIsRefused() throws {
        var t = try sysfsTopology()
        assertInputError({ try ZoneinfoImporter.apply(text: "Node 1, zone   Normal\n  spanned  786432\n", file: "two.txt", to: &t) },
                         file: "two.txt", line: 2, key: "spanned", contains: "outside node 1's memory as laid out from its size")
    }

    func testZoneinfoStartPfnBeyondItsZoneLimitIsRefused() throws {
        let kernel = try String(contentsOfFile: ImportFixtures.fixture("kernel-samples/big-2s/final_zoneinfo.txt"), encoding: .utf8)
        var t = try sysfsTopology()
        let low = kernel.replacingOccurrences(of: "start_pfn:           1048576", with: "start_pfn:           1000000")
        assertInputError({ try ZoneinfoImporter.apply(text: low, file: "z.txt", to: &t) },
                         file: "z.txt", line: 296, key: "start_pfn", contains: "expected Normal at or above pfn 1048576 (4GiB)")
        let high = kernel.replacingOccurrences(of: "start_pfn:           4096", with: "start_pfn:           1040000")
        assertInputError({ try ZoneinfoImporter.apply(text: high, file: "z.txt", to: &t) },
                         file: "z.txt", line: 102, key: "spanned", contains: "beyond its zone's limit")
    }

    /// A topology with explicit ranges keeps them: a zoneinfo span outside them is refused.
    func testZoneinfoSpanOutsideExplicitRangesIsRefused() throws {
        var t = try TopologyFile.parse("""
            name: small
            nodes:
              - {id: 0, cpus: 0, ranges: [{start: 0, size: 1GiB}]}
              - {id: 1, cpus: 1, ranges: [{start: 1GiB, size: 1GiB}]}
            """, file: "small.yaml")
        let kernel = try String(contentsOfFile: ImportFixtures.fixture("kernel-samples/big-2s/final_zoneinfo.txt"), encoding: .utf8)
        assertInputError({ try ZoneinfoImporter.apply(text: kernel, file: "z.txt", to: &t) },
                         file: "z.txt", line: 146, key: "start_pfn", contains: "outside node 0's memory (pfn 0…262143")
    }
}
