/// `enum compact_result` (include/linux/compaction.h, Linux 6.1), in the kernel's order: the
/// callers take the `max` of several zones' results.
public enum CompactResult: Int, Comparable, Sendable, CustomStringConvertible {
    case notSuitableZone = 0, skipped, deferred, noSuitablePage, `continue`, complete, partialSkipped, contended, success

    public static func < (a: CompactResult, b: CompactResult) -> Bool { a.rawValue < b.rawValue }

    /// `compaction_made_progress`
    var madeProgress: Bool { self == .success }
    /// `compaction_failed`
    var failed: Bool { self == .complete }
    /// `compaction_needs_reclaim`
    var needsReclaim: Bool { self == .skipped }
    /// `compaction_withdrawn`
    var withdrawn: Bool { self == .deferred || self == .contended || self == .partialSkipped }

    public var description: String {
        ["COMPACT_NOT_SUITABLE_ZONE", "COMPACT_SKIPPED", "COMPACT_DEFERRED", "COMPACT_NO_SUITABLE_PAGE", "COMPACT_CONTINUE",
         "COMPACT_COMPLETE", "COMPACT_PARTIAL_SKIPPED", "COMPACT_CONTENDED", "COMPACT_SUCCESS"][rawValue]
    }
}

/// `enum compact_priority` (include/linux/compaction.h, Linux 6.1): lower is more thorough.
/// - SYNC_FULL (MIN_COMPACT_PRIORITY): `compact_zone_order` scans the whole zone from its ends
///   (`whole_zone`), ignores the skip hints and takes free pages from any pageblock type
///   (`ignore_block_suitable`); migration mode MIGRATE_SYNC_LIGHT; deferral is not consulted.
/// - SYNC_LIGHT (MIN_COMPACT_COSTLY_PRIORITY): from the cached scanner positions, MIGRATE_SYNC_LIGHT.
/// - ASYNC (INIT/DEF_COMPACT_PRIORITY): from the cached positions, MIGRATE_ASYNC: the migrate
///   scanner takes only pageblocks of the request's migratetype (`suitable_migration_source`)
///   and gives up the rest of an order-aligned block at its first unmovable page.
public enum CompactPriority: Int, Comparable, Sendable {
    case syncFull = 0, syncLight = 1, async = 2
    public static let min = CompactPriority.syncFull
    public static let minCostly = CompactPriority.syncLight
    public static let initial = CompactPriority.async
    public static func < (a: CompactPriority, b: CompactPriority) -> Bool { a.rawValue < b.rawValue }
}

/// `enum migrate_mode` as compaction uses it.
public enum MigrateMode: Sendable { case async, syncLight, sync }

/// The compaction fields of `struct zone` (include/linux/mmzone.h, Linux 6.1):
/// `compact_considered`, `compact_defer_shift`, `compact_order_failed` (deferral),
/// `compact_cached_migrate_pfn[2]` (async, sync) and `compact_cached_free_pfn` (where the
/// scanners resume). The kernel reads and writes them racily; here a lock guards them so the
/// concurrent engine stays free of data races.
public final class ZoneCompactionState: @unchecked Sendable {
    /// COMPACT_MAX_DEFER_SHIFT
    public static let maxDeferShift = 6
    let lock = SpinLock()
    @exclusivity(unchecked) var considered = 0
    @exclusivity(unchecked) var deferShift = 0
    @exclusivity(unchecked) var orderFailed = 0
    @exclusivity(unchecked) var cachedMigratePfn = [0, 0]
    @exclusivity(unchecked) var cachedFreePfn = 0
    @exclusivity(unchecked) var cachedInitialised = false

    public init() {}

    /// (`compact_considered`, `compact_defer_shift`, `compact_order_failed`).
    public var deferral: (considered: Int, deferShift: Int, orderFailed: Int) {
        lock.withLock { (considered, deferShift, orderFailed) }
    }

    /// `defer_compaction(zone, order)`: compaction failed at `order`; skip the next
    /// 2^`compact_defer_shift` attempts (up to 64).
    public func deferCompaction(order: Int) {
        lock.withLock {
            considered = 0
            deferShift += 1
            if order < orderFailed { orderFailed = order }
            if deferShift > ZoneCompactionState.maxDeferShift { deferShift = ZoneCompactionState.maxDeferShift }
        }
    }

    /// `compaction_deferred(zone, order)`: whether this attempt is skipped (each call counts
    /// as one considered attempt).
    public func compactionDeferred(order: Int) -> Bool {
        lock.withLock {
            let limit = 1 << deferShift
            if order < orderFailed { return false }
            considered += 1
            if considered >= limit {
                considered = limit
                return false
            }
            return true
        }
    }

    /// `compaction_defer_reset(zone, order, alloc_success)`: compaction is expected to succeed
    /// (or did) at `order`.
    public func deferReset(order: Int, allocSuccess: Bool) {
        lock.withLock {
            if allocSuccess {
                considered = 0
                deferShift = 0
            }
            if order >= orderFailed { orderFailed = order + 1 }
        }
    }

    /// `compaction_restarting(zone, order)`: the deferral ran its full course at this order.
    public func restarting(order: Int) -> Bool {
        lock.withLock {
            order >= orderFailed && deferShift == ZoneCompactionState.maxDeferShift && considered >= 1 << deferShift
        }
    }
}
