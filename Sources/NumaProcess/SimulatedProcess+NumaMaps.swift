import NumaCore
import NumaMM

/// One line of /proc/PID/numa_maps: what `show_numa_map` (fs/proc/task_mmu.c, Linux 6.1)
/// gathers for one VMA.
public struct NumaMapsEntry: Codable, Sendable, Equatable {
    /// `vm_start`.
    public var start: UInt64
    /// `mpol_to_str` of the VMA's policy, or of the task's when the VMA has none.
    public var policy: String
    /// ` file=PATH` for a file mapping: numasim's mapping name stands for the path.
    public var file: String?
    /// ` heap` / ` stack` (see `SimulatedProcess.numaMaps`).
    public var heap: Bool
    public var stack: Bool
    /// Counts of `gather_stats`, in base pages.
    public var pages, anon, dirty, active: Int
    /// `N<node>=` counts: node id (as a string, for JSON) → pages.
    public var nodes: [String: Int]
    /// `vma_kernel_pagesize >> 10`.
    public var kernelpagesize_kB: Int

    public init(start: UInt64, policy: String, file: String? = nil, heap: Bool = false, stack: Bool = false,
                pages: Int = 0, anon: Int = 0, dirty: Int = 0, active: Int = 0, nodes: [String: Int] = [:],
                kernelpagesize_kB: Int = 4) {
        self.start = start; self.policy = policy; self.file = file; self.heap = heap; self.stack = stack
        self.pages = pages; self.anon = anon; self.dirty = dirty; self.active = active; self.nodes = nodes
        self.kernelpagesize_kB = kernelpagesize_kB
    }
}

extension SimulatedProcess {
    /// /proc/PID/numa_maps of this process now: `show_numa_map` (fs/proc/task_mmu.c, Linux 6.1)
    /// for every VMA in address order.
    ///
    /// * policy: `__get_vma_policy(vma)` when the VMA has one (mbind; an mbind to MPOL_DEFAULT
    ///   leaves none), else the task's (`task->mempolicy` of the main thread), `mpol_to_str`;
    /// * `gather_pte_stats`/`gather_stats` over the mapped pages (`vm_normal_page`: the shared zero
    ///   page and swap entries are not counted): `anon` for pages of anonymous VMAs, `dirty` for
    ///   pages whose PTE is dirty or that are PG_dirty, `active` for pages on an active LRU list, and the node each page is on now
    ///   (after any migration or demotion);
    /// * numasim has no brk heap or process stack: an anonymous mapping named `heap` is shown as
    ///   the heap and one named `stack` as the stack, so that workloads can stand for them; no
    ///   mapping is hugetlb (`huge`, kernelpagesize_kB 4 everywhere; THP would be counted in base
    ///   pages too). `mapmax`, `swapcache` and `writeback` are never printed: pages are mapped
    ///   by one process, swap-cache and writeback states are not kept per page.
    ///
    /// An exited process has no VMAs and prints nothing.
    public var numaMaps: [NumaMapsEntry] {
        guard !exited else { return [] }
        let taskPolicy = threads.first?.policy ?? mainPolicy
        var entries: [NumaMapsEntry] = mm.vmas.map { v in
            let pol = v.policy.flatMap { $0.mode == .default ? nil : $0 } ?? taskPolicy
            return NumaMapsEntry(start: v.start, policy: pol.mpolToStr, file: v.kind == .file ? "/" + v.name : nil,
                                 heap: v.kind == .anon && v.name == "heap", stack: v.kind == .anon && v.name == "stack")
        }
        for (vpn, handle) in pages {
            guard let i = mm.findVMA(vpn << 12), mm.vmas[i].start <= vpn << 12 else { continue }
            let b: AllocatedBlock
            if allocator.isOwned(handle) {
                b = handle
            } else if let moved = allocator.followMigration(handle) {
                // The migration entry is consumed: keep the new handle, as the next access would.
                b = moved
                pages[vpn] = moved
            } else {
                continue
            }
            let flags = allocator.zone(node: b.node, index: b.zone).memmap.lruFlags(pfn: b.pfn)
            entries[i].pages += 1
            if mm.vmas[i].kind == .anon { entries[i].anon += 1 }
            // `pte_dirty(pte) || PageDirty(page)`.
            let pteDirty = pageTable.leaf(vpn << 12)?.flags(in: mm.mode).contains(.dirty) ?? false
            if pteDirty || flags.contains(.dirty) { entries[i].dirty += 1 }
            if flags.contains(.active) { entries[i].active += 1 }
            entries[i].nodes[String(b.node), default: 0] += 1
        }
        return entries
    }
}
