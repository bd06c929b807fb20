import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

final class BuddyTests: XCTestCase {
    func zone(_ yaml: String, node: Int, _ name: String) throws -> Zone {
        let m = try boot(yaml)
        let b = m.z(node, name)
        let z = Zone(boot: b, pageblockOrder: m.topology.arch.pageblockOrder)
        z.freeManagedPages(present: m.layout.nodeRanges[node]!)
        return z
    }

    static let pc = "name: pc\nnodes: [{id: 0, cpus: \"0-1\", memory: 1GiB}]\nsysctl: {transparent_hugepage: never}\n"

    /// Boot freeing of the x86 DMA zone: pfns 1–255 are reserved (first MiB), the rest is
    /// released as maximal aligned blocks: [256,512) order 8, [512,1024) order 9, then three
    /// order-10 blocks.
    func testBootFreeingOfDMAZone() throws {
        let z = try zone(Self.pc, node: 0, "DMA")
        XCTAssertEqual(z.buddyinfo, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3])
        XCTAssertEqual(z.nrFreePages, 3840)
        let r = z.checkInvariants()
        XCTAssertTrue(r.ok, "\(r.violations)")
        XCTAssertEqual(r.reservedPages, 4095 - 3840, "the zone spans pfn 1…4095")
    }

    /// Split and merge exactly: one order-0 allocation from a zone of order-10 blocks splits
    /// one block into one free block of each order 0…9; freeing it merges back.
    func testSplitAndMerge() throws {
        let z = try zone(Self.pc, node: 0, "DMA32")
        let before = z.buddyinfo
        let pfn = try XCTUnwrap(z.allocBlock(order: 0, .movable))
        XCTAssertEqual(pfn, 4096, "the head of the first order-10 list, lowest piece kept")
        var expected = before
        expected[10] -= 1
        for o in 0..<10 { expected[o] += 1 }
        XCTAssertEqual(z.buddyinfo, expected)
        // buddy of pfn 4096 at order 0 is 4097, which expand() put on the order-0 list
        XCTAssertTrue(z.isBuddy(4096 ^ 1, order: 0))
        XCTAssertTrue(z.checkInvariants().ok)
        z.freeBlock(pfn, order: 0)
        XCTAssertEqual(z.buddyinfo, before)
        XCTAssertTrue(z.checkInvariants().ok)
    }

    /// A freed block whose next-bigger buddy is free goes to the list tail (buddy_merge_likely).
    func testBuddyMergeLikelyPutsBlockAtTail() throws {
        let z = try zone(Self.pc, node: 0, "DMA32")
        let a = try XCTUnwrap(z.allocBlock(order: 0, .movable))  // 4096; frees 4097 (o0), 4098 (o1), …
        let b = try XCTUnwrap(z.allocBlock(order: 0, .movable))  // 4097
        XCTAssertEqual(b, 4097)
        let c = try XCTUnwrap(z.allocBlock(order: 0, .movable))  // 4098 (split of the o1 block 4098)
        XCTAssertEqual(c, 4098)
        // Free b: its buddy a is allocated, so no merge. Its would-be order-1 block [4096,4098) has
        // buddy [4098,4100), which is not a free order-1 block (4098 allocated) → head insert.
        z.freeBlock(b, order: 0)
        XCTAssertEqual(z.memmap.headPfn(z.freeArea.list(order: 0, .movable)), 4097)
        // Free a: merges with b into order 1 at 4096; that block's buddy (4098, order 1) is not
        // free, so no further merge; the order-2 buddy check: [4100,4104) is a free order-2 block
        // → buddy_merge_likely → tail.
        z.freeBlock(a, order: 0)
        XCTAssertTrue(z.isBuddy(4096, order: 1))
        XCTAssertEqual(z.memmap.tailPfn(z.freeArea.list(order: 1, .movable)), 4096)
        XCTAssertTrue(z.checkInvariants().ok)
        z.freeBlock(c, order: 0)
        XCTAssertTrue(z.checkInvariants().ok)
        XCTAssertEqual(z.nrFreePages, z.managed)
    }

    /// Unmovable requests in an all-movable zone steal: the largest free block is taken and
    /// its pageblock claimed for Unmovable (more than half of it is free).
    func testMigratetypeFallbackClaimsPageblock() throws {
        let z = try zone(Self.pc, node: 0, "DMA32")
        let pfn = try XCTUnwrap(z.allocBlock(order: 0, .unmovable))
        XCTAssertEqual(z.memmap.pageblockMigrateType(pfn: pfn), .unmovable)
        // The stolen order-10 block covers two pageblocks; both changed type (cur ≥ pageblock_order).
        XCTAssertEqual(z.memmap.pageblockMigrateType(pfn: pfn ^ 512), .unmovable)
        XCTAssertTrue(z.checkInvariants().ok)
        z.freeBlock(pfn, order: 0)
        XCTAssertTrue(z.checkInvariants().ok)
        XCTAssertEqual(z.nrFreePages, z.managed)
    }

    /// Long random sequences of mixed orders and types: the invariants hold throughout and
    /// everything merges back when all is freed.
    func testRandomAllocFreeKeepsInvariants() throws {
        let z = try zone(Self.pc, node: 0, "DMA32")
        let initial = z.buddyinfo
        var rng = TestRNG(seed: 42)
        var live: [(Int, Int)] = []
        for step in 0..<40_000 {
            if live.isEmpty || rng.next() % 100 < 55 {
                let order = [0, 0, 0, 0, 1, 2, 3, 4, 9, 10][Int(rng.next() % 10)]
                let mt = [MigrateType.movable, .movable, .unmovable, .reclaimable][Int(rng.next() % 4)]
                if let p = z.allocBlock(order: order, mt) { live.append((p, order)) }
            } else {
                let i = Int(rng.next() % UInt64(live.count))
                let (p, o) = live.remove(at: i)
                z.freeBlock(p, order: o)
            }
            if step % 5000 == 0 {
                let r = z.checkInvariants()
                XCTAssertTrue(r.ok, "step \(step): \(r.violations)")
                XCTAssertEqual(r.allocatedPages, live.reduce(0) { $0 + (1 << $1.1) })
            }
        }
        for (p, o) in live { z.freeBlock(p, order: o) }
        let r = z.checkInvariants()
        XCTAssertTrue(r.ok, "\(r.violations)")
        XCTAssertEqual(z.nrFreePages, z.managed)
        XCTAssertEqual(z.buddyinfo, initial, "all memory merges back into the boot-time blocks")
    }
}
