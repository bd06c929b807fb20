/// The page-table tree of one address space (`mm_struct.pgd` and everything below it).
///
/// Models `pgd_alloc`, the `p4d_alloc`/`pud_alloc`/`pmd_alloc`/`pte_alloc` chain of
/// `__handle_mm_fault` (mm/memory.c) that fills a missing level with a fresh table page,
/// `set_pte_at`, `ptep_get_and_clear` + `free_pgtables`, `pgd_free`, and the CPU's own walk (which
/// sets the accessed and dirty bits). Each table is keyed by the pfn the page source gave it, and
/// every upper entry holds that pfn exactly as the hardware would follow it.
///
/// Simplifications, chosen so the counts stay the kernel's in the common cases:
/// * `unmap` frees a table as soon as it is empty. The kernel frees tables in `free_pgtables` only
///   for the span of a whole unmapped VMA gap (floor/ceiling), so a table shared with a neighbouring
///   VMA stays; with no neighbours the results agree.
/// * Tables are freed at once; the kernel defers the free past the TLB flush (`mmu_gather`,
///   `tlb_remove_table`). The TLB model caches only leaf translations, so no stale table pointer can
///   be used — callers still flush the TLB for the unmapped page.
/// * PAE's preallocated user PMDs stay until `tearDown` (pgd_free's `pgd_mop_up_pmds`).
/// * The pgd is `2^mode.pgdAllocationOrder` pages: order 1 (8 KiB) for a PTI build
///   (`PagingMode.withPageTableIsolation`), but only the first page's entries are modelled — the
///   PTI user copy in the second page is not built.
/// * No huge pages (`_PAGE_PSE` leaves in a pmd/pud), no PTI user copy of the pgd, no sharing of
///   the kernel half of the pgd with `init_mm` (`clone_pgd_range`).
public struct PageTable: Sendable {
    struct Table: Sendable {
        let level: PageTableLevel
        /// Non-empty entries by index; a missing index is `pte_none`.
        var entries: [Int: UInt64] = [:]
        /// PAE's preallocated PMDs: not freed when they empty.
        var pinned = false
    }

    enum TableRef: Hashable {
        case root
        case page(Int)
    }

    public let mode: PagingMode
    /// `init_mm` (the kernel's own tables): upper entries are `_KERNPG_TABLE`, the pgd is `swapper_pg_dir`.
    public let isKernel: Bool
    public internal(set) var pgdStorage: PGDStorage
    var root = Table(level: .pgd)
    var tables: [Int: Table] = [:]
    /// Table pages held per level, as allocated from the page source; levels holding none are absent
    /// (a slab or kernel-image pgd is not a page and never appears).
    public internal(set) var tablePageCounts: [PageTableLevel: Int] = [:]
    /// Leaf entries installed (`MM_ANONPAGES` + `MM_FILEPAGES` would be the kernel's view).
    public internal(set) var mappedPages = 0
    public internal(set) var isTornDown = false

    /// `pgd_alloc`: the top-level table (a page, a `pgd_cache` object on PAE, or `swapper_pg_dir`
    /// for the kernel), plus PAE's preallocated user PMDs installed with `_PAGE_PRESENT` only
    /// (`pgd_prepopulate_pmd` → `pud_populate`: every other bit is reserved in a PDPT entry).
    public init(
        mode: PagingMode, isKernel: Bool = false, cpu: Int, source: inout some PageTablePageSource
    ) throws(AddressSpaceError) {
        self.mode = mode
        self.isKernel = isKernel
        if isKernel {
            pgdStorage = .kernelImage
        } else if let bytes = mode.pgdSlabBytes {
            pgdStorage = .slab(bytes: bytes)
        } else {
            guard let pfn = source.allocateTableBlock(order: mode.pgdAllocationOrder, cpu: cpu) else {
                throw .outOfMemory(level: .pgd)
            }
            pgdStorage = .page(pfn: pfn)
            tablePageCounts[.pgd] = 1 << mode.pgdAllocationOrder
        }
        guard !isKernel else { return }
        for slot in 0..<mode.preallocatedPMDs {
            guard let pfn = source.allocateTablePage(cpu: cpu) else {
                // preallocate_pmds fails as a whole: free what was taken (free_pmds, _pgd_free).
                tearDown(cpu: cpu, source: &source)
                throw .outOfMemory(level: .pmd)
            }
            do {
                root.entries[slot] = try tableEntry(pfn: pfn, heldAt: .pgd).rawValue
            } catch {
                source.freeTablePage(pfn: pfn, cpu: cpu)
                tearDown(cpu: cpu, source: &source)
                throw error
            }
            tables[pfn] = Table(level: .pmd, pinned: true)
            tablePageCounts[.pmd, default: 0] += 1
        }
    }

    // MARK: - Counts

    /// Table pages at one level.
    public func tablePages(at level: PageTableLevel) -> Int { tablePageCounts[level] ?? 0 }

    /// All table pages taken from the page source, pgd included.
    public var totalTablePages: Int { tablePageCounts.values.reduce(0, +) }

    /// `mm_pgtables_bytes()`, what `/proc/PID/status` reports as `VmPTE` (>> 10): the pte, pmd and pud
    /// tables (each `PTRS_PER_x * sizeof(entry)` = 4096 bytes in all three modes), not the pgd
    /// (`mm_inc_nr_ptes`/`mm_inc_nr_pmds`/`mm_inc_nr_puds`, include/linux/mm.h).
    public var pgtablesBytes: Int {
        (tablePages(at: .pud) + tablePages(at: .pmd) + tablePages(at: .pte)) * Int(PagingMode.pageSize)
    }

    /// The pfn of the pgd page, if it is a page.
    public var rootPfn: Int? {
        if case let .page(pfn) = pgdStorage { return pfn }
        return nil
    }

    /// Pfns of every table page below the pgd, ascending.
    public var tablePfns: [Int] { tables.keys.sorted() }

    // MARK: - Storage helpers

    func entry(_ table: TableRef, _ index: Int) -> UInt64 {
        switch table {
        case .root: return root.entries[index] ?? 0
        case let .page(pfn): return tables[pfn]?.entries[index] ?? 0
        }
    }

    mutating func setEntry(_ table: TableRef, _ index: Int, _ value: UInt64) {
        let stored: UInt64? = value == 0 ? nil : value
        switch table {
        case .root: root.entries[index] = stored
        case let .page(pfn): tables[pfn]?.entries[index] = stored
        }
    }

    func pfn(of table: TableRef) -> Int? {
        switch table {
        case .root: return rootPfn
        case let .page(pfn): return pfn
        }
    }

    /// The entry that links a new table into a table of level `heldAt`.
    func tableEntry(pfn: Int, heldAt level: PageTableLevel) throws(AddressSpaceError) -> PageTableEntry {
        let flags: PTEFlags
        if mode.arch == .i386PAE && level == .pgd {
            flags = .present  // PAE pud_populate: "almost everything apart from _PAGE_PRESENT is reserved"
        } else {
            flags = isKernel ? .kernelPageTable : .pageTable
        }
        return try PageTableEntry(pfn: pfn, flags: flags, mode: mode)
    }
}
