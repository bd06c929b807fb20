/// `struct page` flags that the allocator model needs (include/linux/page-flags.h subset).
///
/// A page is in exactly one place: the head of a free buddy block (`buddy`), inside a free buddy
/// block (`tail` of it), on a per-CPU list (`pcp`), allocated (`allocated` on the head page of
/// the block), or not managed at all (`reserved`: holes, firmware, mem_map).
public struct PageFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// PageBuddy: head of a free block on a buddy free list; `order` holds its order.
    public static let buddy = PageFlags(rawValue: 1 << 0)
    /// Head of a block on a per-CPU list (page->lru on pcp->lists[]).
    public static let pcp = PageFlags(rawValue: 1 << 1)
    /// Head of an allocated block (the caller owns 1 << order pages).
    public static let allocated = PageFlags(rawValue: 1 << 2)
    /// PageReserved: never given to the buddy allocator (hole, firmware, mem_map…).
    public static let reserved = PageFlags(rawValue: 1 << 3)
    /// A page inside a larger block whose head carries the state (PageTail for compound pages).
    public static let tail = PageFlags(rawValue: 1 << 4)
    /// PG_lru, PG_active, PG_referenced, PG_dirty: LRU state (used by reclaim, next issues).
    public static let lru = PageFlags(rawValue: 1 << 5)
    public static let active = PageFlags(rawValue: 1 << 6)
    public static let referenced = PageFlags(rawValue: 1 << 7)
}

/// One page frame as numasim stores it: 10 bytes in struct-of-arrays form (see `MemMap`).
public struct PageFrame: Equatable, Sendable {
    public var pfn: Int
    public var flags: PageFlags
    /// Buddy or pcp block order on a head page.
    public var order: Int
    /// The migratetype remembered on the page (`set_pcppage_migratetype`) for pcp pages.
    public var storedMigrateType: MigrateType
}
