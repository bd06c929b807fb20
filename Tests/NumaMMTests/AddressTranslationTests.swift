import Foundation
import XCTest
import NumaTestSupport
import NumaMM
import NumaTopology

/// Hand-worked examples for the address-space translation layer (Sources/NumaMM). Every expected
/// number below is derived in the comment next to it from the kernel's constants, not read back
/// from the model.
final class AddressTranslationTests: XCTestCase {
    // MARK: - Index extraction

    func testX86_64IndexSplitOfUserAddress() throws {
        // 0x00007f1234567abc, 48 bits, as binary in groups of four:
        //   0111 1111 0001 0010 0011 0100 0101 0110 0111 1010 1011 1100
        // regrouped 9/9/9/9/12 from bit 47 down (PGDIR_SHIFT 39, PUD_SHIFT 30, PMD_SHIFT 21, PAGE_SHIFT 12):
        //   011111110 = 0x0fe = 254   (pgd)
        //   001001000 = 0x048 =  72   (pud)
        //   110100010 = 0x1a2 = 418   (pmd)
        //   101100111 = 0x167 = 359   (pte)
        //   1010 1011 1100 = 0xabc    (offset)
        // p4d is folded on 4-level paging, so its index is 0.
        let i = try PagingMode.x86_64.indices(of: 0x0000_7f12_3456_7abc)
        XCTAssertEqual(i, VirtualAddressIndices(pgd: 254, p4d: 0, pud: 72, pmd: 418, pte: 359, offset: 0xabc))
        // Rebuild the address from the indices as a cross-check of the shifts.
        let rebuilt = UInt64(254) << 39 | UInt64(72) << 30 | UInt64(418) << 21 | UInt64(359) << 12 | 0xabc
        XCTAssertEqual(rebuilt, 0x0000_7f12_3456_7abc)
    }

    func testPagingModeGeometry() {
        // pgtable_64_types.h: 512 entries at every real level; p4d folded (PTRS_PER_P4D 1).
        XCTAssertEqual(PagingMode.x86_64.realLevels.map(\.level), [.pgd, .pud, .pmd, .pte])
        XCTAssertEqual(PagingMode.x86_64.realLevels.map(\.entries), [512, 512, 512, 512])
        XCTAssertEqual(PagingMode.x86_64.pagingLevels, 4)
        // pgtable-2level_types.h: PGDIR_SHIFT 22, 1024 entries in pgd and pte; pmd/pud/p4d folded.
        XCTAssertEqual(PagingMode.i386.realLevels.map(\.level), [.pgd, .pte])
        XCTAssertEqual(PagingMode.i386.realLevels.map(\.entries), [1024, 1024])
        // pgtable-3level_types.h: PGDIR_SHIFT 30 with 4 entries, PMD_SHIFT 21 with 512, 512 ptes.
        XCTAssertEqual(PagingMode.i386PAE.realLevels.map(\.level), [.pgd, .pmd, .pte])
        XCTAssertEqual(PagingMode.i386PAE.realLevels.map(\.entries), [4, 512, 512])
        // KERNEL_PGD_BOUNDARY = pgd_index(PAGE_OFFSET) (arch/x86/include/asm/pgtable.h):
        //   x86-64: 0xffff888000000000 >> 39 = 0x1ffff11, & 0x1ff = 0x111 = 273 (slot 273, as
        //   page_64_types.h says: "the most negative possible address + PGDIR_SIZE*17"; 256 + 17 = 273).
        XCTAssertEqual(PagingMode.x86_64.kernelPgdBoundary, 273)
        //   i386: 0xC0000000 >> 22 = 0x300 = 768; PAE: 0xC0000000 >> 30 = 3.
        XCTAssertEqual(PagingMode.i386.kernelPgdBoundary, 768)
        XCTAssertEqual(PagingMode.i386PAE.kernelPgdBoundary, 3)
        // PTE_PFN_MASK = PAGE_MASK & ((1 << __PHYSICAL_MASK_SHIFT) - 1): 52 bits on x86-64/PAE, 32 without PAE.
        XCTAssertEqual(PagingMode.x86_64.ptePfnMask, 0x000f_ffff_ffff_f000)
        XCTAssertEqual(PagingMode.i386PAE.ptePfnMask, 0x000f_ffff_ffff_f000)
        XCTAssertEqual(PagingMode.i386.ptePfnMask, 0xffff_f000)
        // TASK_SIZE_MAX = 2^47 - 4096 on x86-64; PAGE_OFFSET on i386.
        XCTAssertEqual(PagingMode.x86_64.taskSize, 0x0000_7fff_ffff_f000)
        XCTAssertEqual(PagingMode.i386.taskSize, 0xC000_0000)
        XCTAssertEqual(PagingMode(arch: .i386PAE), .i386PAE)
    }

    func testPAEIndicesOfLastUserPage() throws {
        // 0xBFFFF000 = 1011 1111 1111 1111 1111 0000 0000 0000
        //   bits 31..30 = 10        = 2    (pgd: the third PDPT entry)
        //   bits 29..21 = 1 1111 1111 = 511 (pmd)
        //   bits 20..12 = 1 1111 1111 = 511 (pte)
        //   offset 0 — the last 4 KiB page below PAGE_OFFSET.
        let i = try PagingMode.i386PAE.indices(of: 0xBFFF_F000)
        XCTAssertEqual(i, VirtualAddressIndices(pgd: 2, p4d: 0, pud: 0, pmd: 511, pte: 511, offset: 0))
        // The same address without PAE: 0xBFFFF000 >> 22 = 0x2FF = 767, (>> 12) & 0x3FF = 0x3FF = 1023.
        let j = try PagingMode.i386.indices(of: 0xBFFF_F000)
        XCTAssertEqual([j.pgd, j.pte, j.offset], [767, 1023, 0])
    }

    func testNonCanonicalAddressIsRejected() throws {
        // 0x0000800000000000 has bit 47 set but bits 63..48 clear: the first non-canonical address.
        let bad: UInt64 = 0x0000_8000_0000_0000
        XCTAssertFalse(PagingMode.x86_64.isCanonical(bad))
        XCTAssertThrowsError(try PagingMode.x86_64.indices(of: bad)) { error in
            XCTAssertEqual(error as? AddressSpaceError, .nonCanonical(address: bad))
            XCTAssertTrue("\(error)".contains("not canonical"))
        }
        var source = SequentialFrameSource()
        var pt = try PageTable(mode: .x86_64, cpu: 0, source: &source)
        XCTAssertThrowsError(try pt.map(bad, pfn: 1, flags: .pageShared, cpu: 0, source: &source)) { error in
            XCTAssertEqual(error as? AddressSpaceError, .nonCanonical(address: bad))
        }
        XCTAssertThrowsError(try pt.walk(bad))
        XCTAssertThrowsError(try DirectMap(mode: .x86_64, maxPfn: 1 << 20).pa(bad))
        // Nothing was allocated for the refused map: only the pgd.
        XCTAssertEqual(pt.totalTablePages, 1)
        // The edges of the two canonical halves.
        XCTAssertTrue(PagingMode.x86_64.isCanonical(0x0000_7fff_ffff_ffff))
        XCTAssertTrue(PagingMode.x86_64.isCanonical(0xffff_8000_0000_0000))
        XCTAssertFalse(PagingMode.x86_64.isCanonical(0xffff_7fff_ffff_ffff))
        // i386: anything above 32 bits is not an address.
        XCTAssertThrowsError(try PagingMode.i386.indices(of: 0x1_0000_0000)) { error in
            XCTAssertEqual(error as? AddressSpaceError, .addressTooWide(address: 0x1_0000_0000, bits: 32))
        }
    }

    // MARK: - Entries

    func testPTEBitPositionsAndPfnField() throws {
        // _PAGE_BIT_* of arch/x86/include/asm/pgtable_types.h.
        XCTAssertEqual(PTEFlags.present.rawValue, 0x001)
        XCTAssertEqual(PTEFlags.rw.rawValue, 0x002)
        XCTAssertEqual(PTEFlags.user.rawValue, 0x004)
        XCTAssertEqual(PTEFlags.pwt.rawValue, 0x008)
        XCTAssertEqual(PTEFlags.pcd.rawValue, 0x010)
        XCTAssertEqual(PTEFlags.accessed.rawValue, 0x020)
        XCTAssertEqual(PTEFlags.dirty.rawValue, 0x040)
        XCTAssertEqual(PTEFlags.pse.rawValue, 0x080)
        XCTAssertEqual(PTEFlags.global.rawValue, 0x100)
        XCTAssertEqual(PTEFlags.nx.rawValue, 0x8000_0000_0000_0000)
        // _PAGE_TABLE = P|RW|USER|A|D = 1+2+4+0x20+0x40 = 0x67; _KERNPG_TABLE drops USER: 0x63.
        XCTAssertEqual(PTEFlags.pageTable.rawValue, 0x67)
        XCTAssertEqual(PTEFlags.kernelPageTable.rawValue, 0x63)
        // __PAGE_KERNEL = P|RW|D|A|G|NX = 0x1 + 0x2 + 0x40 + 0x20 + 0x100 + bit 63 = 0x8000000000000163.
        XCTAssertEqual(PTEFlags.pageKernel.rawValue, 0x8000_0000_0000_0163)

        // x86-64 pfn_pte(0x12345, __PAGE_KERNEL) = 0x12345 << 12 | flags = 0x8000000012345163.
        let e = try PageTableEntry(pfn: 0x12345, flags: .pageKernel, mode: .x86_64)
        XCTAssertEqual(e.rawValue, 0x8000_0000_1234_5163)
        XCTAssertEqual(e.pfn(in: .x86_64), 0x12345)
        XCTAssertEqual(e.flags(in: .x86_64), .pageKernel)
        XCTAssertEqual(e.hex(in: .x86_64), "0x8000000012345163")
        // 2-level i386 has no NX (_PAGE_NX is 0 in 4-byte entries): the same prot gives 0x12345163.
        let f = try PageTableEntry(pfn: 0x12345, flags: .pageKernel, mode: .i386)
        XCTAssertEqual(f.rawValue, 0x1234_5163)
        XCTAssertEqual(f.hex(in: .i386), "0x12345163")
        XCTAssertEqual(f.flags(in: .i386).names, ["P", "RW", "A", "D", "GLB"])
        // PAE keeps NX and reaches above 4 GiB: pfn 0x123456 (physical 0x123456000 > 4 GiB).
        let g = try PageTableEntry(pfn: 0x12_3456, flags: .pageKernel, mode: .i386PAE)
        XCTAssertEqual(g.rawValue, 0x8000_0001_2345_6163)
        XCTAssertEqual(g.pfn(in: .i386PAE), 0x12_3456)
        // Without PAE a pfn has 20 bits: pfn 0x100000 (4 GiB) does not fit.
        XCTAssertThrowsError(try PageTableEntry(pfn: 0x10_0000, flags: .pageKernel, mode: .i386)) { error in
            XCTAssertEqual(error as? AddressSpaceError, .pfnOutOfRange(pfn: 0x10_0000, maxBits: 20))
        }
    }

    // MARK: - Page tables

    func testX86_64MapWalkAndTouch() throws {
        // Table pages come out of the source in order: pgd 0x1000, then pud 0x1001, pmd 0x1002, pte 0x1003.
        var source = SequentialFrameSource(firstPfn: 0x1000)
        var pt = try PageTable(mode: .x86_64, cpu: 3, source: &source)
        XCTAssertEqual(pt.pgdStorage, .page(pfn: 0x1000))
        let va: UInt64 = 0x0000_7f12_3456_7abc
        // A user page, present + rw + user, not yet accessed or dirty: 0x12345000 | 0x7.
        try pt.map(va, pfn: 0x12345, flags: [.present, .rw, .user], cpu: 3, source: &source)
        XCTAssertEqual(source.lastCPU, 3)
        XCTAssertEqual(pt.tablePageCounts, [.pgd: 1, .pud: 1, .pmd: 1, .pte: 1])
        // mm_pgtables_bytes counts pud + pmd + pte tables, not the pgd: 3 × 4096.
        XCTAssertEqual(pt.pgtablesBytes, 3 * 4096)

        let w = try pt.walk(va)
        XCTAssertEqual(w.steps.map(\.level), [.pgd, .p4d, .pud, .pmd, .pte])
        XCTAssertEqual(w.steps.map(\.folded), [false, true, false, false, false])
        XCTAssertEqual(w.steps.map(\.index), [254, 0, 72, 418, 359])
        // Each upper entry = next table's pfn << 12 | _PAGE_TABLE (0x67).
        XCTAssertEqual(w.step(.pgd)?.entry.rawValue, 0x0100_1067)
        XCTAssertEqual(w.step(.p4d)?.entry.rawValue, 0x0100_1067)  // folded: the pgd entry itself
        XCTAssertEqual(w.step(.pud)?.entry.rawValue, 0x0100_2067)
        XCTAssertEqual(w.step(.pmd)?.entry.rawValue, 0x0100_3067)
        XCTAssertEqual(w.step(.pte)?.entry.rawValue, 0x1234_5007)
        XCTAssertEqual(w.steps.map(\.tablePfn), [0x1000, 0x1000, 0x1001, 0x1002, 0x1003])
        // Physical address = pfn << 12 | offset = 0x12345000 | 0xabc.
        XCTAssertEqual(w.physicalAddress, 0x1234_5abc)
        XCTAssertEqual(w.pfn, 0x12345)

        // A read sets _PAGE_ACCESSED (0x20) in the PTE: 0x12345007 → 0x12345027.
        let read = try pt.touch(va, write: false).get()
        XCTAssertEqual(read.physicalAddress, 0x1234_5abc)
        XCTAssertEqual(read.entry.rawValue, 0x1234_5027)
        XCTAssertFalse(read.dirty)
        // A write also sets _PAGE_DIRTY (0x40): 0x12345067.
        let write = try pt.touch(va, write: true).get()
        XCTAssertEqual(write.entry.rawValue, 0x1234_5067)
        XCTAssertEqual(try pt.walk(va).step(.pte)?.entry.rawValue, 0x1234_5067)

        // The neighbouring 2 MiB region (pmd index 419) has no pte table: not present at the pmd.
        let away = va + 0x20_0000
        XCTAssertEqual(try pt.walk(away).faultLevel, .pmd)
        guard case let .failure(fault) = try pt.touch(away, write: true) else { return XCTFail("expected a fault") }
        XCTAssertEqual(fault.level, .pmd)
        XCTAssertEqual(fault.reason, .notPresent)
        // X86_PF_WRITE | X86_PF_USER = 2 | 4; no X86_PF_PROT because nothing was present.
        XCTAssertEqual(fault.errorCode.rawValue, 6)
        // Mapping the same page twice is refused.
        XCTAssertThrowsError(try pt.map(va, pfn: 0x54321, flags: .pageShared, cpu: 3, source: &source)) { error in
            XCTAssertEqual(error as? AddressSpaceError, .alreadyMapped(address: va, entry: 0x1234_5067))
        }
    }

    func testProtectionFaults() throws {
        var source = SequentialFrameSource(firstPfn: 0x1000)
        var pt = try PageTable(mode: .x86_64, cpu: 0, source: &source)
        let text: UInt64 = 0x40_0000
        try pt.map(text, pfn: 0x500, flags: .pageReadonlyExec, cpu: 0, source: &source)
        // A user write to a read-only page: X86_PF_PROT | X86_PF_WRITE | X86_PF_USER = 1|2|4 = 7.
        guard case let .failure(f) = try pt.touch(text, write: true) else { return XCTFail("expected a fault") }
        XCTAssertEqual(f.reason, .protection)
        XCTAssertEqual(f.level, .pte)
        XCTAssertEqual(f.errorCode.rawValue, 7)
        // A failed access changes no bits: PAGE_READONLY_EXEC had A already, D must still be clear.
        XCTAssertFalse(try pt.walk(text).step(.pte)!.entry.flags(in: .x86_64).contains(.dirty))
        // Executing a PAGE_READONLY (NX) page: X86_PF_PROT | X86_PF_USER | X86_PF_INSTR = 1|4|16 = 21.
        let data: UInt64 = 0x60_0000
        try pt.map(data, pfn: 0x501, flags: .pageReadonly, cpu: 0, source: &source)
        guard case let .failure(g) = try pt.touch(data, write: false, instructionFetch: true) else {
            return XCTFail("expected a fault")
        }
        XCTAssertEqual(g.errorCode.rawValue, 21)

        // Kernel tables link with _KERNPG_TABLE (no USER): a user access is refused at the pgd already.
        var kernel = try PageTable(mode: .x86_64, isKernel: true, cpu: 0, source: &source)
        XCTAssertEqual(kernel.pgdStorage, .kernelImage)
        XCTAssertEqual(kernel.tablePages(at: .pgd), 0)  // swapper_pg_dir is in the kernel image
        try kernel.map(0xffff_8880_1234_5000, pfn: 0x12345, flags: .pageKernel, cpu: 0, source: &source)
        guard case let .failure(h) = try kernel.touch(0xffff_8880_1234_5000, write: false, user: true) else {
            return XCTFail("expected a fault")
        }
        XCTAssertEqual(h.level, .pgd)
        XCTAssertEqual(h.errorCode.rawValue, 5)  // PROT | USER
        let ok = try kernel.touch(0xffff_8880_1234_5678, write: true, user: false).get()
        XCTAssertEqual(ok.physicalAddress, 0x1234_5678)
        XCTAssertTrue(ok.global)
    }

    func testTablePageCountsAndFreeingAfterUnmap() throws {
        var source = SequentialFrameSource(firstPfn: 0x1000)
        var pt = try PageTable(mode: .x86_64, cpu: 0, source: &source)
        let a: UInt64 = 0x0000_7f12_3456_7000  // pgd 254 pud 72 pmd 418 pte 359
        let b = a + 0x1000  // pte 360: same pte table
        let c = a + 0x20_0000  // pmd 419: same pmd table, new pte table
        let d = a + 0x4000_0000  // pud 73: same pud table, new pmd and pte tables

        try pt.map(a, pfn: 0x100, flags: .pageShared, cpu: 0, source: &source)
        XCTAssertEqual(pt.totalTablePages, 4)  // pgd + pud + pmd + pte
        try pt.map(b, pfn: 0x101, flags: .pageShared, cpu: 0, source: &source)
        XCTAssertEqual(pt.totalTablePages, 4)  // same 2 MiB region: nothing new
        try pt.map(c, pfn: 0x102, flags: .pageShared, cpu: 0, source: &source)
        XCTAssertEqual(pt.tablePageCounts, [.pgd: 1, .pud: 1, .pmd: 1, .pte: 2])
        try pt.map(d, pfn: 0x103, flags: .pageShared, cpu: 0, source: &source)
        XCTAssertEqual(pt.tablePageCounts, [.pgd: 1, .pud: 1, .pmd: 2, .pte: 3])
        XCTAssertEqual(pt.mappedPages, 4)
        XCTAssertEqual(source.outstanding.count, 7)
        XCTAssertEqual(pt.pgtablesBytes, 6 * 4096)

        // d was alone in its pte table and in its pmd table: both go; the pud table still holds a.
        var r = try pt.unmap(d, cpu: 0, source: &source)
        XCTAssertEqual(r.oldEntry?.pfn(in: .x86_64), 0x103)
        XCTAssertEqual(r.freedTables, [.pte, .pmd])
        // b shares its pte table with a: nothing freed.
        r = try pt.unmap(b, cpu: 0, source: &source)
        XCTAssertEqual(r.freedTables, [])
        // a empties the first pte table; the pmd table still holds c's pte table.
        r = try pt.unmap(a, cpu: 0, source: &source)
        XCTAssertEqual(r.freedTables, [.pte])
        // c was the last: pte, pmd and pud tables all go, the pgd stays with the mm.
        r = try pt.unmap(c, cpu: 0, source: &source)
        XCTAssertEqual(r.freedTables, [.pte, .pmd, .pud])
        XCTAssertEqual(pt.tablePageCounts, [.pgd: 1])
        XCTAssertEqual(source.outstanding, [0x1000])
        XCTAssertEqual(try pt.walk(a).faultLevel, .pgd)
        // Unmapping an empty address is a no-op.
        XCTAssertNil(try pt.unmap(a, cpu: 0, source: &source).oldEntry)
        // exit_mmap + pgd_free returns the pgd too.
        XCTAssertEqual(pt.tearDown(cpu: 0, source: &source), 1)
        XCTAssertTrue(source.outstanding.isEmpty)
        XCTAssertThrowsError(try pt.walk(a)) { XCTAssertEqual($0 as? AddressSpaceError, .tornDown) }
    }

    func testOutOfMemoryWhileAllocatingTables() throws {
        // Two pages only: the pgd and then the pud; the pmd table cannot be had.
        var source = SequentialFrameSource(firstPfn: 0x1000, limit: 2)
        var pt = try PageTable(mode: .x86_64, cpu: 0, source: &source)
        XCTAssertThrowsError(try pt.map(0x7000_0000, pfn: 5, flags: .pageShared, cpu: 0, source: &source)) { error in
            XCTAssertEqual(error as? AddressSpaceError, .outOfMemory(level: .pmd))
        }
        XCTAssertEqual(pt.tablePageCounts, [.pgd: 1, .pud: 1])
        XCTAssertEqual(pt.tearDown(cpu: 0, source: &source), 2)
        XCTAssertTrue(source.outstanding.isEmpty)
    }

    func testI386TwoLevelKernelMapping() throws {
        // swapper_pg_dir is in the kernel image; the one pte table comes from the source as pfn 0x2000.
        var source = SequentialFrameSource(firstPfn: 0x2000)
        var kernel = try PageTable(mode: .i386, isKernel: true, cpu: 0, source: &source)
        // 0xC0100000: pgd index 0xC0100000 >> 22 = 0x300 = 768, pte index (>> 12) & 0x3FF = 0x100 = 256.
        try kernel.map(0xC010_0000, pfn: 0x100, flags: .pageKernel, cpu: 0, source: &source)
        let w = try kernel.walk(0xC010_0123)
        XCTAssertEqual(w.steps.map(\.level), [.pgd, .p4d, .pud, .pmd, .pte])
        XCTAssertEqual(w.steps.map(\.folded), [false, true, true, true, false])
        XCTAssertEqual(w.step(.pgd)?.index, 768)
        XCTAssertEqual(w.step(.pte)?.index, 256)
        // pgd entry: 0x2000 << 12 | _KERNPG_TABLE = 0x02000063; the folded levels repeat it.
        XCTAssertEqual(w.step(.pgd)?.entry.rawValue, 0x0200_0063)
        XCTAssertEqual(w.step(.pmd)?.entry.rawValue, 0x0200_0063)
        // pte: 0x100 << 12 | P|RW|A|D|G (NX dropped, 4-byte entries) = 0x00100163.
        XCTAssertEqual(w.step(.pte)?.entry.rawValue, 0x0010_0163)
        XCTAssertEqual(w.physicalAddress, 0x0010_0123)
        XCTAssertEqual(kernel.tablePageCounts, [.pte: 1])
    }

    func testPAEPreallocatedPMDsAndSlabPgd() throws {
        var source = SequentialFrameSource(firstPfn: 0x3000)
        // pgd_alloc on PAE: the 32-byte pgd comes from pgd_cache, and the three user PMDs
        // (KERNEL_PGD_BOUNDARY = 3) are preallocated: pfns 0x3000, 0x3001, 0x3002.
        var pt = try PageTable(mode: .i386PAE, cpu: 1, source: &source)
        XCTAssertEqual(pt.pgdStorage, .slab(bytes: 32))
        XCTAssertEqual(pt.tablePageCounts, [.pmd: 3])
        XCTAssertEqual(pt.pgtablesBytes, 3 * 4096)
        let va: UInt64 = 0xBFFF_F000
        try pt.map(va, pfn: 0x12_3456, flags: .pageShared, cpu: 1, source: &source)
        let w = try pt.walk(va)
        XCTAssertEqual(w.steps.map(\.level), [.pgd, .p4d, .pud, .pmd, .pte])
        XCTAssertEqual(w.steps.map(\.folded), [false, true, true, false, false])
        XCTAssertEqual(w.steps.filter { !$0.folded }.map(\.index), [2, 511, 511])
        // PDPT entry 2 → the third preallocated PMD, with _PAGE_PRESENT only: 0x3002 << 12 | 1.
        XCTAssertEqual(w.step(.pgd)?.entry.rawValue, 0x0300_2001)
        XCTAssertNil(w.step(.pgd)?.tablePfn)  // the pgd is a slab object, not a page
        // pmd 511 → the new pte table 0x3003 with _PAGE_TABLE.
        XCTAssertEqual(w.step(.pmd)?.entry.rawValue, 0x0300_3067)
        // pte: 0x123456 << 12 = 0x123456000 (above 4 GiB), | P|RW|USR|A|NX = 0x8000000123456027.
        XCTAssertEqual(w.step(.pte)?.entry.rawValue, 0x8000_0001_2345_6027)
        XCTAssertEqual(w.physicalAddress, 0x1_2345_6000)
        // Unmapping frees the pte table only: preallocated PMDs stay until pgd_free.
        let r = try pt.unmap(va, cpu: 1, source: &source)
        XCTAssertEqual(r.freedTables, [.pte])
        XCTAssertEqual(pt.tablePageCounts, [.pmd: 3])
        XCTAssertEqual(pt.tearDown(cpu: 1, source: &source), 3)
        XCTAssertTrue(source.outstanding.isEmpty)
    }

    // MARK: - Direct map

    func testX86_64DirectMapAndKernelText() throws {
        // 4 GiB of RAM: max_pfn = 4 GiB >> 12 = 0x100000.
        let dm = DirectMap(mode: .x86_64, maxPfn: 0x10_0000)
        // __pa(0xffff888012345678) = 0xffff888012345678 - 0xffff888000000000 = 0x12345678.
        XCTAssertEqual(try dm.pa(0xffff_8880_1234_5678), 0x1234_5678)
        XCTAssertEqual(try dm.va(0x1234_5678), 0xffff_8880_1234_5678)
        XCTAssertEqual(dm.region(of: 0xffff_8880_1234_5678), .directMap)
        // __pa(__START_KERNEL_map + 0x1000000) = 0x1000000 - 0 + phys_base (0) = 0x1000000
        // (CONFIG_PHYSICAL_START: where _text lands when the kernel is not relocated).
        XCTAssertEqual(try dm.pa(0xffff_ffff_8100_0000), 0x100_0000)
        XCTAssertEqual(try dm.paSymbol(0xffff_ffff_8100_0000), 0x100_0000)
        XCTAssertEqual(dm.region(of: 0xffff_ffff_8100_0000), .kernelText)
        // Loaded 32 MiB higher, phys_base = 0x2000000 and the same symbol is at 0x3000000.
        var moved = PagingMode.x86_64
        moved.physBase = 0x200_0000
        XCTAssertEqual(try DirectMap(mode: moved, maxPfn: 0x10_0000).pa(0xffff_ffff_8100_0000), 0x300_0000)

        // Addresses that are not linearly mapped get a reason, not a number.
        XCTAssertThrowsError(try dm.pa(0x0000_7f12_3456_7abc)) {
            XCTAssertEqual($0 as? AddressSpaceError, .userAddress(address: 0x0000_7f12_3456_7abc))
        }
        XCTAssertThrowsError(try dm.pa(0xffff_c900_0000_1000)) {
            XCTAssertEqual($0 as? AddressSpaceError, .notLinearlyMapped(address: 0xffff_c900_0000_1000, region: .vmalloc))
        }
        // Past the 512 MiB image (0xffffffffa0000000 on) is module space.
        XCTAssertThrowsError(try dm.pa(0xffff_ffff_a000_0000)) {
            XCTAssertEqual($0 as? AddressSpaceError, .notLinearlyMapped(address: 0xffff_ffff_a000_0000, region: .modules))
        }
        // 0xffff888100000000 would be physical 4 GiB = max_pfn: no RAM there.
        XCTAssertThrowsError(try dm.pa(0xffff_8881_0000_0000)) {
            XCTAssertEqual($0 as? AddressSpaceError, .beyondPhysicalMemory(physicalAddress: 0x1_0000_0000))
        }
        // x86-64 has no HighMem: every RAM page is direct-mapped.
        XCTAssertFalse(dm.isHighmem(pfn: 0xF_FFFF))
        XCTAssertEqual(dm.highMemory, 0xffff_8881_0000_0000)
        XCTAssertEqual(dm.region(of: 0x0000_8000_0000_0000), .nonCanonical)
        XCTAssertEqual(dm.region(of: 0xffff_ff7f_ffff_ffff), .espfix)
    }

    func testVmemmapStructPageAddress() throws {
        let dm = DirectMap(mode: .x86_64, maxPfn: 0x10_0000)
        // pfn_to_page(0x12345) = vmemmap + 0x12345 = 0xffffea0000000000 + 0x12345 × 64,
        // 0x12345 × 0x40 = 0x48d140 → 0xffffea000048d140.
        XCTAssertEqual(try dm.pfnToPage(0x12345), 0xffff_ea00_0000_0000 + 0x12345 * 64)
        XCTAssertEqual(try dm.pfnToPage(0x12345), 0xffff_ea00_0048_d140)
        XCTAssertEqual(try dm.pageToPfn(0xffff_ea00_0048_d140), 0x12345)
        XCTAssertEqual(dm.region(of: 0xffff_ea00_0048_d140), .vmemmap)
        // virt_to_page(0xffff888012345678) = pfn_to_page(0x12345678 >> 12) = pfn_to_page(0x12345).
        XCTAssertEqual(try dm.virtToPage(0xffff_8880_1234_5678), 0xffff_ea00_0048_d140)
        // Not on a 64-byte boundary: not a struct page.
        XCTAssertThrowsError(try dm.pageToPfn(0xffff_ea00_0048_d148)) {
            XCTAssertEqual($0 as? AddressSpaceError, .notAStructPage(address: 0xffff_ea00_0048_d148))
        }
        // The vmemmap is not linearly mapped either: __pa refuses it.
        XCTAssertThrowsError(try dm.pa(0xffff_ea00_0048_d140))
    }

    func testI386LowmemAndHighmem() throws {
        // 1 GiB of RAM: max_pfn = 0x40000; MAXMEM = 4 GiB - 3 GiB - 128 MiB = 896 MiB, so
        // max_low_pfn = 896 MiB >> 12 = 0x38000 and high_memory = 0xC0000000 + 0x38000000 = 0xF8000000.
        let dm = DirectMap(mode: .i386, maxPfn: 0x4_0000)
        XCTAssertEqual(PagingMode.i386.maxmem, 896 << 20)
        XCTAssertEqual(dm.maxLowPfn, 0x3_8000)
        XCTAssertEqual(dm.highMemory, 0xF800_0000)
        // __pa(0xC0100000) = 0xC0100000 - 0xC0000000 = 0x00100000 (where i386 loads the kernel).
        XCTAssertEqual(try dm.pa(0xC010_0000), 0x0010_0000)
        XCTAssertEqual(try dm.va(0x0010_0000), 0xC010_0000)
        // Physical 900 MiB = 0x38400000 is above 896 MiB: HighMem, no permanent mapping, needs kmap.
        let pa900: UInt64 = 900 << 20
        XCTAssertEqual(pa900, 0x3840_0000)
        XCTAssertTrue(dm.isHighmem(pfn: Int(pa900 >> 12)))
        XCTAssertThrowsError(try dm.va(pa900)) { error in
            XCTAssertEqual(error as? AddressSpaceError, .highmemNoPermanentMapping(physicalAddress: pa900))
            XCTAssertTrue("\(error)".contains("kmap"))
        }
        XCTAssertThrowsError(try dm.pageAddress(pfn: 0x3_8400))
        // __va arithmetic would give 0xC0000000 + 0x38400000 = 0xF8400000, which is vmalloc/pkmap
        // space, not the direct map: __pa refuses it the other way round too.
        XCTAssertThrowsError(try dm.pa(0xF840_0000)) {
            XCTAssertEqual($0 as? AddressSpaceError, .notLinearlyMapped(address: 0xF840_0000, region: .highKernelArea))
        }
        XCTAssertThrowsError(try dm.pa(0x0804_8000)) {
            XCTAssertEqual($0 as? AddressSpaceError, .userAddress(address: 0x0804_8000))
        }
        // With only 512 MiB of RAM there is no HighMem and high_memory = 0xC0000000 + 0x20000000.
        XCTAssertEqual(DirectMap(mode: .i386, maxPfn: 0x2_0000).highMemory, 0xE000_0000)
        // The lowmem limit follows the topology's kernel.highmem_start.
        var kp = KernelParameters()
        kp.highmemStart = 880 << 20
        XCTAssertEqual(PagingMode(arch: .i386PAE, kernel: kp).maxmem, 880 << 20)
        // FLATMEM: pfn_to_page = mem_map + pfn; the mem_map address and struct size are inputs.
        let flat = DirectMap(mode: .i386, maxPfn: 0x4_0000, memMap: .flat(memMap: 0xC100_0000, structPageSize: 32, pfnOffset: 0))
        XCTAssertEqual(try flat.pfnToPage(0x100), 0xC100_0000 + 0x100 * 32)
        XCTAssertThrowsError(try dm.pfnToPage(0x100)) { XCTAssertEqual($0 as? AddressSpaceError, .noMemMapLayout) }
    }

    // MARK: - TLB

    func testTLBHitAfterMissAndFlushOnContextSwitch() throws {
        var source = SequentialFrameSource(firstPfn: 0x1000)
        var user = try PageTable(mode: .x86_64, cpu: 0, source: &source)
        var kernel = try PageTable(mode: .x86_64, isKernel: true, cpu: 0, source: &source)
        let uva: UInt64 = 0x0000_7f12_3456_7abc
        let kva: UInt64 = 0xffff_8880_0010_0040
        try user.map(uva, pfn: 0x12345, flags: .pageShared, cpu: 0, source: &source)
        try kernel.map(kva, pfn: 0x100, flags: .pageKernel, cpu: 0, source: &source)

        var tlb = TLB(entries: 64, ways: 4, pcid: false, asid: 1)
        // First access walks the table (miss), the second is answered by the TLB (hit).
        let first = try tlb.access(uva, in: &user)
        XCTAssertFalse(first.hit)
        XCTAssertEqual(first.physicalAddress, 0x1234_5abc)
        let second = try tlb.access(uva, in: &user)
        XCTAssertTrue(second.hit)
        XCTAssertEqual(second.physicalAddress, 0x1234_5abc)
        XCTAssertEqual([tlb.hits, tlb.misses], [1, 1])
        // A kernel access through a global mapping fills a global entry.
        XCTAssertFalse(try tlb.access(kva, in: &kernel, user: false).hit)
        XCTAssertEqual(tlb.probe(kva)?.global, true)

        // Context switch without PCID: the CR3 write drops the user entry, the global one stays.
        tlb.switchAddressSpace(to: 2)
        XCTAssertNil(tlb.probe(uva))
        XCTAssertTrue(try tlb.access(kva, in: &kernel, user: false).hit)
        tlb.switchAddressSpace(to: 1)
        XCTAssertFalse(try tlb.access(uva, in: &user).hit)
        XCTAssertEqual(tlb.statistics.fullFlushes, 2)
        // Only __flush_tlb_all (CR4.PGE toggle) removes the global entry.
        tlb.flushAllIncludingGlobal()
        XCTAssertFalse(try tlb.access(kva, in: &kernel, user: false).hit)

        // With PCID the entries are tagged and survive a round trip through another address space.
        var tagged = TLB(entries: 64, ways: 4, pcid: true, asid: 1)
        _ = try tagged.access(uva, in: &user)
        tagged.switchAddressSpace(to: 2)
        XCTAssertNil(tagged.probe(uva))  // not visible to address space 2
        tagged.switchAddressSpace(to: 1)
        XCTAssertTrue(try tagged.access(uva, in: &user).hit)
    }

    func testTLBLRUEvictionInTwoWaySet() throws {
        var source = SequentialFrameSource(firstPfn: 0x1000)
        var pt = try PageTable(mode: .x86_64, cpu: 0, source: &source)
        // 4 entries, 2 ways → 2 sets; set = vpn mod 2. vpns 0x400, 0x402, 0x404 are all even: set 0.
        let a: UInt64 = 0x40_0000, b: UInt64 = 0x40_2000, c: UInt64 = 0x40_4000
        for (i, va) in [a, b, c].enumerated() {
            try pt.map(va, pfn: 0x200 + i, flags: .pageShared, cpu: 0, source: &source)
        }
        var tlb = TLB(entries: 4, ways: 2)
        XCTAssertEqual(tlb.sets, 2)
        _ = try tlb.access(a, in: &pt)  // miss, set 0 = [a]
        _ = try tlb.access(b, in: &pt)  // miss, set 0 = [b, a]
        XCTAssertTrue(try tlb.access(a, in: &pt).hit)  // hit, a becomes most recent: [a, b]
        XCTAssertFalse(try tlb.access(c, in: &pt).hit)  // miss, full: evict b (least recent) → [c, a]
        XCTAssertEqual(tlb.contents(ofSet: 0).map(\.vpn), [0x404, 0x400])
        XCTAssertEqual(tlb.statistics.evictions, 1)
        XCTAssertTrue(try tlb.access(a, in: &pt).hit)  // a survived
        XCTAssertFalse(try tlb.access(b, in: &pt).hit)  // b was evicted; now c is the LRU one
        XCTAssertEqual(tlb.contents(ofSet: 0).map(\.vpn), [0x402, 0x400])
        XCTAssertTrue(tlb.contents(ofSet: 1).isEmpty)
        XCTAssertEqual([tlb.hits, tlb.misses, tlb.statistics.evictions], [2, 4, 2])
    }

    func testInvlpgAfterUnmapAndDirtyRewalk() throws {
        var source = SequentialFrameSource(firstPfn: 0x1000)
        var pt = try PageTable(mode: .x86_64, cpu: 0, source: &source)
        let va: UInt64 = 0x7000_0000
        try pt.map(va, pfn: 0x300, flags: [.present, .rw, .user, .accessed, .nx], cpu: 0, source: &source)
        var tlb = TLB()
        _ = try tlb.access(va, in: &pt)  // read: entry cached clean
        XCTAssertEqual(tlb.probe(va)?.dirty, false)
        // A write through a clean entry walks again so the CPU can set _PAGE_DIRTY.
        let w = try tlb.access(va, in: &pt, write: true)
        XCTAssertFalse(w.hit)
        XCTAssertTrue(try pt.walk(va).step(.pte)!.entry.flags(in: .x86_64).contains(.dirty))
        XCTAssertTrue(try tlb.access(va, in: &pt, write: true).hit)

        // munmap clears the pte; until invlpg the stale translation still answers…
        try pt.unmap(va, cpu: 0, source: &source)
        XCTAssertTrue(try tlb.access(va, in: &pt).hit)
        // …and after flush(va:) the access walks and faults.
        tlb.flush(va: va)
        let after = try tlb.access(va, in: &pt)
        XCTAssertFalse(after.hit)
        guard case let .failure(fault) = after.result else { return XCTFail("expected a fault") }
        XCTAssertEqual(fault.reason, .notPresent)
        XCTAssertEqual(fault.level, .pgd)  // every table was freed with the last page
    }

    // MARK: - Formats

    func testWalkTextAndJSON() throws {
        var source = SequentialFrameSource(firstPfn: 0x1000)
        var pt = try PageTable(mode: .x86_64, cpu: 0, source: &source)
        let va: UInt64 = 0x0000_7f12_3456_7abc
        try pt.map(va, pfn: 0x12345, flags: .pageShared, cpu: 0, source: &source)
        let walk = try pt.walk(va)
        // PAGE_SHARED = P|RW|USR|A|NX → 0x8000000012345027.
        XCTAssertEqual(TranslationFormat.text(walk), """
            x86-64 4-level walk of 0x00007f1234567abc
            level  index  entry               flags
            pgd      254  0x0000000001001067  P RW USR A D
            p4d        -  (folded into pgd)
            pud       72  0x0000000001002067  P RW USR A D
            pmd      418  0x0000000001003067  P RW USR A D
            pte      359  0x8000000012345027  P RW USR A NX
            => pfn 0x12345, physical address 0x0000000012345abc

            """)
        let missing = try pt.walk(va + 0x20_0000)
        XCTAssertTrue(TranslationFormat.text(missing).hasSuffix("=> not present at pmd: page fault\n"))

        let json = try TranslationFormat.json(walk)
        let decoded = try JSONDecoder().decode(TranslationFormat.WalkJSON.self, from: Data(json.utf8))
        XCTAssertEqual(decoded, TranslationFormat.jsonValue(walk))
        XCTAssertEqual(decoded.schema, "numasim.walk/1")
        XCTAssertEqual(decoded.virtualAddress, "0x00007f1234567abc")
        XCTAssertEqual(decoded.physicalAddress, "0x0000000012345abc")
        XCTAssertEqual(decoded.levels.map(\.index), [254, nil, 72, 418, 359])
        XCTAssertEqual(decoded.levels.last?.flags, ["P", "RW", "USR", "A", "NX"])
        XCTAssertTrue(json.contains("\"virtual_address\" : \"0x00007f1234567abc\""))
        XCTAssertNil(try JSONDecoder().decode(
            TranslationFormat.WalkJSON.self, from: Data(TranslationFormat.json(missing).utf8)).physicalAddress)

        // i386: 8-digit entries and addresses.
        var src32 = SequentialFrameSource(firstPfn: 0x2000)
        var k = try PageTable(mode: .i386, isKernel: true, cpu: 0, source: &src32)
        try k.map(0xC010_0000, pfn: 0x100, flags: .pageKernel, cpu: 0, source: &src32)
        XCTAssertEqual(TranslationFormat.text(try k.walk(0xC010_0000)), """
            i386 2-level walk of 0xc0100000
            level  index  entry       flags
            pgd      768  0x02000063  P RW A D
            p4d        -  (folded into pgd)
            pud        -  (folded into pgd)
            pmd        -  (folded into pgd)
            pte      256  0x00100163  P RW A D GLB
            => pfn 0x100, physical address 0x00100000

            """)
    }
}
