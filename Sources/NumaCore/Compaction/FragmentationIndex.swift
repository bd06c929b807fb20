/// The free-block summary of a zone for one order (mm/vmstat.c, Linux 6.1 `struct
/// contig_page_info`, filled by `fill_contig_page_info`): free pages, free blocks of every
/// order, and how many blocks of `order` those of at least `order` would make.
public struct ContigPageInfo: Equatable, Sendable {
    public var freePages = 0
    public var freeBlocksTotal = 0
    public var freeBlocksSuitable = 0

    /// `fill_contig_page_info(zone, suitable_order, info)` from the `nr_free` of each order
    /// (blocks, not pages; index = order).
    public init(nrFree: [Int], suitableOrder: Int) {
        for (order, blocks) in nrFree.enumerated() {
            freeBlocksTotal += blocks
            freePages += blocks << order
            if order >= suitableOrder { freeBlocksSuitable += blocks << (order - suitableOrder) }
        }
    }

    /// `__fragmentation_index(order, info)` (mm/vmstat.c 6.1): 0 with no free block at all,
    /// -1000 when a block of `order` is free (the allocation would succeed as far as
    /// fragmentation goes), else `1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total`
    /// in integer arithmetic: towards 0 the failure is lack of memory, towards 1000 it is
    /// external fragmentation.
    public func fragmentationIndex(order: Int) -> Int {
        guard order >= 0 && order < FreeArea.maxOrder else { return 0 }
        if freeBlocksTotal == 0 { return 0 }
        if freeBlocksSuitable > 0 { return -1000 }
        let requested = 1 << order
        return 1000 - (1000 + freePages * 1000 / requested) / freeBlocksTotal
    }

    /// `unusable_free_index(order, info)` (mm/vmstat.c 6.1): the share of free memory, in
    /// thousandths, that cannot serve an allocation of `order` (1000 with no free page).
    public func unusableFreeIndex(order: Int) -> Int {
        if freePages == 0 { return 1000 }
        return (freePages - (freeBlocksSuitable << order)) * 1000 / freePages
    }
}

extension Zone {
    /// `fill_contig_page_info` on this zone's `free_area[].nr_free`. The kernel reads the
    /// counts racily (`data_race`); here under the zone lock, so the concurrent engine has no
    /// data race (the counts are plain integers).
    public func contigPageInfo(order: Int) -> ContigPageInfo {
        ContigPageInfo(nrFree: lock.withLock { freeArea.nrFree }, suitableOrder: order)
    }

    /// `fragmentation_index(zone, order)` (mm/vmstat.c 6.1).
    public func fragmentationIndex(order: Int) -> Int {
        contigPageInfo(order: order).fragmentationIndex(order: order)
    }

    /// `unusable_free_index` of this zone for `order`.
    public func unusableFreeIndex(order: Int) -> Int {
        contigPageInfo(order: order).unusableFreeIndex(order: order)
    }

    /// `extfrag_for_order(zone, order)` (mm/vmstat.c 6.1): the percentage of free memory in
    /// blocks smaller than `order` (the proactive-compaction score's per-zone part).
    public func extfragForOrder(_ order: Int) -> Int {
        let info = contigPageInfo(order: order)
        if info.freePages == 0 { return 0 }
        return (info.freePages - (info.freeBlocksSuitable << order)) * 100 / info.freePages
    }
}
