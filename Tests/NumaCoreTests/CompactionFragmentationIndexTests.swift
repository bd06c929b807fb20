import XCTest
@testable import NumaCore

/// `fill_contig_page_info`, `__fragmentation_index`, `unusable_free_index`, `extfrag_for_order`
/// (mm/vmstat.c, Linux 6.1) on hand-made `nr_free` counts.
final class CompactionFragmentationIndexTests: XCTestCase {
    /// nr_free = 10 order-0, 4 order-1, 1 order-3 blocks: 10 + 8 + 8 = 26 free pages in 15
    /// blocks.
    let nrFree = [10, 4, 0, 1, 0, 0, 0, 0, 0, 0, 0]

    func testContigPageInfo() {
        let i0 = ContigPageInfo(nrFree: nrFree, suitableOrder: 0)
        XCTAssertEqual(i0.freePages, 26)
        XCTAssertEqual(i0.freeBlocksTotal, 15)
        XCTAssertEqual(i0.freeBlocksSuitable, 26)           // every page is an order-0 block
        XCTAssertEqual(ContigPageInfo(nrFree: nrFree, suitableOrder: 1).freeBlocksSuitable, 4 + 4)  // 4 + 1 << 2
        XCTAssertEqual(ContigPageInfo(nrFree: nrFree, suitableOrder: 2).freeBlocksSuitable, 2)      // 1 << (3 - 2)
        XCTAssertEqual(ContigPageInfo(nrFree: nrFree, suitableOrder: 4).freeBlocksSuitable, 0)
    }

    /// -1000 while a block of the order is free; else 1000 − (1000 + free·1000/2^order) / blocks.
    func testFragmentationIndex() {
        func index(_ order: Int) -> Int { ContigPageInfo(nrFree: nrFree, suitableOrder: order).fragmentationIndex(order: order) }
        XCTAssertEqual(index(0), -1000)
        XCTAssertEqual(index(3), -1000)
        XCTAssertEqual(index(4), 825)     // 1000 − (1000 + 26000/16 = 1625) / 15 = 1000 − 175
        XCTAssertEqual(index(9), 930)     // 1000 − (1000 + 26000/512 = 50) / 15 = 1000 − 70
        XCTAssertEqual(index(10), 932)    // 1000 − (1000 + 26000/1024 = 25) / 15 = 1000 − 68
        // No free block at all: 0 (failure from lack of memory); an out-of-range order: 0.
        XCTAssertEqual(ContigPageInfo(nrFree: Array(repeating: 0, count: 11), suitableOrder: 9).fragmentationIndex(order: 9), 0)
        XCTAssertEqual(ContigPageInfo(nrFree: nrFree, suitableOrder: 11).fragmentationIndex(order: 11), 0)
        // Fewer free pages than the order needs makes the formula negative: one free page, order
        // 1: 1000 − (1000 + 1000/2) / 1 = −500 (the kernel prints it as " 0.-500").
        XCTAssertEqual(ContigPageInfo(nrFree: [1] + Array(repeating: 0, count: 10), suitableOrder: 1).fragmentationIndex(order: 1), -500)
    }

    /// (free − suitable·2^order)·1000 / free; 1000 with nothing free.
    func testUnusableFreeIndex() {
        func index(_ order: Int) -> Int { ContigPageInfo(nrFree: nrFree, suitableOrder: order).unusableFreeIndex(order: order) }
        XCTAssertEqual(index(0), 0)
        XCTAssertEqual(index(1), 384)     // (26 − 16)·1000/26 = 10000/26
        XCTAssertEqual(index(2), 692)     // (26 − 8)·1000/26 = 18000/26
        XCTAssertEqual(index(3), 692)     // (26 − 8)·1000/26
        XCTAssertEqual(index(4), 1000)
        XCTAssertEqual(ContigPageInfo(nrFree: Array(repeating: 0, count: 11), suitableOrder: 0).unusableFreeIndex(order: 0), 1000)
    }
}
