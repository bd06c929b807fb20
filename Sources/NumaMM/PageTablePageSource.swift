/// Where page-table pages come from and go back to.
///
/// In the kernel every table below the pgd is an order-0 page from the buddy allocator
/// (`pte_alloc_one` / `pmd_alloc_one` / `pud_alloc_one` with `GFP_PGTABLE_USER`, on the faulting
/// CPU's node), so page tables show up in `/proc/meminfo` `PageTables:` and in numastat like any other
/// allocation. The model asks this protocol for a pfn instead of calling the allocator directly so
/// that `NumaMM` does not depend on `NumaCore`; the allocator will conform later.
public protocol PageTablePageSource {
    /// One zeroed page for a table, allocated on behalf of `cpu`; its pfn, or nil when out of memory.
    mutating func allocateTablePage(cpu: Int) -> Int?
    /// Gives a table page back (`pte_free` / `pmd_free` / `pud_free` / `pgd_free`).
    mutating func freeTablePage(pfn: Int, cpu: Int)
    /// `2^order` contiguous zeroed pages (the order-1 pgd of a PTI kernel); the first pfn, or nil.
    mutating func allocateTableBlock(order: Int, cpu: Int) -> Int?
    /// Gives back a block from `allocateTableBlock`.
    mutating func freeTableBlock(pfn: Int, order: Int, cpu: Int)
}

extension PageTablePageSource {
    /// Sources that hand out single pages only: order 0 works, a larger block is out of memory.
    public mutating func allocateTableBlock(order: Int, cpu: Int) -> Int? {
        order == 0 ? allocateTablePage(cpu: cpu) : nil
    }

    public mutating func freeTableBlock(pfn: Int, order: Int, cpu: Int) {
        precondition(order == 0, "freeTableBlock: this source hands out single pages only")
        freeTablePage(pfn: pfn, cpu: cpu)
    }
}
