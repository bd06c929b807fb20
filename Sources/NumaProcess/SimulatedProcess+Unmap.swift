import NumaCore
import NumaMM

/// munmap(2) and mbind(2) (mm/mmap.c `do_vmi_munmap` → `unmap_region`: `unmap_vmas` zaps the
/// PTEs and frees the pages, `free_pgtables` frees the tables left empty, `tlb_finish_mmu`
/// flushes the TLBs; mm/mempolicy.c `mbind_range`).
extension SimulatedProcess {
    public func munmap(start: UInt64, end: UInt64, thread: ProcessThread, tlbs: CPUTLBs) throws {
        try unmapHugeTLB(start: start, end: end, cpu: thread.cpu)
        let removed: [VMArea<MemPolicy>]
        do { removed = try mm.munmap(start: start, length: end - start) } catch {
            throw ProcessError.syscall(process: name, call: "munmap \(hex64(start))-\(hex64(end))", error.description)
        }
        guard !removed.isEmpty else { return }
        let cpu = thread.cpu
        zapTHPs(start: start, end: end, cpu: cpu)
        for v in removed {
            var vpn = v.start >> 12
            while vpn < v.end >> 12 {
                _ = try pageTable.clearLeaf(vpn << 12)
                releasePage(vpn: vpn, cpu: cpu)
                fileBacked.remove(vpn)
                vpn += 1
            }
        }
        let lo = removed.map(\.start).min()!, hi = removed.map(\.end).max()!
        var source = PageTablePages(self, thread: thread)
        let freed = pageTable.freeEmptyTables(from: lo, to: hi, cpu: cpu, source: &source)
        // tlb_finish_mmu: one flush for the whole range, after which the tables are really gone.
        tlbs.flushRange(asid: asid, start: lo, end: hi, cpu: cpu, freedTables: !freed.isEmpty)
    }

    public func mbind(start: UInt64, end: UInt64, policy: MemPolicy?) throws {
        splitTHPs(straddling: [start, end], cpu: mainCPU)
        do { try mm.mbind(start: start, length: end - start, policy: policy) } catch {
            throw ProcessError.syscall(process: name, call: "mbind \(hex64(start))-\(hex64(end))", error.description)
        }
    }
}
