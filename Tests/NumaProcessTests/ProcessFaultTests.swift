import XCTest
import NumaTestSupport
@testable import NumaProcess
@testable import NumaCore
import NumaMM
@testable import NumaTopology

/// Processes driven step by step through the fault handler, munmap and the TLBs, with the
/// expected numbers worked out by hand from the kernel rules quoted in each test.
final class ProcessFaultTests: XCTestCase {

    struct Rig {
        let a: PageAllocator
        let tlbs: CPUTLBs
        var nextASID = 1

        init(tlb: (entries: Int, ways: Int, pcid: Bool) = (64, 4, false)) throws {
            a = PageAllocator(machine: try boot(TestTopologies.two256))
            tlbs = CPUTLBs(entries: tlb.entries, ways: tlb.ways, pcid: tlb.pcid, allocator: a)
        }

        /// A process with a PTI x86-64 address space (order-1 pgd) and one thread per CPU given.
        mutating func process(_ name: String, cpus: [Int], policy: MemPolicy = .default) throws -> SimulatedProcess {
            let p = try SimulatedProcess(name: name, asid: nextASID, mode: PagingMode.x86_64.withPageTableIsolation(),
                                         allocator: a, cpu: cpus[0], policy: policy, zeroPfn: SimulatedProcess.zeroPagePfn)
            nextASID += 1
            for (k, c) in cpus.enumerated() {
                p.threads.append(ProcessThread(name: "t\(k)", cpu: c, policy: policy, process: p, maxNumNodes: 1024))
            }
            return p
        }

        /// `thread` runs (switch_mm on its CPU) and accesses `va`.
        func access(_ p: SimulatedProcess, _ thread: Int, _ va: UInt64, write: Bool) throws {
            let t = p.threads[thread]
            tlbs.switchTo(p.asid, cpu: t.cpu)
            let alive = try p.access(va, write: write, thread: t, tlbs: tlbs)
            XCTAssertTrue(alive)
        }

        var pgallocTotal: Int { a.pgalloc.flatMap { $0 }.reduce(0, +) }
        func vm(_ e: VMEvent) -> Int { a.vmEvents[e] }
    }

    /// munmap frees data pages and the tables left empty; exit frees the pgd. A 4 MiB mapping at
    /// 1 GiB (0x40000000, pud-aligned) written page by page needs: 1024 data pages; pte tables for
    /// two 2 MiB regions (2); one pmd table (both regions are in one 1 GiB pud slot); one pud
    /// table; the pgd, order 1 under PTI (2 pages). Unmapping the upper 2 MiB frees its 512 pages
    /// and its pte table; unmapping the lower 2 MiB frees the rest down to the pgd.
    func testMunmapFreesPagesAndEmptyTablesAndCountersAddUp() throws {
        var rig = try Rig()
        let allocBefore = rig.pgallocTotal, freeBefore = rig.a.pgfree
        let p = try rig.process("p", cpus: [0])
        XCTAssertEqual(p.tablePages, 2, "PTI pgd: PGD_ALLOCATION_ORDER 1")
        try p.mmap(name: "buf", length: 4 << 20, at: 0x4000_0000)
        for i in 0..<1024 { try rig.access(p, 0, 0x4000_0000 + UInt64(i) * 4096, write: true) }
        XCTAssertEqual(p.residentPages, 1024)
        XCTAssertEqual(p.pageTable.tablePageCounts, [.pgd: 2, .pud: 1, .pmd: 1, .pte: 2])
        XCTAssertEqual(rig.pgallocTotal - allocBefore, 1024 + 6, "pages allocated = data pages + table pages")
        XCTAssertEqual(p.stats.pagesAllocated + p.stats.tablePagesAllocated, 1024 + 6)
        // Every page sits on node 0 (CPU 0, default policy). numastat counts allocations, not
        // pages (zone_statistics(…, 1) per rmqueue): the order-1 pgd is one.
        XCTAssertEqual(rig.a.numastat(node: 0).numaHit, 1024 + 4 + 1)

        try p.munmap(start: 0x4020_0000, end: 0x4040_0000, thread: p.threads[0], tlbs: rig.tlbs)
        XCTAssertEqual(p.residentPages, 512)
        XCTAssertEqual(p.pageTable.tablePageCounts, [.pgd: 2, .pud: 1, .pmd: 1, .pte: 1])
        XCTAssertEqual(rig.a.pgfree - freeBefore, 513)
        XCTAssertEqual(p.mm.vmas.map(\.end), [0x4020_0000])
        // 512 pages > tlb_single_page_flush_ceiling (33): one full local flush.
        XCTAssertEqual(rig.tlbs.flushEvents.localFlushAll, 1)
        XCTAssertNil(rig.tlbs.tlbs[0]!.probe(0x4020_0000 + 4096 * 511))

        try p.munmap(start: 0x4000_0000, end: 0x4020_0000, thread: p.threads[0], tlbs: rig.tlbs)
        XCTAssertEqual(p.pageTable.tablePageCounts, [.pgd: 2])
        XCTAssertEqual(rig.a.pgfree - freeBefore, 513 + 512 + 3)
        XCTAssertEqual(try p.pageTable.walk(0x4000_0000).faultLevel, .pgd)

        p.exit(cpu: 0)
        XCTAssertEqual(rig.a.pgfree - freeBefore, rig.pgallocTotal - allocBefore, "everything allocated came back")
        XCTAssertEqual(p.stats.pagesFreed, 1024)
        XCTAssertEqual(p.stats.tablePagesFreed, 6)
        for r in rig.a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// pgfault / pgmajfault by hand (mm/memory.c, mm/filemap.c, arch/x86/mm/fault.c):
    /// * 8 reads of untouched anon pages: 8 faults, each maps the zero page, nothing allocated;
    /// * 8 writes of them: 8 write-protect faults (`do_wp_page` copies the zero page): 8 pages;
    /// * 4 reads of a file mapping: 4 faults, each a page-cache miss, so 4 major (`filemap_fault`);
    /// * reading them all again: TLB hits or walks, no fault;
    /// * reclaim takes all 12 pages (anon to swap); touching them again: 12 faults, all major,
    ///   8 with a swap-in (`pswpin`), 4 file refaults (`workingset_refault_file`).
    /// Totals: pgfault 8 + 8 + 4 + 12 = 32, pgmajfault 4 + 12 = 16, data pages 8 + 4 + 12 = 24.
    func testFaultCountsMinorMajorZeroPageAndRefaults() throws {
        var rig = try Rig()
        rig.a.swap = SwapSpace(totalPages: 100)
        let p = try rig.process("p", cpus: [0])
        let anon = try p.mmap(name: "anon", length: 8 * 4096)
        let file = try p.mmap(name: "file", length: 4 * 4096, flags: [.read, .write, .shared], kind: .file)
        let f0 = rig.vm(.pgfault), m0 = rig.vm(.pgmajfault)
        for i in 0..<8 { try rig.access(p, 0, anon + UInt64(i) * 4096, write: false) }
        XCTAssertEqual(rig.vm(.pgfault) - f0, 8)
        XCTAssertEqual(p.stats.zeroPageFaults, 8)
        XCTAssertEqual(p.residentPages, 0, "the zero page is not allocated")
        XCTAssertEqual(try p.pageTable.walk(anon).pfn, SimulatedProcess.zeroPagePfn)
        XCTAssertFalse(p.pageTable.leaf(anon)!.flags(in: p.pageTable.mode).contains(.rw))
        for i in 0..<8 { try rig.access(p, 0, anon + UInt64(i) * 4096, write: true) }
        XCTAssertEqual(rig.vm(.pgfault) - f0, 16)
        XCTAssertEqual(p.stats.wpFaults, 8)
        XCTAssertEqual(p.residentPages, 8)
        XCTAssertTrue(p.pageTable.leaf(anon)!.flags(in: p.pageTable.mode).isSuperset(of: [.rw, .dirty]))
        for i in 0..<4 { try rig.access(p, 0, file + UInt64(i) * 4096, write: false) }
        XCTAssertEqual(rig.vm(.pgfault) - f0, 20)
        XCTAssertEqual(rig.vm(.pgmajfault) - m0, 4)
        for i in 0..<12 { try rig.access(p, 0, (i < 8 ? anon : file) + UInt64(i % 8) * 4096, write: false) }
        XCTAssertEqual(rig.vm(.pgfault) - f0, 20, "mapped pages do not fault")

        // Two passes of shrink_inactive_list: the first finds the pages young (kept, referenced),
        // the second reclaims them (anon to swap, file dropped clean).
        var sc = ScanControl(nrToReclaim: 1000, reclaimIdx: rig.a.nodes[0].zones.count - 1, order: 0, reclaimer: .direct,
                             row: rig.a.slot(ofCPU: 0), cpuSlot: nil)
        for _ in 0..<2 {
            _ = rig.a.shrinkInactiveList(nodeIndex: 0, .inactiveAnon, 1000, &sc)
            _ = rig.a.shrinkInactiveList(nodeIndex: 0, .inactiveFile, 1000, &sc)
        }
        XCTAssertEqual(rig.vm(.pswpout), 8)
        let in0 = rig.vm(.pswpin), wf0 = rig.vm(.workingsetRefaultFile)
        for i in 0..<12 { try rig.access(p, 0, (i < 8 ? anon : file) + UInt64(i % 8) * 4096, write: false) }
        XCTAssertEqual(rig.vm(.pgfault) - f0, 32)
        XCTAssertEqual(rig.vm(.pgmajfault) - m0, 16)
        XCTAssertEqual(rig.vm(.pswpin) - in0, 8)
        XCTAssertEqual(rig.vm(.workingsetRefaultFile) - wf0, 4)
        XCTAssertEqual(p.stats.pagesAllocated, 24)
        XCTAssertEqual(p.stats.refaults, 12)
        XCTAssertEqual(rig.a.swap.usedPages, 0, "swap-in freed every slot")
        p.exit(cpu: 0)
        for r in rig.a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// TLB hits, misses and flushes by hand: an 8-entry, 2-way TLB (4 sets; page n of a mapping
    /// at a 16 KiB-aligned address goes to set n mod 4), no PCID.
    /// 1. A writes its 4 pages: each a miss, a fault, and a miss again on the restarted access
    ///    (x86 does not preload the TLB on a fault): 8 misses.
    /// 2. A writes the 4 pages again every 1 KiB: 16 accesses, all hits.
    /// 3. B on the same CPU: the mm switch flushes; B writes 1 page: 2 misses.
    /// 4. A again (flush): reads its 4 pages: 4 misses (walks, no fault).
    /// 5. A's second thread on CPU 1 reads page 1: 1 miss there.
    /// 6. A munmaps page 0 from CPU 0: 1 page ≤ 33, so one `invlpg` (nr_tlb_local_flush_one 1);
    ///    CPU 1 has A loaded: one IPI (nr_tlb_remote_flush 1, nr_tlb_remote_flush_received 1).
    /// 7. A reads page 1 on CPU 0 and CPU 1: 2 hits (only page 0 was flushed).
    /// Totals: misses 8 + 2 + 4 + 1 = 15, hits 16 + 2 = 18, mm switches: A on 0, B on 0, A on 0,
    /// A on 1 = 4, all flushing.
    func testTLBHitsMissesAndFlushes() throws {
        var rig = try Rig(tlb: (entries: 8, ways: 2, pcid: false))
        let a = try rig.process("A", cpus: [0, 1])
        let b = try rig.process("B", cpus: [0])
        let base = try a.mmap(name: "buf", length: 4 * 4096, at: 0x1000_0000)
        let other = try b.mmap(name: "buf", length: 4096, at: 0x2000_0000)
        for i in 0..<4 { try rig.access(a, 0, base + UInt64(i) * 4096, write: true) }
        XCTAssertEqual(rig.tlbs.statistics.misses, 8)
        for k in 0..<16 { try rig.access(a, 0, base + UInt64(k) * 1024, write: true) }
        XCTAssertEqual(rig.tlbs.statistics.hits, 16)
        try rig.access(b, 0, other, write: true)
        XCTAssertEqual(rig.tlbs.statistics.misses, 10)
        for i in 0..<4 { try rig.access(a, 0, base + UInt64(i) * 4096, write: false) }
        XCTAssertEqual(rig.tlbs.statistics.misses, 14)
        try rig.access(a, 1, base + 4096, write: false)
        XCTAssertEqual(rig.tlbs.statistics.misses, 15)
        try a.munmap(start: base, end: base + 4096, thread: a.threads[0], tlbs: rig.tlbs)
        XCTAssertEqual(rig.tlbs.flushEvents.localFlushOne, 1)
        XCTAssertEqual(rig.tlbs.flushEvents.localFlushAll, 0)
        XCTAssertEqual(rig.tlbs.flushEvents.remoteFlush, 1)
        XCTAssertEqual(rig.tlbs.flushEvents.remoteFlushReceived, 1)
        try rig.access(a, 0, base + 4096, write: false)
        try rig.access(a, 1, base + 4096, write: false)
        XCTAssertEqual(rig.tlbs.statistics.hits, 18)
        XCTAssertEqual(rig.tlbs.statistics.misses, 15)
        XCTAssertEqual(rig.tlbs.contextSwitches, 4)
        XCTAssertEqual(rig.tlbs.contextSwitchFlushes, 4)
        // Touching the unmapped page is now a SIGSEGV, not a fault the handler can resolve.
        XCTAssertThrowsError(try rig.access(a, 0, base, write: false)) { e in
            guard case ProcessError.segv = e else { return XCTFail("\(e)") }
        }
    }

    /// With PCID the switch back to A keeps A's entries: step 4 of the test above hits 4 times.
    func testPCIDKeepsEntriesAcrossSwitches() throws {
        var rig = try Rig(tlb: (entries: 8, ways: 2, pcid: true))
        let a = try rig.process("A", cpus: [0])
        let b = try rig.process("B", cpus: [0])
        let base = try a.mmap(name: "buf", length: 4 * 4096, at: 0x1000_0000)
        let other = try b.mmap(name: "buf", length: 4096, at: 0x2000_0000)
        for i in 0..<4 { try rig.access(a, 0, base + UInt64(i) * 4096, write: true) }
        try rig.access(b, 0, other, write: true)
        for i in 0..<4 { try rig.access(a, 0, base + UInt64(i) * 4096, write: false) }
        // 8 + 2 misses; B's page took one way of set 0 (0x20000 mod 4 = 0), A's page 0 the other.
        XCTAssertEqual(rig.tlbs.statistics.misses, 10)
        XCTAssertEqual(rig.tlbs.statistics.hits, 4)
        XCTAssertEqual(rig.tlbs.contextSwitchFlushes, 0)
    }

    /// Interleave through the fault handler uses the VMA offset rule (kernel-reference §9.5): for
    /// private anonymous memory node = nodes[(va >> 12) mod n], whichever CPU faults; the page
    /// tables follow the task policy (default: the faulting CPU's node).
    func testInterleavedVMAUsesOffsetRuleAndTablesStayLocal() throws {
        var rig = try Rig()
        let p = try rig.process("p", cpus: [2])
        let il = MemPolicy(.interleave, nodes: [0, 1])
        let base = try p.mmap(name: "buf", length: 64 * 4096, at: 0x1000_0000 + 3 * 4096, policy: il)
        for i in 0..<64 { try rig.access(p, 0, base + UInt64(i) * 4096, write: true) }
        for i in 0..<64 {
            let vpn = (base >> 12) + UInt64(i)
            XCTAssertEqual(p.pages[vpn]!.node, Int(vpn % 2), "page \(i)")
        }
        for pfn in p.tableBlocks.keys { XCTAssertEqual(p.tableBlocks[pfn]!.node, 1, "table pages come from CPU 2's node") }
        XCTAssertEqual(rig.a.numastat(node: 0).interleaveHit + rig.a.numastat(node: 1).interleaveHit, 64)
    }
}
