import NumaCore

/// The THP fault of a `thp:` thread group (Workload+THP.swift; mm/huge_memory.c
/// `do_huge_pmd_anonymous_page`, Linux 6.1), with the same NumaCore decisions a process's fault
/// uses: `hugepage_vma_check`, `vma_thp_gfp_mask`, `vma_alloc_folio(…, hugepage=true)`, the
/// memcg charge that falls back instead of OOM-killing, and the fallback to 4 KiB pages.
extension SimulatedTask {
    /// One 2 MiB of the group's area: a THP (THP_FAULT_ALLOC), or after THP_FAULT_FALLBACK (and
    /// when THP is not allowed at all) up to 512 order-0 pages with the group's GFP mask; empty
    /// if not even the first of those could be had.
    func thpFault(_ a: PageAllocator, _ mode: Workload.THPFault, cpu: Int) -> [AllocatedBlock] {
        let base = vmaOffset
        if TransparentHugepage.vmaAllowed(enabled: a.thpEnabledMode, anonymous: true, vmHugepage: mode.madvised, vmNohugepage: false) {
            let gfp = a.thpFaultGFP(vmaMadvised: mode.madvised)
            let row = latency == nil ? 0 : a.slot(ofCPU: cpu)
            let work = latency == nil ? 0 : a.workNanoseconds(row: row)
            // interleave_nid at shift 21: the huge page's offset in the group's area.
            let r = a.allocHugepageVMA(gfp: gfp, policy: spec.policy, cpu: cpu, hugeOffset: base >> TransparentHugepage.order, mems: memsAllowed)
            chargeAllocation(a, r.result, order: TransparentHugepage.order, gfp: gfp, row: row, workBefore: work)
            if case .success(let b) = r.result {
                if let m = memcg, !a.memcgCharge(b, to: m, kind: .anon, gfp: gfp, cpu: cpu) {
                    a.freePages(b, cpu: cpu)
                    a.count(.thpFaultFallbackCharge, cpu: cpu)
                } else {
                    vmaOffset = base + TransparentHugepage.pages
                    if placement == nil { placement = TaskPlacement(a) }
                    placement!.record(asking: r.askedNode, local: a.node(ofCPU: cpu) ?? a.nodeIDs[0], serving: b.node, order: b.order)
                    a.count(.thpFaultAlloc, cpu: cpu)
                    return [b]
                }
            }
            a.count(.thpFaultFallback, cpu: cpu)
        }
        vmaOffset = base
        var out: [AllocatedBlock] = []
        out.reserveCapacity(TransparentHugepage.pages)
        for _ in 0..<TransparentHugepage.pages {
            guard let b = allocate(a, order: 0, cpu: cpu) else { break }
            out.append(b)
        }
        vmaOffset = base + TransparentHugepage.pages
        return out
    }

    /// `live[i]` was a THP reclaim split: its 512 pages replace it in the live set (the first
    /// at `i`). Returns false if it was not split.
    func adoptSplit(_ a: PageAllocator, at i: Int) -> Bool {
        guard let parts = a.followSplit(live[i]) else { return false }
        live[i] = parts[0]
        live.append(contentsOf: parts.dropFirst())
        return true
    }
}
