import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// Proactive compaction on kcompactd's timer (mm/compaction.c, Linux 6.1 `kcompactd()`,
/// `should_proactive_compact_node`, `fragmentation_score_node`, `proactive_compact_node`) on the
/// 64 MiB node of CompactionTests: DMA (pfns 1…4095) and DMA32 (4096…16383, whose top
/// pageblock the boot reserved). "Fragmented": every page taken as an anon LRU page, then every
/// odd pfn of DMA32's 23 clean pageblocks freed — 5888 order-0 holes none of which can merge,
/// DMA with no free page.
///
/// The node's score weighs each zone's `extfrag_for_order(9)` by its share of the node's present
/// pages: DMA32 scores 100 (no free block of order 9), DMA 0 (no free page), so the node scores
/// ⌊100 × 12288 / (3998 + 12288 + 1)⌋ = 75 — above the high mark (60) with proactiveness 50,
/// below it (90) with the default 20.
final class ProactiveCompactionTests: XCTestCase {
    static func topology(proactiveness: Int?) -> String {
        let extra = proactiveness.map { ", compaction_proactiveness: \($0)" } ?? ""
        return """
            name: small
            nodes: [{id: 0, cpus: "0-1", memory: 64MiB}]
            sysctl: {transparent_hugepage: never\(extra)}
            """
    }

    static let ms = 1_000_000
    static let defaultTimeout = 500 * ms

    /// The node fragmented as above (with `alsoFree` freed too); kcompactd started at time 0.
    func fragmented(proactiveness: Int?, alsoFree: [Int] = []) throws -> (PageAllocator, Zone) {
        let a = PageAllocator(machine: try boot(Self.topology(proactiveness: proactiveness)))
        var held: [Int: AllocatedBlock] = [:]
        for z in a.nodes[0].zones where z.managed > 0 {
            while let pfn = z.allocBlock(order: 0, .movable) {
                let b = AllocatedBlock(pfn: pfn, order: 0, node: 0, zone: z.index, generation: z.memmap.generation(pfn: pfn))
                a.addToLRU(b, kind: .anon)
                held[pfn] = b
            }
        }
        let z = a.nodes[0].zones.first { $0.name == "DMA32" }!
        for pfn in Array(stride(from: 4097, to: 15872, by: 2)) + alsoFree { XCTAssertTrue(a.release(held[pfn]!, cpu: -1)) }
        a.kcompactdRun(nowNs: 0)
        return (a, z)
    }

    func kswapdRow(_ a: PageAllocator) -> Int { a.kswapdSlot(nodeIndex: 0) }

    /// The weights: DMA's 3998 present pages (pfn 0 and the BIOS's 0x9f-0xff are not
    /// present) and DMA32's 12288.
    func testNodeScoreWeighsZonesByPresentPages() throws {
        let (a, z) = try fragmented(proactiveness: 50)
        let dma = a.nodes[0].zones.first { $0.name == "DMA" }!
        XCTAssertEqual(a.presentPages(dma), 3998)
        XCTAssertEqual(a.presentPages(z), 12288)
        XCTAssertEqual(a.fragmentationScoreZone(z), 100)
        XCTAssertEqual(a.fragmentationScoreZone(dma), 0)
        XCTAssertEqual(a.fragmentationScoreNode(nodeIndex: 0), 100 * 12288 / (3998 + 12288 + 1))
        XCTAssertEqual(a.fragmentationScoreNode(nodeIndex: 0), 75)
        XCTAssertEqual(a.fragmentationScoreWmark(nodeIndex: 0, low: true), 50)
        XCTAssertEqual(a.fragmentationScoreWmark(nodeIndex: 0, low: false), 60)
    }

    /// `default_timeout` = msecs_to_jiffies(500) = 125 jiffies at HZ=250; the deferral is 64 of them.
    func testTimeouts() {
        XCTAssertEqual(Jiffies.fromMilliseconds(PageAllocator.hpageFragCheckIntervalMsec), 125)
        XCTAssertEqual(PageAllocator.kcompactdDefaultTimeoutNs, 500 * Self.ms)
        XCTAssertEqual(PageAllocator.kcompactdDeferredTimeoutNs, 32_000 * Self.ms)
    }

    /// With pfn 15360 freed too (an order-1 block: 5889 free pages) the free scanner finds
    /// targets (CompactionTests.testCompactMemoryMovesHalfTheZone), and the proactive pass stops
    /// at the first `compact_finished` where DMA32's score is at the low mark (50): each
    /// pageblock the migrate scanner empties from the bottom becomes a free order-9 block, and
    /// (5889 − 512k) × 100 / 5889 ≤ 50 first for k = 6 — 6 × 256 = 1536 pages migrated, three
    /// order-10 blocks (4096…7167) free, DMA32 scoring ⌊2817 × 100 / 5889⌋ = 47. DMA (score 0)
    /// is done at its first check. The score fell, so the next timeout is the default one,
    /// counted from the end of the pass (its work priced on kswapd's row); then the node, at
    /// ⌊47 × 12288 / 16287⌋ = 35 ≤ 60, is left alone at every 500 ms.
    func testTimerCompactsAFragmentedNodeDownToTheLowMark() throws {
        let (a, z) = try fragmented(proactiveness: 50, alsoFree: [15360])
        XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 0), Self.defaultTimeout)
        XCTAssertTrue(a.shouldProactiveCompactNode(nodeIndex: 0))
        let work = a.workNanoseconds(row: kswapdRow(a))
        let next = a.kcompactdTimerExpired(nodeIndex: 0, nowNs: Self.defaultTimeout)
        let took = a.workNanoseconds(row: kswapdRow(a)) - work
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 1)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 1536)
        XCTAssertEqual(z.freeArea.nrFree(order: 10), 3)
        XCTAssertEqual(z.nrFreePages, 5889)
        XCTAssertEqual(a.fragmentationScoreZone(z), 2817 * 100 / 5889)
        XCTAssertEqual(a.fragmentationScoreNode(nodeIndex: 0), 47 * 12288 / 16287)
        // compact_zone's counters; none of kcompactd_do_work's (6.1 proactive_compact_node).
        XCTAssertGreaterThan(a.vmEvents[.compactMigrateScanned], 1536)
        XCTAssertGreaterThan(a.vmEvents[.compactFreeScanned], 0)
        XCTAssertGreaterThanOrEqual(a.vmEvents[.compactIsolated], 2 * 1536)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0)
        XCTAssertEqual(a.vmEvents[.compactDaemonMigrateScanned], 0)
        XCTAssertEqual(a.vmEvents[.compactDaemonFreeScanned], 0)
        XCTAssertEqual(a.vmEvents[.compactStall], 0)
        // The pass took simulated time: scans and page copies, on kswapd's row.
        XCTAssertGreaterThanOrEqual(took, 1536 * a.cost(.copyPage))
        XCTAssertEqual(next, Self.defaultTimeout + took + Self.defaultTimeout)
        XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 0), next)
        // Every 500 ms from then on, nothing to do.
        var t = next!
        for _ in 0..<4 {
            XCTAssertEqual(a.kcompactdTimerExpired(nodeIndex: 0, nowNs: t), t + Self.defaultTimeout)
            t += Self.defaultTimeout
        }
        XCTAssertEqual(a.nodes[0].kcompactd.timerExpiries, 5)
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 1)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 1536)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// The default proactiveness (20): the same node scores 75, not above the high mark of 90,
    /// and is left alone: the timer fires every 500 ms and nothing moves.
    func testNodeBelowTheHighMarkIsLeftAlone() throws {
        let (a, z) = try fragmented(proactiveness: nil, alsoFree: [15360])
        let free = z.freeArea.nrFree
        XCTAssertEqual(a.compactionProactiveness, 20)
        XCTAssertEqual(a.fragmentationScoreWmark(nodeIndex: 0, low: false), 90)
        XCTAssertFalse(a.shouldProactiveCompactNode(nodeIndex: 0))
        var t = Self.defaultTimeout
        for _ in 0..<3 {
            XCTAssertEqual(a.kcompactdTimerExpired(nodeIndex: 0, nowNs: t), t + Self.defaultTimeout)
            t += Self.defaultTimeout
        }
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 0)
        XCTAssertEqual(a.vmEvents[.compactMigrateScanned], 0)
        XCTAssertEqual(z.freeArea.nrFree, free)
    }

    /// The perfectly alternated zone (no pfn 15360): the free scanner's stride steps over every
    /// hole, nothing moves (one PGMIGRATE_FAIL), the score stays 75 ≥ 75 and kcompactd defers:
    /// `default_timeout << COMPACT_MAX_DEFER_SHIFT` = 32 s after the pass. A kswapd iteration
    /// that wakes kcompactd (`kcompactd_do_work`, counted as a wake) drops the deferral: the
    /// wait restarts with 500 ms from the end of that iteration.
    func testNoProgressDefersThenAWakeUpResetsTheTimeout() throws {
        let (a, _) = try fragmented(proactiveness: 50)
        let work = a.workNanoseconds(row: kswapdRow(a))
        let next = a.kcompactdTimerExpired(nodeIndex: 0, nowNs: Self.defaultTimeout)
        let took = a.workNanoseconds(row: kswapdRow(a)) - work
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 1)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 0)
        XCTAssertEqual(a.vmEvents[.pgmigrateFail], 1)
        XCTAssertEqual(a.fragmentationScoreNode(nodeIndex: 0), 75)
        XCTAssertEqual(next, Self.defaultTimeout + took + 32_000 * Self.ms)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0)
        // kswapd_try_to_sleep → wakeup_kcompactd(order 9) at 2 s: kcompactd_node_suitable (the
        // zone's fragmentation index 998 > 500), kcompactd_do_work.
        a.wakeupKcompactd(nodeIndex: 0, order: 9, highestZone: 1)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 1)
        XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 0), next, "the wait restarts when the waking iteration ends")
        XCTAssertTrue(a.kcompactdWakeEnded(nodeIndex: 0, nowNs: 2_000 * Self.ms))
        XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 0), 2_500 * Self.ms)
        XCTAssertFalse(a.kcompactdWakeEnded(nodeIndex: 0, nowNs: 2_100 * Self.ms), "only once per wake-up")
        XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 0), 2_500 * Self.ms)
    }

    /// `wakeup_kcompactd(order 9)` on a fresh node records the request but does not wake
    /// kcompactd (`kcompactd_node_suitable`: order-9 blocks are free, COMPACT_SUCCESS). When the
    /// timeout runs out `wait_event_freezable_timeout` finds the request and returns 1:
    /// `kcompactd_do_work` runs (counted as a wake) instead of the proactive pass, and consumes it.
    func testARequestLeftPendingIsWorkedOnWhenTheTimeoutEnds() throws {
        let a = PageAllocator(machine: try boot(Self.topology(proactiveness: nil)))
        a.kcompactdRun(nowNs: 0)
        a.wakeupKcompactd(nodeIndex: 0, order: 9, highestZone: 1)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0)
        XCTAssertEqual(a.nodes[0].kcompactd.request.maxOrder, 9)
        XCTAssertFalse(a.kcompactdWakeEnded(nodeIndex: 0, nowNs: 100 * Self.ms), "not woken")
        XCTAssertEqual(a.kcompactdTimerExpired(nodeIndex: 0, nowNs: Self.defaultTimeout), 2 * Self.defaultTimeout)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 1)
        XCTAssertEqual(a.nodes[0].kcompactd.request.maxOrder, 0)
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 0)
    }

    /// `should_proactive_compact_node` is false while the node's kswapd runs (not asleep), and
    /// a pass already under way stops at its next `compact_finished` (COMPACT_PARTIAL_SKIPPED).
    func testKswapdRunningHoldsProactiveCompactionBack() throws {
        let (a, _) = try fragmented(proactiveness: 50, alsoFree: [15360])
        a.nodes[0].reclaim.setSleeping(false)
        XCTAssertFalse(a.shouldProactiveCompactNode(nodeIndex: 0))
        XCTAssertEqual(a.kcompactdTimerExpired(nodeIndex: 0, nowNs: Self.defaultTimeout), 2 * Self.defaultTimeout)
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 0)
        a.proactiveCompactNode(nodeIndex: 0, row: kswapdRow(a))
        XCTAssertEqual(a.vmEvents[.compactMigrateScanned], 0, "every zone's first compact_finished backs off")
        a.nodes[0].reclaim.setSleeping(true)
        XCTAssertTrue(a.shouldProactiveCompactNode(nodeIndex: 0))
    }

    /// `compaction_proactiveness` 0: no timer at all (MAX_SCHEDULE_TIMEOUT), not even after a
    /// woken `kcompactd_do_work`. Writing a non-zero value (`compaction_proactiveness_sysctl_handler`)
    /// wakes kcompactd for a proactive pass at once — the same 1536 pages as on the timer — and
    /// the 500 ms timer runs from its end; writing 0, or another sysctl, wakes nobody. Back to 0,
    /// the pending timeout still runs out once (doing nothing), then there is no timer again.
    func testProactivenessZeroMeansNoTimerUntilTheSysctlIsWritten() throws {
        let (w, wz) = try fragmented(proactiveness: 0)
        XCTAssertNil(w.kcompactdDeadline(nodeIndex: 0))
        w.wakeupKcompactd(nodeIndex: 0, order: 9, highestZone: wz.index)
        XCTAssertEqual(w.vmEvents[.compactDaemonWake], 1)
        XCTAssertTrue(w.kcompactdWakeEnded(nodeIndex: 0, nowNs: 100 * Self.ms))
        XCTAssertNil(w.kcompactdDeadline(nodeIndex: 0))

        let (a, _) = try fragmented(proactiveness: 0, alsoFree: [15360])
        XCTAssertNil(a.kcompactdDeadline(nodeIndex: 0))
        XCTAssertEqual(a.fragmentationScoreNode(nodeIndex: 0), 75)
        XCTAssertFalse(a.shouldProactiveCompactNode(nodeIndex: 0))
        try a.writeSysctls(["extfrag_threshold=400"])
        a.compactionSysctlsWritten(["extfrag_threshold=400"], nowNs: 1_000 * Self.ms)
        a.compactionSysctlsWritten(["vm.compaction_proactiveness=0"], nowNs: 1_000 * Self.ms)
        XCTAssertNil(a.kcompactdDeadline(nodeIndex: 0))
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 0)

        try a.writeSysctls(["compaction_proactiveness=50"])
        let work = a.workNanoseconds(row: kswapdRow(a))
        a.compactionSysctlsWritten(["compaction_proactiveness=50"], nowNs: 1_000 * Self.ms)
        let took = a.workNanoseconds(row: kswapdRow(a)) - work
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 1)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 1536)
        XCTAssertEqual(a.fragmentationScoreNode(nodeIndex: 0), 35)
        XCTAssertEqual(a.kcompactdDeadline(nodeIndex: 0), 1_000 * Self.ms + took + Self.defaultTimeout)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0, "the trigger is not a kcompactd_do_work")

        try a.writeSysctls(["compaction_proactiveness=0"])
        XCTAssertNil(a.kcompactdTimerExpired(nodeIndex: 0, nowNs: a.kcompactdDeadline(nodeIndex: 0)!))
        XCTAssertEqual(a.nodes[0].kcompactd.timerExpiries, 1)
        XCTAssertEqual(a.nodes[0].kcompactd.proactiveRuns, 1)
    }
}
