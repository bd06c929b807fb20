/// Why an `mm_struct` operation was refused, with the errno the system call would return.
public enum MMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `EINVAL`: an address or length that is not page aligned, or zero length.
    case unaligned(address: UInt64, length: UInt64)
    /// `ENOMEM`/`EINVAL`: the range leaves user space (`TASK_SIZE`) or starts below `mmap_min_addr`.
    case outsideUserSpace(start: UInt64, end: UInt64, taskSize: UInt64)
    /// `EEXIST` (MAP_FIXED_NOREPLACE): the range overlaps a mapping.
    case overlaps(start: UInt64, end: UInt64, existing: String)
    /// `ENOMEM`: no gap below `mmap_base` is large enough.
    case noSpace(length: UInt64)
    /// `EFAULT` (mbind) / `ENOMEM` (mprotect-style): part of the range is not mapped.
    case notMapped(start: UInt64, end: UInt64)

    public var description: String {
        switch self {
        case let .unaligned(a, l):
            return "address \(hexString(a)) and length \(hexString(l)) must be non-zero multiples of 4 KiB (EINVAL)"
        case let .outsideUserSpace(s, e, t):
            return "range \(hexString(s))-\(hexString(e)) is outside user space (mmap_min_addr 0x10000 … TASK_SIZE \(hexString(t)))"
        case let .overlaps(s, e, existing):
            return "range \(hexString(s))-\(hexString(e)) overlaps mapping \(existing) (EEXIST with MAP_FIXED_NOREPLACE)"
        case let .noSpace(l):
            return "no free range of \(hexString(l)) bytes below mmap_base (ENOMEM)"
        case let .notMapped(s, e):
            return "part of \(hexString(s))-\(hexString(e)) is not mapped (EFAULT)"
        }
    }
}

/// `struct mm_struct`'s VMA side (include/linux/mm_types.h, mm/mmap.c): the sorted, non-overlapping
/// areas of one address space, `find_vma`, top-down `get_unmapped_area`, and the splitting that
/// munmap(2) and mbind(2) do. Pages and page tables are the caller's (`PageTable`); this type only
/// decides which ranges exist and with what flags and policy.
///
/// The kernel keeps VMAs in a maple tree (6.1); a sorted array with binary search gives the same
/// answers. Adjacent compatible VMAs are not merged (`vma_merge`), so a split stays split.
public struct MMStruct<Policy: Sendable & Equatable>: Sendable {
    public let mode: PagingMode
    /// Sorted by `start`, non-overlapping.
    public private(set) var vmas: [VMArea<Policy>] = []
    /// `mm->mmap_base`: where top-down allocation starts (below the stack gap).
    public var mmapBase: UInt64
    /// `vm.mmap_min_addr` (65536 by default): nothing may be mapped below it.
    public var mmapMinAddr: UInt64 = 0x10000

    /// `mmap_base()` (arch/x86/mm/mmap.c) without randomisation: `PAGE_ALIGN(TASK_SIZE − gap)`,
    /// gap = stack rlimit (8 MiB) + stack guard gap, clamped up to `SIZE_128M` — so 128 MiB below
    /// `TASK_SIZE`: 0x7ffff7fff000 on x86-64 (where mappings of a non-ASLR process end), 0xb8000000 on i386.
    public static func defaultMmapBase(_ mode: PagingMode) -> UInt64 { mode.taskSize - (128 << 20) }

    public init(mode: PagingMode, mmapBase: UInt64? = nil) {
        self.mode = mode
        self.mmapBase = mmapBase ?? MMStruct.defaultMmapBase(mode)
    }

    /// `total_vm`: mapped pages.
    public var totalPages: Int { vmas.reduce(0) { $0 + $1.pages } }

    /// PMD_SIZE on x86_64 (2 MiB): what one PMD entry maps, a transparent huge page's size.
    public static var pmdSize: UInt64 { 1 << 21 }

    /// `find_vma(mm, addr)`: the index of the first area with `end > addr` (which may start above `addr`).
    public func findVMA(_ va: UInt64) -> Int? {
        var lo = 0, hi = vmas.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if vmas[mid].end > va { hi = mid } else { lo = mid + 1 }
        }
        return lo < vmas.count ? lo : nil
    }

    /// `vma_lookup`: the area containing `va`, if any.
    public func vma(containing va: UInt64) -> VMArea<Policy>? {
        guard let i = findVMA(va), vmas[i].start <= va else { return nil }
        return vmas[i]
    }

    /// `vm_unmapped_area` top-down (`unmapped_area_topdown`): the highest gap below `mmap_base`
    /// that holds `length` bytes; the mapping goes at its top.
    public func unmappedArea(length: UInt64) -> UInt64? {
        var ceiling = mmapBase
        for v in vmas.reversed() {
            if v.start >= ceiling { continue }
            if v.end <= ceiling, ceiling - v.end >= length { return ceiling - length }
            ceiling = min(ceiling, v.start)
        }
        guard ceiling >= mmapMinAddr, ceiling - mmapMinAddr >= length else { return nil }
        return ceiling - length
    }

    private func check(_ start: UInt64, _ length: UInt64) throws(MMError) {
        let mask = PagingMode.pageSize - 1
        guard length > 0, start & mask == 0, length & mask == 0 else { throw .unaligned(address: start, length: length) }
        let (end, overflow) = start.addingReportingOverflow(length)
        guard !overflow, start >= mmapMinAddr, end <= mode.taskSize else {
            throw .outsideUserSpace(start: start, end: overflow ? UInt64.max : end, taskSize: mode.taskSize)
        }
    }

    /// mmap(2) of `length` bytes: at `address` (MAP_FIXED_NOREPLACE) or the top-down choice.
    /// Returns the start. `pgoff` is the file page for file mappings; anonymous ones use
    /// `start >> PAGE_SHIFT`.
    @discardableResult
    public mutating func mmap(
        at address: UInt64? = nil, length: UInt64, flags: VMFlags, kind: VMAKind, pgoff: UInt64? = nil,
        policy: Policy? = nil, name: String = ""
    ) throws(MMError) -> UInt64 {
        let len = (length + PagingMode.pageSize - 1) & ~(PagingMode.pageSize - 1)
        let start: UInt64
        if let address {
            try check(address, len)
            if let i = findVMA(address), vmas[i].start < address + len {
                let v = vmas[i]
                throw .overlaps(start: address, end: address + len, existing: "\(v.name) \(hexString(v.start))-\(hexString(v.end))")
            }
            start = address
        } else {
            guard len > 0 else { throw .unaligned(address: 0, length: length) }
            if kind == .anon, len >= MMStruct.pmdSize, let a = unmappedArea(length: len + MMStruct.pmdSize) {
                // thp_get_unmapped_area (`__thp_get_unmapped_area` with off 0): ask for the
                // length plus 2 MiB and round the start up to a 2 MiB boundary, so every whole
                // 2 MiB of the mapping can be one PMD. (Anonymous mappings take this path from
                // Linux 6.7; numasim does it for every anonymous mapping of 2 MiB or more.)
                start = (a + MMStruct.pmdSize - 1) & ~(MMStruct.pmdSize - 1)
            } else {
                guard let a = unmappedArea(length: len) else { throw .noSpace(length: len) }
                start = a
            }
        }
        let v = VMArea<Policy>(start: start, end: start + len, flags: flags, kind: kind,
                               pgoff: kind == .anon ? nil : (pgoff ?? 0), policy: policy, name: name)
        let at = findVMA(start) ?? vmas.count
        vmas.insert(v, at: at)
        return start
    }

    /// `__split_vma`: cuts the area containing `va` in two at `va` (no-op at a boundary or in a hole).
    public mutating func split(at va: UInt64) {
        guard let i = findVMA(va), vmas[i].start < va else { return }
        var upper = vmas[i]
        upper.start = va
        upper.pgoff = vmas[i].pgoff + ((va - vmas[i].start) >> UInt64(PagingMode.pageShift))
        vmas[i].end = va
        vmas.insert(upper, at: i + 1)
    }

    /// munmap(2) (`do_vmi_munmap`): splits at the range's ends and removes the areas inside.
    /// Unmapping a hole is not an error. Returns the removed areas (their pages are the caller's
    /// to zap) and the nearest remaining neighbours' bounds, which are `free_pgtables`' floor and
    /// ceiling.
    public mutating func munmap(start: UInt64, length: UInt64) throws(MMError) -> [VMArea<Policy>] {
        let len = (length + PagingMode.pageSize - 1) & ~(PagingMode.pageSize - 1)
        try check(start, len)
        let end = start + len
        split(at: start)
        split(at: end)
        let removed = vmas.filter { $0.start >= start && $0.end <= end }
        vmas.removeAll { $0.start >= start && $0.end <= end }
        return removed
    }

    /// mbind(2)'s `mbind_range` without MPOL_MF_MOVE: every area of the range, split at its ends,
    /// gets `policy` (nil: back to the task policy). The whole range must be mapped (`EFAULT`).
    public mutating func mbind(start: UInt64, length: UInt64, policy: Policy?) throws(MMError) {
        let len = (length + PagingMode.pageSize - 1) & ~(PagingMode.pageSize - 1)
        try check(start, len)
        let end = start + len
        var covered = start
        for v in vmas where v.end > start && v.start < end {
            guard v.start <= covered else { break }
            covered = v.end
        }
        guard covered >= end else { throw .notMapped(start: start, end: end) }
        split(at: start)
        split(at: end)
        for i in vmas.indices where vmas[i].start >= start && vmas[i].end <= end { vmas[i].policy = policy }
    }

    /// madvise(2)'s `madvise_update_vma` for flag advice (MADV_HUGEPAGE, MADV_NOHUGEPAGE:
    /// `hugepage_madvise`): the mapped areas of the range, split at its ends, lose `remove` and
    /// gain `insert`. Holes in the range are skipped (the kernel applies the advice to what is
    /// mapped and returns ENOMEM); returns false if there was one.
    @discardableResult
    public mutating func updateFlags(start: UInt64, length: UInt64, insert: VMFlags, remove: VMFlags) throws(MMError) -> Bool {
        let len = (length + PagingMode.pageSize - 1) & ~(PagingMode.pageSize - 1)
        try check(start, len)
        let end = start + len
        var covered = start
        var hole = false
        for v in vmas where v.end > start && v.start < end {
            if v.start > covered { hole = true }
            covered = v.end
        }
        if covered < end { hole = true }
        split(at: start)
        split(at: end)
        for i in vmas.indices where vmas[i].start >= start && vmas[i].end <= end {
            vmas[i].flags.subtract(remove)
            vmas[i].flags.formUnion(insert)
        }
        return !hole
    }

    /// The areas overlapping `[start, end)`, clipped to it.
    public func areas(from start: UInt64, to end: UInt64) -> [VMArea<Policy>] {
        guard var i = findVMA(start) else { return [] }
        var out: [VMArea<Policy>] = []
        while i < vmas.count, vmas[i].start < end {
            var v = vmas[i]
            if v.start < start {
                v.pgoff += (start - v.start) >> UInt64(PagingMode.pageShift)
                v.start = start
            }
            v.end = min(v.end, end)
            out.append(v)
            i += 1
        }
        return out
    }
}
