/// `setup_per_zone_lowmem_reserve` and `calculate_totalreserve_pages` (mm/page_alloc.c).
///
/// Zone i of a node keeps `lowmem_reserve[j]` = (managed pages of that node's zones i+1…j) /
/// ratio[i] free against allocations that could have used zone j. Only same-node zones count.
public enum LowmemReserve {
    /// `zones` are one node's zones indexed by type.
    public static func setup(nodeZones: inout [BootZone], ratios: [Int]) {
        let n = nodeZones.count
        for i in 0..<n {
            nodeZones[i].lowmemReserve = [Int](repeating: 0, count: n)
        }
        for i in 0..<(n - 1) {
            let ratio = ratios[i]
            let clear = ratio == 0 || nodeZones[i].managed == 0
            var managed = 0
            for j in (i + 1)..<n {
                managed += nodeZones[j].managed
                nodeZones[i].lowmemReserve[j] = clear ? 0 : managed / ratio
            }
        }
    }

    /// `pgdat->totalreserve_pages`: Σ over zones of min(managed, max(lowmem_reserve[j ≥ i]) + high).
    public static func totalReserve(nodeZones: [BootZone]) -> Int {
        var total = 0
        for (i, z) in nodeZones.enumerated() {
            var m = 0
            for j in i..<nodeZones.count where z.lowmemReserve[j] > m { m = z.lowmemReserve[j] }
            m += z.watermark.highPages
            total += min(m, z.managed)
        }
        return total
    }
}
