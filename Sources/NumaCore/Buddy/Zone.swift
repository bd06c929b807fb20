/// A zone at run time (`struct zone`, include/linux/mmzone.h): its pages, buddy free lists,
/// free-page counter, watermarks and reserves. The buddy operations are in `Zone+Buddy.swift`,
/// `Zone+Fallback.swift`; the invariant checker in `Zone+Invariants.swift`.
public struct Zone: Sendable {
    public let node: Int
    public let index: Int
    public let name: String
    public var memmap: MemMap
    public var freeArea = FreeArea()
    /// NR_FREE_PAGES: pages in the buddy free lists (pcp pages excluded).
    public internal(set) var nrFreePages = 0
    public let managed: Int
    public var watermark: ZoneWatermarks
    public var lowmemReserve: [Int]
    public var nrReservedHighatomic = 0
    /// `page_group_by_mobility_disabled`
    public var mobilityGroupingDisabled = false
    public var watermarkBoostFactor = 15000
    /// ZONE_BOOSTED_WATERMARK
    public var boostedWatermarkFlag = false
    /// One `per_cpu_pages` per online CPU (index = position in the machine's CPU list).
    public var pcp: [PerCPUPages] = []
    public var pageblockOrder: Int { memmap.pageblockOrder }
    public var pageblockPages: Int { 1 << memmap.pageblockOrder }

    public var startPfn: Int { memmap.startPfn }
    public var endPfn: Int { memmap.startPfn + memmap.count }

    public init(boot z: BootZone, pageblockOrder: Int) {
        node = z.node
        index = z.index
        name = z.name
        memmap = MemMap(startPfn: z.startPfn, count: z.spanned, pageblockOrder: pageblockOrder)
        managed = z.managed
        watermark = z.watermark
        lowmemReserve = z.lowmemReserve
    }

    /// A zone with a pageset per CPU, as `setup_zone_pageset` gives every populated zone.
    public init(boot z: BootZone, pageblockOrder: Int, cpus: Int) {
        self.init(boot: z, pageblockOrder: pageblockOrder)
        if z.isPopulated { pcp = [PerCPUPages](repeating: PerCPUPages(high: z.pcpHigh, batch: z.pcpBatch), count: cpus) }
    }
}
