/// Filling an address space's tables on a fault: the `p4d_alloc` → `pud_alloc` → `pmd_alloc` →
/// `pte_alloc` chain of `__handle_mm_fault` (mm/memory.c), then `set_pte_at`.
extension PageTable {
    /// `set_pte_at(mm, va, ptep, pfn_pte(pfn, prot))` after `__handle_mm_fault` made sure every level
    /// above exists: each missing table is taken from `source` on `cpu` and linked in with
    /// `_PAGE_TABLE` (user) or `_KERNPG_TABLE` (kernel) — `_PAGE_PRESENT` alone in a PAE pgd entry.
    /// `va` selects the page that contains it (the offset bits are ignored). Throws if the PTE is
    /// already in use; tables allocated before an out-of-memory failure stay, as in the kernel.
    public mutating func map(
        _ va: UInt64, pfn: Int, flags: PTEFlags, cpu: Int, source: inout some PageTablePageSource
    ) throws(AddressSpaceError) {
        guard !isTornDown else { throw .tornDown }
        try mode.validate(va)
        let leaf = try PageTableEntry(pfn: pfn, flags: flags, mode: mode)
        let real = mode.realLevels
        var table = TableRef.root
        for (depth, geometry) in real.enumerated() {
            let index = geometry.index(of: va)
            let current = entry(table, index)
            if geometry.level == .pte {
                guard current == 0 else { throw .alreadyMapped(address: va, entry: current) }
                guard !leaf.isNone else { return }  // pfn 0 with no flags: nothing to install
                setEntry(table, index, leaf.rawValue)
                mappedPages += 1
                _checkInvariants()
                return
            }
            if current != 0 {
                table = .page(PageTableEntry(rawValue: current).pfn(in: mode))
                continue
            }
            let childLevel = real[depth + 1].level
            guard let childPfn = source.allocateTablePage(cpu: cpu) else { throw .outOfMemory(level: childLevel) }
            let link: PageTableEntry
            do {
                link = try tableEntry(pfn: childPfn, heldAt: geometry.level)
            } catch {
                source.freeTablePage(pfn: childPfn, cpu: cpu)
                throw error
            }
            tables[childPfn] = Table(level: childLevel)
            tablePageCounts[childLevel, default: 0] += 1
            setEntry(table, index, link.rawValue)
            table = .page(childPfn)
        }
    }
}
