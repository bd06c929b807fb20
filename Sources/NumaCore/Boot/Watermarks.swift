/// `__setup_per_zone_wmarks` (mm/page_alloc.c, 6.1): splits `min_free_kbytes` over all lowmem
/// zones of all nodes by managed share; low and high sit `delta` above min, where delta is
/// max(min/4, managed·watermark_scale_factor/10000). Highmem zones get a small clamped min.
public enum Watermarks {
    public static func setup(zones: inout [BootZone], minFreeKbytes: Int, watermarkScaleFactor: Int) {
        let pagesMin = minFreeKbytes >> 2
        var lowmemPages = 0
        for z in zones where !z.isHighmem { lowmemPages += z.managed }
        for i in zones.indices {
            let managed = zones[i].managed
            // tmp = pages_min * managed / lowmem_pages, in u64.
            let tmp = lowmemPages == 0 ? 0 : Int((UInt64(pagesMin) * UInt64(managed)) / UInt64(lowmemPages))
            var w = ZoneWatermarks()
            if zones[i].isHighmem {
                w.min = KernelMath.clamp(managed / 1024, 32, 128)
            } else {
                w.min = tmp
            }
            let delta = max(tmp >> 2, KernelMath.multFrac(managed, watermarkScaleFactor, 10000))
            w.boost = 0
            w.low = w.min + delta
            w.high = w.low + delta
            w.promo = w.high + delta
            zones[i].watermark = w
        }
    }
}
