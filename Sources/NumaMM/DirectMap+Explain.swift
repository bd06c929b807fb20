/// A kernel virtual address translated by arithmetic (`__pa`), with the rule used and its operands,
/// for `numasim translate`.
public struct KernelTranslation: Sendable, Equatable, Codable {
    public var mode: String
    public var virtualAddress: String
    public var region: String
    /// The kernel expression, e.g. `__pa(x) = x - PAGE_OFFSET`.
    public var rule: String
    /// The arithmetic with numbers.
    public var arithmetic: String
    public var physicalAddress: String
    public var pfn: Int
    /// `virt_to_page(x)`: the `struct page` address (nil on i386 without a memmap layout).
    public var structPage: String?
    /// Lines worth knowing (lowmem/highmem on i386).
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case mode, region, rule, arithmetic, pfn, notes
        case virtualAddress = "virtual_address", physicalAddress = "physical_address", structPage = "struct_page"
    }
}

extension DirectMap {
    /// `__pa(va)` with the rule spelled out: the direct map (`x − PAGE_OFFSET`) or, on x86-64, the
    /// kernel image (`x − __START_KERNEL_map + phys_base`). Throws what `pa` throws.
    public func explain(_ va: UInt64) throws(AddressSpaceError) -> KernelTranslation {
        let pa = try self.pa(va)
        let digits = mode.arch.is32Bit ? 8 : 16
        func h(_ v: UInt64) -> String { hexString(v, digits: digits) }
        let pfn = Int(pa >> UInt64(PagingMode.pageShift))
        var rule: String, arithmetic: String, region: KernelVirtualRegion
        if !mode.arch.is32Bit && va >= mode.startKernelMap {
            region = .kernelText
            rule = "__pa(x) = x - __START_KERNEL_map + phys_base"
            arithmetic = "\(h(va)) - \(h(mode.startKernelMap)) + \(h(mode.physBase)) = \(h(pa))"
        } else {
            region = .directMap
            rule = "__pa(x) = x - PAGE_OFFSET"
            arithmetic = "\(h(va)) - \(h(mode.pageOffset)) = \(h(pa))"
        }
        var notes: [String] = []
        if mode.arch.is32Bit {
            notes.append("lowmem: the direct map covers physical 0 to \(h(UInt64(maxLowPfn) << 12)) (max_low_pfn \(hexString(UInt64(maxLowPfn)))), "
                + "virtual \(h(mode.pageOffset))-\(h(highMemory - 1)) (high_memory \(h(highMemory)))")
            if maxPfn > maxLowPfn {
                notes.append("pfns \(hexString(UInt64(maxLowPfn)))-\(hexString(UInt64(maxPfn - 1))) are HighMem: no permanent kernel address; "
                    + "the kernel maps one with kmap()/kmap_local_page() (pkmap or fixmap slots above high_memory) before touching it")
            }
        } else {
            notes.append("the direct map covers all RAM (max_pfn \(hexString(UInt64(maxPfn)))); x86-64 has no HighMem")
        }
        return KernelTranslation(
            mode: mode.description, virtualAddress: h(va), region: region.description, rule: rule, arithmetic: arithmetic,
            physicalAddress: h(pa), pfn: pfn, structPage: (try? pfnToPage(pfn)).map { hex64($0) }, notes: notes)
    }
}
