/// `enum migratetype` (include/linux/mmzone.h), Debian 6.1 config: no CMA, memory isolation on.
public enum MigrateType: UInt8, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case unmovable = 0, movable = 1, reclaimable = 2, highAtomic = 3, isolate = 4

    /// A raw value that only this model wrote (mem_map bytes): no validation on the hot paths.
    @inline(__always) init(stored raw: UInt8) {
        assert(raw < UInt8(MigrateType.count), "corrupt migratetype byte \(raw)")
        self = unsafeBitCast(raw, to: MigrateType.self)
    }

    /// MIGRATE_PCPTYPES: the types that have per-CPU lists.
    public static let pcpTypes = 3
    /// MIGRATE_TYPES
    public static let count = 5

    /// `migratetype_is_mergeable`: buddies of these types may merge across pageblocks.
    public var isMergeable: Bool { rawValue < 3 }

    /// Names as /proc/pagetypeinfo prints them (`migratetype_names`).
    public var description: String {
        switch self {
        case .unmovable: return "Unmovable"
        case .movable: return "Movable"
        case .reclaimable: return "Reclaimable"
        case .highAtomic: return "HighAtomic"
        case .isolate: return "Isolate"
        }
    }

    /// `fallbacks[]` (mm/page_alloc.c): where an allocation of this type steals from.
    public var fallbacks: [MigrateType] {
        switch self {
        case .unmovable: return [.reclaimable, .movable]
        case .movable: return [.reclaimable, .unmovable]
        case .reclaimable: return [.unmovable, .movable]
        default: return []
        }
    }
}
