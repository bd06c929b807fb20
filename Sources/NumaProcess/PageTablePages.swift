import NumaCore
import NumaMM

extension GFP {
    /// `GFP_PGTABLE_USER` (include/asm-generic/pgalloc.h): `GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT`,
    /// what `pte_alloc_one`, `pmd_alloc_one`, `pud_alloc_one` and `_pgd_alloc` use for user tables.
    public static let pgtableUser: GFP = [.kernel, .zero, .account]
}

/// Page-table pages of one process from the page allocator: `pte_alloc_one` → `alloc_pages(
/// GFP_PGTABLE_USER, 0)` on behalf of the faulting thread. `alloc_pages` applies the *task*
/// policy (never a VMA's: mm/mempolicy.c `alloc_pages` uses `get_task_policy(current)`), so with
/// the default policy a table comes from the faulting CPU's node and is counted in numastat like
/// any allocation. Unmovable (no `__GFP_MOVABLE`), not on an LRU.
struct PageTablePages: PageTablePageSource {
    let allocator: PageAllocator
    let process: SimulatedProcess
    let thread: ProcessThread?
    /// The policy when no thread is running (process creation or exit).
    let policy: MemPolicy

    init(_ process: SimulatedProcess, thread: ProcessThread?) {
        allocator = process.allocator
        self.process = process
        self.thread = thread
        policy = thread?.policy ?? process.mainPolicy
    }

    mutating func allocateTablePage(cpu: Int) -> Int? { allocateTableBlock(order: 0, cpu: cpu) }

    mutating func allocateTableBlock(order: Int, cpu: Int) -> Int? {
        var state = thread?.interleave ?? process.exitInterleave
        let asking = allocator.policyNode(policy, cpu: cpu, order: order, state: &state, interleaveIndex: nil)
        let r = allocator.allocPages(gfp: .pgtableUser, order: order, policy: policy, preferredNode: asking, cpu: cpu, mems: process.memsAllowed)
        if let thread { thread.interleave = state } else { process.exitInterleave = state }
        switch r {
        case .success(let b):
            // GFP_PGTABLE_USER carries __GFP_ACCOUNT: the page is charged to the process's memcg.
            if let m = process.memcg, !allocator.memcgCharge(b, to: m, kind: .kernel, pageTable: true, gfp: .pgtableUser, cpu: cpu) {
                allocator.freePages(b, cpu: cpu)
                process.stats.failures["GFP_PGTABLE_USER order \(order): memory cgroup \(m.name) at memory.max (charge failed)", default: 0] += 1
                return nil
            }
            process.recordPlacement(asking: asking, cpu: cpu, b)
            process.tableBlocks[b.pfn] = b
            process.stats.tablePagesAllocated += 1 << order
            return b.pfn
        case .failure(let f):
            process.recordFailure("GFP_PGTABLE_USER order \(order)", f)
            return nil
        }
    }

    mutating func freeTablePage(pfn: Int, cpu: Int) { freeTableBlock(pfn: pfn, order: 0, cpu: cpu) }

    mutating func freeTableBlock(pfn: Int, order: Int, cpu: Int) {
        guard let b = process.tableBlocks.removeValue(forKey: pfn) else {
            preconditionFailure("page-table page \(pfn) was not allocated by \(process.name)")
        }
        allocator.memcgUncharge(b)
        allocator.freePages(b, cpu: cpu)
        process.stats.tablePagesFreed += 1 << b.order
    }
}
