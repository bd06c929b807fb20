import Foundation
import XCTest
import NumaTestSupport
@testable import NumaProcess
@testable import NumaCore
import NumaMM
@testable import NumaTopology

/// Translation of hand-worked addresses on both architectures: user addresses through a
/// process's page table (built by its faults), kernel addresses by the direct-map rule.
final class ProcessTranslationTests: XCTestCase {
    func process(topology yaml: String, mode: PagingMode, cpu: Int = 0) throws -> (SimulatedProcess, CPUTLBs) {
        let a = PageAllocator(machine: try boot(yaml))
        let p = try SimulatedProcess(name: "p", asid: 1, mode: mode, allocator: a, cpu: cpu, policy: .default,
                                     zeroPfn: SimulatedProcess.zeroPagePfn)
        p.threads.append(ProcessThread(name: "t0", cpu: cpu, policy: MemPolicy(.default), process: p, maxNumNodes: 1024))
        let tlbs = CPUTLBs(entries: 64, ways: 4, pcid: false, allocator: a)
        tlbs.switchTo(1, cpu: cpu)
        return (p, tlbs)
    }


    static let i386 = """
        name: pc
        arch: i386
        nodes:
          - {id: 0, cpus: "0-1", memory: 2GiB}
        sysctl: {transparent_hugepage: never}
        """

    /// x86-64, 0x00007fffadfae123 (a page of a mapping placed there), written:
    ///
    ///     0x7fffadfae123 >> 12 = 0x7fffadfae = 0b011111111_111111110_101101111_110101110
    ///     bits 47..39 = 0b011111111 = 255 (pgd)   bits 38..30 = 0b111111110 = 510 (pud)
    ///     bits 29..21 = 0b101101111 = 367 (pmd)   bits 20..12 = 0b110101110 = 430 (pte)
    ///     offset 0x123
    ///
    /// Upper entries are `_PAGE_TABLE` (0x67) | table pfn << 12; the leaf of a written private
    /// anonymous page is PAGE_COPY (P|USER|A|NX) + RW + D = 0x8000000000000067 | pfn << 12; the
    /// physical address is pfn << 12 | 0x123.
    func testX86_64UserAddressWalk() throws {
        let (p, tlbs) = try process(topology: TestTopologies.two256, mode: PagingMode.x86_64.withPageTableIsolation())
        try p.mmap(name: "b", length: 4096, at: 0x7fff_adfa_e000)
        try p.access(0x7fff_adfa_e123, write: true, thread: p.threads[0], tlbs: tlbs)
        let w = try p.pageTable.walk(0x7fff_adfa_e123)
        let pfn = p.pages[0x7fff_adfa_e]!.pfn
        XCTAssertEqual([w.step(.pgd)!.index, w.step(.pud)!.index, w.step(.pmd)!.index, w.step(.pte)!.index], [255, 510, 367, 430])
        XCTAssertEqual(w.physicalAddress, UInt64(pfn) << 12 | 0x123)
        XCTAssertEqual(w.step(.pte)!.entry.rawValue, 0x8000_0000_0000_0067 | UInt64(pfn) << 12)
        for level in [PageTableLevel.pgd, .pud, .pmd] {
            let e = w.step(level)!.entry.rawValue
            XCTAssertEqual(e & 0xfff, 0x67, "\(level)")
            // The entry points at the table page that holds the next level's entry.
            let next = w.steps[w.steps.firstIndex { $0.level == level }! + (level == .pgd ? 2 : 1)]
            XCTAssertEqual(Int(e >> 12), next.tablePfn, "\(level)")
            XCTAssertNotNil(p.tableBlocks[Int(e >> 12)], "\(level) table page came from the allocator")
        }
        // The pgd is the order-1 block's first page.
        XCTAssertEqual(p.tableBlocks[w.step(.pgd)!.tablePfn!]?.order, 1)
    }

    /// i386 2-level, a one-page mapping placed top-down below mmap_base = TASK_SIZE − 128 MiB =
    /// 0xc0000000 − 0x08000000 = 0xb8000000, so at 0xb7fff000; address 0xb7fff456:
    ///
    ///     0xb7fff456 = 1011011111|1111111111|010001010110
    ///     bits 31..22 = 0b1011011111 = 735 (pgd)   bits 21..12 = 0b1111111111 = 1023 (pte)
    ///
    /// 4-byte entries, no NX: the leaf is 0x067 | pfn << 12; the pgd entry 0x067 | table << 12.
    func testI386UserAddressWalkTopDown() throws {
        let (p, tlbs) = try process(topology: Self.i386, mode: PagingMode.i386)
        let start = try p.mmap(name: "b", length: 4096)
        XCTAssertEqual(start, 0xb7ff_f000)
        try p.access(0xb7ff_f456, write: true, thread: p.threads[0], tlbs: tlbs)
        let w = try p.pageTable.walk(0xb7ff_f456)
        let pfn = p.pages[0xb7fff]!.pfn
        XCTAssertEqual(w.step(.pgd)!.index, 735)
        XCTAssertEqual(w.step(.pte)!.index, 1023)
        XCTAssertEqual(w.step(.pte)!.entry.rawValue, 0x067 | UInt64(pfn) << 12)
        XCTAssertEqual(w.physicalAddress, UInt64(pfn) << 12 | 0x456)
        // Table pages come from lowmem or highmem alike (no __GFP_HIGHMEM exclusion modelled), but
        // the pgd of a 2-level non-PTI i386 is one page.
        XCTAssertEqual(p.pageTable.tablePageCounts, [.pgd: 1, .pte: 1])
    }

    /// i386 PAE, 0x08048123: bits 31..30 = 0 (pgd/PDPT), bits 29..21 = 0b001000000 = 64 (pmd),
    /// bits 20..12 = 0b001001000 = 72 (pte), offset 0x123. The PDPT entry holds `_PAGE_PRESENT`
    /// only; the pmd tables of the 3 user slots are preallocated at pgd_alloc.
    func testI386PAEUserAddressWalk() throws {
        var src = SequentialFrameSource(firstPfn: 0x2000)
        var pt = try PageTable(mode: .i386PAE, cpu: 0, source: &src)
        try pt.map(0x0804_8123, pfn: 0x1234, flags: [.present, .user, .accessed], cpu: 0, source: &src)
        let w = try pt.walk(0x0804_8123)
        XCTAssertEqual([w.step(.pgd)!.index, w.step(.pmd)!.index, w.step(.pte)!.index], [0, 64, 72])
        XCTAssertEqual(w.step(.pgd)!.entry.rawValue & 0xfff, 0x001)
        XCTAssertEqual(w.physicalAddress, 0x1234_123)
    }

    /// Kernel addresses by arithmetic (`__pa`): x86-64 direct map and kernel image; i386 lowmem,
    /// the vmalloc/pkmap area above high_memory, HighMem needing kmap, user addresses refused.
    func testKernelAddressesByDirectMapRule() throws {
        let x = DirectMap(mode: .x86_64, maxPfn: 0x40_0000)  // 16 GiB
        // 0xffff888012345678 − PAGE_OFFSET 0xffff888000000000 = 0x12345678; pfn 0x12345;
        // struct page = VMEMMAP_START 0xffffea0000000000 + 0x12345 × 64 = 0xffffea000048d140.
        let t = try x.explain(0xffff_8880_1234_5678)
        XCTAssertEqual(t.physicalAddress, "0x0000000012345678")
        XCTAssertEqual(t.pfn, 0x12345)
        XCTAssertEqual(t.structPage, "0xffffea000048d140")
        XCTAssertEqual(t.rule, "__pa(x) = x - PAGE_OFFSET")
        // Kernel text: 0xffffffff81000000 − __START_KERNEL_map 0xffffffff80000000 + phys_base 0 = 16 MiB.
        XCTAssertEqual(try x.explain(0xffff_ffff_8100_0000).physicalAddress, "0x0000000001000000")
        // A direct-map address beyond RAM (16 GiB = 0x400000000) is refused.
        XCTAssertThrowsError(try x.explain(0xffff_8884_0000_0000))

        let i = DirectMap(mode: .i386, maxPfn: 0x8_0000)  // 2 GiB: lowmem 896 MiB, the rest HighMem
        // 0xc1234567 − 0xc0000000 = 0x01234567.
        XCTAssertEqual(try i.explain(0xc123_4567).physicalAddress, "0x01234567")
        // high_memory = 0xc0000000 + 896 MiB = 0xf8000000: the last lowmem byte translates, the next does not.
        XCTAssertEqual(try i.pa(0xf7ff_ffff), 0x37ff_ffff)
        XCTAssertThrowsError(try i.pa(0xf800_0000)) { e in
            XCTAssertEqual(e as? AddressSpaceError, .notLinearlyMapped(address: 0xf800_0000, region: .highKernelArea))
        }
        // Physical 1 GiB is above max_low_pfn (0x38000): no permanent kernel address, kmap needed.
        XCTAssertThrowsError(try i.va(0x4000_0000)) { e in
            XCTAssertEqual(e as? AddressSpaceError, .highmemNoPermanentMapping(physicalAddress: 0x4000_0000))
            XCTAssertTrue("\(e)".contains("kmap"))
        }
        XCTAssertTrue(try i.explain(0xc000_1000).notes.contains { $0.contains("kmap") })
        XCTAssertThrowsError(try i.explain(0x0804_8000)) { e in
            XCTAssertEqual(e as? AddressSpaceError, .userAddress(address: 0x0804_8000))
        }
    }
}
