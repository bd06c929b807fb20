import NumaCore

/// `stress --trace`: a task that replays a kernel trace (`KernelTrace`), one event per
/// operation, on the simulated clock like any other task's operations (SimulatedTask+Clock).
/// A `mm_page_alloc` event is `__alloc_pages` on the event's CPU with its order and GFP mask,
/// under the task's default policy (the CPU's node first), as the traced kernel was asked; a
/// `mm_page_free` event of a pfn the replay allocated frees numasim's block (`__free_pages`).
/// Events that cannot be replayed are passed over with a reason (`TraceReplay`).
extension SimulatedTask {
    func traceStep(_ a: PageAllocator) {
        let e = replay!.events[replay!.cursor]
        replay!.cursor += 1
        switch e.kind {
        case .alloc:
            let b = allocate(a, order: e.order, cpu: e.cpu, gfp: e.gfp)
            if b != nil { stats.allocations += 1 }
            replay!.allocated(e, b, machine: a.machine)
        case .free:
            // `skipUnreplayable` left only frees of blocks the replay holds.
            release(a, replay!.blocks.removeValue(forKey: e.pfn)!, cpu: e.cpu)
        }
        replay!.stats.replayed += 1
        replay!.skipUnreplayable()
        remaining = replay!.left
    }

    /// The replay's counts (nil for a task that plays a workload's thread group).
    public var traceStats: TraceReplayStats? { replay?.finalStats }
}
