/// The reclaim-side state of an allocated page, packed in one byte: what kind of memory it holds
/// (anonymous, page cache, or kernel) and the page flags and PTE bits the classic LRU looks at
/// (include/linux/page-flags.h PG_lru, PG_active, PG_referenced, PG_dirty; the PTE accessed bit
/// that `folio_referenced` harvests through the rmap).
public struct LRUFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    static let kindMask = LRUFlags(rawValue: 0b11)
    /// PG_lru: on one of the zone's LRU lists.
    public static let lru = LRUFlags(rawValue: 1 << 2)
    /// PG_active: on (or belonging to) an active list.
    public static let active = LRUFlags(rawValue: 1 << 3)
    /// PG_referenced: seen referenced once on the inactive list ("look twice").
    public static let referenced = LRUFlags(rawValue: 1 << 4)
    /// The accessed ("young") bit of the PTE mapping the page, set by the owner's touches.
    public static let young = LRUFlags(rawValue: 1 << 5)
    /// PG_dirty: written since it was last clean (file pages need writeback before reclaim).
    public static let dirty = LRUFlags(rawValue: 1 << 6)
    /// The owner let go of the page while reclaim held it isolated; reclaim frees it.
    public static let orphan = LRUFlags(rawValue: 1 << 7)

    public var kind: PageKind { PageKind(rawValue: rawValue & 0b11) ?? .kernel }
    public static func kind(_ k: PageKind) -> LRUFlags { LRUFlags(rawValue: k.rawValue) }
}

/// What an allocation holds, for reclaim: anonymous memory (reclaimable only with swap), page
/// cache (file-backed, reclaimable; dirty pages are written back first), or kernel memory
/// (unmovable, never reclaimed).
public enum PageKind: UInt8, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case kernel = 0, anon = 1, file = 2
    public var description: String {
        switch self {
        case .kernel: return "kernel"
        case .anon: return "anon"
        case .file: return "file"
        }
    }
}
