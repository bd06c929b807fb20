import NumaCore
import NumaMM

/// A MAP_HUGETLB mapping of a process (mm/hugetlb.c, Linux 6.1; private anonymous, 2 MiB
/// pages): its range, the huge pages still reserved for it (`resv_map` of a private mapping:
/// every page until its first fault) and the pool pages its faults took, by huge-page index.
public struct HugeTLBMapping: Sendable {
    public var start: UInt64
    public var end: UInt64
    var reserved: Set<Int>
    var pages: [Int: AllocatedBlock] = [:]
    public var hugePages: Int { pages.count }
}

/// mmap, fault and unmap of hugetlb mappings: `hugetlb_reserve_pages` at mmap (mmap fails with
/// ENOMEM when the pool, with its overcommit, cannot cover the mapping), `hugetlb_fault` →
/// `hugetlb_no_page` → `alloc_hugetlb_folio` with the VMA's (else the task's) policy by
/// `huge_node`, and at munmap/exit `free_huge_page` per page and `hugetlb_vm_op_close`'s
/// unreserve. numasim's page tables have no PMD leaves: a huge page is mapped by 512 PTEs at its
/// first fault (one fault, as the kernel's; but a PTE table the kernel would not allocate, and
/// 512 TLB entries instead of one).
extension SimulatedProcess {
    static let hugePageShift: UInt64 = 21
    static let hugePageSize: UInt64 = 1 << 21

    /// mmap(2) with MAP_HUGETLB: the length rounds up to 2 MiB (`ksys_mmap_pgoff`), an address
    /// must be 2 MiB aligned, a free placement is 2 MiB aligned (`hugetlb_get_unmapped_area`,
    /// top-down), and the pages are reserved (`hugetlb_reserve_pages` → `hugetlb_acct_memory`).
    @discardableResult
    public func mmapHugeTLB(name mappingName: String, length: UInt64, at address: UInt64?, flags: VMFlags,
                            policy: MemPolicy?, cpu: Int) throws -> UInt64 {
        let size = Self.hugePageSize
        let len = (length + size - 1) & ~(size - 1)
        var at = address
        if let a = address, a & (size - 1) != 0 {
            throw ProcessError.syscall(process: name, call: "mmap '\(mappingName)' (MAP_HUGETLB)", "EINVAL: address \(hex64(a)) is not 2 MiB aligned")
        }
        if at == nil {
            guard let a = mm.unmappedArea(length: len + size - 4096) else {
                throw ProcessError.syscall(process: name, call: "mmap '\(mappingName)' (MAP_HUGETLB)", "ENOMEM: no room for \(len) bytes")
            }
            at = (a + size - 4096) & ~(size - 1)
        }
        let pages = Int(len >> Self.hugePageShift)
        guard allocator.hugetlbAcctMemory(pages, cpu: cpu) else {
            let h = allocator.hugetlb.defaultHState
            throw ProcessError.syscall(process: name, call: "mmap '\(mappingName)' (MAP_HUGETLB)",
                                       "ENOMEM: \(pages) huge pages cannot be reserved (hugetlb_reserve_pages: \(h.freeHugePages) free, \(h.resvHugePages) reserved, surplus \(h.surplusHugePages) of nr_overcommit_hugepages \(h.nrOvercommitHugePages))")
        }
        let start: UInt64
        do {
            start = try mmap(name: mappingName, length: len, at: at, flags: flags, kind: .anon, policy: policy)
        } catch {
            _ = allocator.hugetlbAcctMemory(-pages, cpu: cpu)
            throw error
        }
        hugetlbMappings.append(HugeTLBMapping(start: start, end: start + len, reserved: Set(0..<pages)))
        return start
    }

    /// The hugetlb mapping containing `va`, if any.
    func hugetlbMappingIndex(_ va: UInt64) -> Int? { hugetlbMappings.firstIndex { va >= $0.start && va < $0.end } }

    /// Whether `vma` lies in a hugetlb mapping (`is_vm_hugetlb_page`).
    func isHugeTLB(_ vma: VMArea<MemPolicy>) -> Bool { hugetlbMappingIndex(vma.start) != nil }

    /// `hugetlb_fault` → `hugetlb_no_page`: the huge page holding `va` comes from the pool
    /// (`huge_node`: interleave by the huge-page offset, else `policy_node`; BIND and
    /// PREFERRED_MANY restrict the nodes) and is mapped whole. No page: SIGBUS, the process is
    /// killed (returns false).
    func hugetlbFault(_ k: Int, va: UInt64, thread: ProcessThread, tlbs: CPUTLBs) throws -> Bool {
        guard let vma = mm.vma(containing: va) else { return false }
        let idx = Int((va - hugetlbMappings[k].start) >> Self.hugePageShift)
        let hva = hugetlbMappings[k].start + UInt64(idx) << Self.hugePageShift
        let flags = vma.pteFlags(writeFault: vma.flags.contains(.write))
        if let b = hugetlbMappings[k].pages[idx] {
            // Mapped already (another 4 KiB of it lost its PTE): map the 4 KiB page again.
            let off = Int((va - hva) >> 12)
            return install(b.pfn + off, at: (va >> 12) << 12, flags: flags, thread: thread, block: nil)
        }
        let policy = vma.policy ?? thread.policy
        let nid = allocator.policyNode(policy, cpu: thread.cpu, order: 9, state: &thread.interleave, interleaveIndex: vma.pageIndex(of: hva))
        let reserved = hugetlbMappings[k].reserved.contains(idx)
        guard let b = allocator.allocHugeTLBFolio(policy: policy, nid: nid, reserved: reserved, cpu: thread.cpu) else {
            stats.failures["hugetlb fault order 9: SIGBUS (no free huge page)", default: 0] += 1
            killed = true
            return false
        }
        hugetlbMappings[k].reserved.remove(idx)
        hugetlbMappings[k].pages[idx] = b
        recordPlacement(asking: nid, cpu: thread.cpu, b)
        stats.pagesAllocated += 1 << b.order
        for i in 0..<512 {
            guard install(b.pfn + i, at: hva + UInt64(i) << 12, flags: flags, thread: thread, block: nil) else { return false }
        }
        return true
    }

    /// munmap of [start, end) over hugetlb mappings: each huge page inside goes back
    /// (`free_huge_page`), then the unused reservations (`hugetlb_vm_op_close` →
    /// `hugetlb_acct_memory(-reserve)`). A range that cuts a huge page is EINVAL
    /// (`hugetlb_vm_op_split`).
    func unmapHugeTLB(start: UInt64, end: UInt64, cpu: Int) throws {
        for m in hugetlbMappings where m.start < end && start < m.end {
            let cut = [start, end].filter { $0 > m.start && $0 < m.end }
            if cut.contains(where: { $0 & (Self.hugePageSize - 1) != 0 }) {
                throw ProcessError.syscall(process: name, call: "munmap \(hex64(start))-\(hex64(end))", "EINVAL: the range cuts a 2 MiB page of a hugetlb mapping")
            }
        }
        var kept: [HugeTLBMapping] = []
        for var m in hugetlbMappings {
            guard m.start < end && start < m.end else { kept.append(m); continue }
            let lo = Int((max(start, m.start) - m.start) >> Self.hugePageShift), hi = Int((min(end, m.end) - m.start) >> Self.hugePageShift)
            for idx in lo..<hi {
                if let b = m.pages.removeValue(forKey: idx) { allocator.freeHugeTLBFolio(b, cpu: cpu); stats.pagesFreed += 1 << b.order }
            }
            let unused = (lo..<hi).filter { m.reserved.remove($0) != nil }.count
            _ = allocator.hugetlbAcctMemory(-unused, cpu: cpu)
            // What is left of the mapping on either side stays.
            if m.start < max(start, m.start) {
                kept.append(HugeTLBMapping(start: m.start, end: start, reserved: m.reserved.filter { $0 < lo }, pages: m.pages.filter { $0.key < lo }))
            }
            if min(end, m.end) < m.end {
                let shift = hi
                kept.append(HugeTLBMapping(start: end, end: m.end, reserved: Set(m.reserved.filter { $0 >= hi }.map { $0 - shift }),
                                           pages: Dictionary(uniqueKeysWithValues: m.pages.filter { $0.key >= hi }.map { ($0.key - shift, $0.value) })))
            }
        }
        hugetlbMappings = kept
    }

    /// Huge pages mapped, by node id (`numa_maps`' N<node>= of the hugetlb mappings, in huge pages).
    public var hugetlbPagesByNode: [Int: Int] {
        var out: [Int: Int] = [:]
        for m in hugetlbMappings { for b in m.pages.values { out[b.node, default: 0] += 1 } }
        return out
    }
}
