/// `vm_flags` bits a mapping is made with (include/linux/mm.h: `VM_READ` 0x1, `VM_WRITE` 0x2,
/// `VM_EXEC` 0x4, `VM_SHARED` 0x8), at the kernel's values.
public struct VMFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let read = VMFlags(rawValue: 0x1)
    public static let write = VMFlags(rawValue: 0x2)
    public static let exec = VMFlags(rawValue: 0x4)
    public static let shared = VMFlags(rawValue: 0x8)
    /// `VM_HUGEPAGE` (0x20000000): madvise(MADV_HUGEPAGE) asked for transparent huge pages.
    public static let hugepage = VMFlags(rawValue: 0x2000_0000)
    /// `VM_NOHUGEPAGE` (0x40000000): madvise(MADV_NOHUGEPAGE) refused them.
    public static let nohugepage = VMFlags(rawValue: 0x4000_0000)

    /// The `rwxp`/`rwxs` column of /proc/PID/maps.
    public var description: String {
        (contains(.read) ? "r" : "-") + (contains(.write) ? "w" : "-") + (contains(.exec) ? "x" : "-")
            + (contains(.shared) ? "s" : "p")
    }
}

/// What backs a mapping: anonymous memory (zero-filled, swap-backed) or a file's page cache.
public enum VMAKind: String, Sendable, Hashable, CaseIterable {
    case anon, file
}

/// `struct vm_area_struct` (include/linux/mm_types.h): one contiguous range of an address space
/// with the same flags, backing and memory policy. `Policy` is the memory-policy type of the layer
/// above (NumaMM does not know `MemPolicy`); nil is "no VMA policy" (`vma->vm_policy == NULL`:
/// the task policy applies).
public struct VMArea<Policy: Sendable & Equatable>: Sendable, Equatable {
    /// `vm_start`, inclusive, page aligned.
    public var start: UInt64
    /// `vm_end`, exclusive, page aligned.
    public var end: UInt64
    public var flags: VMFlags
    public var kind: VMAKind
    /// `vm_pgoff`: for a file, the file page that `start` maps; for private anonymous memory
    /// `start >> PAGE_SHIFT` (mm/mmap.c `mmap_region`), which is what makes the interleave rule
    /// use the virtual page number.
    public var pgoff: UInt64
    /// `vm_policy`, as set by mbind(2).
    public var policy: Policy?
    /// The workload's label for the mapping this area came from (no kernel equivalent beyond
    /// the file name in /proc/PID/maps).
    public var name: String

    public init(start: UInt64, end: UInt64, flags: VMFlags, kind: VMAKind, pgoff: UInt64? = nil,
                policy: Policy? = nil, name: String = "") {
        self.start = start
        self.end = end
        self.flags = flags
        self.kind = kind
        self.pgoff = pgoff ?? (start >> UInt64(PagingMode.pageShift))
        self.policy = policy
        self.name = name
    }

    public var pages: Int { Int((end - start) >> UInt64(PagingMode.pageShift)) }
    public func contains(_ va: UInt64) -> Bool { va >= start && va < end }

    /// The page index the interleave rule uses (`interleave_nid`, kernel-reference §9.5):
    /// `vm_pgoff + ((addr − vm_start) >> PAGE_SHIFT)`.
    public func pageIndex(of va: UInt64) -> Int {
        Int(truncatingIfNeeded: pgoff &+ ((va - start) >> UInt64(PagingMode.pageShift)))
    }

    /// `vm_page_prot` from `protection_map` (arch/x86/mm/pgprot.c): a private writable mapping
    /// starts read-only (`PAGE_COPY`) so the first write goes through the fault handler; shared
    /// writable is `PAGE_SHARED`; no exec → NX. Every x86 `PAGE_*` includes `_PAGE_ACCESSED`.
    public var pageProtection: PTEFlags {
        var f: PTEFlags = [.present, .user, .accessed]
        if flags.contains(.write) && flags.contains(.shared) { f.insert(.rw) }
        if !flags.contains(.exec) { f.insert(.nx) }
        return f
    }

    /// The PTE the fault handler installs for a page of this area: `mk_pte(page, vm_page_prot)`,
    /// then `pte_mkwrite(pte_mkdirty())` on a write fault of a writable area (do_anonymous_page,
    /// do_wp_page, finish_fault).
    public func pteFlags(writeFault: Bool) -> PTEFlags {
        var f = pageProtection
        if writeFault && flags.contains(.write) { f.formUnion([.rw, .dirty]) }
        return f
    }
}
