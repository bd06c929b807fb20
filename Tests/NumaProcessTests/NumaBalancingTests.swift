import XCTest
import NumaTestSupport
@testable import NumaProcess
@testable import NumaCore
import NumaMM
@testable import NumaTopology

/// NUMA balancing (kernel/sched/fair.c `task_tick_numa`, `task_numa_work`, `task_numa_fault`,
/// `update_task_scan_period`; mm/memory.c `do_numa_page`), driven step by step with the
/// thread's runtime and clock set by hand; every expected number is worked out from 6.1's code
/// in the test's comments.
final class NumaBalancingTests: XCTestCase {
    /// `task_scan_min`/`task_scan_max` (MAX_SCAN_WINDOW 2560): scan size 256 MB gives 10
    /// windows a second, a floor of 100 ms; the period is split over the RSS's 256 MB windows.
    func testScanPeriodBoundsFollowTheKernel() {
        typealias In = TaskNumaState.ScanInputs
        // Empty mm: one window. min = max(100, 1000/1) = 1000; max = max(1000, 60000/1).
        XCTAssertEqual(In(scanSizeMB: 256, periodMinMs: 1000, periodMaxMs: 60000, rssPages: 0).scanMin, 1000)
        XCTAssertEqual(In(scanSizeMB: 256, periodMinMs: 1000, periodMaxMs: 60000, rssPages: 0).scanMax, 60000)
        // 600 MB = 153600 pages: ceil(153600 / 65536) = 3 windows → min max(100, 333) = 333, max 20000.
        let r = In(scanSizeMB: 256, periodMinMs: 1000, periodMaxMs: 60000, rssPages: 153_600)
        XCTAssertEqual(r.scanMin, 333)
        XCTAssertEqual(r.scanMax, 20000)
        // 64 GiB: 256 windows → 1000/256 = 3 < floor 100 → 100; max 60000/256 = 234.
        let big = In(scanSizeMB: 256, periodMinMs: 1000, periodMaxMs: 60000, rssPages: 16 << 20)
        XCTAssertEqual(big.scanMin, 100)
        XCTAssertEqual(big.scanMax, 234)
        // scan size 4096 MB ≥ MAX_SCAN_WINDOW: one window per second, floor 1000.
        XCTAssertEqual(In(scanSizeMB: 4096, periodMinMs: 10, periodMaxMs: 60000, rssPages: 0).scanMin, 1000)
    }

    /// `update_task_scan_period` with period 1000 (period_slot 100), bounds 1000…60000 / 100…60000.
    func testScanPeriodUpdateCases() {
        let inputs = TaskNumaState.ScanInputs(scanSizeMB: 256, periodMinMs: 100, periodMaxMs: 60000, rssPages: 0)
        func updated(local: Int, remote: Int, failed: Int = 0, shared: Int, priv: Int) -> Int {
            var s = TaskNumaState(pid: 100, nodeIDs: 2, scanDelayMs: 1000)
            s.scanPeriodMax = 60000
            s.locality = [remote, local, failed]
            s.updateScanPeriod(shared: shared, private: priv, inputs: inputs)
            return s.scanPeriod
        }
        // No local and no shared faults: scan slower, doubled.
        XCTAssertEqual(updated(local: 0, remote: 5, shared: 0, priv: 5), 2000)
        // A failed migration: doubled too.
        XCTAssertEqual(updated(local: 9, remote: 1, failed: 1, shared: 0, priv: 10), 2000)
        // ps_ratio = 10·10/10 = 10 ≥ 7: slot 3 → +300.
        XCTAssertEqual(updated(local: 8, remote: 2, shared: 0, priv: 10), 1300)
        // ps_ratio 7: slot 0 counts as 1 → +100.
        XCTAssertEqual(updated(local: 1, remote: 9, shared: 3, priv: 7), 1100)
        // sp_ratio = 8 ≥ 7 (ps 2): slot 1 → +100.
        XCTAssertEqual(updated(local: 5, remote: 5, shared: 8, priv: 2), 1100)
        // lr 3, ps 5, sp 5: scan faster by (7 − max(3, 5)) slots → −200.
        XCTAssertEqual(updated(local: 3, remote: 7, shared: 5, priv: 5), 800)
    }

    func testJiffiesStartFiveMinutesBeforeThe32BitWrap() {
        // INITIAL_JIFFIES = (unsigned int)(-300 * 250) = 2^32 − 75000; jiffies_to_msecs × 4, u32.
        XCTAssertEqual(Jiffies.initial, (1 << 32) - 75_000)
        XCTAssertEqual(Jiffies.toMilliseconds(Jiffies.at(nanoseconds: 0)), UInt32(truncatingIfNeeded: (1 << 34) - 300_000))
        // 301 s later the millisecond view has wrapped: 4·(2^32 − 75000 + 75250) mod 2^32 = 1000.
        XCTAssertEqual(Jiffies.toMilliseconds(Jiffies.at(nanoseconds: 301_000_000_000)), 1000)
        XCTAssertEqual(Jiffies.fromMilliseconds(1), 1)
        XCTAssertEqual(Jiffies.fromMilliseconds(1000), 250)
        XCTAssertTrue(Jiffies.isBefore(UInt64.max, 1))  // across the wrap
    }

    func testLastCpupidEncoding() {
        let c = LastCpupid(cpu: 5, pid: 1234)
        // (5 << 8) | (1234 & 0xff = 0xd2)
        XCTAssertEqual(c.rawValue, 0x5d2)
        XCTAssertEqual(c.cpu, 5)
        XCTAssertTrue(c.matches(pid: 1234 + 256))
        XCTAssertFalse(c.pidUnset)
        XCTAssertTrue(LastCpupid.unset.pidUnset)
        XCTAssertFalse(LastCpupid.unset.isValid(nrCPUIDs: 208), "nr_cpu_ids is the CPUs present, not NR_CPUS")
        // A pid whose low byte is 0xff reads as unset, as in the kernel.
        XCTAssertTrue(LastCpupid(cpu: 1, pid: 0x1ff).pidUnset)
    }

    /// `change_pte_range(MM_CP_PROT_NUMA)` keeps the frame, clears PRESENT, USER and NX, sets
    /// PROTNONE and ACCESSED and keeps RW (the saved write); `do_numa_page` restores the VMA's
    /// `vm_page_prot` (P|USER|A|NX for a private writable mapping) plus RW and the dirty bit.
    func testNumaHintingPTERoundTrip() throws {
        var src = SequentialFrameSource(firstPfn: 0x100)
        var pt = try PageTable(mode: .x86_64, cpu: 0, source: &src)
        let va: UInt64 = 0x7f00_0000_0000
        try pt.map(va, pfn: 0x1234, flags: [.present, .user, .accessed, .nx, .rw, .dirty], cpu: 0, source: &src)
        XCTAssertTrue(pt.makeNumaHinting(va))
        let e = try XCTUnwrap(pt.leaf(va))
        XCTAssertTrue(e.isProtNone)
        XCTAssertEqual(e.pfn(in: .x86_64), 0x1234)
        XCTAssertEqual(e.flags(in: .x86_64), [.protNone, .accessed, .rw, .dirty])
        XCTAssertFalse(pt.makeNumaHinting(va), "already PROT_NONE: skipped, no flush")
        XCTAssertNil(try pt.walk(va).physicalAddress, "a PROT_NONE PTE does not translate")
        XCTAssertTrue(pt.restoreFromNumaHinting(va, pageProtection: [.present, .user, .accessed, .nx]))
        XCTAssertEqual(try XCTUnwrap(pt.leaf(va)).flags(in: .x86_64), [.present, .user, .accessed, .nx, .rw, .dirty])
        XCTAssertEqual(pt.mappedPages, 1)
    }

    /// NUMA_BALANCING_NORMAL (the default with two nodes) on a single-threaded process on CPU 0
    /// whose 8 MiB (2048 pages) were first-touched on node 1, worked through 6.1:
    /// - runtime 1.001 s > node_stamp 0 + scan period 1000 ms (the scan delay): the period
    ///   becomes task_scan_start = max(100, 1000/1 window) = 1000, node_stamp 1 s, and
    ///   task_numa_work only sets numa_next_scan = now + 250 jiffies (mm's first call);
    /// - runtime 2.001 s: node_stamp 2 s; jiffies INITIAL+500 ≥ next scan INITIAL+500 → one
    ///   window: all 2048 PTEs (pages on node 1, the task's node 0) become PROT_NONE; the pass
    ///   ends (numa_scan_seq 1);
    /// - each access then takes a hinting fault: not local; `mpol_misplaced` (preferred policy
    ///   of node 0, MORON) asks `should_numa_migrate_memory`: last_cpupid unset and no preferred
    ///   node yet → migrate. All 2048 pages move to node 0;
    /// - the first fault's `task_numa_placement` (scan seq 0 → 1) finds no faults recorded yet:
    ///   no preferred node, and `update_task_scan_period` sees local + shared = 0 → period
    ///   doubles to 2000 ms.
    func testNormalBalancingMovesRemotePagesToTheTasksNode() throws {
        let a = PageAllocator(machine: try boot(TestTopologies.two256))
        XCTAssertEqual(a.numaBalancingMode, 1)
        let tlbs = CPUTLBs(entries: 64, ways: 4, pcid: false, allocator: a)
        let p = try SimulatedProcess(name: "app", asid: 1, mode: PagingMode.x86_64.withPageTableIsolation(), allocator: a, cpu: 0,
                                     policy: .default, zeroPfn: SimulatedProcess.zeroPagePfn)
        let t = ProcessThread(name: "t0", cpu: 0, policy: .default, process: p, maxNumNodes: 1024, pid: 1000)
        p.add(t)
        let bind1 = try MemPolicy.make(.bind, nodes: [1]).get()
        let start = try p.mmap(name: "heap", length: 8 << 20, policy: bind1)
        tlbs.switchTo(p.asid, cpu: 0)
        for i in 0..<2048 { try p.access(start + UInt64(i) << 12, write: true, thread: t, tlbs: tlbs) }
        XCTAssertEqual(p.pagesByNode[1], 2048)
        try p.mbind(start: start, end: start + (8 << 20), policy: nil)

        t.runtimeNanoseconds = 1_001_000_000
        t.nowNanoseconds = 1_001_000_000
        XCTAssertEqual(p.numaTick(t, tlbs: tlbs), 0)
        XCTAssertEqual(t.numa.scanPeriod, 1000)
        XCTAssertEqual(p.numaMM.nextScan, Jiffies.initial + 250 + 250)

        t.runtimeNanoseconds = 2_001_000_000
        t.nowNanoseconds = 2_001_000_000
        XCTAssertEqual(p.numaTick(t, tlbs: tlbs), 2048)
        XCTAssertEqual(a.vmEvents[.numaPteUpdates], 2048)
        XCTAssertEqual(p.numaMM.scanSeq, 1)
        XCTAssertEqual(p.numaMM.nextScan, Jiffies.initial + 500 + 250)

        for i in 0..<2048 { try p.access(start + UInt64(i) << 12, write: false, thread: t, tlbs: tlbs) }
        XCTAssertEqual(a.vmEvents[.numaHintFaults], 2048)
        XCTAssertEqual(a.vmEvents[.numaHintFaultsLocal], 0)
        XCTAssertEqual(a.vmEvents[.numaPagesMigrated], 2048)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 2048)
        XCTAssertEqual(a.vmEvents[.pgpromoteSuccess], 0, "DRAM to DRAM is no promotion")
        XCTAssertEqual(p.pagesByNode[0], 2048)
        XCTAssertNil(p.pagesByNode[1])
        XCTAssertEqual(t.numa.pagesMigrated, 2048)
        XCTAssertNil(t.numa.preferredNid)
        XCTAssertEqual(t.numa.scanPeriod, 2000)
        // The pages are mapped normally again: a second pass of accesses takes no fault.
        let faults = p.stats.faults
        for i in 0..<2048 { try p.access(start + UInt64(i) << 12, write: false, thread: t, tlbs: tlbs) }
        XCTAssertEqual(p.stats.faults, faults)
        p.exit(cpu: 0)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }
}
