/// Per-CPU pageset sizing at boot: `zone_batchsize` and `zone_highsize` (mm/page_alloc.c, 6.1),
/// applied by `zone_set_pageset_high_and_batch` to every CPU's `per_cpu_pages` of the zone.
public enum PageSetSizing {
    /// `zone_batchsize`: ~0.1% of the zone, capped at 256 pages, forced to 2^n − 1.
    public static func batchSize(managed: Int) -> Int {
        var batch = min(managed >> 10, (1 << 20) / 4096)
        batch /= 4
        if batch < 1 { batch = 1 }
        batch = KernelMath.rounddownPowOfTwo(batch + batch / 2) - 1
        return batch
    }

    /// `max(1, zone_batchsize(zone))`.
    public static func batch(managed: Int) -> Int { max(1, batchSize(managed: managed)) }

    /// `zone_highsize`: the low watermark (or managed / percpu_pagelist_high_fraction) split over
    /// the node's CPUs — all online CPUs for a CPU-less node — and at least 4 × batch.
    public static func high(lowWatermark: Int, managed: Int, batch: Int, nodeCPUs: Int, onlineCPUs: Int,
                            highFraction: Int, cpuOnline: Int = 0) -> Int {
        let total = highFraction == 0 ? lowWatermark : managed / highFraction
        var split = nodeCPUs + cpuOnline
        if split == 0 { split = onlineCPUs }
        return max(total / split, batch << 2)
    }
}
