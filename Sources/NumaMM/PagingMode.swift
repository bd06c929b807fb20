import NumaTopology

/// The five page-table levels of Linux 6.1's generic code, top to bottom, with the kernel's names
/// (include/linux/pgtable.h: `pgd_offset` → `p4d_offset` → `pud_offset` → `pmd_offset` →
/// `pte_offset_map`). Levels the hardware lacks are *folded*: `p4d_offset(pgd, a)` simply returns
/// the pgd entry (include/asm-generic/pgtable-nop4d.h, -nopud.h, -nopmd.h), so code written for five
/// levels compiles to the two, three or four the CPU walks.
public enum PageTableLevel: String, CaseIterable, Sendable, Codable, Comparable, CustomStringConvertible {
    case pgd, p4d, pud, pmd, pte

    /// 0 for pgd … 4 for pte.
    public var depth: Int { PageTableLevel.allCases.firstIndex(of: self)! }
    public static func < (a: PageTableLevel, b: PageTableLevel) -> Bool { a.depth < b.depth }
    public var description: String { rawValue }
}

/// One level of a paging mode: its `*_SHIFT` (lowest virtual-address bit of its index) and
/// `PTRS_PER_*` (entries per table). A folded level has one entry and no bits of its own.
public struct LevelGeometry: Sendable, Equatable, Hashable, Codable {
    public let level: PageTableLevel
    /// `PGDIR_SHIFT` / `P4D_SHIFT` / `PUD_SHIFT` / `PMD_SHIFT` / `PAGE_SHIFT`.
    public let shift: Int
    /// `PTRS_PER_PGD` … `PTRS_PER_PTE`; 1 when folded.
    public let entries: Int

    public var folded: Bool { entries == 1 }
    /// Bits of the virtual address this level consumes (log2 of `entries`).
    public var indexBits: Int { entries.trailingZeroBitCount }

    /// `pgd_index(a)`, `pud_index(a)`, `pmd_index(a)`, `pte_index(a)`: `(a >> SHIFT) & (PTRS_PER - 1)`.
    /// A folded level always answers 0 (its one entry is the level above's).
    public func index(of va: UInt64) -> Int {
        folded ? 0 : Int((va >> UInt64(shift)) & UInt64(entries - 1))
    }
}

/// The x86 paging modes a Linux 6.1 kernel runs, with the constants that fix its address layout.
///
/// * x86-64, 4-level (arch/x86/include/asm/pgtable_64_types.h without CONFIG_X86_5LEVEL at run
///   time): 48-bit virtual addresses split 9/9/9/9/12 into pgd/pud/pmd/pte/offset, p4d folded,
///   8-byte entries. `__PAGE_OFFSET_BASE_L4` 0xffff888000000000 and `__START_KERNEL_map`
///   0xffffffff80000000 (page_64_types.h), `__VMEMMAP_BASE` 0xffffea0000000000, `phys_base` 0 —
///   i.e. no KASLR (`nokaslr`, or CONFIG_RANDOMIZE_MEMORY/BASE off).
/// * i386, 2-level (pgtable-2level_types.h): 32-bit addresses split 10/10/12 into pgd/pte/offset,
///   p4d, pud and pmd folded, 4-byte entries, `PAGE_OFFSET` 0xC0000000 (CONFIG_VMSPLIT_3G).
/// * i386 PAE, 3-level (pgtable-3level_types.h): 2/9/9/12 into pgd/pmd/pte/offset, p4d and pud
///   folded, 8-byte entries (so NX exists), a 4-entry top level (the PDPT).
///
/// On i386 the kernel's 1 GiB must also hold vmalloc, pkmap and fixmap, so only the first
/// `MAXMEM` bytes of RAM are direct-mapped ("lowmem"): `MAXMEM = VMALLOC_END − PAGE_OFFSET −
/// __VMALLOC_RESERVE` (arch/x86/include/asm/pgtable_32_areas.h), `__VMALLOC_RESERVE` = 128 MiB
/// (arch/x86/mm/pgtable_32.c). The model uses the nominal value 4 GiB − 3 GiB − 128 MiB = 896 MiB,
/// the same default as `KernelParameters.highmemStart`; the real kernel measures from
/// `VMALLOC_END` (below pkmap, cpu_entry_area and fixmap), which puts it a few MiB lower — that
/// exact number depends on NR_CPUS and is unverified (kernel-reference §1.7), so `maxmem` is a
/// settable value.
public struct PagingMode: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let arch: Arch
    /// All five levels, pgd first; folded ones have `entries == 1`.
    public let levels: [LevelGeometry]
    /// Width of a virtual address: 48 on x86-64 (`__VIRTUAL_MASK_SHIFT` 47 plus the sign bit), 32 on i386.
    public let virtualAddressBits: Int
    /// `sizeof(pte_t)`: 8 on x86-64 and PAE, 4 on 2-level i386.
    public let entryBytes: Int
    /// `__PHYSICAL_MASK_SHIFT`: how many low bits of an entry may hold the physical address
    /// (52 on x86-64 and PAE, 32 without PAE); `PTE_PFN_MASK` is built from it.
    public let physicalMaskShift: Int
    /// Bits in a pfn the kernel can pass around: 40 (52 − 12) on x86-64; 32 on PAE because a pfn is an
    /// `unsigned long` (the "real limit is 44 bits" of page_32_types.h); 20 without PAE.
    public let maxPfnBits: Int
    /// `MAX_PHYSMEM_BITS` (arch/x86/include/asm/sparsemem.h): 46 on 4-level x86-64, 36 PAE, 32.
    public let maxPhysmemBits: Int
    /// `_PAGE_NX` is bit 63 on x86-64 and PAE, and 0 (absent) in 4-byte entries.
    public let supportsNX: Bool
    /// `PAGE_OFFSET`: start of the direct mapping of physical memory.
    public let pageOffset: UInt64
    /// `__START_KERNEL_map`: where the kernel image is mapped (equals PAGE_OFFSET on i386).
    public let startKernelMap: UInt64
    /// `phys_base`: physical address the image was loaded at minus its link address; 0 without
    /// relocation (arch/x86/kernel/head_64.S).
    public var physBase: UInt64
    /// `KERNEL_IMAGE_SIZE`: 512 MiB without CONFIG_RANDOMIZE_BASE (page_64_types.h), the size of
    /// the "kernel text mapping" row of Documentation/x86/x86_64/mm.rst. (Debian builds with
    /// RANDOMIZE_BASE, which makes it 1 GiB; settable.)
    public var kernelImageSize: UInt64
    /// `VMEMMAP_START` (`__VMEMMAP_BASE`), x86-64 only: the virtual array of `struct page`.
    public let vmemmapStart: UInt64?
    /// `__VMALLOC_RESERVE`, i386 only.
    public let vmallocReserve: UInt64?
    /// `MAXMEM`: the most RAM the direct map can cover — 1 << MAX_PHYSMEM_BITS (64 TiB) on x86-64,
    /// nominally 896 MiB on i386 (see the type's comment).
    public var maxmem: UInt64
    /// `pgd_alloc` on PAE pre-populates every user pgd slot with a PMD table
    /// (`PREALLOCATED_PMDS` = `KERNEL_PGD_BOUNDARY` = 3 when the kernel PMD is shared, i.e. without
    /// PTI) because changing a PDPT entry later needs a full CR3 reload (arch/x86/mm/pgtable.c).
    public let preallocatedPMDs: Int
    /// PAE without PTI takes the 32-byte pgd from the `pgd_cache` slab instead of a whole page
    /// (`_pgd_alloc`, arch/x86/mm/pgtable.c); nil when the pgd is a page.
    public let pgdSlabBytes: Int?
    /// `PGD_ALLOCATION_ORDER` (arch/x86/include/asm/pgalloc.h): 1 when the kernel is built with
    /// CONFIG_PAGE_TABLE_ISOLATION — the pgd and its PTI user copy in one 8 KiB, 8 KiB-aligned block,
    /// a build-time constant in 6.1 even when PTI is off at run time — else 0. The plain modes say 0;
    /// `withPageTableIsolation()` gives the x86-64 mode a Debian-style kernel runs.
    public var pgdAllocationOrder = 0

    public static let pageShift = 12
    public static let pageSize: UInt64 = 1 << 12

    /// x86-64, 4-level, no KASLR.
    public static let x86_64 = PagingMode(
        arch: .x86_64, geometry: [(39, 512), (39, 1), (30, 512), (21, 512), (12, 512)],
        virtualAddressBits: 48, entryBytes: 8, physicalMaskShift: 52, maxPfnBits: 40, maxPhysmemBits: 46,
        supportsNX: true, pageOffset: 0xffff_8880_0000_0000, startKernelMap: 0xffff_ffff_8000_0000,
        physBase: 0, kernelImageSize: 512 << 20, vmemmapStart: 0xffff_ea00_0000_0000, vmallocReserve: nil,
        maxmem: 1 << 46, preallocatedPMDs: 0, pgdSlabBytes: nil)

    /// i386 without PAE, 3G/1G split.
    public static let i386 = vmsplit3G(
        arch: .i386, geometry: [(22, 1024), (22, 1), (22, 1), (22, 1), (12, 1024)], entryBytes: 4,
        physicalMaskShift: 32, maxPfnBits: 20, maxPhysmemBits: 32, supportsNX: false, preallocatedPMDs: 0, pgdSlabBytes: nil)

    /// i386 with PAE, 3G/1G split, PTI off.
    public static let i386PAE = vmsplit3G(
        arch: .i386PAE, geometry: [(30, 4), (30, 1), (30, 1), (21, 512), (12, 512)], entryBytes: 8,
        physicalMaskShift: 52, maxPfnBits: 32, maxPhysmemBits: 36, supportsNX: true, preallocatedPMDs: 3, pgdSlabBytes: 32)

    /// An i386 mode with CONFIG_VMSPLIT_3G: `PAGE_OFFSET` and the image at 0xC0000000, 32-bit
    /// addresses, a 128 MiB `__VMALLOC_RESERVE`, `MAXMEM` = 4 GiB − PAGE_OFFSET − reserve, no vmemmap.
    private static func vmsplit3G(
        arch: Arch, geometry: [(shift: Int, entries: Int)], entryBytes: Int, physicalMaskShift: Int, maxPfnBits: Int,
        maxPhysmemBits: Int, supportsNX: Bool, preallocatedPMDs: Int, pgdSlabBytes: Int?
    ) -> PagingMode {
        let pageOffset: UInt64 = 0xC000_0000, vmallocReserve: UInt64 = 128 << 20
        return PagingMode(
            arch: arch, geometry: geometry, virtualAddressBits: 32, entryBytes: entryBytes,
            physicalMaskShift: physicalMaskShift, maxPfnBits: maxPfnBits, maxPhysmemBits: maxPhysmemBits,
            supportsNX: supportsNX, pageOffset: pageOffset, startKernelMap: pageOffset, physBase: 0,
            kernelImageSize: 512 << 20, vmemmapStart: nil, vmallocReserve: vmallocReserve,
            maxmem: (1 << 32) - pageOffset - vmallocReserve, preallocatedPMDs: preallocatedPMDs, pgdSlabBytes: pgdSlabBytes)
    }

    /// The mode of a topology's architecture.
    public init(arch: Arch) {
        switch arch {
        case .x86_64: self = .x86_64
        case .i386: self = .i386
        case .i386PAE: self = .i386PAE
        }
    }

    /// The mode of a topology, with i386's lowmem limit taken from `kernel.highmem_start` so the
    /// direct map ends where the boot model's Normal zone ends.
    public init(arch: Arch, kernel: KernelParameters) {
        self.init(arch: arch)
        if arch.is32Bit { maxmem = kernel.highmemStart }
    }

    /// `geometry`: (`*_SHIFT`, `PTRS_PER_*`) of pgd, p4d, pud, pmd and pte, in that order.
    private init(
        arch: Arch, geometry: [(shift: Int, entries: Int)], virtualAddressBits: Int, entryBytes: Int, physicalMaskShift: Int,
        maxPfnBits: Int, maxPhysmemBits: Int, supportsNX: Bool, pageOffset: UInt64, startKernelMap: UInt64,
        physBase: UInt64, kernelImageSize: UInt64, vmemmapStart: UInt64?, vmallocReserve: UInt64?, maxmem: UInt64,
        preallocatedPMDs: Int, pgdSlabBytes: Int?
    ) {
        self.arch = arch
        self.levels = zip(PageTableLevel.allCases, geometry).map { LevelGeometry(level: $0, shift: $1.shift, entries: $1.entries) }
        self.virtualAddressBits = virtualAddressBits
        self.entryBytes = entryBytes
        self.physicalMaskShift = physicalMaskShift
        self.maxPfnBits = maxPfnBits
        self.maxPhysmemBits = maxPhysmemBits
        self.supportsNX = supportsNX
        self.pageOffset = pageOffset
        self.startKernelMap = startKernelMap
        self.physBase = physBase
        self.kernelImageSize = kernelImageSize
        self.vmemmapStart = vmemmapStart
        self.vmallocReserve = vmallocReserve
        self.maxmem = maxmem
        self.preallocatedPMDs = preallocatedPMDs
        self.pgdSlabBytes = pgdSlabBytes
    }

    public var description: String {
        switch arch {
        case .x86_64: return "x86-64 4-level"
        case .i386: return "i386 2-level"
        case .i386PAE: return "i386 PAE 3-level"
        }
    }

    /// The mode of a kernel built with CONFIG_PAGE_TABLE_ISOLATION (Debian's 6.1 x86-64 config): the
    /// pgd is an order-1 block (`_pgd_alloc` → `__get_free_pages(GFP_PGTABLE_USER, 1)`). i386 modes are
    /// returned unchanged: the model keeps PTI off there (PAE's shared kernel PMD and `pgd_cache`).
    public func withPageTableIsolation() -> PagingMode {
        guard arch == .x86_64 else { return self }
        var m = self
        m.pgdAllocationOrder = 1
        return m
    }

    /// Number of levels the hardware actually walks (`CONFIG_PGTABLE_LEVELS`): 4, 2 or 3.
    public var pagingLevels: Int { realLevels.count }

    /// The levels the CPU walks, top to bottom (folded ones left out).
    public var realLevels: [LevelGeometry] { levels.filter { !$0.folded } }

    public func geometry(_ level: PageTableLevel) -> LevelGeometry { levels[level.depth] }

    /// `PTE_PFN_MASK` = `PHYSICAL_PAGE_MASK` = `PAGE_MASK & __PHYSICAL_MASK` (page_types.h): the
    /// bits of an entry that hold the physical address of the next table or of the page.
    public var ptePfnMask: UInt64 {
        let physical: UInt64 = physicalMaskShift >= 64 ? ~0 : (1 << UInt64(physicalMaskShift)) - 1
        return physical & ~(PagingMode.pageSize - 1)
    }

    /// `_PAGE_*` bits an entry of this mode can carry: `__supported_pte_mask` without NX on 2-level.
    public var supportedFlags: PTEFlags { supportsNX ? .all : PTEFlags.all.subtracting(.nx) }

    /// `KERNEL_PGD_BOUNDARY` = `pgd_index(PAGE_OFFSET)` (arch/x86/include/asm/pgtable.h): the first
    /// pgd slot `pgd_alloc` copies from `swapper_pg_dir` (273 on x86-64 — slots 256..272 are the
    /// guard hole and the PTI LDT remap — 768 on i386, 3 on PAE).
    public var kernelPgdBoundary: Int { geometry(.pgd).index(of: pageOffset) }

    /// `TASK_SIZE`: the first address above user space — `TASK_SIZE_MAX` = 2^47 − 4096 on x86-64
    /// (page_64_types.h: the last canonical user page is kept unmapped), `PAGE_OFFSET` on i386.
    public var taskSize: UInt64 { arch == .x86_64 ? (1 << 47) - PagingMode.pageSize : pageOffset }

    /// Is `va` canonical? On x86-64 bits 63..47 must all equal bit 47 (sign extension of the
    /// 48-bit address); on i386 any 32-bit value is an address.
    public func isCanonical(_ va: UInt64) -> Bool {
        if arch.is32Bit { return va >> 32 == 0 }
        let top = va >> UInt64(virtualAddressBits - 1)  // bits 63..47: 17 bits
        return top == 0 || top == (1 << UInt64(65 - virtualAddressBits)) - 1
    }

    /// Checks an address before any walk: non-canonical (x86-64) or wider than 32 bits (i386).
    public func validate(_ va: UInt64) throws(AddressSpaceError) {
        guard isCanonical(va) else {
            if arch.is32Bit { throw .addressTooWide(address: va, bits: virtualAddressBits) }
            throw .nonCanonical(address: va)
        }
    }

    /// The index of `va` at every level plus the page offset.
    public func indices(of va: UInt64) throws(AddressSpaceError) -> VirtualAddressIndices {
        try validate(va)
        return VirtualAddressIndices(
            pgd: geometry(.pgd).index(of: va), p4d: geometry(.p4d).index(of: va), pud: geometry(.pud).index(of: va),
            pmd: geometry(.pmd).index(of: va), pte: geometry(.pte).index(of: va),
            offset: Int(va & (PagingMode.pageSize - 1)))
    }

    /// `max_low_pfn` for a machine whose RAM ends at `maxPfn`: everything on x86-64; on i386 RAM
    /// above `MAXMEM` is HighMem (`find_low_pfn_range`, arch/x86/mm/init_32.c).
    public func maxLowPfn(maxPfn: Int) -> Int {
        min(maxPfn, Int(maxmem >> UInt64(PagingMode.pageShift)))
    }

    /// `high_memory` = `__va(max_low_pfn * PAGE_SIZE - 1) + 1`: the first kernel virtual address
    /// past the direct map (init_32.c `highmem_pfn_init`/`lowmem_pfn_init`, init_64.c `paging_init`).
    /// On i386 vmalloc starts `VMALLOC_OFFSET` (8 MiB) above it.
    public func highMemory(maxPfn: Int) -> UInt64 {
        pageOffset &+ (UInt64(maxLowPfn(maxPfn: maxPfn)) << UInt64(PagingMode.pageShift))
    }
}

/// A virtual address cut into its per-level indices (folded levels are 0) and page offset.
public struct VirtualAddressIndices: Sendable, Equatable, Hashable, Codable {
    public var pgd: Int
    public var p4d: Int
    public var pud: Int
    public var pmd: Int
    public var pte: Int
    public var offset: Int

    public init(pgd: Int, p4d: Int, pud: Int, pmd: Int, pte: Int, offset: Int) {
        self.pgd = pgd
        self.p4d = p4d
        self.pud = pud
        self.pmd = pmd
        self.pte = pte
        self.offset = offset
    }

    public subscript(level: PageTableLevel) -> Int {
        switch level {
        case .pgd: return pgd
        case .p4d: return p4d
        case .pud: return pud
        case .pmd: return pmd
        case .pte: return pte
        }
    }
}
