import XCTest
import NumaTestSupport
@testable import NumaCore

/// The per-node lruvec of Linux 6.1 and the list walkers: `isolate_lru_folios` skipping
/// ineligible zones, `folio_mark_accessed`, `folio_check_references`, the proportional scan of
/// `shrink_lruvec`, and `workingset_eviction`/`workingset_refault`.
final class NodeLRUTests: XCTestCase {
    static let bigNode = """
        name: big
        nodes: [{id: 0, cpus: "0-1", memory: 6GiB}]
        sysctl: {transparent_hugepage: never}
        """

    func page(_ a: PageAllocator, dma32: Bool) -> AllocatedBlock {
        guard case .success(let b) = a.allocPages(gfp: dma32 ? [.kernel, .dma32] : .highUserMovable, order: 0, preferredNode: 0, cpu: 0) else {
            fatalError("allocation failed")
        }
        return b
    }

    func sc(_ a: PageAllocator, reclaimIdx: Int, _ who: ScanControl.Reclaimer = .kswapd, nrToReclaim: Int = 32) -> ScanControl {
        ScanControl(nrToReclaim: nrToReclaim, reclaimIdx: reclaimIdx, order: 0, reclaimer: who,
                    row: who == .kswapd ? a.kswapdSlot(nodeIndex: 0) : 0, cpuSlot: nil)
    }

    /// One list over all zones, walked from its tail: pages of zones above `reclaim_idx` are
    /// skipped (counted in nr_scanned and pgskip, not against the batch) and go back to the
    /// head in their order.
    func testIsolateSkipsIneligibleZonesAndCountsThemScanned() throws {
        let a = PageAllocator(machine: try boot(Self.bigNode))
        let normal = 2, dma32 = 1
        let pages = [page(a, dma32: false), page(a, dma32: true), page(a, dma32: false), page(a, dma32: true)]
        XCTAssertEqual(pages.map(\.zone), [normal, dma32, normal, dma32])
        for b in pages { a.addToLRU(b, kind: .file, mapped: false) }
        XCTAssertEqual(a.lruSize(nodeIndex: 0, .inactiveFile), 4)
        XCTAssertEqual(a.lruSize(nodeIndex: 0, .inactiveFile, highestZone: dma32), 2)
        XCTAssertEqual(a.lruPages(a.nodes[0].zones[normal], .inactiveFile), 2)
        var s = sc(a, reclaimIdx: dma32)
        XCTAssertEqual(a.shrinkInactiveList(nodeIndex: 0, .inactiveFile, 2, &s), 2)
        XCTAssertEqual(s.nrScanned, 4, "skipped pages count as scanned (total_scan)")
        XCTAssertEqual(a.vmEvents[.pgscanKswapd], 4)
        XCTAssertEqual(a.vmEvents[.pgstealKswapd], 2)
        XCTAssertEqual(a.nodes[0].lruvec.pgskip[normal], 2)
        XCTAssertFalse(a.isOwned(pages[1]))
        XCTAssertFalse(a.isOwned(pages[3]))
        // The skipped pages are back, the older one nearer the tail.
        var s2 = sc(a, reclaimIdx: normal)
        let (taken, scanned) = a.isolate(nodeIndex: 0, .inactiveFile, 1, s2)
        XCTAssertEqual(scanned, 1)
        XCTAssertEqual(taken.map { $0.1 }, [pages[0].pfn])
        for (z, pfn) in taken { a.putBack(z, pfn, active: false, 0, s2) }
        XCTAssertEqual(a.shrinkInactiveList(nodeIndex: 0, .inactiveFile, 32, &s2), 2)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// read(2): the first access sets PG_referenced, the second activates (PGACTIVATE,
    /// nonresident_age). A referenced unmapped clean page is reclaimed at its first scan
    /// (FOLIOREF_RECLAIM_CLEAN); a mapped page seen young gets another trip ("look twice").
    func testReadPagesAreMarkedAccessedAndReclaimedClean() throws {
        let a = PageAllocator(machine: try boot(Self.bigNode))
        let read = page(a, dma32: false), twice = page(a, dma32: false), mapped = page(a, dma32: false)
        for b in [read, twice] {
            a.addToLRU(b, kind: .file, mapped: false)
            a.markAccessed(b, cpu: 0)
        }
        a.addToLRU(mapped, kind: .file)
        let age = a.nodes[0].lruvec.nonresidentAge
        a.markAccessed(twice, cpu: 0)
        XCTAssertEqual(a.vmEvents[.pgactivate], 1)
        XCTAssertEqual(a.nodes[0].lruvec.nonresidentAge, age + 1)
        XCTAssertEqual(a.lruSize(nodeIndex: 0, .activeFile), 1)
        var s = sc(a, reclaimIdx: 3)
        XCTAssertEqual(a.shrinkInactiveList(nodeIndex: 0, .inactiveFile, 32, &s), 1)
        XCTAssertFalse(a.isOwned(read))
        XCTAssertTrue(a.isOwned(mapped))
        XCTAssertEqual(a.vmEvents[.pgscanKswapd], 2)
        XCTAssertEqual(a.vmEvents[.pgstealKswapd], 1)
    }

    /// shrink_lruvec: once kswapd reclaimed nr_to_reclaim, the smaller type stops and the other
    /// is cut to its unscanned share, once; direct reclaim at DEF_PRIORITY scans its whole
    /// targets. The engine's hook runs after every round.
    func testProportionalScanOnceEnoughIsReclaimed() throws {
        func run(_ who: ScanControl.Reclaimer) throws -> (file: Int, anon: Int, rounds: Int) {
            let a = PageAllocator(machine: try boot(Self.bigNode))
            a.swap = SwapSpace(totalPages: 10_000)
            for _ in 0..<1000 { a.addToLRU(page(a, dma32: false), kind: .anon, mapped: false) }
            for _ in 0..<1000 { a.addToLRU(page(a, dma32: false), kind: .file, mapped: false) }
            var rounds = 0
            a.reclaimBatchDone = { _ in rounds += 1 }
            var s = sc(a, reclaimIdx: 3, who)
            a.shrinkLruvec(nodeIndex: 0, [320, 0, 640, 0], deactivate: (false, false), canSwap: true, &s)
            return (a.vmEvents[.pgscanFile], a.vmEvents[.pgscanAnon], rounds)
        }
        let k = try run(.kswapd)
        // Round 1: 32 + 32 reclaimed ≥ 32; anon left 288 of 320 (89 %) < file left 608: anon
        // stops, file is cut to 640 × 11 % − 32 scanned = 38; one more round of 32, then stop.
        XCTAssertEqual(k.anon, 32)
        XCTAssertEqual(k.file, 64)
        XCTAssertEqual(k.rounds, 2)
        let d = try run(.direct)
        XCTAssertEqual(d.anon, 320)
        XCTAssertEqual(d.file, 640)
        XCTAssertEqual(d.rounds, 20)
    }

    /// workingset_eviction leaves nonresident_age in the shadow; a refault activates when its
    /// distance is within the active file list, and advances the age.
    func testRefaultDistanceDecidesActivation() throws {
        let a = PageAllocator(machine: try boot(Self.bigNode))
        a.recordsShadows = true
        var cache: [AllocatedBlock] = []
        for _ in 0..<100 {
            let b = page(a, dma32: false)
            a.addToLRU(b, kind: .file, mapped: false)
            cache.append(b)
        }
        // Ten active file pages: the workingset a refault competes with.
        for _ in 0..<10 { a.addToLRU(page(a, dma32: false), kind: .file, active: true, mapped: false) }
        var s = sc(a, reclaimIdx: 3)
        XCTAssertEqual(a.shrinkInactiveList(nodeIndex: 0, .inactiveFile, 100, &s), 100)
        XCTAssertEqual(a.nodes[0].lruvec.nonresidentAge, 100)
        // Page 0 was evicted first (distance 100 > 10): not activated. Page 95: distance 5.
        let old = a.takeShadow(cache[0])!
        XCTAssertEqual(old.eviction, 0)
        XCTAssertNil(a.takeShadow(cache[0]), "a shadow is taken once")
        let b0 = page(a, dma32: false)
        XCTAssertFalse(a.workingsetRefault(b0, shadow: old, cpu: 0))
        let recent = a.takeShadow(cache[95])!
        let b1 = page(a, dma32: false)
        XCTAssertTrue(a.workingsetRefault(b1, shadow: recent, cpu: 0))
        XCTAssertEqual(a.vmEvents[.workingsetRefaultFile], 2)
        XCTAssertEqual(a.vmEvents[.workingsetActivateFile], 1)
        XCTAssertEqual(a.nodes[0].lruvec.nonresidentAge, 101)
    }

    /// lru_note_cost: pages swapped out are anon cost; both costs halve once they exceed a
    /// quarter of the node's LRU pages.
    func testSwapOutIsAnonCostAndCostsDecay() throws {
        let a = PageAllocator(machine: try boot(Self.bigNode))
        a.swap = SwapSpace(totalPages: 1000)
        for _ in 0..<400 { a.addToLRU(page(a, dma32: false), kind: .anon, mapped: false) }
        var s = sc(a, reclaimIdx: 3)
        XCTAssertEqual(a.shrinkInactiveList(nodeIndex: 0, .inactiveAnon, 32, &s), 32)
        XCTAssertEqual(a.vmEvents[.pswpout], 32)
        XCTAssertEqual(a.nodes[0].lruvec.anonCost, 32)
        XCTAssertEqual(a.nodes[0].lruvec.fileCost, 0)
        // 368 LRU pages left: a cost above 92 halves both.
        a.lruNoteCost(nodeIndex: 0, file: true, 70)
        XCTAssertEqual(a.nodes[0].lruvec.anonCost, 16)
        XCTAssertEqual(a.nodes[0].lruvec.fileCost, 35)
    }
}
