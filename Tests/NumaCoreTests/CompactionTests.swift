import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// Compaction (mm/compaction.c, Linux 6.1) on a small node: the migrate and free scanners,
/// migration, `compact_finished`, direct compaction in the slow path, deferral.
final class CompactionTests: XCTestCase {
    static let oneNode = """
        name: small
        nodes: [{id: 0, cpus: "0-1", memory: 64MiB}]
        sysctl: {transparent_hugepage: never}
        """

    /// Every free page of every zone of node 0 taken as an order-0 anon page on the LRU
    /// (`Zone.allocBlock` ignores watermarks, so the free lists end empty). Returns the handles
    /// by pfn, zone by zone.
    func fillWithAnon(_ a: PageAllocator, kernel: Set<Int> = []) -> [Int: [Int: AllocatedBlock]] {
        var held: [Int: [Int: AllocatedBlock]] = [:]
        for z in a.nodes[0].zones where z.managed > 0 {
            while let pfn = z.allocBlock(order: 0, .movable) {
                let b = AllocatedBlock(pfn: pfn, order: 0, node: 0, zone: z.index, generation: z.memmap.generation(pfn: pfn))
                if !kernel.contains(pfn) { a.addToLRU(b, kind: .anon) }
                held[z.index, default: [:]][pfn] = b
            }
            XCTAssertEqual(z.nrFreePages, 0)
        }
        return held
    }

    /// The pageblocks of `z` all of whose pages we hold (no reserved or other page in them).
    func cleanBlocks(_ z: Zone, _ held: [Int: AllocatedBlock]) -> [Int] {
        var out: [Int] = []
        var b = (z.startPfn + z.pageblockPages - 1) & ~(z.pageblockPages - 1)
        while b + z.pageblockPages <= z.endPfn {
            if (b..<(b + z.pageblockPages)).allSatisfy({ held[$0] != nil }) { out.append(b) }
            b += z.pageblockPages
        }
        return out
    }

    /// The 64 MiB node's DMA32 zone is pfns 4096..<16384: 23 pageblocks of pages we hold
    /// (4096..<15872) and a last one the boot reserved. Freeing every odd pfn of those 23
    /// blocks straight to the buddy (ascending, each to its list's head) leaves 23 × 256 = 5888
    /// free order-0 pages that cannot merge (each one's buddy is held), and DMA with none.
    /// Pages in `unmovable` are held as kernel memory, off the LRU: they cannot move.
    func fragmented(keep unmovable: Set<Int> = []) throws -> (PageAllocator, Zone, [Int: AllocatedBlock]) {
        let a = PageAllocator(machine: try boot(Self.oneNode))
        var held = fillWithAnon(a, kernel: unmovable)
        let z = a.nodes[0].zones.first { $0.name == "DMA32" }!
        XCTAssertEqual(z.startPfn, 4096)
        XCTAssertEqual(z.endPfn, 16384)
        XCTAssertEqual(cleanBlocks(z, held[z.index]!), Array(stride(from: 4096, to: 15872, by: 512)))
        for pfn in stride(from: 4097, to: 15872, by: 2) {
            XCTAssertTrue(a.release(held[z.index]![pfn]!, cpu: -1))
            held[z.index]![pfn] = nil
        }
        XCTAssertEqual(z.nrFreePages, 5888)
        XCTAssertEqual(z.freeArea.nrFree, [5888] + Array(repeating: 0, count: 10))
        return (a, z, held[z.index]!)
    }

    /// An order-9 GFP_HIGHUSER_MOVABLE allocation on the fragmented node fails: async direct
    /// compaction (`INIT_COMPACT_PRIORITY`) isolates the first 32 even pfns of block 4096
    /// (63 pfns scanned: 4096…4158), but its free scanner finds no target — the fast search
    /// walks 256 entries from the order-0 list's tail (the lowest pfns, all below the top half
    /// of the scan space) and the linear scan's COMPACT_CLUSTER_MAX stride from even pfns
    /// never lands on an odd hole — so the run ends COMPACT_COMPLETE when the scanners meet.
    /// The slow path tries twice (before and after a direct reclaim that finds nothing to
    /// reclaim: anon pages and no swap), then gives up (costly, no __GFP_RETRY_MAYFAIL): two
    /// stalls, two failures, nothing migrated, and async runs never defer.
    /// A SYNC_LIGHT run then migrates block 4096's 256 pages above it (stride 1 in the free
    /// scanner), the block merges into a free order-9 block at the pageblock boundary
    /// (`__compact_finished`: COMPACT_SUCCESS), and the allocation gets pfn 4096. The migrate
    /// scanner looked at 512 pfns: 63 for the first cluster, 64 for each of the 7 others (the
    /// odd pfn it resumes on is a tail of the block merged behind it) and 4607 once more.
    func testOrder9FailsFragmentedThenSucceedsAfterCompaction() throws {
        let (a, z, held) = try fragmented()
        XCTAssertEqual(z.fragmentationIndex(order: 9), 1000 - (1000 + 5888 * 1000 / 512) / 5888)  // 998
        if case .success(let b) = a.allocPages(gfp: .highUserMovable, order: 9, preferredNode: 0, cpu: 0) {
            XCTFail("order 9 allocated at \(b.pfn) on a node of order-0 holes")
        }
        XCTAssertEqual(a.vmEvents[.compactStall], 2)
        XCTAssertEqual(a.vmEvents[.compactFail], 2)
        XCTAssertEqual(a.vmEvents[.compactSuccess], 0)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 0)
        XCTAssertEqual(a.vmEvents[.compactMigrateScanned], 2 * 63)
        XCTAssertEqual(z.compaction.deferral.deferShift, 0)
        XCTAssertEqual(z.nrFreePages, 5888, "isolated pages went back")

        let r = a.compactZoneOrder(z, order: 9, gfp: .highUserMovable, priority: .syncLight, allocFlags: .wmarkLow,
                                   highestZone: z.index, row: a.slot(ofCPU: 0))
        XCTAssertEqual(r, .success)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 256)
        XCTAssertEqual(a.vmEvents[.compactMigrateScanned], 2 * 63 + 512)
        XCTAssertEqual(a.vmEvents[.compactIsolated] - 2 * 32, 256 + 256, "256 pages and 256 targets (plus 32 per async run)")
        XCTAssertEqual(z.freeArea.nrFree(order: 9), 1)
        guard case .success(let b) = a.allocPages(gfp: .highUserMovable, order: 9, preferredNode: 0, cpu: 0) else {
            return XCTFail("order 9 failed after compaction")
        }
        XCTAssertEqual(b.pfn, 4096)
        // Every moved page's owner finds it through its migration entry.
        var moved = 0
        for pfn in stride(from: 4096, to: 4608, by: 2) {
            let h = held[pfn]!
            XCTAssertFalse(a.isOwned(h))
            guard let now = a.followMigration(h) else { XCTFail("page \(pfn) lost"); continue }
            XCTAssertTrue(a.isOwned(now))
            XCTAssertGreaterThanOrEqual(now.pfn, 4608)
            XCTAssertEqual(now.pfn & 1, 1, "an odd hole")
            moved += 1
        }
        XCTAssertEqual(moved, 256)
        XCTAssertEqual(a.lruSize(nodeIndex: 0, .inactiveAnon) + a.lruSize(nodeIndex: 0, .activeAnon), 3840 + 11776 - 5888)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// An unmovable page (kernel memory at pfn 4300) in block 4096: SYNC_LIGHT migrates the
    /// other 255 pages of it, finds no free order-9 block at the boundary, goes on through
    /// block 4608 (256 more) and succeeds there: 511 pages migrated, the allocation gets 4608.
    func testUnmovablePageBlocksItsPageblock() throws {
        let (a, z, _) = try fragmented(keep: [4300])
        let r = a.compactZoneOrder(z, order: 9, gfp: .highUserMovable, priority: .syncLight, allocFlags: .wmarkLow,
                                   highestZone: z.index, row: a.slot(ofCPU: 0))
        XCTAssertEqual(r, .success)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 255 + 256)
        XCTAssertEqual(z.memmap.flags(pfn: 4300), .allocated)
        guard case .success(let b) = a.allocPages(gfp: .highUserMovable, order: 9, preferredNode: 0, cpu: 0) else {
            return XCTFail("order 9 failed after compaction")
        }
        XCTAssertEqual(b.pfn, 4608)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// `compact_memory` (`compact_nodes`, order -1, MIGRATE_SYNC, whole zone) on the
    /// fragmented zone with pfn 15360 freed too (a free order-1 block at 15360: 5889 free).
    /// DMA32: the free scanner's top block (15872, reserved) yields nothing, so its stride
    /// doubles to 2 (`isolate_freepages`); in block 22 it takes 15360-15361, lands on 15363
    /// and steps over odd holes, then back to stride 1. Both scanners move 32 pages a round:
    /// blocks 0…10 (11 × 256 = 2816 pages) go into block 22's 257 holes, blocks 21…13 and 255
    /// of block 12's; block 11's first cluster then gets block 12's last hole (2817 migrated)
    /// and no more — the free scanner may not go below the migrate scanner's block — so the
    /// scanners meet (the other 31 go back). 4096…9727 is free: five order-10 blocks and one
    /// order-9 at 9216; 9728-9729 merge to order 1; block 11 keeps 255 order-0 holes.
    /// DMA has no free page: its first cluster cannot migrate (one PGMIGRATE_FAIL each zone).
    func testCompactMemoryMovesHalfTheZone() throws {
        let (a, z, held) = try fragmented()
        XCTAssertTrue(a.release(held[15360]!, cpu: -1))
        XCTAssertEqual(z.freeArea.nrFree(order: 1), 1)
        a.compactNodes(row: a.systemSlot)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 2817)
        XCTAssertEqual(a.vmEvents[.pgmigrateFail], 2)
        XCTAssertEqual(a.vmEvents[.compactStall], 0)
        XCTAssertEqual(z.freeArea.nrFree, [255, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5])
        XCTAssertEqual(z.nrFreePages, 5889)
        XCTAssertEqual(z.fragmentationIndex(order: 9), -1000)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// `compaction_suitable`: a fresh zone with order-9 blocks free → COMPACT_SUCCESS; the
    /// fragmented zone → COMPACT_CONTINUE (index 998 > 500); with `extfrag_threshold` 1000
    /// the index counts as lack of memory → COMPACT_SKIPPED; a zone with no free page fails
    /// the order-0 watermark plus compact_gap → COMPACT_SKIPPED.
    func testCompactionSuitableDecisions() throws {
        let fresh = PageAllocator(machine: try boot(Self.oneNode))
        let fz = fresh.nodes[0].zones.first { $0.name == "DMA32" }!
        XCTAssertEqual(fresh.compactionSuitable(fz, order: 9, allocFlags: .wmarkLow, highestZone: fz.index), .success)
        let (a, z, _) = try fragmented()
        XCTAssertEqual(a.compactionSuitable(z, order: 9, allocFlags: .wmarkLow, highestZone: z.index), .continue)
        let dma = a.nodes[0].zones.first { $0.name == "DMA" }!
        XCTAssertEqual(a.compactionSuitable(dma, order: 9, allocFlags: .wmarkLow, highestZone: dma.index), .skipped)
        // Order 3 is not costly: no fragmentation-index test, order-0 check at min + 16.
        XCTAssertEqual(a.compactionSuitable(z, order: 3, allocFlags: .wmarkLow, highestZone: z.index), .continue)
        try a.writeSysctls(["vm.extfrag_threshold=1000"])
        XCTAssertEqual(a.compactionSuitable(z, order: 9, allocFlags: .wmarkLow, highestZone: z.index), .skipped)
        XCTAssertEqual(a.compactionSuitable(z, order: 3, allocFlags: .wmarkLow, highestZone: z.index), .continue)
    }

    /// `defer_compaction` / `compaction_deferred` / `compaction_defer_reset`: after the k-th
    /// failure the next 2^k − 1 attempts are skipped (the 2^k-th runs), the shift stops at
    /// COMPACT_MAX_DEFER_SHIFT = 6; orders below `compact_order_failed` are never deferred;
    /// a success resets the shift and raises `compact_order_failed` past the order.
    func testDeferralCounts() {
        let s = ZoneCompactionState()
        XCTAssertFalse(s.compactionDeferred(order: 9), "never failed: runs")
        s.deferReset(order: 9, allocSuccess: true)
        XCTAssertEqual(s.deferral.orderFailed, 10)
        XCTAssertFalse(s.compactionDeferred(order: 9), "below compact_order_failed")
        for k in 1...8 {
            s.deferCompaction(order: 9)
            let shift = min(k, 6)
            XCTAssertEqual(s.deferral.deferShift, shift)
            XCTAssertEqual(s.deferral.orderFailed, 9)
            XCTAssertFalse(s.compactionDeferred(order: 8), "order 8 < compact_order_failed")
            var skipped = 0
            while s.compactionDeferred(order: 9) { skipped += 1 }
            XCTAssertEqual(skipped, (1 << shift) - 1)
            XCTAssertEqual(s.deferral.considered, 1 << shift)
        }
        XCTAssertTrue(s.restarting(order: 9))
        s.deferReset(order: 9, allocSuccess: true)
        XCTAssertEqual(s.deferral.deferShift, 0)
        XCTAssertEqual(s.deferral.considered, 0)
        XCTAssertEqual(s.deferral.orderFailed, 10)
        XCTAssertFalse(s.restarting(order: 9))
    }

    /// A SYNC_LIGHT direct run that completes without success defers the zone: on the
    /// fragmented DMA32 zone with an unmovable page in every pageblock nothing order-9 can be
    /// made; `try_to_compact_pages` then calls `defer_compaction` (shift 1), and the next
    /// non-SYNC_FULL attempt at order 9 is deferred (COMPACT_DEFERRED).
    func testFailedSyncCompactionDefers() throws {
        let (a, z, _) = try fragmented(keep: Set(stride(from: 4096 + 100, to: 15872, by: 512)))
        var ac = PageAllocator.AllocContext(gfp: .highUserMovable, order: 9, highestZone: z.index, migrateType: .movable,
                                            zonelist: a.zonelistTable.list(nodeIndex: 0, thisNode: true), nodemask: nil,
                                            preferred: nil, cpu: 0)
        ac.preferred = a.firstZone(ac)
        let r1 = a.tryToCompactPages(ac, allocFlags: .wmarkLow, priority: .syncLight)
        XCTAssertEqual(r1, .complete)
        XCTAssertEqual(z.compaction.deferral.deferShift, 1)
        XCTAssertEqual(a.tryToCompactPages(ac, allocFlags: .wmarkLow, priority: .syncLight), .deferred)
        XCTAssertEqual(z.freeArea.nrFree(order: 9) + z.freeArea.nrFree(order: 10), 0)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }
}
