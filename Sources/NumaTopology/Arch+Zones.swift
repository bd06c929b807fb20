/// Zone types per architecture (`enum zone_type`, include/linux/mmzone.h) for Debian's configs.
///
/// x86_64: DMA, DMA32, Normal, Movable, Device (CONFIG_ZONE_DEVICE=y, so MAX_NR_ZONES = 5 and
/// `/proc/zoneinfo` has a `Device` block and 5 `protection:` entries, as the kernel samples show).
/// i386: DMA, Normal, HighMem, Movable (ZONE_DEVICE needs SPARSEMEM_VMEMMAP, 64-bit only).
public enum ZoneType: String, CaseIterable, Sendable {
    case dma = "DMA", dma32 = "DMA32", normal = "Normal", highmem = "HighMem", movable = "Movable", device = "Device"
}

extension Arch {
    /// The zone types in index order (`enum zone_type` under this arch's config).
    public var zoneTypes: [ZoneType] {
        switch self {
        case .x86_64: return [.dma, .dma32, .normal, .movable, .device]
        case .i386, .i386PAE: return [.dma, .normal, .highmem, .movable]
        }
    }

    /// The zone names `/proc/zoneinfo` prints, in index order.
    public var zoneNames: [String] { zoneTypes.map(\.rawValue) }

    /// The index of zone type `t` on this arch (nil if the arch's config has no such zone).
    public func zoneIndex(_ t: ZoneType) -> Int? { zoneTypes.firstIndex(of: t) }

    /// MAX_NR_ZONES
    public var zoneCount: Int { zoneNames.count }

    /// `sysctl_lowmem_reserve_ratio` defaults: DMA 256, DMA32 256, Normal 32, HighMem 0, Movable 0.
    public var defaultLowmemReserveRatio: [Int] {
        switch self {
        case .x86_64: return [256, 256, 32, 0, 0]
        case .i386, .i386PAE: return [256, 32, 0, 0]
        }
    }

    /// `pageblock_order`: min(HUGETLB_PAGE_ORDER, MAX_ORDER - 1); PMD_SHIFT 21 on x86_64 and
    /// PAE, 22 on 2-level i386.
    public var pageblockOrder: Int { self == .i386 ? 10 : 9 }

    /// Memory section size (SECTION_SIZE_BITS, arch/x86/include/asm/sparsemem.h): 27 on x86_64,
    /// 29 on PAE, 26 on 2-level i386.
    public var sectionBytes: UInt64 {
        switch self {
        case .x86_64: return 1 << 27
        case .i386PAE: return 1 << 29
        default: return 1 << 26
        }
    }
}

extension Arch {
    /// Where a populated zone of type `t` can lie, in page frame numbers: its first pfn is at
    /// least `floor`, its end (exclusive) at most `ceiling` (nil: no limit but the physical one).
    /// x86_64 `zone_sizes_init`: DMA below MAX_DMA_PFN (16 MiB), DMA32 from there below
    /// MAX_DMA32_PFN (4 GiB), Normal above; i386: DMA below 16 MiB, Normal below `highmem_start`,
    /// HighMem above it. Movable and Device lie anywhere in their node.
    public func zonePfnBounds(_ t: ZoneType, highmemStart: UInt64) -> (floor: Int, ceiling: Int?) {
        let dma = 4096, dma32 = 1 << 20, highmem = Int(highmemStart >> 12)
        switch (self, t) {
        case (_, .dma): return (0, dma)
        case (.x86_64, .dma32): return (dma, dma32)
        case (.x86_64, .normal): return (dma32, nil)
        case (_, .normal): return (dma, highmem)
        case (_, .highmem): return (highmem, nil)
        default: return (0, nil)
        }
    }

    /// The limits of `zonePfnBounds` as text for error messages.
    public func zoneBoundsText(_ t: ZoneType, highmemStart: UInt64) -> String {
        let b = zonePfnBounds(t, highmemStart: highmemStart)
        func pfn(_ p: Int) -> String { "pfn \(p) (\(ByteSize.format(UInt64(p) << 12)))" }
        switch (b.floor, b.ceiling) {
        case (0, let c?): return "\(t.rawValue) below \(pfn(c))"
        case (let f, let c?): return "\(t.rawValue) within \(pfn(f))…\(pfn(c))"
        case (let f, nil): return "\(t.rawValue) at or above \(pfn(f))"
        }
    }
}
