/// Where page-table pages come from and go back to.
///
/// In the kernel every table below the pgd is an order-0 page from the buddy allocator
/// (`pte_alloc_one` / `pmd_alloc_one` / `pud_alloc_one` with `GFP_PGTABLE_USER`, on the faulting
/// CPU's node), so page tables show up in `/proc/meminfo` `PageTables:` and in numastat like any other
/// allocation. The model asks this protocol for a pfn instead of calling the allocator directly so
/// that `NumaMM` does not depend on `NumaCore`; the allocator will conform later.
public protocol PageTablePageSource {
    /// One zeroed page for a table, allocated on behalf of `cpu`; its pfn, or nil when out of memory.
    mutating func allocateTablePage(cpu: Int) -> Int?
    /// Gives a table page back (`pte_free` / `pmd_free` / `pud_free` / `pgd_free`).
    mutating func freeTablePage(pfn: Int, cpu: Int)
    /// `2^order` contiguous zeroed pages (the order-1 pgd of a PTI kernel); the first pfn, or nil.
    mutating func allocateTableBlock(order: Int, cpu: Int) -> Int?
    /// Gives back a block from `allocateTableBlock`.
    mutating func freeTableBlock(pfn: Int, order: Int, cpu: Int)
}

extension PageTablePageSource {
    /// Sources that hand out single pages only: order 0 works, a larger block is out of memory.
    public mutating func allocateTableBlock(order: Int, cpu: Int) -> Int? {
        order == 0 ? allocateTablePage(cpu: cpu) : nil
    }

    public mutating func freeTableBlock(pfn: Int, order: Int, cpu: Int) {
        precondition(order == 0, "freeTableBlock: this source hands out single pages only")
        freeTablePage(pfn: pfn, cpu: cpu)
    }
}

/// A trivial page source for tests and examples: hands out increasing pfns from `firstPfn`,
/// reuses freed ones last-in first-out (as the per-CPU free lists return the hottest page), and
/// fails once `limit` pages are outstanding.
public struct SequentialFrameSource: PageTablePageSource, Sendable {
    public private(set) var nextPfn: Int
    /// At most this many pages allocated and not yet freed; nil for no limit.
    public var limit: Int?
    public private(set) var outstanding: Set<Int> = []
    public private(set) var freeList: [Int] = []
    public private(set) var allocations = 0
    public private(set) var frees = 0
    /// The CPU of the last request, so tests can see that the caller's CPU is passed through.
    public private(set) var lastCPU: Int?

    public init(firstPfn: Int = 0x1000, limit: Int? = nil) {
        nextPfn = firstPfn
        self.limit = limit
    }

    public mutating func allocateTablePage(cpu: Int) -> Int? {
        lastCPU = cpu
        if let limit, outstanding.count >= limit { return nil }
        let pfn: Int
        if let reused = freeList.popLast() {
            pfn = reused
        } else {
            pfn = nextPfn
            nextPfn += 1
        }
        outstanding.insert(pfn)
        allocations += 1
        return pfn
    }

    /// A block of `2^order` pages at the next aligned pfn (freed blocks are not reused).
    public mutating func allocateTableBlock(order: Int, cpu: Int) -> Int? {
        if order == 0 { return allocateTablePage(cpu: cpu) }
        lastCPU = cpu
        let n = 1 << order
        if let limit, outstanding.count + n > limit { return nil }
        let first = (nextPfn + n - 1) & ~(n - 1)
        nextPfn = first + n
        for p in first..<first + n { outstanding.insert(p) }
        allocations += n
        return first
    }

    public mutating func freeTableBlock(pfn: Int, order: Int, cpu: Int) {
        if order == 0 { return freeTablePage(pfn: pfn, cpu: cpu) }
        lastCPU = cpu
        for p in pfn..<pfn + (1 << order) {
            precondition(outstanding.remove(p) != nil, "freeTableBlock: pfn \(p) is not allocated")
        }
        frees += 1 << order
    }

    public mutating func freeTablePage(pfn: Int, cpu: Int) {
        lastCPU = cpu
        // A table freed twice, or never allocated here, is a bug in the page-table code.
        precondition(outstanding.remove(pfn) != nil, "freeTablePage: pfn \(pfn) is not allocated")
        freeList.append(pfn)
        frees += 1
    }
}

/// Where the top-level table of an address space lives.
public enum PGDStorage: Sendable, Equatable, Hashable {
    /// A page from the page source (`__pgd_alloc`, x86-64 and 2-level i386).
    case page(pfn: Int)
    /// A 32-byte object from the `pgd_cache` slab (PAE without PTI): no page of its own.
    case slab(bytes: Int)
    /// `swapper_pg_dir` / `init_top_pgt`: part of the kernel image, never allocated or freed.
    case kernelImage
}

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
    public private(set) var pgdStorage: PGDStorage
    var root = Table(level: .pgd)
    var tables: [Int: Table] = [:]
    /// Table pages held per level, as allocated from the page source; levels holding none are absent
    /// (a slab or kernel-image pgd is not a page and never appears).
    public private(set) var tablePageCounts: [PageTableLevel: Int] = [:]
    /// Leaf entries installed (`MM_ANONPAGES` + `MM_FILEPAGES` would be the kernel's view).
    public private(set) var mappedPages = 0
    public private(set) var isTornDown = false

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

    // MARK: - map / unmap

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

    /// What `unmap` did.
    public struct UnmapResult: Sendable, Equatable {
        /// The PTE that was cleared (`ptep_get_and_clear`), nil if nothing was mapped there.
        public let oldEntry: PageTableEntry?
        /// Levels of the tables freed because they became empty, lowest first.
        public let freedTables: [PageTableLevel]
    }

    /// `zap_pte_range` for one page, then `free_pgtables` for the tables left empty: the pte table,
    /// then its pmd table, and so on up to (not including) the pgd. The mapped page itself is the
    /// caller's to free.
    @discardableResult
    public mutating func unmap(
        _ va: UInt64, cpu: Int, source: inout some PageTablePageSource
    ) throws(AddressSpaceError) -> UnmapResult {
        guard !isTornDown else { throw .tornDown }
        try mode.validate(va)
        var path: [(table: TableRef, index: Int)] = []
        var table = TableRef.root
        var old: UInt64 = 0
        for geometry in mode.realLevels {
            let index = geometry.index(of: va)
            path.append((table, index))
            let current = entry(table, index)
            guard current != 0 else { return UnmapResult(oldEntry: nil, freedTables: []) }
            if geometry.level == .pte {
                old = current
                setEntry(table, index, 0)
                mappedPages -= 1
                break
            }
            table = .page(PageTableEntry(rawValue: current).pfn(in: mode))
        }
        var freed: [PageTableLevel] = []
        for k in stride(from: path.count - 1, through: 1, by: -1) {
            guard case let .page(pfn) = path[k].table, let t = tables[pfn], t.entries.isEmpty, !t.pinned else { break }
            // pmd_clear / pud_clear / p4d_clear in the level above, then pte_free / pmd_free / pud_free.
            setEntry(path[k - 1].table, path[k - 1].index, 0)
            tables[pfn] = nil
            tablePageCounts[t.level, default: 0] -= 1
            if tablePageCounts[t.level] == 0 { tablePageCounts[t.level] = nil }  // keep only levels in use
            source.freeTablePage(pfn: pfn, cpu: cpu)
            freed.append(t.level)
        }
        return UnmapResult(oldEntry: PageTableEntry(rawValue: old), freedTables: freed)
    }

    /// Clears one PTE and keeps every table (`ptep_clear_flush` as `try_to_unmap`, `do_wp_page`
    /// and migration use it: the slot is refilled or becomes a swap entry, the tables stay).
    /// Returns the old entry, or nil if nothing was mapped.
    @discardableResult
    public mutating func clearLeaf(_ va: UInt64) throws(AddressSpaceError) -> PageTableEntry? {
        guard !isTornDown else { throw .tornDown }
        try mode.validate(va)
        var table = TableRef.root
        for geometry in mode.realLevels {
            let index = geometry.index(of: va)
            let current = entry(table, index)
            guard current != 0 else { return nil }
            if geometry.level == .pte {
                setEntry(table, index, 0)
                mappedPages -= 1
                return PageTableEntry(rawValue: current)
            }
            table = .page(PageTableEntry(rawValue: current).pfn(in: mode))
        }
        return nil
    }

    /// `free_pgtables` over `[start, end)`: every table below the pgd that maps only addresses in
    /// the range's reach and holds no entry any more is freed, bottom-up, and unlinked from its
    /// parent. PAE's preallocated PMDs stay. Returns the levels freed, lowest first per branch.
    @discardableResult
    public mutating func freeEmptyTables(
        from start: UInt64, to end: UInt64, cpu: Int, source: inout some PageTablePageSource
    ) -> [PageTableLevel] {
        guard !isTornDown, start < end else { return [] }
        var freed: [PageTableLevel] = []
        prune(.root, depth: 0, base: 0, start: start, end: end, cpu: cpu, source: &source, freed: &freed)
        return freed
    }

    /// Visits the entries of `table` (covering addresses from `base`) that overlap the range;
    /// frees each child table left empty.
    private mutating func prune(
        _ table: TableRef, depth: Int, base: UInt64, start: UInt64, end: UInt64, cpu: Int,
        source: inout some PageTablePageSource, freed: inout [PageTableLevel]
    ) {
        let real = mode.realLevels
        let g = real[depth]
        guard g.level != .pte else { return }
        let span: UInt64 = 1 << UInt64(g.shift)
        let entries: [Int: UInt64]
        switch table {
        case .root: entries = root.entries
        case let .page(pfn): entries = tables[pfn]?.entries ?? [:]
        }
        for (index, value) in entries.sorted(by: { $0.key < $1.key }) {
            let lo = base &+ UInt64(index) &* span
            let hi = lo &+ span
            guard hi > start || hi == 0, lo < end else { continue }
            let child = PageTableEntry(rawValue: value).pfn(in: mode)
            guard tables[child] != nil else { continue }
            prune(.page(child), depth: depth + 1, base: lo, start: start, end: end, cpu: cpu, source: &source, freed: &freed)
            guard let t = tables[child], t.entries.isEmpty, !t.pinned else { continue }
            setEntry(table, index, 0)
            tables[child] = nil
            tablePageCounts[t.level, default: 0] -= 1
            if tablePageCounts[t.level] == 0 { tablePageCounts[t.level] = nil }
            source.freeTablePage(pfn: child, cpu: cpu)
            freed.append(t.level)
        }
    }

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

    /// `exit_mmap` → `free_pgtables`, then `pgd_free`: every table page goes back to `source`,
    /// lowest level first. The mapped pages are not freed (they are not page-table pages). Returns the
    /// number of pages freed; the table cannot be used afterwards.
    @discardableResult
    public mutating func tearDown(cpu: Int, source: inout some PageTablePageSource) -> Int {
        guard !isTornDown else { return 0 }
        let order = tables.sorted { a, b in
            a.value.level != b.value.level ? a.value.level > b.value.level : a.key < b.key
        }
        for (pfn, _) in order { source.freeTablePage(pfn: pfn, cpu: cpu) }
        var freed = order.count
        if case let .page(pfn) = pgdStorage {
            source.freeTableBlock(pfn: pfn, order: mode.pgdAllocationOrder, cpu: cpu)
            freed += 1 << mode.pgdAllocationOrder
        }
        tables = [:]
        root.entries = [:]
        tablePageCounts = [:]
        mappedPages = 0
        isTornDown = true
        return freed
    }

    // MARK: - Walks

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

    /// The CPU's walk on an access (the page-miss handler): checks present, then the permissions
    /// every level grants — writable and user-accessible only if all levels say so, no-execute if
    /// any level says so — and on success sets `_PAGE_ACCESSED` in every entry used and
    /// `_PAGE_DIRTY` in the PTE on a write, as the hardware does (Intel SDM vol. 3 §4.8). PAE's PDPT
    /// entries have no permission or accessed bits and are skipped. A failed access changes no bits
    /// and reports the x86 page-fault error code (`enum x86_pf_error_code`,
    /// arch/x86/include/asm/trap_pf.h). Supervisor accesses to user pages are allowed (no SMAP/SMEP).
    public mutating func touch(
        _ va: UInt64, write: Bool, user: Bool = true, instructionFetch: Bool = false
    ) throws(AddressSpaceError) -> Result<Translation, PageFault> {
        guard !isTornDown else { throw .tornDown }
        try mode.validate(va)
        var code: X86PFErrorCode = []
        if write { code.insert(.write) }
        if user { code.insert(.user) }
        if instructionFetch && mode.supportsNX { code.insert(.instr) }

        var used: [(table: TableRef, index: Int, level: PageTableLevel)] = []
        var table = TableRef.root
        var denyUser: PageTableLevel? = nil
        var denyWrite: PageTableLevel? = nil
        var denyExec: PageTableLevel? = nil
        var leaf = PageTableEntry.none
        for geometry in mode.realLevels {
            let index = geometry.index(of: va)
            let e = PageTableEntry(rawValue: entry(table, index))
            guard e.isPresent else {
                return .failure(PageFault(address: va, level: geometry.level, reason: .notPresent, errorCode: code))
            }
            let isPDPTE = mode.arch == .i386PAE && geometry.level == .pgd
            if !isPDPTE {
                used.append((table, index, geometry.level))
                let f = e.flags(in: mode)
                if !f.contains(.user), denyUser == nil { denyUser = geometry.level }
                if !f.contains(.rw), denyWrite == nil { denyWrite = geometry.level }
                if f.contains(.nx), denyExec == nil { denyExec = geometry.level }
            }
            if geometry.level == .pte {
                leaf = e
                break
            }
            table = .page(e.pfn(in: mode))
        }
        let protection: PageTableLevel? =
            (user ? denyUser : nil) ?? (write ? denyWrite : nil) ?? (instructionFetch ? denyExec : nil)
        if let level = protection {
            return .failure(PageFault(address: va, level: level, reason: .protection, errorCode: code.union(.prot)))
        }
        for (t, index, level) in used {
            var e = PageTableEntry(rawValue: entry(t, index)).setting(.accessed)
            if level == .pte {
                if write { e = e.setting(.dirty) }
                leaf = e
            }
            setEntry(t, index, e.rawValue)
        }
        let pfn = leaf.pfn(in: mode)
        let flags = leaf.flags(in: mode)
        return .success(Translation(
            virtualAddress: va,
            physicalAddress: (UInt64(pfn) << UInt64(PagingMode.pageShift)) | (va & (PagingMode.pageSize - 1)),
            pfn: pfn, entry: leaf, writable: denyWrite == nil, user: denyUser == nil,
            executable: denyExec == nil, global: flags.contains(.global), dirty: flags.contains(.dirty)))
    }

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

/// The result of a software walk: one step per level (folded ones included) down to where it ended.
public struct Walk: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public let level: PageTableLevel
        /// A level the hardware does not have; its "entry" is the one of the level above.
        public let folded: Bool
        public let index: Int
        public let entry: PageTableEntry
        /// The pfn of the table page holding the entry (nil for a slab or kernel-image pgd).
        public let tablePfn: Int?
    }

    public enum Outcome: Sendable, Equatable {
        case translated(physicalAddress: UInt64, pfn: Int)
        /// The entry at this level was not present: the hardware would raise a page fault.
        case notPresent(level: PageTableLevel)
    }

    public let mode: PagingMode
    public let virtualAddress: UInt64
    public let steps: [Step]
    public let outcome: Outcome

    public var physicalAddress: UInt64? {
        if case let .translated(pa, _) = outcome { return pa }
        return nil
    }

    public var pfn: Int? {
        if case let .translated(_, pfn) = outcome { return pfn }
        return nil
    }

    public var faultLevel: PageTableLevel? {
        if case let .notPresent(level) = outcome { return level }
        return nil
    }

    public func step(_ level: PageTableLevel) -> Step? { steps.first { $0.level == level } }
}

/// The x86 page-fault error code pushed by the CPU (`enum x86_pf_error_code`,
/// arch/x86/include/asm/trap_pf.h).
public struct X86PFErrorCode: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// `X86_PF_PROT`: the page was present (a protection violation, not a missing page).
    public static let prot = X86PFErrorCode(rawValue: 1 << 0)
    /// `X86_PF_WRITE`: the access was a write.
    public static let write = X86PFErrorCode(rawValue: 1 << 1)
    /// `X86_PF_USER`: the access came from user mode.
    public static let user = X86PFErrorCode(rawValue: 1 << 2)
    /// `X86_PF_RSVD`: a reserved bit was set in an entry (not produced by the model).
    public static let rsvd = X86PFErrorCode(rawValue: 1 << 3)
    /// `X86_PF_INSTR`: an instruction fetch (reported when NX is available).
    public static let instr = X86PFErrorCode(rawValue: 1 << 4)
}

/// A page fault raised by `PageTable.touch`.
public struct PageFault: Error, Sendable, Equatable {
    public enum Reason: String, Sendable, Codable {
        case notPresent = "not-present"
        case protection
    }
    public let address: UInt64
    /// The level whose entry was missing, or the highest level that denied the access.
    public let level: PageTableLevel
    public let reason: Reason
    public let errorCode: X86PFErrorCode
}

/// A successful hardware translation: what a TLB entry caches.
public struct Translation: Sendable, Equatable {
    public let virtualAddress: UInt64
    public let physicalAddress: UInt64
    public let pfn: Int
    /// The PTE after the accessed/dirty update.
    public let entry: PageTableEntry
    /// Effective permissions over all levels.
    public let writable: Bool
    public let user: Bool
    public let executable: Bool
    /// `_PAGE_GLOBAL` in the PTE: the TLB keeps it across CR3 writes.
    public let global: Bool
    /// `_PAGE_DIRTY` in the PTE after the access.
    public let dirty: Bool
}
