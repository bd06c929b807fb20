import Synchronization

/// A zone at run time (`struct zone`, include/linux/mmzone.h): its pages, buddy free lists,
/// free-page counter, watermarks, reserves and the per-CPU pagesets. The buddy operations are in
/// `Zone+Buddy.swift` and `Zone+Fallback.swift`, the per-CPU lists in `Zone+PCP.swift`, the
/// invariant checker in `Zone+Invariants.swift`.
///
/// A reference type with unsafe storage, shared by every CPU that allocates from it:
/// - the free lists and everything under them change only with `lock` held (`zone->lock`);
/// - each CPU's pageset is touched only by that CPU (the pcp fast path takes no lock);
/// - NR_FREE_PAGES, the watermark boost, the highatomic reserve count and the boosted-watermark
///   flag are relaxed atomics, read lock-free by watermark checks as the kernel reads them;
/// - watermarks, lowmem_reserve and pcp high/batch change only while no CPU allocates (boot,
///   sysctl and hotplug steps run between phases).
/// Methods that assume the lock is held (or a single thread) say so; the public entry points
/// (`allocBlock`, `freeBlock`, `rmqueuePcplist`, `freeUnrefPage`, `drainPages`) take it.
public final class Zone: @unchecked Sendable {
    public let node: Int
    public let index: Int
    public let name: String
    public let memmap: MemMap
    public let freeArea = FreeArea()
    /// Free order-10 blocks whose records were never written (`UntouchedBlocks`); under `lock`.
    @exclusivity(unchecked) public internal(set) var untouched = UntouchedBlocks()
    /// false: every free block gets its records at boot, as a dense mem_map would (tests compare
    /// the two; set before `freeManagedPages`).
    @exclusivity(unchecked) public var keepsUntouchedBlocks = true
    /// `zone->lock`
    public let lock = SpinLock()
    /// This zone's pages on its node's four LRU lists (`LRUVec`), in node LRU order; guarded by
    /// the node's `lru_lock`. Their counts are NR_ZONE_{IN,}ACTIVE_{ANON,FILE}.
    let lruLists: UnsafeMutablePointer<PageList>
    /// Per LRU list, the pages of this zone's large folios beyond their first (a THP is one
    /// entry of 512 pages: 511 here), so a list's pages are its entries plus this. Under the
    /// node's `lru_lock`.
    let lruLargeExtra: UnsafeMutablePointer<Int>
    /// `page->memcg_data` of each page frame (`MemcgTag`), allocated when the workload has
    /// cgroups (`PageAllocator.enableMemcg`); nil without. Written by the page's owner when it
    /// charges or frees it, read by reclaim under the LRU lock.
    @exclusivity(unchecked) var memcgTags: UnsafeMutablePointer<UInt16>?
    let nrFreeAtomic = Atomic<Int>(0)
    /// NR_ZONE_WRITE_PENDING: dirty page-cache pages of this zone (writeback is synchronous in
    /// this model, so none are under writeback). Updated with the node's NR_FILE_DIRTY
    /// (`PageAllocator.accountDirty`), as `folio_account_dirtied` updates both.
    let writePendingAtomic = Atomic<Int>(0)
    /// `managed_pages`: changes only when memory goes on- or offline (between phases).
    @exclusivity(unchecked) public internal(set) var managed: Int
    /// Memory blocks taken offline (`offline_pages`): their pages are reserved until onlined.
    @exclusivity(unchecked) public internal(set) var offlineRanges: [Range<Int>] = []
    /// min/low/high/promo without the boost (`_watermark[]`).
    @exclusivity(unchecked) public var baseWatermark: ZoneWatermarks
    let boostAtomic = Atomic<Int>(0)
    let reservedHighatomicAtomic = Atomic<Int>(0)
    let boostedFlagAtomic = Atomic<Bool>(false)
    /// ZONE_RECLAIM_ACTIVE: kswapd is reclaiming this zone (pcp `high` shrinks to 4 × batch).
    let reclaimActiveAtomic = Atomic<Bool>(false)
    public var isReclaimActive: Bool { reclaimActiveAtomic.load(ordering: .relaxed) }
    @exclusivity(unchecked) public var lowmemReserve: [Int] {
        didSet { copyLowmemReserve() }
    }
    /// `lowmem_reserve[]` as a flat buffer for the lock-free watermark check.
    let reserveByClasszone: UnsafeMutablePointer<Int>
    static let maxZoneTypes = 8
    /// `page_group_by_mobility_disabled`
    @exclusivity(unchecked) public var mobilityGroupingDisabled = false
    @exclusivity(unchecked) public var watermarkBoostFactor = 15000
    /// Buddy splits (`expand`) and merges (`__free_one_page`) so far, under the zone lock: the
    /// simulated clock charges them to the CPU whose refill or drain did them (docs/time.md).
    @exclusivity(unchecked) var buddySplits = 0
    @exclusivity(unchecked) var buddyMerges = 0
    /// The allocator's counter rows, for the work the clock charges (set by `PageAllocator`).
    @exclusivity(unchecked) var workRows: VMEventTable?
    /// One `per_cpu_pages` per online CPU (index = position in the machine's CPU list).
    public let pcp: PageSetTable
    public let pageblockOrder: Int
    public let pageblockPages: Int
    /// Compaction's deferral and cached scanner positions (`ZoneCompactionState`).
    public let compaction = ZoneCompactionState()

    public var startPfn: Int { memmap.startPfn }
    public var endPfn: Int { memmap.startPfn + memmap.count }

    /// NR_FREE_PAGES: pages in the buddy free lists (pcp pages excluded).
    public var nrFreePages: Int { nrFreeAtomic.load(ordering: .relaxed) }
    /// Changed only under the lock, so load + store suffices (no read-modify-write).
    @inline(__always) func addFreePages(_ delta: Int) {
        nrFreeAtomic.store(nrFreeAtomic.load(ordering: .relaxed) &+ delta, ordering: .relaxed)
    }

    /// NR_ZONE_WRITE_PENDING (pages).
    public var nrZoneWritePending: Int { writePendingAtomic.load(ordering: .relaxed) }
    func addWritePending(_ delta: Int) { writePendingAtomic.wrappingAdd(delta, ordering: .relaxed) }

    /// `watermark_boost`
    public var watermarkBoost: Int { boostAtomic.load(ordering: .relaxed) }
    /// `nr_reserved_highatomic`
    public var nrReservedHighatomic: Int { reservedHighatomicAtomic.load(ordering: .relaxed) }
    /// ZONE_BOOSTED_WATERMARK
    public var boostedWatermarkFlag: Bool {
        get { boostedFlagAtomic.load(ordering: .relaxed) }
        set { boostedFlagAtomic.store(newValue, ordering: .relaxed) }
    }

    /// `_watermark[]` with the current boost.
    public var watermark: ZoneWatermarks {
        var w = baseWatermark
        w.boost = watermarkBoost
        return w
    }

    public init(boot z: BootZone, pageblockOrder: Int, cpus: Int = 0) {
        node = z.node
        index = z.index
        name = z.name
        memmap = MemMap(startPfn: z.startPfn, count: z.spanned, pageblockOrder: pageblockOrder)
        managed = z.managed
        baseWatermark = z.watermark
        baseWatermark.boost = 0
        // A recorded `watermark_boost` (zoneinfo `boost`); 0 after a plain boot.
        boostAtomic.store(z.watermark.boost, ordering: .relaxed)
        lowmemReserve = z.lowmemReserve
        lruLists = .allocate(capacity: 4)
        lruLists.initialize(repeating: PageList(), count: 4)
        lruLargeExtra = .allocate(capacity: 4)
        lruLargeExtra.initialize(repeating: 0, count: 4)
        reserveByClasszone = .allocate(capacity: Zone.maxZoneTypes)
        reserveByClasszone.initialize(repeating: 0, count: Zone.maxZoneTypes)
        self.pageblockOrder = pageblockOrder
        pageblockPages = 1 << pageblockOrder
        // setup_zone_pageset gives every populated zone one pageset per CPU.
        pcp = PageSetTable(count: z.isPopulated ? cpus : 0, high: z.pcpHigh, batch: z.pcpBatch)
        copyLowmemReserve()
    }

    deinit {
        memmap.deallocate()
        pcp.deallocate()
        reserveByClasszone.deallocate()
        lruLists.deallocate()
        lruLargeExtra.deallocate()
        memcgTags?.deallocate()
    }

    private func copyLowmemReserve() {
        precondition(lowmemReserve.count <= Zone.maxZoneTypes, "more zone types than MAX_NR_ZONES")
        for i in 0..<Zone.maxZoneTypes { reserveByClasszone[i] = i < lowmemReserve.count ? lowmemReserve[i] : 0 }
    }

    /// Sets the boost (under the lock, or by kswapd when it clears it).
    func setWatermarkBoost(_ v: Int) { boostAtomic.store(v, ordering: .relaxed) }
    func addReservedHighatomic(_ d: Int) {
        reservedHighatomicAtomic.store(reservedHighatomicAtomic.load(ordering: .relaxed) + d, ordering: .relaxed)
    }
}
