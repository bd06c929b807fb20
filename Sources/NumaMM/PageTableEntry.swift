/// The x86 page-table entry flag bits, at the kernel's bit positions
/// (arch/x86/include/asm/pgtable_types.h, `_PAGE_BIT_*`). The same low bits mean the same thing at
/// every level, which is why Linux uses one set of `_PAGE_*` masks for pgd/pud/pmd/pte values.
public struct PTEFlags: OptionSet, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `_PAGE_BIT_PRESENT` 0: the entry is valid; clear → the walk stops with a page fault.
    public static let present = PTEFlags(rawValue: 1 << 0)
    /// `_PAGE_BIT_RW` 1: writable (the kernel sets CR0.WP, so this binds supervisor writes too).
    public static let rw = PTEFlags(rawValue: 1 << 1)
    /// `_PAGE_BIT_USER` 2: user-mode (CPL 3) accesses allowed.
    public static let user = PTEFlags(rawValue: 1 << 2)
    /// `_PAGE_BIT_PWT` 3: page write-through.
    public static let pwt = PTEFlags(rawValue: 1 << 3)
    /// `_PAGE_BIT_PCD` 4: page cache disabled.
    public static let pcd = PTEFlags(rawValue: 1 << 4)
    /// `_PAGE_BIT_ACCESSED` 5: set by the CPU when the entry is used for a translation.
    public static let accessed = PTEFlags(rawValue: 1 << 5)
    /// `_PAGE_BIT_DIRTY` 6: set by the CPU in the last-level entry on a write.
    public static let dirty = PTEFlags(rawValue: 1 << 6)
    /// `_PAGE_BIT_PSE` 7: in a pmd/pud, the entry maps a 2 MiB/4 MiB/1 GiB page; in a 4 KiB pte the
    /// same bit is `_PAGE_BIT_PAT`.
    public static let pse = PTEFlags(rawValue: 1 << 7)
    /// `_PAGE_BIT_GLOBAL` 8: the TLB entry survives CR3 writes (kernel mappings, with CR4.PGE).
    public static let global = PTEFlags(rawValue: 1 << 8)
    /// `_PAGE_BIT_NX` 63: no execute; only in 8-byte entries (x86-64, PAE) — `_PAGE_NX` is 0 otherwise.
    public static let nx = PTEFlags(rawValue: 1 << 63)

    public static let all: PTEFlags = [.present, .rw, .user, .pwt, .pcd, .accessed, .dirty, .pse, .global, .nx]

    /// `_PAGE_TABLE`: what `pmd_populate`/`pud_populate`/`p4d_populate` write above a user table
    /// (present, rw, user, accessed, dirty = 0x67): the upper levels never restrict anything, the
    /// leaf PTE decides.
    public static let pageTable: PTEFlags = [.present, .rw, .user, .accessed, .dirty]
    /// `_KERNPG_TABLE` (0x63): the same for kernel tables, without `_PAGE_USER`.
    public static let kernelPageTable: PTEFlags = [.present, .rw, .accessed, .dirty]
    /// `PAGE_SHARED` (P|RW|USER|A|NX): a writable shared user mapping.
    public static let pageShared: PTEFlags = [.present, .rw, .user, .accessed, .nx]
    /// `PAGE_READONLY` (P|USER|A|NX) — also `PAGE_COPY`: private mappings start read-only and are
    /// made writable by the write fault (copy-on-write).
    public static let pageReadonly: PTEFlags = [.present, .user, .accessed, .nx]
    /// `PAGE_READONLY_EXEC` (P|USER|A): text.
    public static let pageReadonlyExec: PTEFlags = [.present, .user, .accessed]
    /// `__PAGE_KERNEL` (P|RW|D|A|G|NX): kernel data, e.g. the direct map.
    public static let pageKernel: PTEFlags = [.present, .rw, .dirty, .accessed, .global, .nx]
    /// `__PAGE_KERNEL_EXEC` (P|RW|D|A|G): kernel text at boot.
    public static let pageKernelExec: PTEFlags = [.present, .rw, .dirty, .accessed, .global]

    /// Short names in bit order, close to what arch/x86/mm/dump_pagetables.c `printk_prot` prints
    /// (USR, RW, PWT, PCD, PSE, GLB, NX), plus P, A and D which it leaves out.
    public var names: [String] {
        var out: [String] = []
        let table: [(PTEFlags, String)] = [
            (.present, "P"), (.rw, "RW"), (.user, "USR"), (.pwt, "PWT"), (.pcd, "PCD"), (.accessed, "A"),
            (.dirty, "D"), (.pse, "PSE"), (.global, "GLB"), (.nx, "NX"),
        ]
        for (flag, name) in table where contains(flag) { out.append(name) }
        return out
    }

    public var description: String { names.isEmpty ? "-" : names.joined(separator: " ") }
}

/// One page-table entry value (`pte_t`, `pmd_t`, `pud_t`, `pgd_t` — the kernel wraps the same
/// machine word in a struct per level; arch/x86/include/asm/pgtable_types.h). The high part holds
/// a physical frame number (of the next table, or of the page at the last level), the low bits and
/// bit 63 hold `_PAGE_*` flags. Stored as 64 bits in every mode; a 2-level i386 entry only ever
/// uses the low 32.
public struct PageTableEntry: Sendable, Hashable, Codable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The empty entry (`pte_none`).
    public static let none = PageTableEntry(rawValue: 0)

    /// `pfn_pte(pfn, prot)` / `__pmd(__pa(table) | prot)`: the frame number shifted into the address
    /// field, ORed with the flags the mode supports (`massage_pgprot` drops `_PAGE_NX` where
    /// `__supported_pte_mask` lacks it, i.e. 2-level i386).
    public init(pfn: Int, flags: PTEFlags, mode: PagingMode) throws(AddressSpaceError) {
        guard pfn >= 0, pfn >> mode.maxPfnBits == 0 else {
            throw .pfnOutOfRange(pfn: pfn, maxBits: mode.maxPfnBits)
        }
        let address = (UInt64(pfn) << UInt64(PagingMode.pageShift)) & mode.ptePfnMask
        rawValue = address | flags.intersection(mode.supportedFlags).rawValue
    }

    /// `pte_none()`: no bits at all.
    public var isNone: Bool { rawValue == 0 }
    /// `pte_present()` as the hardware sees it: `_PAGE_PRESENT` set.
    public var isPresent: Bool { rawValue & PTEFlags.present.rawValue != 0 }

    /// `pte_pfn()`: `(val & PTE_PFN_MASK) >> PAGE_SHIFT`.
    public func pfn(in mode: PagingMode) -> Int {
        Int((rawValue & mode.ptePfnMask) >> UInt64(PagingMode.pageShift))
    }

    /// `pte_flags()`: `val & PTE_FLAGS_MASK` (everything outside the address field), as known bits.
    public func flags(in mode: PagingMode) -> PTEFlags {
        PTEFlags(rawValue: rawValue & ~mode.ptePfnMask).intersection(.all)
    }

    /// Hex at the width of `pteval_t` (8 digits for 4-byte entries, 16 for 8-byte ones).
    public func hex(in mode: PagingMode) -> String { hexString(rawValue, digits: mode.entryBytes * 2) }

    func setting(_ flags: PTEFlags) -> PageTableEntry { PageTableEntry(rawValue: rawValue | flags.rawValue) }
}
