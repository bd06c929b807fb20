/// Allocation from and freeing to the per-CPU lists (mm/page_alloc.c 6.1.119: `rmqueue_pcplist`,
/// `__rmqueue_pcplist`, `rmqueue_bulk`, `free_unref_page`, `free_unref_page_commit`,
/// `nr_pcp_high`, `nr_pcp_free`, `free_pcppages_bulk`, `drain_pages_zone`).
///
/// `cpu` is the index of the CPU's pageset in `pcp` (the zone keeps one per online CPU).
extension Zone {
    /// `rmqueue_bulk`: take `count` blocks of `order` from the buddy onto the tail of a pcp list,
    /// so they come out in address order. Returns how many were taken.
    mutating func rmqueueBulk(order: Int, count: Int, _ mt: MigrateType, flags: AllocFlags, cpu: Int, pindex: Int) -> Int {
        var taken = 0
        for _ in 0..<count {
            guard let pfn = rmqueue(order: order, mt, flags: flags) else { break }
            markBlock(pfn, order: order, head: .pcp)
            memmap.pushTail(pfn, &pcp[cpu].lists[pindex])
            taken += 1
        }
        nrFreePages -= taken << order
        return taken
    }

    /// `rmqueue_pcplist` / `__rmqueue_pcplist`: a block from this CPU's list, refilling it with
    /// `batch` blocks (fewer for higher orders) when empty.
    public mutating func rmqueuePcplist(cpu: Int, order: Int, _ mt: MigrateType, flags: AllocFlags) -> Int? {
        pcp[cpu].freeFactor >>= 1
        let pindex = PerCPUPages.pindex(order: order, mt)
        if pcp[cpu].lists[pindex].isEmpty {
            var n = pcp[cpu].batch
            if n > 1 { n = max(n >> order, 2) }
            let got = rmqueueBulk(order: order, count: n, mt, flags: flags, cpu: cpu, pindex: pindex)
            pcp[cpu].count += got << order
            if got == 0 { return nil }
        }
        let pfn = memmap.headPfn(pcp[cpu].lists[pindex])!
        memmap.unlink(pfn, &pcp[cpu].lists[pindex])
        pcp[cpu].count -= 1 << order
        memmap.setFlags(pfn, .allocated)
        return pfn
    }

    /// `free_unref_page` + `free_unref_page_commit`: push at the head of the CPU's list; drain
    /// when the count reaches `high`. Pages of isolated pageblocks go straight to the buddy.
    /// `reclaimActive` is ZONE_RECLAIM_ACTIVE (kswapd working on this zone).
    public mutating func freeUnrefPage(cpu: Int, pfn: Int, order: Int, reclaimActive: Bool = false) {
        let mt = memmap.pageblockMigrateType(pfn: pfn)
        var pcpMT = mt
        if mt.rawValue >= UInt8(MigrateType.pcpTypes) {
            if mt == .isolate {
                freeOneBlock(pfn, order: order, mt)
                return
            }
            pcpMT = .movable
        }
        let pindex = PerCPUPages.pindex(order: order, pcpMT)
        markBlock(pfn, order: order, head: .pcp)
        memmap.setStoredMT(pfn, mt)
        memmap.pushHead(pfn, &pcp[cpu].lists[pindex])
        pcp[cpu].count += 1 << order
        let freeHigh = pcp[cpu].freeFactor > 0 && order >= 1 && order <= PerCPUPages.costlyOrder
        let high = nrPcpHigh(cpu: cpu, freeHigh: freeHigh, reclaimActive: reclaimActive)
        if pcp[cpu].count >= high {
            let n = nrPcpFree(cpu: cpu, high: high, freeHigh: freeHigh)
            freePcppagesBulk(cpu: cpu, count: n, pindex: pindex)
        }
    }

    func nrPcpHigh(cpu: Int, freeHigh: Bool, reclaimActive: Bool) -> Int {
        let p = pcp[cpu]
        if p.high == 0 || freeHigh { return 0 }
        if reclaimActive { return min(p.batch << 2, p.high) }
        return p.high
    }

    mutating func nrPcpFree(cpu: Int, high: Int, freeHigh: Bool) -> Int {
        let p = pcp[cpu]
        if freeHigh { return p.count }
        if high < p.batch { return 1 }
        let lo = p.batch, hi = high - p.batch
        let n = p.batch << p.freeFactor
        if n < hi && p.freeFactor < PerCPUPages.batchScaleMax { pcp[cpu].freeFactor += 1 }
        return KernelMath.clamp(n, lo, hi)
    }

    /// `free_pcppages_bulk`: return `count` pages to the buddy, round-robin over the lists starting
    /// with the one just freed to, oldest (tail) pages first.
    public mutating func freePcppagesBulk(cpu: Int, count requested: Int, pindex: Int) {
        var count = min(pcp[cpu].count, requested)
        var lo = 0, hi = PerCPUPages.listCount - 1
        var idx = pindex - 1
        while count > 0 {
            while true {
                idx += 1
                if idx > hi { idx = lo }
                if !pcp[cpu].lists[idx].isEmpty { break }
                if idx == hi { hi -= 1 }
                if idx == lo { lo += 1 }
            }
            let order = PerCPUPages.order(pindex: idx, pageblockOrder: pageblockOrder)
            repeat {
                let pfn = memmap.tailPfn(pcp[cpu].lists[idx])!
                memmap.unlink(pfn, &pcp[cpu].lists[idx])
                count -= 1 << order
                pcp[cpu].count -= 1 << order
                let mt = memmap.storedMigrateType(pfn)
                memmap.setFlags(pfn, .allocated)
                freeOneBlock(pfn, order: order, mt)
            } while count > 0 && !pcp[cpu].lists[idx].isEmpty
        }
    }

    /// `drain_pages_zone`: everything on this CPU's lists back to the buddy.
    public mutating func drainPages(cpu: Int) {
        while pcp[cpu].count > 0 {
            let n = min(pcp[cpu].count, pcp[cpu].batch << 5)
            freePcppagesBulk(cpu: cpu, count: n, pindex: 0)
        }
    }

    /// `free_the_page`: pcp orders through the CPU's list, others straight to the buddy.
    public mutating func freePages(cpu: Int, pfn: Int, order: Int) {
        precondition(memmap.flags(pfn: pfn) == .allocated && memmap.order(pfn: pfn) == order,
                     "freeing pfn \(pfn) order \(order) which is not an allocated block of that order")
        if PerCPUPages.allowedOrder(order, pageblockOrder: pageblockOrder) {
            freeUnrefPage(cpu: cpu, pfn: pfn, order: order)
        } else {
            freeOneBlock(pfn, order: order, memmap.pageblockMigrateType(pfn: pfn))
        }
    }
}
