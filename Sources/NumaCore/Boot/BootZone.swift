/// One `struct zone` after boot: its place, its size, and the numbers the kernel derives from it.
public struct BootZone: Equatable, Sendable {
    public var node: Int
    /// Zone type index (`zone_idx`): 0 = DMA … on x86_64 1 = DMA32, 2 = Normal, 3 = Movable, 4 = Device.
    public var index: Int
    public var name: String
    public var startPfn: Int
    public var spanned: Int
    public var present: Int
    public var managed: Int
    /// `managed` as `free_area_init_core` estimates it before memblock frees memory
    /// (present − memmap − dma_reserve): what `build_all_zonelists` counts in "Total pages".
    public var bootEstimate: Int
    /// Pages in the buddy free lists at the start of a run (`NR_FREE_PAGES`).
    public var free: Int
    public var watermark: ZoneWatermarks = ZoneWatermarks()
    /// `lowmem_reserve[]`, printed as `protection:`, indexed by the requesting classzone.
    public var lowmemReserve: [Int]
    /// `pageset_batch` / `pageset_high` (every CPU's pcp for this zone gets the same values).
    public var pcpBatch: Int = 1
    public var pcpHigh: Int = 0
    /// Per-CPU vmstat threshold ("vm stats threshold").
    public var statThreshold: Int = 0
    public var percpuDriftMark: Int = 0
    /// `is_highmem(zone)`: HighMem, or Movable when ZONE_MOVABLE is taken from HighMem.
    public var isHighmem: Bool

    /// `populated_zone()`: the zone has present pages.
    public var isPopulated: Bool { present > 0 }
}

/// `zone->_watermark[]` and `watermark_boost`. Accessors add the boost, as
/// `min_wmark_pages()` and friends do.
public struct ZoneWatermarks: Equatable, Sendable, Codable {
    public var min: Int = 0
    public var low: Int = 0
    public var high: Int = 0
    public var promo: Int = 0
    public var boost: Int = 0

    public init(min: Int = 0, low: Int = 0, high: Int = 0, promo: Int = 0, boost: Int = 0) {
        self.min = min; self.low = low; self.high = high; self.promo = promo; self.boost = boost
    }

    public var minPages: Int { min + boost }
    public var lowPages: Int { low + boost }
    public var highPages: Int { high + boost }
}

/// A zone's place in a zonelist (`struct zoneref`: the zone and its index).
public struct ZoneRef: Hashable, Sendable, Codable, CustomStringConvertible {
    public var node: Int
    public var zone: Int
    public init(node: Int, zone: Int) { self.node = node; self.zone = zone }
    public var description: String { "\(node):\(zone)" }
}
