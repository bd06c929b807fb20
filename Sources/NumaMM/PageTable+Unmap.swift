/// Emptying an address space's tables: `zap_pte_range`, `ptep_clear_flush`, `free_pgtables`,
/// and at exit `exit_mmap` + `pgd_free`.
extension PageTable {
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
        _checkInvariants()
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
        _checkInvariants()
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
}
