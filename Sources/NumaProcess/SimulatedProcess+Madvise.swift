import NumaCore
import NumaMM

/// madvise(2) with MADV_DONTNEED (mm/madvise.c, Linux 6.1 `madvise_dontneed_single_vma` →
/// `zap_page_range`): the range's PTEs are cleared, its pages freed (swap entries too), and the
/// TLBs flushed once for the range (`tlb_finish_mmu`); the mapping stays, and a later access
/// faults in a fresh zero-filled page. Page tables stay (`zap_page_range` frees none).
/// `select` keeps the pages whose frame number does not match (Workload+Madvise.swift); a
/// swapped-out page has no frame and is dropped only by `all`.
extension SimulatedProcess {
    /// Returns the pages dropped.
    @discardableResult
    public func madviseDontneed(start: UInt64, end: UInt64, dropPage: (Int) -> Bool, dropSwapped: Bool,
                                thread: ProcessThread, tlbs: CPUTLBs) throws -> Int {
        let cpu = thread.cpu
        var dropped = 0
        // zap_pmd_range: whole THPs go whole, partly covered ones are split (every one, when
        // only odd or even frames are to go).
        dropped += zapTHPs(start: start, end: end, cpu: cpu, splitAll: !dropSwapped)
        var vpn = start >> 12
        while vpn < end >> 12 {
            defer { vpn += 1 }
            if pages[vpn] != nil {
                // The frame the PTE maps now (a page compaction or demotion moved is followed).
                guard let b = try currentPage(vpn, thread: thread, tlbs: tlbs) else {
                    if dropSwapped && swappedOut.contains(vpn) { releasePage(vpn: vpn, cpu: cpu); dropped += 1 }
                    continue
                }
                guard dropPage(b.pfn) else { continue }
            } else if !(dropSwapped && swappedOut.contains(vpn)) {
                continue
            }
            _ = try pageTable.clearLeaf(vpn << 12)
            releasePage(vpn: vpn, cpu: cpu)
            dropped += 1
        }
        tlbs.flushRange(asid: asid, start: start, end: end, cpu: cpu)
        return dropped
    }
}
