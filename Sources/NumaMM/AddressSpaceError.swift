/// Everything the address-space model refuses to do, with a sentence a user can act on.
///
/// The kernel has no single equivalent: a non-canonical address raises #GP on the CPU, a bad
/// `__pa()` is a `VIRTUAL_BUG_ON` under CONFIG_DEBUG_VIRTUAL (arch/x86/mm/physaddr.c), a failed
/// `pte_alloc()` is `-ENOMEM` from `__handle_mm_fault`, and a highmem page has no address at all
/// until `kmap()`. The model turns each into a case here instead of computing garbage, so a caller
/// learns which rule it broke.
public enum AddressSpaceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// x86-64: bits 63..47 are not all copies of bit 47 (the CPU raises #GP, no page walk happens).
    case nonCanonical(address: UInt64)
    /// A 32-bit mode was given an address that does not fit in 32 bits.
    case addressTooWide(address: UInt64, bits: Int)
    /// A pfn that the entry's address field (`PTE_PFN_MASK`) cannot hold.
    case pfnOutOfRange(pfn: Int, maxBits: Int)
    /// `map` found a non-empty PTE already there (the kernel would have hit a BUG or a race).
    case alreadyMapped(address: UInt64, entry: UInt64)
    /// The page source returned nil while a table of this level was needed (`-ENOMEM`).
    case outOfMemory(level: PageTableLevel)
    /// The page table was torn down (`exit_mmap` + `pgd_free`) and cannot be used again.
    case tornDown
    /// `__pa()` of a user-space address: user pages have no fixed kernel-virtual alias.
    case userAddress(address: UInt64)
    /// `__pa()` of a kernel address outside the direct map and the kernel image (vmalloc, vmemmap,
    /// modules, fixmap, holes): only a page-table walk can translate it.
    case notLinearlyMapped(address: UInt64, region: KernelVirtualRegion)
    /// `__va()` / `page_address()` of a physical page above `max_low_pfn` on i386: HighMem has no
    /// permanent kernel mapping; the kernel must `kmap()` / `kmap_local_page()` it first.
    case highmemNoPermanentMapping(physicalAddress: UInt64)
    /// A physical address at or above `max_pfn`: there is no RAM (and no direct mapping) there.
    case beyondPhysicalMemory(physicalAddress: UInt64)
    /// `page_to_pfn()` of an address that is not the start of a `struct page` in the memmap.
    case notAStructPage(address: UInt64)
    /// The layout has no memmap description (i386 FLATMEM needs the boot-time `mem_map` address).
    case noMemMapLayout

    public var description: String {
        switch self {
        case let .nonCanonical(a):
            return "\(hex64(a)) is not canonical: on x86-64 with 4-level paging bits 63..47 must all equal bit 47 "
                + "(valid ranges 0x0000000000000000-0x00007fffffffffff and 0xffff800000000000-0xffffffffffffffff)"
        case let .addressTooWide(a, bits):
            return "\(hex64(a)) does not fit in the \(bits)-bit virtual address space of this paging mode"
        case let .pfnOutOfRange(pfn, bits):
            return "pfn \(hexString(UInt64(pfn))) does not fit in a page-table entry of this mode (at most \(bits) bits of pfn)"
        case let .alreadyMapped(a, e):
            return "\(hex64(a)) is already mapped (pte \(hex64(e))); unmap it first"
        case let .outOfMemory(level):
            return "out of memory: no page for a new \(level) table"
        case .tornDown:
            return "this page table was torn down (exit_mmap/pgd_free); create a new one"
        case let .userAddress(a):
            return "\(hex64(a)) is a user-space address: __pa() only works on kernel direct-map or kernel-image addresses; walk the process's page table instead"
        case let .notLinearlyMapped(a, region):
            return "\(hex64(a)) lies in \(region.description), which is not linearly mapped: __pa() does not apply; walk the kernel page table instead"
        case let .highmemNoPermanentMapping(pa):
            return "physical \(hex64(pa)) is HighMem (at or above max_low_pfn): it has no permanent kernel mapping, __va() does not apply; the kernel must kmap()/kmap_local_page() it"
        case let .beyondPhysicalMemory(pa):
            return "physical \(hex64(pa)) is at or above max_pfn: there is no RAM there"
        case let .notAStructPage(a):
            return "\(hex64(a)) is not the address of a struct page in the memmap"
        case .noMemMapLayout:
            return "no memmap layout given: i386 FLATMEM needs the boot-time mem_map address and sizeof(struct page)"
        }
    }
}

/// `0x` + 16 hex digits: how the kernel prints a 64-bit address or entry (`%016lx`).
public func hex64(_ v: UInt64) -> String { hexString(v, digits: 16) }

/// `0x` + hex, zero-padded to `digits` (no padding when 0).
public func hexString(_ v: UInt64, digits: Int = 0) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
}
