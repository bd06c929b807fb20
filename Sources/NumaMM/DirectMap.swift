/// The named areas of the kernel's virtual address space.
///
/// x86-64 4-level: the table of Documentation/x86/x86_64/mm.rst (Linux 6.1), without KASLR.
/// i386: user space below `PAGE_OFFSET`, the direct map ("lowmem") up to `high_memory`, then
/// vmalloc, pkmap, cpu_entry_area and fixmap, whose exact boundaries depend on NR_CPUS and are
/// modelled as one area.
public enum KernelVirtualRegion: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case user
    case nonCanonical = "non-canonical"
    case guardHole = "guard-hole"
    case ldtRemap = "ldt-remap"
    case directMap = "direct-map"
    case vmalloc
    case vmemmap
    case kasanShadow = "kasan-shadow"
    case cpuEntryArea = "cpu-entry-area"
    case espfix
    case efi
    case kernelText = "kernel-text"
    case modules
    case fixmap
    case unused
    /// i386: everything from `high_memory` to 4 GiB (vmalloc, pkmap, fixmap).
    case highKernelArea = "vmalloc-pkmap-fixmap"

    public var description: String {
        switch self {
        case .user: return "user space"
        case .nonCanonical: return "the non-canonical hole"
        case .guardHole: return "the guard hole"
        case .ldtRemap: return "the PTI LDT remap"
        case .directMap: return "the direct map"
        case .vmalloc: return "vmalloc/ioremap space"
        case .vmemmap: return "the vmemmap (struct page array)"
        case .kasanShadow: return "KASAN shadow memory"
        case .cpuEntryArea: return "the cpu_entry_area"
        case .espfix: return "the %esp fixup stacks"
        case .efi: return "the EFI region"
        case .kernelText: return "the kernel text mapping"
        case .modules: return "module space"
        case .fixmap: return "the fixmap/vsyscall area"
        case .unused: return "an unused hole"
        case .highKernelArea: return "the vmalloc/pkmap/fixmap area above high_memory"
        }
    }
}

/// How `pfn_to_page` finds a `struct page` (include/asm-generic/memory_model.h).
public enum MemMapLayout: Sendable, Equatable, Hashable {
    /// CONFIG_SPARSEMEM_VMEMMAP (x86-64): `vmemmap + pfn`, a virtually contiguous array at
    /// `VMEMMAP_START` whose backing pages each section allocates on its own node.
    case vmemmap(base: UInt64, structPageSize: Int)
    /// CONFIG_FLATMEM: `mem_map + (pfn - ARCH_PFN_OFFSET)`, one array allocated by memblock at boot,
    /// so its address is a boot-time value, not a constant.
    case flat(memMap: UInt64, structPageSize: Int, pfnOffset: Int)
}

/// Kernel-virtual ↔ physical arithmetic: `__pa`, `__va`, `virt_to_page`, `pfn_to_page`,
/// `page_to_pfn`, `page_address` (arch/x86/include/asm/page.h, page_64.h, page_32.h,
/// arch/x86/mm/physaddr.c).
///
/// * x86-64 `__phys_addr`: an address at or above `__START_KERNEL_map` is in the kernel image,
///   `pa = x − __START_KERNEL_map + phys_base`; otherwise it is in the direct map,
///   `pa = x − PAGE_OFFSET`. Checked as CONFIG_DEBUG_VIRTUAL does: the image offset must be below
///   `KERNEL_IMAGE_SIZE`, the direct-map address inside the 64 TiB window — and, beyond the kernel,
///   below `max_pfn`, so an answer always names RAM.
/// * i386: `pa = x − PAGE_OFFSET` for `PAGE_OFFSET ≤ x < high_memory` only. A physical page at or
///   above `max_low_pfn` (HighMem) has no permanent kernel address: `__va` and `page_address` refuse
///   it, because the kernel must `kmap()` it first.
public struct DirectMap: Sendable, Equatable {
    public let mode: PagingMode
    /// `max_pfn`: one past the highest RAM page frame.
    public let maxPfn: Int
    /// The memmap layout; defaults to the vmemmap on x86-64, must be given for i386.
    public let memMap: MemMapLayout?

    /// `sizeof(struct page)` on x86-64 (include/linux/mm_types.h; 8 words).
    public static let x86_64StructPageSize = 64
    /// The vmemmap window: 1 TiB (mm.rst, `ffffea0000000000`–`ffffeaffffffffff`).
    public static let vmemmapSize: UInt64 = 1 << 40

    public init(mode: PagingMode, maxPfn: Int, memMap: MemMapLayout? = nil) {
        self.mode = mode
        self.maxPfn = maxPfn
        if let memMap {
            self.memMap = memMap
        } else if let base = mode.vmemmapStart {
            self.memMap = .vmemmap(base: base, structPageSize: DirectMap.x86_64StructPageSize)
        } else {
            self.memMap = nil
        }
    }

    /// `max_low_pfn`: the last direct-mapped pfn + 1.
    public var maxLowPfn: Int { mode.maxLowPfn(maxPfn: maxPfn) }

    /// `high_memory`: the first kernel virtual address past the direct map.
    public var highMemory: UInt64 { mode.highMemory(maxPfn: maxPfn) }

    /// `PageHighMem()`: above `max_low_pfn`, so no permanent kernel mapping (never on x86-64).
    public func isHighmem(pfn: Int) -> Bool { pfn >= maxLowPfn }

    /// Which area `va` lies in.
    public func region(of va: UInt64) -> KernelVirtualRegion {
        if mode.arch.is32Bit {
            if va < mode.pageOffset { return .user }
            return va < highMemory ? .directMap : .highKernelArea
        }
        for (range, region) in x86_64Regions where range.contains(va) { return region }
        return .unused
    }

    /// x86-64 4-level layout, mm.rst order. The direct map, kernel text and vmemmap take their
    /// bounds from the mode so a changed `kernelImageSize` moves the modules area as the kernel does
    /// (`MODULES_VADDR = __START_KERNEL_map + KERNEL_IMAGE_SIZE`).
    private var x86_64Regions: [(ClosedRange<UInt64>, KernelVirtualRegion)] {
        let vmemmap = mode.vmemmapStart ?? 0xffff_ea00_0000_0000
        let text = mode.startKernelMap
        let modules = text + mode.kernelImageSize
        return [
            (0...0x0000_7fff_ffff_ffff, .user),
            (0x0000_8000_0000_0000...0xffff_7fff_ffff_ffff, .nonCanonical),
            (0xffff_8000_0000_0000...0xffff_87ff_ffff_ffff, .guardHole),
            (0xffff_8800_0000_0000...0xffff_887f_ffff_ffff, .ldtRemap),
            (mode.pageOffset...(mode.pageOffset + mode.maxmem - 1), .directMap),
            (0xffff_c900_0000_0000...0xffff_e8ff_ffff_ffff, .vmalloc),
            (vmemmap...(vmemmap + DirectMap.vmemmapSize - 1), .vmemmap),
            (0xffff_ec00_0000_0000...0xffff_fbff_ffff_ffff, .kasanShadow),
            (0xffff_fe00_0000_0000...0xffff_fe7f_ffff_ffff, .cpuEntryArea),
            (0xffff_ff00_0000_0000...0xffff_ff7f_ffff_ffff, .espfix),
            (0xffff_ffef_0000_0000...0xffff_fffe_ffff_ffff, .efi),
            (text...(modules - 1), .kernelText),
            (modules...0xffff_ffff_feff_ffff, .modules),
            (0xffff_ffff_ff00_0000...0xffff_ffff_ffff_ffff, .fixmap),
        ]
    }

    /// `__pa(x)`: kernel virtual → physical.
    public func pa(_ va: UInt64) throws(AddressSpaceError) -> UInt64 {
        try mode.validate(va)
        if mode.arch.is32Bit {
            guard va >= mode.pageOffset else { throw .userAddress(address: va) }
            guard va < highMemory else { throw .notLinearlyMapped(address: va, region: .highKernelArea) }
            return va - mode.pageOffset
        }
        // __phys_addr_nodebug: "use the carry flag to determine if x was < __START_KERNEL_map".
        if va >= mode.startKernelMap {
            let offset = va - mode.startKernelMap
            guard offset < mode.kernelImageSize else { throw .notLinearlyMapped(address: va, region: region(of: va)) }
            return offset + mode.physBase
        }
        let area = region(of: va)
        switch area {
        case .user: throw .userAddress(address: va)
        case .directMap:
            let pa = va - mode.pageOffset
            guard pa >> UInt64(PagingMode.pageShift) < UInt64(maxPfn) else { throw .beyondPhysicalMemory(physicalAddress: pa) }
            return pa
        default: throw .notLinearlyMapped(address: va, region: area)
        }
    }

    /// `__pa_symbol(x)`: a kernel-image symbol → physical (`x − __START_KERNEL_map + phys_base` on
    /// x86-64; the plain `__pa` on i386, where the image is in the direct map).
    public func paSymbol(_ va: UInt64) throws(AddressSpaceError) -> UInt64 {
        if mode.arch.is32Bit { return try pa(va) }
        try mode.validate(va)
        guard va >= mode.startKernelMap, va - mode.startKernelMap < mode.kernelImageSize else {
            throw .notLinearlyMapped(address: va, region: region(of: va))
        }
        return va - mode.startKernelMap + mode.physBase
    }

    /// `__va(pa)` = `pa + PAGE_OFFSET`, only for RAM that the direct map covers.
    public func va(_ pa: UInt64) throws(AddressSpaceError) -> UInt64 {
        let pfn = pa >> UInt64(PagingMode.pageShift)
        guard pfn < UInt64(maxPfn) else { throw .beyondPhysicalMemory(physicalAddress: pa) }
        guard pfn < UInt64(maxLowPfn) else { throw .highmemNoPermanentMapping(physicalAddress: pa) }
        return pa + mode.pageOffset
    }

    /// `page_address(page)` for a pfn: its direct-map address; HighMem pages have none (the kernel's
    /// `page_address` returns NULL until the page is kmapped).
    public func pageAddress(pfn: Int) throws(AddressSpaceError) -> UInt64 {
        try va(UInt64(pfn) << UInt64(PagingMode.pageShift))
    }

    /// `pfn_to_page(pfn)`: the kernel-virtual address of its `struct page`.
    public func pfnToPage(_ pfn: Int) throws(AddressSpaceError) -> UInt64 {
        guard pfn >= 0, pfn < maxPfn else {
            throw .beyondPhysicalMemory(physicalAddress: UInt64(max(pfn, 0)) << UInt64(PagingMode.pageShift))
        }
        switch memMap {
        case let .vmemmap(base, size)?:
            return base + UInt64(pfn) * UInt64(size)
        case let .flat(memMap, size, offset)?:
            guard pfn >= offset else { throw .beyondPhysicalMemory(physicalAddress: UInt64(pfn) << UInt64(PagingMode.pageShift)) }
            return memMap + UInt64(pfn - offset) * UInt64(size)
        case nil:
            throw .noMemMapLayout
        }
    }

    /// `page_to_pfn(page)`: the inverse of `pfnToPage`.
    public func pageToPfn(_ page: UInt64) throws(AddressSpaceError) -> Int {
        let base: UInt64, size: Int, offset: Int
        switch memMap {
        case let .vmemmap(b, s)?: (base, size, offset) = (b, s, 0)
        case let .flat(b, s, o)?: (base, size, offset) = (b, s, o)
        case nil: throw .noMemMapLayout
        }
        guard page >= base, (page - base) % UInt64(size) == 0 else { throw .notAStructPage(address: page) }
        let pfn = Int((page - base) / UInt64(size)) + offset
        guard pfn < maxPfn else { throw .notAStructPage(address: page) }
        return pfn
    }

    /// `virt_to_page(kaddr)` = `pfn_to_page(__pa(kaddr) >> PAGE_SHIFT)`.
    public func virtToPage(_ va: UInt64) throws(AddressSpaceError) -> UInt64 {
        let pa = try pa(va)
        return try pfnToPage(Int(pa >> UInt64(PagingMode.pageShift)))
    }
}
