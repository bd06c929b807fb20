/// `struct compact_control` (mm/internal.h, Linux 6.1): one compaction run over one zone — the
/// request, the mode its priority picked, where the two scanners are, the pages each isolated,
/// and what it scanned (for `compact_migrate_scanned`, `compact_free_scanned`).
public struct CompactControl: Sendable {
    /// COMPACT_CLUSTER_MAX (= SWAP_CLUSTER_MAX): pages the migrate scanner isolates per round.
    public static let clusterMax = 32

    /// The requested order; -1 for `compact_memory` (`is_via_compact_memory`).
    public var order: Int
    public var gfp: GFP
    /// `cc->migratetype` (`gfp_migratetype`).
    public var migrateType: MigrateType
    public var allocFlags: AllocFlags
    public var highestZone: Int
    public var mode: MigrateMode
    public var directCompaction: Bool
    public var wholeZone: Bool
    public var ignoreSkipHint: Bool
    public var ignoreBlockSuitable: Bool
    /// `cc->proactive_compaction`
    public var proactive = false
    /// The counter row the work is charged to (the allocating CPU's, or the caller's).
    public var row: Int

    /// `cc->migrate_pfn`, `cc->free_pfn`
    public var migratePfn = 0
    public var freePfn = 0
    /// `cc->migratepages` (isolated LRU pages, order 0) and `cc->freepages` (isolated free
    /// pages, already split to order 0 by `split_map_pages`).
    var migratePages: [Int] = []
    var freePages: [Int] = []
    /// `cc->search_order`, `cc->fast_search_fail` (the free-list fast search).
    var searchOrder = 0
    var fastSearchFail = 0
    public var totalMigrateScanned = 0
    public var totalFreeScanned = 0
    /// Pages isolated by both scanners (COMPACTISOLATED).
    public var isolated = 0
    /// PGMIGRATE_SUCCESS / PGMIGRATE_FAIL of this run.
    public var migrated = 0
    public var migrateFailed = 0

    public init(order: Int, gfp: GFP, migrateType: MigrateType, allocFlags: AllocFlags, highestZone: Int, mode: MigrateMode,
                directCompaction: Bool, wholeZone: Bool, ignoreSkipHint: Bool, ignoreBlockSuitable: Bool, row: Int) {
        self.order = order
        self.gfp = gfp
        self.migrateType = migrateType
        self.allocFlags = allocFlags
        self.highestZone = highestZone
        self.mode = mode
        self.directCompaction = directCompaction
        self.wholeZone = wholeZone
        self.ignoreSkipHint = ignoreSkipHint
        self.ignoreBlockSuitable = ignoreBlockSuitable
        self.row = row
        self.searchOrder = order
    }

    /// `is_via_compact_memory(order)`
    public var isViaCompactMemory: Bool { order == -1 }

    /// `compact_scanners_met`: the free scanner's pageblock is at or below the migrate scanner's.
    func scannersMet(pageblockOrder: Int) -> Bool { freePfn >> pageblockOrder <= migratePfn >> pageblockOrder }
}
