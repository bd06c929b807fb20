/// The range flush of munmap and friends (`flush_tlb_mm_range` → `flush_tlb_func`,
/// arch/x86/mm/tlb.c): up to `tlb_single_page_flush_ceiling` pages (33, tunable in
/// debugfs) are flushed one `invlpg` at a time; a larger range flushes the whole TLB. The kernel
/// counts either as `NR_TLB_LOCAL_FLUSH_ONE` (per page) or `NR_TLB_LOCAL_FLUSH_ALL` on the CPU that
/// does it, and remote CPUs running the mm get an IPI (`NR_TLB_REMOTE_FLUSH`, `…_RECEIVED`) —
/// those vmstat lines exist only with CONFIG_DEBUG_TLBFLUSH.
extension TLB {
    /// `tlb_single_page_flush_ceiling` default.
    public static let singlePageFlushCeiling = 33

    public enum RangeFlush: Sendable, Equatable {
        /// `invlpg` per page: this many pages.
        case pages(Int)
        /// The whole (non-global) TLB.
        case all
    }

    /// Flushes `[start, end)` of the current address space as `flush_tlb_func` does.
    @discardableResult
    public mutating func flushRange(start: UInt64, end: UInt64, ceiling: Int = TLB.singlePageFlushCeiling) -> RangeFlush {
        let pages = Int((end - start + PagingMode.pageSize - 1) >> UInt64(PagingMode.pageShift))
        if pages > ceiling {
            flushAll()
            return .all
        }
        var va = start
        while va < end {
            flush(va: va)
            va += PagingMode.pageSize
        }
        return .pages(pages)
    }
}

extension TLB {
    /// With PCID, a CPU that is not running an mm still holds entries tagged with its ASID; the
    /// kernel notices the mm's newer `tlb_gen` when it next switches to it and flushes that ASID
    /// (`switch_mm_irqs_off`, `need_flush`). Dropping them at once gives the same lookups.
    public mutating func dropAddressSpace(_ asid: Int) {
        for s in 0..<sets {
            for e in contents(ofSet: s) where e.asid == asid && !e.global { evict(e) }
        }
    }
}

extension TLB {
    /// Removes the entry for `va` of address space `asid` without counting a flush: what another
    /// CPU's shootdown (reclaim's `try_to_unmap_flush`) did to this TLB at some earlier time.
    public mutating func invalidate(va: UInt64, asid: Int) {
        let vpn = TLB.vpn(of: va)
        for e in contents(ofSet: setIndex(ofVPN: vpn)) where e.vpn == vpn && e.asid == asid && !e.global { evict(e) }
    }
}
