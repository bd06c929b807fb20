/// Cheap structural checks at mutation points, as swift-collections' `_checkInvariants()`:
/// compiled in only with `NUMASIM_INTERNAL_CHECKS` (debug builds, see Package.swift), empty and
/// inlined away otherwise. The full checker (`checkInvariants()`, every page of the zone) runs
/// at the end of phases; these run after every batch operation and cost O(orders ×
/// migratetypes).
extension Zone {
    #if NUMASIM_INTERNAL_CHECKS
    /// With the zone lock held: NR_FREE_PAGES is not negative, each order's free count is not
    /// negative, and `free_area[order]` counts free blocks exactly when one of its lists is
    /// non-empty, with the non-empty mask matching the lists.
    @inline(never)
    func _checkInvariants() {
        precondition(nrFreePages >= 0, "zone \(node):\(name): NR_FREE_PAGES \(nrFreePages) < 0")
        for order in 0..<FreeArea.maxOrder {
            let n = freeArea.nrFree(order: order)
            precondition(n >= 0, "zone \(node):\(name): free_area[\(order)].nr_free \(n) < 0")
            var mask: UInt8 = 0
            for mt in MigrateType.allCases where !freeArea.list(order: order, mt).isEmpty { mask |= 1 << mt.rawValue }
            precondition(mask == freeArea.nonEmptyTypes(order: order),
                         "zone \(node):\(name): order \(order) non-empty mask \(freeArea.nonEmptyTypes(order: order)) but lists \(mask)")
            precondition((n > 0) == (mask != 0), "zone \(node):\(name): order \(order) nr_free \(n) with list mask \(mask)")
        }
    }
    #else
    @inline(__always) func _checkInvariants() {}
    #endif
}

extension PerCPUPages {
    #if NUMASIM_INTERNAL_CHECKS
    /// By the owning CPU: `count` is the pages on the lists, and `free_factor` stays in range.
    @inline(never)
    func _checkInvariants(pageblockOrder: Int) {
        var pages = 0
        for i in 0..<PerCPUPages.listCount { pages += lists[i].count << PerCPUPages.order(pindex: i, pageblockOrder: pageblockOrder) }
        precondition(pages == count, "per_cpu_pages: count \(count) but the lists hold \(pages) pages")
        precondition(freeFactor >= 0 && freeFactor <= PerCPUPages.batchScaleMax, "per_cpu_pages: free_factor \(freeFactor)")
    }
    #else
    @inline(__always) func _checkInvariants(pageblockOrder: Int) {}
    #endif
}
