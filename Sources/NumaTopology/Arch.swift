/// The architecture a topology boots: x86-64, or 32-bit x86 with or without PAE (its zones:
/// `Arch+Zones.swift`).
public enum Arch: String, Sendable, CaseIterable, Codable {
    case x86_64
    /// 32-bit x86 without PAE: 2-level page tables, 4 MiB huge pages (pageblock order 10).
    case i386
    /// 32-bit x86 with PAE: 3-level page tables, 2 MiB huge pages (pageblock order 9).
    case i386PAE = "i386-pae"

    public var is32Bit: Bool { self != .x86_64 }
}

extension Arch {
    /// The highest physical address + 1 the kernel can use: `1 << MAX_PHYSMEM_BITS`
    /// (arch/x86/include/asm/sparsemem.h). x86-64 is taken as 4-level paging, 46 bits (64 TiB):
    /// a topology has no setting for 5-level paging (LA57, 52 bits, 4 PiB), so larger machines
    /// cannot be described. i386 with PAE: 36 bits (64 GiB); i386 without PAE: 32 bits (4 GiB).
    public var physicalAddressLimit: UInt64 {
        switch self {
        case .x86_64: return 1 << 46
        case .i386PAE: return 1 << 36
        case .i386: return 1 << 32
        }
    }

    /// How `physicalAddressLimit` is spelled in error messages.
    public var physicalAddressLimitText: String {
        switch self {
        case .x86_64: return "2^46 bytes (64TiB, MAX_PHYSMEM_BITS with 4-level paging; numasim does not model 5-level paging)"
        case .i386PAE: return "2^36 bytes (64GiB, MAX_PHYSMEM_BITS with PAE)"
        case .i386: return "2^32 bytes (4GiB, MAX_PHYSMEM_BITS without PAE)"
        }
    }
}
