/// Freeing (`__free_pages` → `free_the_page`): through the freeing CPU's pcp for pcp orders,
/// straight to the buddy otherwise. `pgfree` counts pages at free time.
extension PageAllocator {
    public func freePages(_ b: AllocatedBlock, cpu: Int) {
        guard let n = nodeIndex[b.node] else { preconditionFailure("freeing a block of node \(b.node), which this machine does not have") }
        guard let slot = cpuSlot[cpu] else {
            vmEvents.add(.pgfree, 1 << b.order, row: systemSlot)
            withZone(n, b.zone) { $0.freeBlock(b.pfn, order: b.order) }
            return
        }
        vmEvents.add(.pgfree, 1 << b.order, row: slot)
        withZone(n, b.zone) { $0.freePages(cpu: slot, pfn: b.pfn, order: b.order) }
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
