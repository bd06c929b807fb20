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

/// How many page-table levels an x86-64 kernel runs with (`paging:` in a topology): 4-level
/// (48-bit virtual addresses) or 5-level (LA57: 57-bit virtual addresses, a CPU with `la57` and
/// a kernel built with CONFIG_X86_5LEVEL, booted without `no5lvl`). It decides how much
/// physical memory the kernel can use. 32-bit x86 has its own, fixed, modes.
public enum Paging: String, Sendable, CaseIterable, Codable {
    case fourLevel = "4-level"
    case fiveLevel = "5-level"
}

/// The highest physical address + 1 a machine's kernel can use: `1 << MAX_PHYSMEM_BITS`
/// (arch/x86/include/asm/sparsemem.h: `# define MAX_PHYSMEM_BITS (pgtable_l5_enabled() ? 52 : 46)`
/// on x86-64; 36 with PAE, 32 without).
public struct PhysicalLimit: Sendable, Equatable {
    public var arch: Arch
    public var paging: Paging

    public init(arch: Arch, paging: Paging = .fourLevel) { self.arch = arch; self.paging = paging }

    /// `MAX_PHYSMEM_BITS`.
    public var bits: Int {
        switch arch {
        case .x86_64: return paging == .fiveLevel ? 52 : 46
        case .i386PAE: return 36
        case .i386: return 32
        }
    }

    public var bytes: UInt64 { 1 << UInt64(bits) }

    /// How the limit is spelled in error messages.
    public var text: String {
        switch (arch, paging) {
        case (.x86_64, .fourLevel): return "2^46 bytes (64TiB, MAX_PHYSMEM_BITS with 4-level paging; `paging: 5-level` raises it to 2^52)"
        case (.x86_64, .fiveLevel): return "2^52 bytes (4PiB, MAX_PHYSMEM_BITS with 5-level paging)"
        case (.i386PAE, _): return "2^36 bytes (64GiB, MAX_PHYSMEM_BITS with PAE)"
        case (.i386, _): return "2^32 bytes (4GiB, MAX_PHYSMEM_BITS without PAE)"
        }
    }

    /// The architecture and paging, as error messages name them (`x86_64`, `x86_64 5-level`).
    public var name: String { arch == .x86_64 && paging == .fiveLevel ? "x86_64 5-level" : arch.rawValue }
}

extension Arch {
    /// The physical address limit with 4-level paging on x86-64 (`PhysicalLimit`).
    public var physicalAddressLimit: UInt64 { PhysicalLimit(arch: self).bytes }

    /// How `physicalAddressLimit` is spelled in error messages.
    public var physicalAddressLimitText: String { PhysicalLimit(arch: self).text }
}
