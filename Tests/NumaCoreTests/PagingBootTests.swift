import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// Boot work is proportional to nodes, not to memory: the mem_map reservation counts a node's
/// memory sections by merging its ranges' section intervals instead of visiting each section
/// (a 2^50-byte machine has 8 M of them).
final class PagingBootTests: XCTestCase {
    func testSectionCountMergesRangesWithoutVisitingSections() {
        let sp = 32768  // 128 MiB of 4 KiB pages
        XCTAssertEqual(ManagedPages.sectionCount([], sectionPages: sp), 0)
        XCTAssertEqual(ManagedPages.sectionCount([0..<1], sectionPages: sp), 1)
        XCTAssertEqual(ManagedPages.sectionCount([0..<sp], sectionPages: sp), 1)
        XCTAssertEqual(ManagedPages.sectionCount([0..<(sp + 1)], sectionPages: sp), 2)
        // Two ranges in one section count it once; adjacent and overlapping ones merge; a gap
        // of whole sections is not counted; order does not matter.
        XCTAssertEqual(ManagedPages.sectionCount([10..<20, 30..<40], sectionPages: sp), 1)
        XCTAssertEqual(ManagedPages.sectionCount([(5 * sp)..<(6 * sp), 0..<(2 * sp), (sp + 5)..<(3 * sp)], sectionPages: sp), 4)
        XCTAssertEqual(ManagedPages.sectionCount([0..<(2 * sp), (2 * sp)..<(3 * sp)], sectionPages: sp), 3)
        XCTAssertEqual(ManagedPages.sectionCount([5..<5, 0..<1], sectionPages: sp), 1, "empty ranges touch nothing")
        // 2^50 bytes in one range: 2^23 sections, counted at once.
        XCTAssertEqual(ManagedPages.sectionCount([0..<(1 << 38)], sectionPages: sp), 1 << 23)
    }

    /// 256 nodes × 4 TiB = 2^50 bytes with `paging: 5-level` boots as fast as 256 × 1 GiB does,
    /// and each node's mem_map takes 64 bytes per page of its 4 TiB (64 GiB) from its managed pages.
    func testA2To50ByteMachineBootsInTimeProportionalToNodes() throws {
        func bootTime(_ perNode: UInt64, _ paging: Paging) throws -> (Duration, BootedMachine) {
            var g = TopologyGenerator(nodes: 256, cpusPerNode: 1, memoryPerNode: perNode)
            g.paging = paging
            let t = try g.topology()
            try TopologyValidator.validate(t)
            let clock = ContinuousClock(), start = clock.now
            let m = try BootedMachine(topology: t)
            return (clock.now - start, m)
        }
        let (small, _) = try bootTime(1 << 30, .fourLevel)
        let (big, m) = try bootTime(4 << 40, .fiveLevel)
        XCTAssertLessThan(big, small * 3 + .seconds(1), "2^50 bytes: \(big), 256 GiB: \(small)")
        let node1 = try XCTUnwrap(m.zones[1])
        let present = node1.reduce(0) { $0 + $1.present }, managed = node1.reduce(0) { $0 + $1.managed }
        XCTAssertEqual(present, 1 << 30, "4 TiB of pages")
        XCTAssertEqual(present - managed, (4 << 40) / 64 / 4096 * 1, "the mem_map: 64 bytes per 4 KiB page")
    }
}
