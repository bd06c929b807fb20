/// Values of one zone recorded on a real machine. `nil` fields are computed as the kernel would.
///
/// Besides the zone's size and tuning (`start_pfn` … `pcp_batch`), a zone may record its state
/// at the moment of the capture (`ZoneState` fields: `boost`, `pcp_count`, `lru`, `free_blocks`,
/// `pageblocks`), which booting the allocator realizes exactly (docs/topology-format.md).
public struct ZoneOverride: Equatable, Sendable, Codable {
    public var startPfn: Int?
    public var spanned: Int?
    public var present: Int?
    public var managed: Int?
    public var free: Int?
    /// The watermarks as /proc/zoneinfo prints them: including `boost` (`min_wmark_pages()`).
    public var min: Int?
    public var low: Int?
    public var high: Int?
    public var protection: [Int]?
    public var pcpHigh: Int?
    public var pcpBatch: Int?
    /// `watermark_boost` (zoneinfo `boost`).
    public var boost: Int?
    /// Pages on each CPU's pcp lists (zoneinfo pageset `count:`), one entry per CPU of the
    /// machine in ascending CPU id.
    public var pcpCount: [Int]?
    /// The zone's LRU pages (`nr_zone_{in,}active_{anon,file}`).
    public var lru: LRUCounts?
    /// Free blocks per migratetype × order (/proc/pagetypeinfo "Free pages count per migrate type
    /// at order"): `freeBlocks[mt][order]`, mt in `PageblockTypes.names` order, 11 orders.
    public var freeBlocks: [[Int]]?
    /// Pageblocks per migratetype (/proc/pagetypeinfo "Number of blocks type").
    public var pageblocks: [Int]?

    public init(startPfn: Int? = nil, spanned: Int? = nil, present: Int? = nil, managed: Int? = nil,
                free: Int? = nil, min: Int? = nil, low: Int? = nil, high: Int? = nil,
                protection: [Int]? = nil, pcpHigh: Int? = nil, pcpBatch: Int? = nil) {
        self.startPfn = startPfn; self.spanned = spanned; self.present = present; self.managed = managed
        self.free = free; self.min = min; self.low = low; self.high = high; self.protection = protection
        self.pcpHigh = pcpHigh; self.pcpBatch = pcpBatch
    }

    public var isEmpty: Bool { self == ZoneOverride() }

    /// Whether the zone records any run-time state beyond its sizes and tuning.
    public var hasState: Bool {
        (boost ?? 0) > 0 || (pcpCount?.contains { $0 > 0 } ?? false) || (lru.map { $0.total > 0 } ?? false)
            || freeBlocks != nil || pageblocks != nil
    }

    /// Free pages that `free_blocks` lays out (Isolate excluded, as NR_FREE_PAGES excludes it).
    public var freeBlockPages: Int? {
        freeBlocks.map { rows in
            rows.enumerated().reduce(0) { sum, row in
                row.offset == PageblockTypes.isolate ? sum : sum + row.element.enumerated().reduce(0) { $0 + ($1.element << $1.offset) }
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case startPfn = "start_pfn", spanned, present, managed, free, min, low, high, protection
        case pcpHigh = "pcp_high", pcpBatch = "pcp_batch", boost, pcpCount = "pcp_count", lru
        case freeBlocks = "free_blocks", pageblocks
    }
}

/// A zone's LRU page counts (`nr_zone_inactive_anon` … `nr_zone_active_file`).
public struct LRUCounts: Equatable, Sendable, Codable {
    public var inactiveAnon = 0
    public var activeAnon = 0
    public var inactiveFile = 0
    public var activeFile = 0

    public init(inactiveAnon: Int = 0, activeAnon: Int = 0, inactiveFile: Int = 0, activeFile: Int = 0) {
        self.inactiveAnon = inactiveAnon; self.activeAnon = activeAnon
        self.inactiveFile = inactiveFile; self.activeFile = activeFile
    }

    public var total: Int { inactiveAnon + activeAnon + inactiveFile + activeFile }

    /// The YAML keys, in the kernel's `enum lru_list` order.
    public static let keys = ["inactive_anon", "active_anon", "inactive_file", "active_file"]
    public var values: [Int] { [inactiveAnon, activeAnon, inactiveFile, activeFile] }
    public init(values v: [Int]) { self.init(inactiveAnon: v[0], activeAnon: v[1], inactiveFile: v[2], activeFile: v[3]) }

    enum CodingKeys: String, CodingKey {
        case inactiveAnon = "inactive_anon", activeAnon = "active_anon", inactiveFile = "inactive_file", activeFile = "active_file"
    }
}

/// The migratetypes as /proc/pagetypeinfo names them (`migratetype_names`, Debian 6.1: no CMA).
public enum PageblockTypes {
    public static let names = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"]
    public static let isolate = 4
    /// MAX_ORDER (6.1): orders 0…10.
    public static let orders = 11
}
