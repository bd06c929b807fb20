/// Cheap checks of a page-table tree at its mutation points (map, unmap, freeing empty tables),
/// compiled in with `NUMASIM_INTERNAL_CHECKS` (debug builds, see Package.swift) as
/// swift-collections' `_checkInvariants()`; empty and inlined away in release builds.
extension PageTable {
    #if NUMASIM_INTERNAL_CHECKS
    /// The table pages counted per level below the pgd are exactly the tables held, no level is
    /// kept with a zero count, and the leaf count is not negative. O(levels).
    @inline(never)
    func _checkInvariants() {
        guard !isTornDown else { return }
        precondition(mappedPages >= 0, "page table: \(mappedPages) mapped pages")
        precondition(tablePageCounts.values.allSatisfy { $0 > 0 }, "page table: a level kept with no table pages: \(tablePageCounts)")
        let below = tablePageCounts.filter { $0.key != .pgd }.values.reduce(0, +)
        precondition(below == tables.count, "page table: \(below) table pages counted below the pgd, \(tables.count) tables held")
    }
    #else
    @inline(__always) func _checkInvariants() {}
    #endif
}
