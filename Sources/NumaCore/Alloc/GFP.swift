import NumaTopology

/// `gfp_t` flags of Linux 6.1 (include/linux/gfp_types.h) and the named masks, with
/// `gfp_zone`, `gfp_migratetype` and `gfp_to_alloc_flags`.
public struct GFP: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let dma = GFP(rawValue: 0x01)
    public static let highmem = GFP(rawValue: 0x02)
    public static let dma32 = GFP(rawValue: 0x04)
    public static let movable = GFP(rawValue: 0x08)
    public static let reclaimable = GFP(rawValue: 0x10)
    public static let high = GFP(rawValue: 0x20)
    public static let io = GFP(rawValue: 0x40)
    public static let fs = GFP(rawValue: 0x80)
    public static let zero = GFP(rawValue: 0x100)
    public static let atomic = GFP(rawValue: 0x200)
    public static let directReclaim = GFP(rawValue: 0x400)
    public static let kswapdReclaim = GFP(rawValue: 0x800)
    public static let write = GFP(rawValue: 0x1000)
    public static let nowarn = GFP(rawValue: 0x2000)
    public static let retryMayfail = GFP(rawValue: 0x4000)
    public static let nofail = GFP(rawValue: 0x8000)
    public static let noretry = GFP(rawValue: 0x10000)
    public static let memalloc = GFP(rawValue: 0x20000)
    public static let comp = GFP(rawValue: 0x40000)
    public static let nomemalloc = GFP(rawValue: 0x80000)
    public static let hardwall = GFP(rawValue: 0x100000)
    public static let thisnode = GFP(rawValue: 0x200000)
    public static let account = GFP(rawValue: 0x400000)

    public static let reclaim: GFP = [.directReclaim, .kswapdReclaim]
    public static let kernel: GFP = [.reclaim, .io, .fs]
    public static let user: GFP = [.kernel, .hardwall]
    public static let highUser: GFP = [.user, .highmem]
    public static let highUserMovable: GFP = [.highUser, .movable]
    public static let atomicMask: GFP = [.high, .atomic, .kswapdReclaim]
    public static let nowait: GFP = [.kswapdReclaim]
    public static let noio: GFP = [.reclaim]
    public static let nofs: GFP = [.reclaim, .io]
    public static let dmaMask: GFP = [.dma]
    public static let dma32Mask: GFP = [.dma32]

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
