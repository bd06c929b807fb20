import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaReports

/// The debugfs `extfrag/extfrag_index` and `extfrag/unusable_index` formats (mm/vmstat.c 6.1
/// `extfrag_show_print`: "%2d.%03d ", `unusable_show_print`: "%d.%03d ").
final class ExtfragFormatTests: XCTestCase {
    func testCells() {
        XCTAssertEqual(ExtfragFormat.extfragCell(-1000), "-1.000 ")
        XCTAssertEqual(ExtfragFormat.extfragCell(825), " 0.825 ")
        XCTAssertEqual(ExtfragFormat.extfragCell(70), " 0.070 ")
        XCTAssertEqual(ExtfragFormat.extfragCell(0), " 0.000 ")
        // C's / and % truncate toward zero: -500 / 1000 = 0, -500 % 1000 = -500.
        XCTAssertEqual(ExtfragFormat.extfragCell(-500), " 0.-500 ")
        XCTAssertEqual(ExtfragFormat.unusableCell(692), "0.692 ")
        XCTAssertEqual(ExtfragFormat.unusableCell(1000), "1.000 ")
        XCTAssertEqual(ExtfragFormat.unusableCell(5), "0.005 ")
    }

    /// A fresh 64 MiB node: DMA32's free memory includes order-10 blocks, so every order is
    /// -1.000; the lines name each populated zone right-aligned in 8 columns.
    func testFreshNodeLines() throws {
        let a = PageAllocator(machine: try boot("""
            name: small
            nodes: [{id: 0, cpus: "0-1", memory: 64MiB}]
            sysctl: {transparent_hugepage: never}
            """))
        let lines = ExtfragFormat.extfragIndex(a).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("Node 0, zone      DMA "))
        XCTAssertTrue(lines[1].hasPrefix("Node 0, zone    DMA32 "))
        let z = a.nodes[0].zones.first { $0.name == "DMA32" }!
        // DMA32's free memory is whole order-10 blocks (nr_free[10] > 0): every order would succeed.
        XCTAssertGreaterThan(z.freeArea.nrFree(order: 10), 0)
        XCTAssertEqual(String(lines[1]), "Node 0, zone    DMA32 " + String(repeating: "-1.000 ", count: 11))
        let unusable = ExtfragFormat.unusableIndex(a).split(separator: "\n")
        // Order 0 is always 0.000 when anything is free.
        XCTAssertTrue(unusable[1].hasPrefix("Node 0, zone    DMA32 0.000 "))
    }
}
