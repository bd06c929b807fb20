/// `struct per_cpu_pages` (6.1.119): one CPU's cache of free pages for one zone — lists per
/// low order (0…3) and migratetype, plus two THP lists — with `count`, `high`, `batch` and
/// `free_factor`. The lists thread through the zone's `MemMap` like `page->lru`.
///
/// The CPU's statistics for the zone sit beside it, as the kernel's `per_cpu_zonestats` do:
/// the NUMA events and PGALLOC are counted by the allocating CPU and folded when read, so the
/// fast path writes only memory that its own CPU owns.
public struct PerCPUPages: @unchecked Sendable {
    /// NR_LOWORDER_PCP_LISTS (12) + NR_PCP_THP (2 in 6.1.119).
    public static let listCount = 14
    /// PAGE_ALLOC_COSTLY_ORDER
    public static let costlyOrder = 3
    /// CONFIG_PCP_BATCH_SCALE_MAX
    public static let batchScaleMax = 5

    /// `lists[NR_PCP_LISTS]`, in the same per-CPU block as this header.
    public let lists: UnsafeMutablePointer<PageList>
    /// Pages (not blocks) on all lists.
    public var count = 0
    public var high: Int
    public var batch: Int
    public var freeFactor = 0
    /// `vm_numa_event` counts of this CPU for this zone.
    public var events = NumaEvents()
    /// PGALLOC_<zone> counted by this CPU (pages).
    public var pgalloc = 0

    init(lists: UnsafeMutablePointer<PageList>, high: Int, batch: Int) {
        self.lists = lists
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

/// A zone's pagesets, one per CPU, each in its own cache-line-aligned block (header then lists)
/// so that two CPUs working on their own pagesets never write the same cache line.
/// The zone owns the memory (`deallocate` in its deinit); this is a non-owning view.
public struct PageSetTable: @unchecked Sendable {
    static let headerBytes = 128
    static let blockBytes = 384
    let base: UnsafeMutableRawPointer
    public let count: Int

    init(count: Int, high: Int, batch: Int) {
        precondition(MemoryLayout<PerCPUPages>.size <= PageSetTable.headerBytes)
        precondition(PageSetTable.headerBytes + MemoryLayout<PageList>.stride * PerCPUPages.listCount <= PageSetTable.blockBytes)
        self.count = count
        base = .allocate(byteCount: Swift.max(1, count) * PageSetTable.blockBytes, alignment: 128)
        for i in 0..<count {
            let block = base + i * PageSetTable.blockBytes
            let lists = (block + PageSetTable.headerBytes).bindMemory(to: PageList.self, capacity: PerCPUPages.listCount)
            lists.initialize(repeating: PageList(), count: PerCPUPages.listCount)
            block.bindMemory(to: PerCPUPages.self, capacity: 1).initialize(to: PerCPUPages(lists: lists, high: high, batch: batch))
        }
    }

    func deallocate() { base.deallocate() }

    @inline(__always) func pointer(_ i: Int) -> UnsafeMutablePointer<PerCPUPages> {
        (base + i &* PageSetTable.blockBytes).assumingMemoryBound(to: PerCPUPages.self)
    }

    /// `&pcp->lists[pindex]` of CPU `i`, from the block's address (no load of `lists`).
    @inline(__always) func list(_ i: Int, _ pindex: Int) -> UnsafeMutablePointer<PageList> {
        (base + (i &* PageSetTable.blockBytes &+ PageSetTable.headerBytes)).assumingMemoryBound(to: PageList.self) + pindex
    }

    public subscript(i: Int) -> PerCPUPages {
        unsafeAddress { UnsafePointer(pointer(i)) }
        nonmutating unsafeMutableAddress { pointer(i) }
    }

    public var indices: Range<Int> { 0..<count }
}
