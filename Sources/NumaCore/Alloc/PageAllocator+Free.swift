/// Freeing (`__free_pages` → `free_the_page`): through the freeing CPU's pcp for pcp orders,
/// straight to the buddy otherwise. `pgfree` counts pages at free time.
extension PageAllocator {
    public mutating func freePages(_ b: AllocatedBlock, cpu: Int) {
        let n = nodeIndex[b.node]!
        pgfree += 1 << b.order
        if let slot = cpuSlot[cpu] {
            zones[n][b.zone].freePages(cpu: slot, pfn: b.pfn, order: b.order)
        } else {
            zones[n][b.zone].freeBlock(b.pfn, order: b.order)
        }
    }

    /// `drain_all_pages(NULL)`
    public mutating func drainAllPages() {
        for n in zones.indices {
            for z in zones[n].indices {
                for cpu in zones[n][z].pcp.indices { zones[n][z].drainPages(cpu: cpu) }
            }
        }
    }
}
