/// Allocation from and freeing to the per-CPU lists (mm/page_alloc.c 6.1.119: `rmqueue_pcplist`,
/// `__rmqueue_pcplist`, `rmqueue_bulk`, `free_unref_page`, `free_unref_page_commit`,
/// `nr_pcp_high`, `nr_pcp_free`, `free_pcppages_bulk`, `drain_pages_zone`).
///
/// `cpu` is the index of the CPU's pageset in `pcp`. Only that CPU's thread may call these for
/// that index; the zone lock is taken once per refill or drain of `batch` pages, never per page.
extension Zone {
    /// `rmqueue_bulk`: take `count` blocks of `order` from the buddy onto the tail of a pcp list,
    /// so they come out in address order. Returns how many were taken.
    func rmqueueBulk(order: Int, count: Int, _ mt: MigrateType, flags: AllocFlags, cpu: Int, pindex: Int) -> Int {
        let list = pcp[cpu].lists + pindex
        var taken = 0
        lock.lock()
        let splitsBefore = buddySplits
        for _ in 0..<count {
            guard let pfn = rmqueue(order: order, mt, flags: flags) else { break }
            markBlock(pfn, order: order, head: .pcp)
            memmap.pushTail(pfn, &list.pointee)
            taken += 1
        }
        addFreePages(-(taken << order))
        let splits = buddySplits &- splitsBefore
        _checkInvariants()
        lock.unlock()
        chargeWork(cpu: cpu, pages: taken << order, splits: splits, merges: 0)
        return taken
    }

    /// `rmqueue_pcplist` / `__rmqueue_pcplist`: a block from this CPU's list, refilling it with
    /// `batch` blocks (fewer for higher orders) when empty.
    public func rmqueuePcplist(cpu: Int, order: Int, _ mt: MigrateType, flags: AllocFlags) -> Int? {
        let p = pcp.pointer(cpu)
        p.pointee.freeFactor >>= 1
        let pindex = PerCPUPages.pindex(order: order, mt)
        let list = p.pointee.lists + pindex
        if list.pointee.isEmpty {
            var n = p.pointee.batch
            if n > 1 { n = Swift.max(n >> order, 2) }
            let got = rmqueueBulk(order: order, count: n, mt, flags: flags, cpu: cpu, pindex: pindex)
            p.pointee.count += got << order
            if got == 0 { return nil }
        }
        let pfn = Int(list.pointee.head) + memmap.startPfn
        memmap.unlink(pfn, &list.pointee)
        p.pointee.count -= 1 << order
        memmap.setFlags(pfn, .allocated)
        p.pointee._checkInvariants(pageblockOrder: pageblockOrder)
        return pfn
    }

    /// `free_unref_page` + `free_unref_page_commit`: push at the head of the CPU's list; drain
    /// when the count reaches `high`. Pages of isolated pageblocks go straight to the buddy.
    /// `reclaimActive` is ZONE_RECLAIM_ACTIVE (kswapd working on this zone).
    @inline(__always)
    public func freeUnrefPage(cpu: Int, pfn: Int, order: Int, reclaimActive: Bool = false) {
        let mt = memmap.pageblockMigrateType(pfn: pfn)
        var pcpMT = mt
        if mt.rawValue >= UInt8(MigrateType.pcpTypes) {
            if mt == .isolate {
                lock.withLock { freeOneBlock(pfn, order: order, mt) }
                return
            }
            pcpMT = .movable
        }
        let p = pcp.pointer(cpu)
        let pindex = PerCPUPages.pindex(order: order, pcpMT)
        markBlock(pfn, order: order, head: .pcp)
        memmap.setStoredMT(pfn, mt)
        memmap.pushHead(pfn, &p.pointee.lists[pindex])
        p.pointee.count += 1 << order
        let freeHigh = p.pointee.freeFactor > 0 && order >= 1 && order <= PerCPUPages.costlyOrder
        let high = nrPcpHigh(cpu: cpu, freeHigh: freeHigh, reclaimActive: reclaimActive || isReclaimActive)
        if p.pointee.count >= high { drainAboveHigh(cpu: cpu, high: high, freeHigh: freeHigh, pindex: pindex) }
    }

    /// `free_the_page` → `free_unref_page` → `free_unref_page_commit` for an order-0 page of a
    /// pcp migratetype: `freePages` + `freeUnrefPage` with the order folded in (pindex = mt;
    /// `free_high` needs order ≥ 1; the order byte is already 0, as the check below requires).
    /// Pages of other pageblock types take `freeUnrefPage`.
    /// Static, with the zone an ordinary argument, and so are its cold calls: the caller's `self`
    /// (the allocator) stays in its register and the zone never has to move into it, so the
    /// caller's call becomes a jump and no register is saved (10 instructions less per free).
    @inline(never)
    static func freeOrder0Fast(_ z: Zone, cpu: Int, pfn: Int) {
        let i = pfn &- z.memmap.startPfn
        if z.memmap.flags(at: i) != .allocated || z.memmap.order(at: i) != 0 { Zone.notAllocated(pfn: pfn, order: 0) }
        let mt = z.memmap.pageblockMigrateType(at: i)
        guard mt.rawValue < UInt8(MigrateType.pcpTypes) else { return Zone.freeUnrefPageOutOfLine(z, cpu: cpu, pfn: pfn) }
        let p = z.pcp.pointer(cpu)
        let pindex = Int(mt.rawValue)
        z.memmap.setFlags(at: i, .pcp)
        z.memmap.setStoredMT(at: i, mt)
        z.memmap.pushHead(index: i, &z.pcp.list(cpu, pindex).pointee)
        let count = p.pointee.count &+ 1
        p.pointee.count = count
        let high = z.nrPcpHigh(cpu: cpu, freeHigh: false, reclaimActive: z.isReclaimActive)
        if count >= high { Zone.drainAboveHighOrder0(z, cpu: cpu, high: high, pindex: pindex) }
    }

    // The cold parts of the order-0 free, static like it.
    @inline(never)
    static func drainAboveHighOrder0(_ z: Zone, cpu: Int, high: Int, pindex: Int) {
        z.drainAboveHigh(cpu: cpu, high: high, freeHigh: false, pindex: pindex)
    }

    @inline(never)
    static func notAllocated(pfn: Int, order: Int) -> Never {
        preconditionFailure("freeing pfn \(pfn) order \(order) which is not an allocated block of that order")
    }

    @inline(never)
    static func freeUnrefPageOutOfLine(_ z: Zone, cpu: Int, pfn: Int) { z.freeUnrefPage(cpu: cpu, pfn: pfn, order: 0) }

    /// The rare part of `free_unref_page_commit`, out of line so the common free stays small.
    @inline(never)
    func drainAboveHigh(cpu: Int, high: Int, freeHigh: Bool, pindex: Int) {
        let n = nrPcpFree(cpu: cpu, high: high, freeHigh: freeHigh)
        freePcppagesBulk(cpu: cpu, count: n, pindex: pindex)
    }

    @inline(__always) func nrPcpHigh(cpu: Int, freeHigh: Bool, reclaimActive: Bool) -> Int {
        let p = pcp.pointer(cpu)
        if p.pointee.high == 0 || freeHigh { return 0 }
        if reclaimActive { return Swift.min(p.pointee.batch << 2, p.pointee.high) }
        return p.pointee.high
    }

    func nrPcpFree(cpu: Int, high: Int, freeHigh: Bool) -> Int {
        let p = pcp.pointer(cpu)
        if freeHigh { return p.pointee.count }
        let batch = p.pointee.batch
        if high < batch { return 1 }
        let lo = batch, hi = high - batch
        let n = batch << p.pointee.freeFactor
        if n < hi && p.pointee.freeFactor < PerCPUPages.batchScaleMax { p.pointee.freeFactor += 1 }
        return KernelMath.clamp(n, lo, hi)
    }

    /// `free_pcppages_bulk`: return `count` pages to the buddy, round-robin over the lists starting
    /// with the one just freed to, oldest (tail) pages first; one lock acquisition.
    public func freePcppagesBulk(cpu: Int, count requested: Int, pindex: Int) {
        let p = pcp.pointer(cpu)
        var count = Swift.min(p.pointee.count, requested)
        var lo = 0, hi = PerCPUPages.listCount - 1
        var idx = pindex - 1
        let pages = count
        lock.lock()
        let mergesBefore = buddyMerges
        while count > 0 {
            while true {
                idx += 1
                if idx > hi { idx = lo }
                if !p.pointee.lists[idx].isEmpty { break }
                if idx == hi { hi -= 1 }
                if idx == lo { lo += 1 }
            }
            let order = PerCPUPages.order(pindex: idx, pageblockOrder: pageblockOrder)
            let list = p.pointee.lists + idx
            repeat {
                let pfn = Int(list.pointee.tail) + memmap.startPfn
                memmap.unlink(pfn, &list.pointee)
                count -= 1 << order
                p.pointee.count -= 1 << order
                let mt = memmap.storedMigrateType(pfn)
                memmap.setFlags(pfn, .allocated)
                freeOneBlock(pfn, order: order, mt)
            } while count > 0 && !list.pointee.isEmpty
        }
        let merges = buddyMerges &- mergesBefore
        _checkInvariants()
        lock.unlock()
        chargeWork(cpu: cpu, pages: pages, splits: 0, merges: merges)
        p.pointee._checkInvariants(pageblockOrder: pageblockOrder)
    }

    /// `drain_pages_zone`: everything on this CPU's lists back to the buddy.
    public func drainPages(cpu: Int) {
        while pcp[cpu].count > 0 {
            let n = Swift.min(pcp[cpu].count, pcp[cpu].batch << 5)
            freePcppagesBulk(cpu: cpu, count: n, pindex: 0)
        }
    }

    /// `free_the_page`: pcp orders through the CPU's list, others straight to the buddy.
    @inline(__always)
    public func freePages(cpu: Int, pfn: Int, order: Int) {
        precondition(memmap.flags(pfn: pfn) == .allocated && memmap.order(pfn: pfn) == order,
                     "freeing pfn \(pfn) order \(order) which is not an allocated block of that order")
        if PerCPUPages.allowedOrder(order, pageblockOrder: pageblockOrder) {
            freeUnrefPage(cpu: cpu, pfn: pfn, order: order)
        } else {
            freeBlock(pfn, order: order, cpu: cpu)
        }
    }

    /// The simulated clock's charge for one refill or drain batch, on the CPU's counter row
    /// (the pcp index is the row).
    func chargeWork(cpu: Int, pages: Int, splits: Int, merges: Int) {
        guard let w = workRows else { return }
        w.add(.workPcpBatches, row: cpu)
        w.add(.workPcpPages, pages, row: cpu)
        if splits != 0 { w.add(.workBuddySplits, splits, row: cpu) }
        if merges != 0 { w.add(.workBuddyMerges, merges, row: cpu) }
    }
}
