import NumaCore
import NumaProcess

/// A process thread's operation on the simulated clock (docs/time.md): the kernel work it
/// caused on its CPU's counter row (pcp refills and drains, buddy work, direct reclaim,
/// throttling), plus what the process's counters say it did — `page_fault` per fault resolved,
/// a page zeroed per page allocated (`do_anonymous_page`'s `clear_user_highpage`, page tables'
/// `__GFP_ZERO`), `swap_in` per swap-in and `file_read_per_page` per other major fault
/// (`filemap_fault` reading the page), `free_fast_path` per page freed, and the memory latency
/// of an access that found its page (CPU node → page node). TLB misses cost nothing extra (no
/// cache or TLB timing model).
extension ThreadProgram: ClockedActor {
    var nextCPU: Int { thread.cpu }

    func advance(_ a: PageAllocator) {
        let ctx = context
        let p = thread.process
        let cpu = thread.cpu, row = a.slot(ofCPU: cpu)
        let work = a.workNanoseconds(row: row)
        let before = p.stats
        let swapIns = a.vmEvents.value(.pswpin, row: row)
        lastAccess = nil
        thinkNs = 0
        thread.nowNanoseconds = clockNs
        ctx.running = p
        do { try ProcessPhaseRunner.step(self, tlbs: ctx.tlbs, maxNumNodes: ctx.maxNumNodes) } catch { ctx.error = ctx.error ?? error }
        ctx.running = nil
        ctx.ops += 1
        // A finished thread leaves its CPU idle unless another thread still runs there.
        if isDone && !ctx.threads.contains(where: { $0.thread.cpu == cpu && !$0.isDone }) { ctx.tlbs.goIdle(cpu: cpu) }
        if p.killed && !p.exited {
            a.count(.oomKill, cpu: cpu)
            p.exit(cpu: cpu)
            ctx.tlbs.exit(asid: p.asid, cpu: cpu)
        }
        let ns = a.workNanoseconds(row: row) &- work &+ cost(a, before: before, swapIns: a.vmEvents.value(.pswpin, row: row) &- swapIns)
            &+ thinkNs
        clockNs &+= ns
        thread.runtimeNanoseconds &+= ns
        // task_tick_numa, and task_numa_work on the way back to user mode.
        if a.numaBalancingMode != 0 && !p.exited {
            thread.nowNanoseconds = clockNs
            clockNs &+= p.numaTickCharged(thread, tlbs: ctx.tlbs)
        }
    }

    /// What the operation's own work cost, from the process's counters across it.
    func cost(_ a: PageAllocator, before: ProcessStats, swapIns: Int) -> Int {
        let s = thread.process.stats
        let faults = s.faults - before.faults
        let allocated = (s.pagesAllocated - before.pagesAllocated) + (s.tablePagesAllocated - before.tablePagesAllocated)
        let freed = (s.pagesFreed - before.pagesFreed) + (s.tablePagesFreed - before.tablePagesFreed)
        let fileReads = max(0, (s.majorFaults - before.majorFaults) - swapIns)
        let cpuNode = a.nodeIndex(ofCPU: thread.cpu) ?? 0
        var ns = faults * a.cost(.pageFault) + freed * a.cost(.freeFastPath)
            + swapIns * a.cost(.swapIn) + fileReads * a.cost(.fileReadPerPage)
            + allocated * a.pageMemoryCost(zero: true, nodeIndex: cpuNode)
        if faults == 0, let va = lastAccess, let node = thread.process.node(ofPageAt: va) {
            let latency = a.accessNanoseconds(fromNodeIndex: cpuNode, toNodeIndex: a.index(ofNode: node) ?? cpuNode)
            thread.process.recordMappedAccess(node: node, latency: latency)
            ns += latency
        }
        return ns
    }
}
