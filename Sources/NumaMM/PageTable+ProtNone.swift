/// NUMA-hinting PTEs (Linux 6.1 mm/mprotect.c `change_pte_range` with `MM_CP_PROT_NUMA`, the
/// `change_prot_numa` of NUMA balancing; arch/x86/include/asm/pgtable.h `pte_protnone`;
/// mm/memory.c `do_numa_page`). A PROT_NONE PTE keeps its frame but has `_PAGE_PRESENT` clear
/// and `_PAGE_PROTNONE` set (on x86 the same bit as `_PAGE_GLOBAL`, which user PTEs never
/// carry), so the next access faults and the fault handler learns who touched the page.
extension PTEFlags {
    /// `_PAGE_BIT_PROTNONE` = `_PAGE_BIT_GLOBAL` (8): meaningful only while `_PAGE_PRESENT` is clear.
    public static let protNone = PTEFlags.global

    /// `pte_modify(pte, PAGE_NONE)` with the saved write bit (`pte_mk_savedwrite`, which is
    /// `pte_mkwrite` on x86 in 6.1): `PAGE_NONE` is `_PAGE_PROTNONE | _PAGE_ACCESSED`;
    /// `_PAGE_CHG_MASK` keeps PWT, PCD, accessed and dirty; RW is kept as the saved write.
    public var numaHinting: PTEFlags {
        intersection([.rw, .dirty, .accessed, .pwt, .pcd]).union([.protNone, .accessed])
    }

    /// `do_numa_page`: `pte_modify(old, vma->vm_page_prot)`, `pte_mkyoung`, and `pte_mkwrite`
    /// if the saved write bit was set. `pageProtection` is the VMA's `vm_page_prot`.
    public func restoredFromNumaHinting(pageProtection: PTEFlags) -> PTEFlags {
        pageProtection.union(intersection([.rw, .dirty, .pwt, .pcd])).union(.accessed)
    }
}

extension PageTableEntry {
    /// `pte_protnone()`: `_PAGE_PROTNONE` set and `_PAGE_PRESENT` clear.
    public var isProtNone: Bool {
        rawValue & (PTEFlags.protNone.rawValue | PTEFlags.present.rawValue) == PTEFlags.protNone.rawValue
    }
}

extension PageTable {
    /// One PTE of `change_pte_range(..., MM_CP_PROT_NUMA)`: a present leaf becomes a NUMA-hinting
    /// PROT_NONE entry for the same frame. Returns false (nothing changed) when `va` has no
    /// present leaf or it is already PROT_NONE — the kernel skips those without a TLB flush.
    /// The caller flushes the TLBs for the range (`flush_tlb_range`). O(levels).
    public mutating func makeNumaHinting(_ va: UInt64) -> Bool {
        let mode = self.mode
        return updateLeaf(va) { e in
            guard e.isPresent else { return nil }
            let pfnBits = e.rawValue & mode.ptePfnMask
            return PageTableEntry(rawValue: pfnBits | e.flags(in: mode).numaHinting.subtracting(.present).rawValue)
        }
    }

    /// `do_numa_page` mapping the page back (`ptep_modify_prot_commit`) when it stays where it is:
    /// a PROT_NONE leaf at `va` becomes a present one with the VMA's protection. Returns false if
    /// the leaf is not a NUMA-hinting entry. O(levels).
    public mutating func restoreFromNumaHinting(_ va: UInt64, pageProtection: PTEFlags) -> Bool {
        let mode = self.mode
        return updateLeaf(va) { e in
            guard e.isProtNone else { return nil }
            let pfnBits = e.rawValue & mode.ptePfnMask
            let flags = e.flags(in: mode).restoredFromNumaHinting(pageProtection: pageProtection)
            return PageTableEntry(rawValue: pfnBits | flags.intersection(mode.supportedFlags).rawValue)
        }
    }

    /// Rewrites the leaf entry of `va` in place with `change` (nil: leave it). The leaf count does
    /// not change: both entries are non-empty.
    mutating func updateLeaf(_ va: UInt64, _ change: (PageTableEntry) -> PageTableEntry?) -> Bool {
        guard !isTornDown, mode.isCanonical(va) else { return false }
        var table = TableRef.root
        for geometry in mode.realLevels {
            let index = geometry.index(of: va)
            let current = entry(table, index)
            guard current != 0 else { return false }
            if geometry.level == .pte {
                guard let new = change(PageTableEntry(rawValue: current)), !new.isNone else { return false }
                setEntry(table, index, new.rawValue)
                return true
            }
            table = .page(PageTableEntry(rawValue: current).pfn(in: mode))
        }
        return false
    }
}
