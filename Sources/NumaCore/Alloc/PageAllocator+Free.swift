/// Freeing (`__free_pages` → `free_the_page`): through the freeing CPU's pcp for pcp orders,
/// straight to the buddy otherwise. `pgfree` counts pages at free time.
extension PageAllocator {
    public func freePages(_ b: AllocatedBlock, cpu: Int) {
        let n = nodeIndex[b.node]!
        vmEvents.add(.pgfree, 1 << b.order, row: slot(ofCPU: cpu))
        let slot = cpuSlot[cpu]
        withZone(n, b.zone) { z in
            if let slot { z.freePages(cpu: slot, pfn: b.pfn, order: b.order) } else { z.freeBlock(b.pfn, order: b.order) }
        }
    }

    /// `drain_all_pages(NULL)` (only while no CPU allocates: it touches every CPU's pageset).
    public func drainAllPages() {
        for n in zones.indices {
            for z in zones[n].indices {
                for cpu in zones[n][z].pcp.indices { zones[n][z].drainPages(cpu: cpu) }
            }
        }
    }
}
