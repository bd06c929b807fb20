import NumaCore
import NumaMM
import NumaTopology

/// The NUMA-balancing scanner, Linux 6.1 kernel/sched/fair.c: `task_tick_numa` (a task that
/// ran its scan period of CPU time queues `task_numa_work` if the mm's `numa_next_scan` has
/// come) and `task_numa_work` (one window of the address space — `numa_balancing_scan_size_mb`
/// of pages that had present PTEs, at most 8× that of virtual space — is made PROT_NONE by
/// `change_prot_numa`, resuming where the last window stopped; a finished pass bumps the mm's
/// `numa_scan_seq`). Runs on the scanning thread's simulated clock; the caller charges the
/// PTE updates.
extension SimulatedProcess {
    /// The mm's NUMA-balancing fields: `numa_next_scan` (jiffies; nil until the first
    /// `task_numa_work` sets it, as the kernel's 0), `numa_scan_offset`, `numa_scan_seq`.
    public struct MMNumaState: Sendable, Equatable {
        public internal(set) var nextScan: UInt64?
        public internal(set) var scanOffset: UInt64 = 0
        public internal(set) var scanSeq = 0
        public init() {}
    }

    /// `task_tick_numa` after an operation of `thread`: if its runtime passed `node_stamp` plus
    /// its scan period (ms), the stamp advances and, when the mm's next scan is due,
    /// `task_numa_work` runs (on the return to user mode, right away here). Returns the PTEs
    /// it updated (0 when NUMA balancing is off or nothing was due).
    @discardableResult
    public func numaTick(_ thread: ProcessThread, tlbs: CPUTLBs) -> Int {
        guard allocator.numaBalancingMode != 0, !exited, !killed else { return 0 }
        let period = thread.numa.scanPeriod * 1_000_000
        guard thread.runtimeNanoseconds > thread.numa.nodeStamp + period else { return 0 }
        if thread.numa.nodeStamp == 0 { thread.numa.scanPeriod = scanInputs.scanStart }
        thread.numa.nodeStamp += period
        let now = Jiffies.at(nanoseconds: thread.nowNanoseconds)
        if let next = numaMM.nextScan, Jiffies.isBefore(now, next) { return 0 }
        return taskNumaWork(thread, now: now, tlbs: tlbs)
    }

    /// `numaTick` with its cost on the thread's clock: `numa_scan_per_pte` per PTE updated,
    /// added to its runtime; and, as `task_numa_work` ends, `node_stamp` moves 32× that time
    /// on ("use at least 32x as much time to run other code": scanning stays under 3 %).
    /// Returns the nanoseconds charged.
    public func numaTickCharged(_ thread: ProcessThread, tlbs: CPUTLBs) -> Int {
        let updated = numaTick(thread, tlbs: tlbs)
        guard updated > 0 else { return 0 }
        let ns = updated * allocator.cost(.numaScanPerPte)
        thread.runtimeNanoseconds += ns
        thread.numa.nodeStamp += 32 * ns
        stats.numaPteUpdates += updated
        return ns
    }

    /// The period arithmetic's inputs: the scan sysctls and the mm's RSS (`get_mm_rss`).
    var scanInputs: TaskNumaState.ScanInputs {
        let s = allocator.machine.topology.sysctl.tiering
        return .init(scanSizeMB: s.scanSizeMB, periodMinMs: s.scanPeriodMinMs, periodMaxMs: s.scanPeriodMaxMs, rssPages: residentPages)
    }

    /// `task_numa_work`. Returns the PTEs made PROT_NONE.
    func taskNumaWork(_ thread: ProcessThread, now: UInt64, tlbs: CPUTLBs) -> Int {
        let s = allocator.machine.topology.sysctl.tiering
        guard let next = numaMM.nextScan else {
            numaMM.nextScan = now &+ Jiffies.fromMilliseconds(s.scanDelayMs)
            return 0
        }
        guard !Jiffies.isBefore(now, next) else { return 0 }
        if thread.numa.scanPeriod == 0 {
            thread.numa.scanPeriodMax = scanInputs.scanMax
            thread.numa.scanPeriod = scanInputs.scanStart
        }
        numaMM.nextScan = now &+ Jiffies.fromMilliseconds(thread.numa.scanPeriod)
        // Delay this task enough that another task of this mm will likely win next time.
        thread.numa.nodeStamp += 2 * Jiffies.tickNanoseconds
        var pages = s.scanSizeMB << (20 - 12)
        var virtpages = pages * 8
        guard pages > 0 else { return 0 }
        var start = numaMM.scanOffset
        var index = mm.vmas.firstIndex { $0.end > start }
        if index == nil {
            resetNumaScan()
            start = 0
            index = mm.vmas.isEmpty ? nil : 0
        }
        var updated = 0
        var stoppedInside = false
        scan: while let i = index, i < mm.vmas.count {
            let vma = mm.vmas[i]
            index = i + 1
            guard isNumaScannable(vma, thread: thread) else { continue }
            var end: UInt64
            repeat {
                start = max(start, vma.start)
                let hpage: UInt64 = 2 << 20
                end = min((start + UInt64(pages) << 12 + hpage - 1) & ~(hpage - 1), vma.end)
                let n = changeProtNuma(vma, start: start, end: end, thread: thread, now: now, tlbs: tlbs)
                updated += n
                let scanned = Int((end - start) >> 12)
                if n > 0 { pages -= scanned }
                virtpages -= scanned
                start = end
                if pages <= 0 || virtpages <= 0 {
                    stoppedInside = true
                    break scan
                }
            } while end != vma.end
        }
        if stoppedInside { numaMM.scanOffset = start } else { resetNumaScan() }
        return updated
    }

    /// `reset_ptenuma_scan`: a pass over the address space is done.
    func resetNumaScan() {
        numaMM.scanSeq += 1
        numaMM.scanOffset = 0
    }

    /// The VMA tests of `task_numa_work`: migratable, its policy (or the task's) carries
    /// MPOL_F_MOF — only the default policy does in numasim, as `set_mempolicy` without
    /// MPOL_F_NUMA_BALANCING gives none — not a read-only file mapping, and accessible.
    func isNumaScannable(_ vma: VMArea<MemPolicy>, thread: ProcessThread) -> Bool {
        guard vma.policy == nil, thread.policy.mode == .default, !isHugeTLB(vma) else { return false }
        if vma.kind != .anon && !vma.flags.contains(.write) { return false }
        return !vma.flags.intersection([.read, .write, .exec]).isEmpty
    }

    /// `change_prot_numa(vma, start, end)` → `change_pte_range` with MM_CP_PROT_NUMA: every
    /// present PTE of a normal page becomes PROT_NONE, except a dirty file page, a page already
    /// on the node of a single-threaded task's CPU, a top-tier page when only memory-tiering
    /// balancing is on; a lower-tier page in memory-tiering mode gets the scan time as its
    /// access time. Counts NUMA_PTE_UPDATES; flushes the range when anything changed.
    func changeProtNuma(_ vma: VMArea<MemPolicy>, start: UInt64, end: UInt64, thread: ProcessThread, now: UInt64,
                        tlbs: CPUTLBs) -> Int {
        let a = allocator
        let targetNode: Int? = threads.count == 1 && !vma.flags.contains(.shared) ? a.node(ofCPU: thread.cpu) : nil
        let nowMs = Jiffies.toMilliseconds(now)
        var updated = 0, updatedHuge = 0
        var vpn = start >> 12
        let last = end >> 12
        while vpn < last {
            defer { vpn += 1 }
            guard let b = pages[vpn], a.isOwned(b) else { continue }
            if b.order == TransparentHugepage.order {
                // change_huge_pmd with MM_CP_PROT_NUMA: the whole PMD, once.
                let n = thpChangeProtNuma(vpn >> 9, b, nowMs: nowMs)
                updated += n
                if n > 0 { updatedHuge += 1 }
                vpn = ((vpn >> 9) + 1) << 9 - 1
                continue
            }
            let va = vpn << 12
            guard let e = pageTable.leaf(va), e.isPresent else { continue }
            if fileBacked.contains(vpn) && a.isDirty(b) { continue }
            if b.node == targetNode { continue }
            let topTier = a.isTopTier(node: b.node)
            if !a.isNormalBalancingMode && topTier { continue }
            if a.isMemoryTieringMode && !topTier { lastCpupid[vpn] = LastCpupid(rawValue: nowMs) }
            if pageTable.makeNumaHinting(va) { updated += 1 }
        }
        if updated > 0 {
            a.count(.numaPteUpdates, updated, cpu: thread.cpu)
            if updatedHuge > 0 { a.count(.numaHugePteUpdates, updatedHuge, cpu: thread.cpu) }
            tlbs.flushRange(asid: asid, start: start, end: end, cpu: thread.cpu)
        }
        return updated
    }
}
