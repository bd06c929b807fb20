/// Handing a zone's memory to the buddy allocator at boot (`memblock_free_all` →
/// `__free_pages_memory`), and the first allocations of a replayed machine.
extension Zone {
    /// `memblock_free_all` for the zone, once, on a fresh `MemMap` (whose unwritten records read
    /// as reserved pages, as `memmap_init` leaves them). O(pages not in whole free order-10
    /// blocks + zone size / 1024).
    ///
    /// Frees the managed pages of the zone. `present` are the zone's RAM ranges; the pages that
    /// are present but not managed are reserved the way `ManagedPages` accounts them: first
    /// those below 1 MiB (x86 `x86_reserve_low`), then from the top down (memblock allocates
    /// top-down).
    public func freeManagedPages(present: [Range<Int>]) {
        let freeRanges = managedRanges(present: present)
        // The records of reserved pages and holes are not written: unwritten records read as
        // reserved (`MemMap.storedFlags`).
        lock.withLock {
            for r in freeRanges where !r.isEmpty { freeBootRange(r) }
        }
    }

    /// The pfns boot frees into the zone (its managed pages): the present pages but those
    /// reserved below 1 MiB and from the top.
    public func managedRanges(present: [Range<Int>]) -> [Range<Int>] {
        Zone.managedRanges(present: present, span: startPfn..<endPfn, managed: managed)
    }

    public static func managedRanges(present: [Range<Int>], span: Range<Int>, managed: Int) -> [Range<Int>] {
        let (startPfn, endPfn) = (span.lowerBound, span.upperBound)
        let ranges = present.compactMap { r -> Range<Int>? in
            let lo = max(r.lowerBound, startPfn), hi = min(r.upperBound, endPfn)
            return hi > lo ? lo..<hi : nil
        }.sorted { $0.lowerBound < $1.lowerBound }
        let presentCount = ranges.reduce(0) { $0 + $1.count }
        var toReserve = max(0, presentCount - managed)
        var freeRanges: [Range<Int>] = []
        // Below 1 MiB first.
        for r in ranges {
            var lo = r.lowerBound
            while toReserve > 0 && lo < min(r.upperBound, 256) { lo += 1; toReserve -= 1 }
            if lo < r.upperBound { freeRanges.append(lo..<r.upperBound) }
        }
        // Then from the top.
        var i = freeRanges.count - 1
        while toReserve > 0 && i >= 0 {
            let r = freeRanges[i]
            let take = min(toReserve, r.count)
            freeRanges[i] = r.lowerBound..<(r.upperBound - take)
            toReserve -= take
            i -= 1
        }
        return freeRanges.filter { !$0.isEmpty }
    }

    /// `/proc/buddyinfo` counts: free blocks per order.
    public var buddyinfo: [Int] { freeArea.nrFree }
}
