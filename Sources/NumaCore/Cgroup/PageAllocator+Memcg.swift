/// Charging pages to memory cgroups (mm/memcontrol.c, Linux 6.1: `mem_cgroup_charge`,
/// `__memcg_kmem_charge_page`, `try_charge_memcg`, `commit_charge`, `mem_cgroup_uncharge`,
/// `mem_cgroup_migrate`, `mem_cgroup_oom`, `mem_cgroup_out_of_memory`).
///
/// Simplifications, said in docs/workload-format.md: no per-CPU charge stock (MEMCG_CHARGE_BATCH:
/// `memory.current` here is the pages charged, without up to 63 precharged pages per CPU);
/// a charge the kernel would retry after a memcg OOM whose victim is still exiting fails instead.
/// `memory.high`: PageAllocator+MemcgHigh.swift.
extension PageAllocator {
    /// `mem_cgroup_css_alloc` for the workload's cgroups (`cgroups`, set before): a tag on every
    /// page frame and per-memcg LRU sizes on every node. Called before the first phase, with
    /// nothing running.
    public func enableMemcg() {
        let groups = cgroups.groups
        guard !groups.isEmpty, memcgs.isEmpty else { return }
        precondition(groups.count < MemcgTag.maxIndex, "at most \(MemcgTag.maxIndex - 1) cgroups")
        memcgs = [MemCgroup(name: "/")] + groups.map(\.memory)
        for (i, m) in memcgs.enumerated() { m.attach(index: i, nodes: nodes.count) }
        for node in nodes {
            for z in node.zones where z.memcgTags == nil {
                let tags = UnsafeMutablePointer<UInt16>.allocate(capacity: max(1, z.endPfn - z.startPfn))
                tags.initialize(repeating: 0, count: max(1, z.endPfn - z.startPfn))
                z.memcgTags = tags
            }
            let v = node.lruvec
            let sizes = UnsafeMutablePointer<Int>.allocate(capacity: memcgs.count * 4)
            sizes.initialize(repeating: 0, count: memcgs.count * 4)
            // Pages already on the lists (a recorded machine's LRU) belong to the root.
            for l in LRUVec.List.allCases { sizes[l.rawValue] = v.size(l) }
            v.lock.withLock { v.memcgSizes = sizes }
        }
    }

    /// `mem_cgroup_charge(folio, mm, gfp)` (or `__memcg_kmem_charge_page` for accounted kernel
    /// memory) of the freshly allocated block `b` to `m`: `try_charge_memcg`, then
    /// `commit_charge`. False is -ENOMEM: the caller frees `b` (the fault's VM_FAULT_OOM).
    public func memcgCharge(_ b: AllocatedBlock, to m: MemCgroup, kind: PageKind, pageTable: Bool = false,
                            gfp: GFP, cpu: Int) -> Bool {
        guard tryChargeMemcg(m, pages: 1 << b.order, gfp: gfp, cpu: cpu) else { return false }
        let tagKind: MemcgTag.Kind = pageTable ? .pagetables : kind == .anon ? .anon : kind == .file ? .file : .kernel
        let z = nodes[nodeIndex[b.node]!].zones[b.zone]
        let tag = MemcgTag(index: m.index, kind: tagKind)
        if let tags = z.memcgTags { for p in b.pfn..<(b.pfn + (1 << b.order)) { tags[p - z.startPfn] = tag.raw } }
        m.account(node: nodeIndex[b.node]!, tagKind, 1 << b.order)
        handleOverHigh(m, pages: 1 << b.order, gfp: gfp, cpu: cpu)
        return true
    }

    /// `mem_cgroup_uncharge` of the block at `pfn` (order `order`) of zone `z` when it is freed:
    /// the page counter and the node's stat of its memcg, if it has one. The page is off every
    /// LRU list.
    func memcgUncharge(_ z: Zone, _ pfn: Int, order: Int) {
        guard let tags = z.memcgTags else { return }
        let tag = MemcgTag(tags[pfn - z.startPfn])
        guard tag.index != 0 else { return }
        for p in pfn..<(pfn + (1 << order)) { tags[p - z.startPfn] = 0 }
        let m = memcgs[tag.index]
        m.uncharge(1 << order)
        m.account(node: nodeIndex[z.node]!, tag.kind, -(1 << order))
    }

    /// `mem_cgroup_migrate(old, new)` for an owner's page `old` (still its own): the charge
    /// moves to `new` before `new` goes on an LRU list, and freeing `old` uncharges nothing.
    public func memcgMigrate(_ old: AllocatedBlock, to new: AllocatedBlock) {
        guard !memcgs.isEmpty else { return }
        let z = nodes[nodeIndex[old.node]!].zones[old.zone]
        guard z.memmap.generation(pfn: old.pfn) == old.generation else { return }
        memcgMigrate(from: z, old.pfn, to: new)
    }

    /// The uncharge of an owner's block it frees without `release` (page-table pages).
    public func memcgUncharge(_ b: AllocatedBlock) {
        guard !memcgs.isEmpty else { return }
        memcgUncharge(nodes[nodeIndex[b.node]!].zones[b.zone], b.pfn, order: b.order)
    }

    /// `mem_cgroup_migrate` of the page at `pfn` of `z` (isolated or owned) to `new`.
    func memcgMigrate(from z: Zone, _ pfn: Int, to new: AllocatedBlock) {
        guard let tags = z.memcgTags else { return }
        let tag = MemcgTag(tags[pfn - z.startPfn])
        guard tag.index != 0 else { return }
        // A THP moves whole: every page of the block carries the charge.
        let pages = 1 << new.order
        let nz = nodes[nodeIndex[new.node]!].zones[new.zone]
        for k in 0..<pages {
            tags[pfn + k - z.startPfn] = 0
            nz.memcgTags?[new.pfn + k - nz.startPfn] = tag.raw
        }
        let m = memcgs[tag.index]
        m.account(node: nodeIndex[z.node]!, tag.kind, -pages)
        m.account(node: nodeIndex[new.node]!, tag.kind, pages)
    }

    /// `try_charge_memcg` (6.1): the page counter, else `memory.events` max and
    /// `try_to_free_mem_cgroup_pages` (MEMCG_RECLAIM_MAY_SWAP) and the retries — while reclaim
    /// frees something for a small charge, then MAX_RECLAIM_RETRIES more — then
    /// `mem_cgroup_oom` for orders up to PAGE_ALLOC_COSTLY_ORDER, whose kill restarts the
    /// retries. -ENOMEM (false) unless __GFP_NOFAIL or __GFP_HIGH forces the charge over the limit.
    func tryChargeMemcg(_ m: MemCgroup, pages n: Int, gfp: GFP, cpu: Int) -> Bool {
        var retries = PageAllocator.maxReclaimRetries
        var passedOOM = false, dying = false
        while true {
            if m.tryCharge(n) { return true }
            m.count(.max)
            guard gfp.contains(.directReclaim) else { break }
            let reclaimed = tryToFreeMemCgroupPages(m, pages: n, gfp: gfp, cpu: cpu)
            if m.margin >= n { continue }
            if gfp.contains(.noretry) { break }
            if reclaimed > 0 && n <= 1 << PerCPUPages.costlyOrder { continue }
            if retries > 0 { retries -= 1; continue }
            if gfp.contains(.retryMayfail) { break }
            // "Avoid endless loop for tasks bypassed by the oom killer".
            if passedOOM && dying { break }
            switch memcgOutOfMemory(m, pages: n, gfp: gfp, cpu: cpu) {
            case .killed: break
            case .killedCurrent: dying = true
            case .victimExiting, .nothingKillable, nil:
                // The kernel would retry while a victim exits; numasim fails the charge (the
                // victim frees its pages at its next step).
                return forceOrFail(m, n, gfp)
            }
            passedOOM = true
            retries = PageAllocator.maxReclaimRetries
        }
        return forceOrFail(m, n, gfp)
    }

    /// `nomem:` memcg has no reserve for atomic allocations: only __GFP_NOFAIL and __GFP_HIGH
    /// charges go over the limit (`force:`, `page_counter_charge`).
    private func forceOrFail(_ m: MemCgroup, _ n: Int, _ gfp: GFP) -> Bool {
        guard gfp.contains(.nofail) || gfp.contains(.high) else { return false }
        m.forceCharge(n)
        return true
    }

    /// `mem_cgroup_oom` → `mem_cgroup_out_of_memory` → `out_of_memory` with `oc->memcg`:
    /// MEMCG_OOM counted, the engine's killer chooses among the memcg's tasks
    /// (CONSTRAINT_MEMCG, totalpages = `memory.max`); MEMCG_OOM_KILL and OOM_KILL on a kill.
    /// Nothing to kill is no panic: the charge fails. nil: no OOM for this charge (an order
    /// above PAGE_ALLOC_COSTLY_ORDER, or no killer).
    func memcgOutOfMemory(_ m: MemCgroup, pages n: Int, gfp: GFP, cpu: Int) -> OOMKillResult? {
        let order = n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount
        guard order <= PerCPUPages.costlyOrder, let killer = oomKiller else { return nil }
        m.count(.oom)
        var oc = OOMControl(cpu: cpu, order: order, gfp: gfp, nodemask: nil, zonelistNodes: [], memcg: m.name)
        oc.totalPages = m.max
        let result = killer(oc)
        if result == .killed || result == .killedCurrent {
            m.count(.oomKill)
            vmEvents.add(.oomKill, row: slot(ofCPU: cpu))
        }
        return result
    }
}
