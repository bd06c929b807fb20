/// Reading an address space's tables without changing them: the leaf entry of an address, and a
/// software walk (`follow_page`, `lookup_address`).
extension PageTable {
    /// The leaf entry of `va` without setting any bit (nil when a level is missing or the PTE is none).
    public func leaf(_ va: UInt64) -> PageTableEntry? {
        guard !isTornDown, mode.isCanonical(va) else { return nil }
        var table = TableRef.root
        for geometry in mode.realLevels {
            let current = entry(table, geometry.index(of: va))
            guard current != 0 else { return nil }
            if geometry.level == .pte { return PageTableEntry(rawValue: current) }
            table = .page(PageTableEntry(rawValue: current).pfn(in: mode))
        }
        return nil
    }

    /// `pmd_none(*pmd)` for `va`: no PTE table is installed where the walk to `va` needs one (a
    /// level above is missing, or the entry pointing at the PTE table is empty). Only then may
    /// a fault map a transparent huge page there (`__handle_mm_fault`). O(levels).
    public func pteTableMissing(_ va: UInt64) -> Bool {
        guard !isTornDown, mode.isCanonical(va) else { return true }
        var table = TableRef.root
        for geometry in mode.realLevels {
            if geometry.level == .pte { return false }
            let current = entry(table, geometry.index(of: va))
            guard current != 0 else { return true }
            table = .page(PageTableEntry(rawValue: current).pfn(in: mode))
        }
        return false
    }

    /// A software walk (what `follow_page` / `lookup_address` do): reads every level, changes nothing.
    public func walk(_ va: UInt64) throws(AddressSpaceError) -> Walk {
        guard !isTornDown else { throw .tornDown }
        try mode.validate(va)
        var steps: [Walk.Step] = []
        var table = TableRef.root
        var lastEntry: UInt64 = 0
        var lastTablePfn: Int? = nil
        for geometry in mode.levels {
            if geometry.folded {
                // p4d_offset(pgd, a) == (p4d_t *)pgd, and so on: a folded level shows the entry above.
                steps.append(Walk.Step(
                    level: geometry.level, folded: true, index: 0,
                    entry: PageTableEntry(rawValue: lastEntry), tablePfn: lastTablePfn))
                continue
            }
            let index = geometry.index(of: va)
            let value = entry(table, index)
            let tablePfn = pfn(of: table)
            steps.append(Walk.Step(
                level: geometry.level, folded: false, index: index,
                entry: PageTableEntry(rawValue: value), tablePfn: tablePfn))
            lastEntry = value
            lastTablePfn = tablePfn
            let e = PageTableEntry(rawValue: value)
            guard e.isPresent else {
                return Walk(mode: mode, virtualAddress: va, steps: steps, outcome: .notPresent(level: geometry.level))
            }
            if geometry.level == .pte {
                let pfn = e.pfn(in: mode)
                let pa = (UInt64(pfn) << UInt64(PagingMode.pageShift)) | (va & (PagingMode.pageSize - 1))
                return Walk(mode: mode, virtualAddress: va, steps: steps, outcome: .translated(physicalAddress: pa, pfn: pfn))
            }
            table = .page(e.pfn(in: mode))
        }
        preconditionFailure("every paging mode ends with a pte level")
    }
}
