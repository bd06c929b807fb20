/// Freeing (`__free_pages` → `free_the_page`): through the freeing CPU's pcp for pcp orders,
/// straight to the buddy otherwise. `pgfree` counts pages at free time.
extension PageAllocator {
    public func freePages(_ b: AllocatedBlock, cpu: Int) {
        guard let zone = fastTables.zone(node: b.node, index: b.zone) else { unknownZone(b) }
        guard let c = fastTables.cpu(cpu), b.order == 0, fastPathEnabled else { return freePagesGeneric(b, cpu: cpu, zone) }
        let slot = c.slot, pfn = b.pfn
        vmEvents.add(.pgfree, 1, row: slot)
        zone._withUnsafeGuaranteedRef { Zone.freeOrder0Fast($0, cpu: slot, pfn: pfn) }
    }

    /// Higher orders, callers that are not one of the machine's CPUs, and the generic path the
    /// order-0 one is tested against.
    @inline(never)
    func freePagesGeneric(_ b: AllocatedBlock, cpu: Int, _ zone: Unmanaged<Zone>) {
        guard let c = fastTables.cpu(cpu) else {
            vmEvents.add(.pgfree, 1 << b.order, row: systemSlot)
            zone._withUnsafeGuaranteedRef { $0.freeBlock(b.pfn, order: b.order, cpu: systemSlot) }
            return
        }
        vmEvents.add(.pgfree, 1 << b.order, row: c.slot)
        zone._withUnsafeGuaranteedRef { $0.freePages(cpu: c.slot, pfn: b.pfn, order: b.order) }
    }

    @inline(never)
    func unknownZone(_ b: AllocatedBlock) -> Never {
        preconditionFailure("freeing a block of node \(b.node) zone \(b.zone), which this machine does not have")
    }

    /// `drain_all_pages(NULL)` (only while no CPU allocates: it touches every CPU's pageset).
    public func drainAllPages() {
        for z in allZones {
            for cpu in z.pcp.indices { z.drainPages(cpu: cpu) }
        }
    }
}
