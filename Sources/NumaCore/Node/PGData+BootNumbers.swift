/// Recomputed boot numbers taken by a running node: after a sysctl write or a memory hotplug
/// step the kernel's handlers recompute watermarks (`setup_per_zone_wmarks`), `lowmem_reserve`
/// (`setup_per_zone_lowmem_reserve`) and pageset sizes (`zone_pcp_update` →
/// `zone_set_pageset_high_and_batch`); each zone of the node takes its new numbers here.
extension PGData {
    /// Only between phases, when no CPU allocates.
    func apply(_ boot: [BootZone], watermarkBoostFactor: Int) {
        for (z, b) in zip(zones, boot) {
            z.baseWatermark = ZoneWatermarks(min: b.watermark.min, low: b.watermark.low, high: b.watermark.high, promo: b.watermark.promo)
            z.lowmemReserve = b.lowmemReserve
            z.watermarkBoostFactor = watermarkBoostFactor
            for i in z.pcp.indices {
                z.pcp[i].high = b.pcpHigh
                z.pcp[i].batch = b.pcpBatch
            }
        }
    }
}
