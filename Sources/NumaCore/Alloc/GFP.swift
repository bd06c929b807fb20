import NumaTopology

/// `gfp_t` flags of Linux 6.1 (include/linux/gfp_types.h) and the named masks, with
/// `gfp_zone`, `gfp_migratetype` and `gfp_to_alloc_flags`.
/// The masks are `@inlinable` computed constants so that a caller in another module (the CLI,
/// the workload engines) gets the value folded in instead of a call per use.
@frozen public struct GFP: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable public static var dma: GFP { GFP(rawValue: 0x01) }
    @inlinable public static var highmem: GFP { GFP(rawValue: 0x02) }
    @inlinable public static var dma32: GFP { GFP(rawValue: 0x04) }
    @inlinable public static var movable: GFP { GFP(rawValue: 0x08) }
    @inlinable public static var reclaimable: GFP { GFP(rawValue: 0x10) }
    @inlinable public static var high: GFP { GFP(rawValue: 0x20) }
    @inlinable public static var io: GFP { GFP(rawValue: 0x40) }
    @inlinable public static var fs: GFP { GFP(rawValue: 0x80) }
    @inlinable public static var zero: GFP { GFP(rawValue: 0x100) }
    @inlinable public static var atomic: GFP { GFP(rawValue: 0x200) }
    @inlinable public static var directReclaim: GFP { GFP(rawValue: 0x400) }
    @inlinable public static var kswapdReclaim: GFP { GFP(rawValue: 0x800) }
    @inlinable public static var write: GFP { GFP(rawValue: 0x1000) }
    @inlinable public static var nowarn: GFP { GFP(rawValue: 0x2000) }
    @inlinable public static var retryMayfail: GFP { GFP(rawValue: 0x4000) }
    @inlinable public static var nofail: GFP { GFP(rawValue: 0x8000) }
    @inlinable public static var noretry: GFP { GFP(rawValue: 0x10000) }
    @inlinable public static var memalloc: GFP { GFP(rawValue: 0x20000) }
    @inlinable public static var comp: GFP { GFP(rawValue: 0x40000) }
    @inlinable public static var nomemalloc: GFP { GFP(rawValue: 0x80000) }
    @inlinable public static var hardwall: GFP { GFP(rawValue: 0x100000) }
    @inlinable public static var thisnode: GFP { GFP(rawValue: 0x200000) }
    @inlinable public static var account: GFP { GFP(rawValue: 0x400000) }
    /// Bits 6.1 defines and `show_gfp_flags` prints but numasim does not model (KASAN hardware
    /// tags: ___GFP_ZEROTAGS, ___GFP_SKIP_ZERO, ___GFP_SKIP_KASAN_UNPOISON, ___GFP_SKIP_KASAN_POISON):
    /// carried, never acted on.
    @inlinable public static var zerotags: GFP { GFP(rawValue: 0x800000) }
    @inlinable public static var skipZero: GFP { GFP(rawValue: 0x1000000) }
    @inlinable public static var skipKasanUnpoison: GFP { GFP(rawValue: 0x2000000) }
    @inlinable public static var skipKasanPoison: GFP { GFP(rawValue: 0x4000000) }

    /// directReclaim | kswapdReclaim
    @inlinable public static var reclaim: GFP { GFP(rawValue: 0xc00) }
    /// reclaim | io | fs
    @inlinable public static var kernel: GFP { GFP(rawValue: 0xcc0) }
    /// kernel | hardwall
    @inlinable public static var user: GFP { GFP(rawValue: 0x100cc0) }
    /// user | highmem
    @inlinable public static var highUser: GFP { GFP(rawValue: 0x100cc2) }
    /// highUser | movable
    @inlinable public static var highUserMovable: GFP { GFP(rawValue: 0x100cca) }
    /// high | atomic | kswapdReclaim
    @inlinable public static var atomicMask: GFP { GFP(rawValue: 0xa20) }
    /// kswapdReclaim
    @inlinable public static var nowait: GFP { GFP(rawValue: 0x800) }
    /// reclaim
    @inlinable public static var noio: GFP { GFP(rawValue: 0xc00) }
    /// reclaim | io
    @inlinable public static var nofs: GFP { GFP(rawValue: 0xc40) }
    /// dma
    @inlinable public static var dmaMask: GFP { GFP(rawValue: 0x1) }
    /// dma32
    @inlinable public static var dma32Mask: GFP { GFP(rawValue: 0x4) }
    /// kernel | account
    @inlinable public static var kernelAccount: GFP { GFP(rawValue: 0x400cc0) }
    /// (highUserMovable | comp | nomemalloc | nowarn) & ~reclaim
    @inlinable public static var transHugeLight: GFP { GFP(rawValue: 0x1c20ca) }
    /// transHugeLight | directReclaim
    @inlinable public static var transHuge: GFP { GFP(rawValue: 0x1c24ca) }

    public static let names: [(String, GFP)] = [
        ("GFP_KERNEL", .kernel), ("GFP_USER", .user), ("GFP_HIGHUSER_MOVABLE", .highUserMovable),
        ("GFP_HIGHUSER", .highUser), ("GFP_ATOMIC", .atomicMask), ("GFP_NOWAIT", .nowait), ("GFP_NOIO", .noio),
        ("GFP_NOFS", .nofs), ("GFP_DMA32", .dma32Mask), ("GFP_DMA", .dmaMask),
        ("__GFP_DMA", .dma), ("__GFP_HIGHMEM", .highmem), ("__GFP_DMA32", .dma32), ("__GFP_MOVABLE", .movable),
        ("__GFP_RECLAIMABLE", .reclaimable), ("__GFP_HIGH", .high), ("__GFP_IO", .io), ("__GFP_FS", .fs),
        ("__GFP_ZERO", .zero), ("__GFP_ATOMIC", .atomic), ("__GFP_DIRECT_RECLAIM", .directReclaim),
        ("__GFP_KSWAPD_RECLAIM", .kswapdReclaim), ("__GFP_RECLAIM", .reclaim), ("__GFP_WRITE", .write),
        ("__GFP_NOWARN", .nowarn), ("__GFP_RETRY_MAYFAIL", .retryMayfail), ("__GFP_NOFAIL", .nofail),
        ("__GFP_NORETRY", .noretry), ("__GFP_MEMALLOC", .memalloc), ("__GFP_COMP", .comp),
        ("__GFP_NOMEMALLOC", .nomemalloc), ("__GFP_HARDWALL", .hardwall), ("__GFP_THISNODE", .thisnode),
        ("__GFP_ACCOUNT", .account),
        // The rest of what 6.1's `show_gfp_flags` prints (include/trace/events/mmflags.h,
        // `__def_gfpflag_names` and `__def_gfpflag_names_kasan`), after the names above so that
        // `description` of the masks above is unchanged.
        ("GFP_TRANSHUGE", .transHuge), ("GFP_TRANSHUGE_LIGHT", .transHugeLight), ("GFP_KERNEL_ACCOUNT", .kernelAccount),
        ("__GFP_ZEROTAGS", .zerotags), ("__GFP_SKIP_ZERO", .skipZero),
        ("__GFP_SKIP_KASAN_UNPOISON", .skipKasanUnpoison), ("__GFP_SKIP_KASAN_POISON", .skipKasanPoison),
    ]

    /// The names of `names` whose bits numasim carries without modelling them.
    public static let notModelled: Set<String> = [
        "__GFP_ZEROTAGS", "__GFP_SKIP_ZERO", "__GFP_SKIP_KASAN_UNPOISON", "__GFP_SKIP_KASAN_POISON",
    ]

    /// The flags `show_gfp_flags` prints for these bits (Linux 6.1, `__print_flags` over
    /// `__def_gfpflag_names` in its order: the first mask wholly contained goes first, its bits
    /// taken out; what no name covers is printed in hex; no bits: `none`).
    public var traceNames: String {
        if isEmpty { return "none" }
        var rest = self
        var parts: [String] = []
        for name in GFP.printOrder {
            guard let mask = GFP.names.first(where: { $0.0 == name })?.1, !mask.isEmpty, rest.isSuperset(of: mask) else { continue }
            parts.append(name); rest.subtract(mask)
        }
        if !rest.isEmpty { parts.append("0x" + String(rest.rawValue, radix: 16)) }
        return parts.joined(separator: "|")
    }

    /// `__def_gfpflag_names` of 6.1 in its order (most bits first).
    public static let printOrder = [
        "GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER", "GFP_KERNEL_ACCOUNT",
        "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT", "GFP_DMA", "__GFP_HIGHMEM", "GFP_DMA32", "__GFP_HIGH",
        "__GFP_ATOMIC", "__GFP_IO", "__GFP_FS", "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY",
        "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE",
        "__GFP_RECLAIMABLE", "__GFP_MOVABLE", "__GFP_ACCOUNT", "__GFP_WRITE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM",
        "__GFP_KSWAPD_RECLAIM", "__GFP_ZEROTAGS", "__GFP_SKIP_ZERO", "__GFP_SKIP_KASAN_POISON", "__GFP_SKIP_KASAN_UNPOISON",
    ]

    /// Parses `GFP_KERNEL | __GFP_THISNODE` (names, `|`, hex numbers).
    public static func parse(_ text: String) -> GFP? {
        var result: GFP = []
        for part in text.split(separator: "|") {
            let name = part.trimmingCharacters(in: .whitespaces)
            if let (_, v) = names.first(where: { $0.0 == name }) {
                result.formUnion(v)
            } else if name.hasPrefix("0x"), let v = UInt32(name.dropFirst(2), radix: 16) {
                result.formUnion(GFP(rawValue: v))
            } else {
                return nil
            }
        }
        return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : result
    }

    public var description: String {
        for (name, mask) in GFP.names where mask == self && name.hasPrefix("GFP_") { return name }
        var rest = self
        var parts: [String] = []
        for (name, mask) in GFP.names where name.hasPrefix("GFP_") && !mask.isEmpty && rest.isSuperset(of: mask) && mask.rawValue.nonzeroBitCount > 1 {
            parts.append(name); rest.subtract(mask)
        }
        for (name, mask) in GFP.names where name.hasPrefix("__") && mask.rawValue.nonzeroBitCount == 1 && rest.contains(mask) {
            parts.append(name); rest.subtract(mask)
        }
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }

    /// `gfp_zone()`: the highest zone index usable (reference §1.8), or nil for an invalid combination.
    @inline(__always) public func zone(arch: Arch) -> Int? {
        let z = zone(table: GFP.zoneTable(arch: arch))
        return z < 0 ? nil : z
    }

    /// `gfp_zone` with the arch's table already chosen: -1 for an invalid combination.
    @inline(__always) func zone(table: UInt64) -> Int {
        Int(truncatingIfNeeded: (table &>> (UInt64(rawValue & 0x0f) &* 4)) & 0xf) &- 1
    }

    @inline(__always) static func zoneTable(arch: Arch) -> UInt64 {
        arch == .x86_64 ? GFP.zoneTableX86_64 : GFP.zoneTableI386
    }

    /// GFP_ZONE_TABLE indexed by the low four bits (DMA, HIGHMEM, DMA32, MOVABLE), packed as
    /// (zone + 1) per nibble, 0 = invalid combination. Unpacked:
    /// x86_64 [2, 0, 2, −, 1, −, −, −, 2, 0, 3, −, 1, −, −, −];
    /// i386   [1, 0, 2, −, 1, −, −, −, 1, 0, 3, −, 1, −, −, −].
    static let zoneTableX86_64: UInt64 = 0x0002_0413_0002_0313
    static let zoneTableI386: UInt64 = 0x0002_0412_0002_0312

    /// `gfp_migratetype()`.
    public func migrateType(mobilityDisabled: Bool = false) -> MigrateType {
        if mobilityDisabled { return .unmovable }
        if contains(.movable) { return .movable }
        if contains(.reclaimable) { return .reclaimable }
        return .unmovable
    }

    /// `gfp_to_alloc_flags` (6.1.119) for the slow path.
    public func slowPathAllocFlags(order: Int) -> AllocFlags {
        var f: AllocFlags = [.wmarkMin, .cpuset]
        if contains(.high) { f.insert(.minReserve) }
        if contains(.kswapdReclaim) { f.insert(.kswapd) }
        if !contains(.directReclaim) {
            if !contains(.nomemalloc) {
                f.insert(.nonBlock)
                if order > 0 { f.insert(.highAtomic) }
            }
            if f.contains(.minReserve) { f.remove(.cpuset) }
        }
        return f
    }
}
