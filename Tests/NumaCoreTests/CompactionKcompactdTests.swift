import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// kcompactd woken for order 9 (`wakeup_kcompactd` → `kcompactd_node_suitable` →
/// `kcompactd_do_work`, Linux 6.1) on CompactionTests' fragmented DMA32 zone (23 pageblocks of
/// even-pfn anon pages and odd-pfn holes, the top pageblock reserved).
extension CompactionTests {
    /// With pfn 15360 freed too, the free-list search (`fast_isolate_freepages`, which runs for
    /// any order > 0) finds the order-1 block 15360 in the top quarter and, kcompactd being
    /// sync-light, `fast_isolate_around` takes the rest of that pageblock up to 32 pages: the
    /// first cluster of block 4096 (63 pfns scanned) moves. For the second (64 pfns) the search
    /// finds nothing — order 1 is empty now, and the 256 order-0 entries from the list's tail
    /// are the lowest pfns — and, not being direct compaction, kcompactd has no `min_pfn`
    /// fallback: the linear scan's stride doubles past the reserved top pageblock and steps over
    /// every hole. Out of targets once the scanners met: 32 migrated, one PGMIGRATE_FAIL, the
    /// second cluster put back, COMPACT_COMPLETE, a deferral (shift 1), and no order-9 block.
    func testKcompactdMovesOneClusterThenRunsOutOfTargets() throws {
        let (a, z, held) = try fragmented()
        XCTAssertTrue(a.release(held[15360]!, cpu: -1))
        a.wakeupKcompactd(nodeIndex: 0, order: 9, highestZone: z.index)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 1)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 32)
        XCTAssertEqual(a.vmEvents[.pgmigrateFail], 1)
        XCTAssertEqual(a.vmEvents[.compactDaemonMigrateScanned], 63 + 64)
        XCTAssertEqual(a.vmEvents[.compactDaemonMigrateScanned], a.vmEvents[.compactMigrateScanned])
        XCTAssertEqual(a.vmEvents[.compactDaemonFreeScanned], a.vmEvents[.compactFreeScanned])
        XCTAssertEqual(a.vmEvents[.compactStall], 0)
        XCTAssertEqual(z.freeArea.nrFree(order: 9), 0)
        XCTAssertEqual(z.compaction.deferral.deferShift, 1)
        XCTAssertEqual(z.nrFreePages, 5889)
        XCTAssertEqual(a.nodes[0].kcompactd.request.maxOrder, 0, "the request is consumed")
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// Without it, kcompactd cannot use the free-list search's fallback (only direct compaction
    /// starts the scan at `min_pfn`), the reserved top pageblock doubles the free scanner's
    /// stride and it never lands on a hole: nothing moves, one PGMIGRATE_FAIL, the run
    /// completes (scanners met) and the zone is deferred (shift 1); an order-0 wake-up does
    /// nothing.
    func testKcompactdFailsAndDefersOnPerfectAlternation() throws {
        let (a, z, _) = try fragmented()
        a.wakeupKcompactd(nodeIndex: 0, order: 0, highestZone: z.index)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0)
        a.wakeupKcompactd(nodeIndex: 0, order: 9, highestZone: z.index)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 1)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 0)
        XCTAssertEqual(a.vmEvents[.pgmigrateFail], 1)
        XCTAssertEqual(z.compaction.deferral.deferShift, 1)
        XCTAssertEqual(z.nrFreePages, 5888)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// kcompactd_node_suitable: a fresh node already has order-9 blocks (COMPACT_SUCCESS, not
    /// CONTINUE): no wake-up is counted.
    func testKcompactdNoWakeWhenNothingToDo() throws {
        let a = PageAllocator(machine: try boot(CompactionTests.oneNode))
        a.wakeupKcompactd(nodeIndex: 0, order: 9, highestZone: a.nodes[0].zones.count - 1)
        XCTAssertEqual(a.vmEvents[.compactDaemonWake], 0)
    }
}

extension CompactionTests {
    /// `vm.extfrag_threshold` (proc_dointvec_minmax 0…1000, default 500) and
    /// `vm.compaction_proactiveness` (0…100, default 20): read from the topology, `--sysctl`,
    /// written back by the topology writer only when changed; out of range is an error naming
    /// the key.
    func testCompactionSysctls() throws {
        XCTAssertEqual(Sysctls().extfragThreshold, 500)
        XCTAssertEqual(Sysctls().compactionProactiveness, 20)
        var s = Sysctls()
        try s.apply(assignment: "vm.extfrag_threshold=300", arch: .x86_64)
        try s.apply(assignment: "compaction_proactiveness=0", arch: .x86_64)
        XCTAssertEqual(s.extfragThreshold, 300)
        XCTAssertEqual(s.compactionProactiveness, 0)
        XCTAssertThrowsError(try s.apply(assignment: "vm.extfrag_threshold=1001", arch: .x86_64)) { e in
            XCTAssertTrue("\(e)".contains("vm.extfrag_threshold"), "\(e)")
        }
        XCTAssertThrowsError(try s.apply(assignment: "vm.compaction_proactiveness=101", arch: .x86_64))
        let m = try boot(CompactionTests.oneNode.replacingOccurrences(of: "{transparent_hugepage: never}",
                                                                      with: "{transparent_hugepage: never, extfrag_threshold: 700}"))
        XCTAssertEqual(PageAllocator(machine: m).extfragThreshold, 700)
        let written = TopologyWriter.yaml(m.topology)
        XCTAssertTrue(written.contains("  extfrag_threshold: 700\n"))
        XCTAssertFalse(written.contains("compaction_proactiveness"), "the default is not written")
    }
}
