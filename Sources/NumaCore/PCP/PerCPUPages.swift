/// `struct per_cpu_pages` (6.1.119): one CPU's cache of free pages for one zone — lists per
/// low order (0…3) and migratetype, plus two THP lists — with `count`, `high`, `batch` and
/// `free_factor`. The lists thread through the zone's `MemMap` like `page->lru`.
public struct PerCPUPages: Sendable, Equatable {
    /// NR_LOWORDER_PCP_LISTS (12) + NR_PCP_THP (2 in 6.1.119).
    public static let listCount = 14
    /// PAGE_ALLOC_COSTLY_ORDER
    public static let costlyOrder = 3
    /// CONFIG_PCP_BATCH_SCALE_MAX
    public static let batchScaleMax = 5

    public var lists = [PageList](repeating: PageList(), count: PerCPUPages.listCount)
    /// Pages (not blocks) on all lists.
    public var count = 0
    public var high: Int
    public var batch: Int
    public var freeFactor = 0

    public init(high: Int, batch: Int) {
        self.high = high
        self.batch = batch
    }

    /// `pcp_allowed_order`
    @inline(__always) public static func allowedOrder(_ order: Int, pageblockOrder: Int) -> Bool {
        order <= costlyOrder || order == pageblockOrder
    }

    /// `order_to_pindex`
    @inline(__always) public static func pindex(order: Int, _ mt: MigrateType) -> Int {
        if order > costlyOrder { return 12 + (mt == .movable ? 1 : 0) }
        return Int(mt.rawValue) + 3 * order
    }

    /// `pindex_to_order`
    @inline(__always) public static func order(pindex: Int, pageblockOrder: Int) -> Int {
        pindex >= 12 ? pageblockOrder : pindex / 3
    }
}
