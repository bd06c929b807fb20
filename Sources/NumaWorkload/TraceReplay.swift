import NumaCore

/// What a trace replay counts (`stress --trace`; JSON `trace`, docs/json.md): every event read,
/// those replayed and those skipped by reason (`events == replayed + skipped`), and how often
/// numasim placed an allocation on the node and zone the kernel's pfn lies in.
public struct TraceReplayStats: Sendable, Equatable {
    public var file = ""
    public var events = 0
    /// Allocations made (failed ones included: numasim tried) and frees of blocks the replay holds.
    public var replayed = 0
    public var skipped: [String: Int] = [:]
    /// Allocations whose kernel pfn lies in a zone of the topology (kernel failures excluded);
    /// of them, those numasim served from the same node, and from the same zone of that node.
    public var compared = 0
    public var sameNode = 0
    public var sameZone = 0
    /// Allocation events whose `migratetype` differs from `gfp_migratetype` of their `gfp_flags`.
    public var migratetypeMismatches = 0
    /// `gfp_flags` names accepted without being modelled, with their counts.
    public var gfpNotModelled: [String: Int] = [:]

    public var skippedTotal: Int { skipped.values.reduce(0, +) }
    public var sameNodePercent: Double? { compared > 0 ? Double(sameNode) * 100 / Double(compared) : nil }
    public var sameZonePercent: Double? { compared > 0 ? Double(sameZone) * 100 / Double(compared) : nil }

    public static let skipCPU = "CPU not in the topology"
    public static let skipOrder = "order above \(KernelTrace.maxOrder) (MAX_ORDER - 1)"
    public static let skipUnknownFree = "free of a pfn the replay did not allocate"
    public static let skipFailedFree = "free of a block numasim failed to allocate"
    public static let skipNotReached = "not reached: the run stopped before them"
    public static func skipOther(_ name: String) -> String { "other tracepoint \(name)" }
}

/// A trace replay's position and state inside its task: the next event, the blocks numasim
/// allocated keyed by the kernel's pfn (so a `mm_page_free` of that pfn frees numasim's block),
/// and where the topology puts a kernel pfn.
struct TraceReplay {
    let events: [KernelTrace.Event]
    let cpus: Set<Int>
    var cursor = 0
    var blocks: [Int: AllocatedBlock] = [:]
    /// Kernel pfns whose replayed allocation failed in numasim (their free is skipped).
    var failed: Set<Int> = []
    var stats = TraceReplayStats()
    /// (first pfn, end pfn, node id, zone index) of each populated zone, from the booted machine.
    var zoneSpans: [(start: Int, end: Int, node: Int, zone: Int)]?

    init(_ trace: KernelTrace, cpus: [Int]) {
        events = trace.events
        self.cpus = Set(cpus)
        stats.file = trace.file
        stats.events = trace.eventCount
        stats.gfpNotModelled = trace.gfpNotModelled
        for (name, n) in trace.otherTracepoints { stats.skipped[TraceReplayStats.skipOther(name), default: 0] += n }
        skipUnreplayable()
    }

    var isDone: Bool { cursor >= events.count }
    var left: Int { events.count - cursor }

    /// The counts, with the events a run that stopped early (a kernel panic: out of memory and
    /// nothing to kill) did not reach counted as skipped.
    var finalStats: TraceReplayStats {
        var s = stats
        if left > 0 { s.skipped[TraceReplayStats.skipNotReached, default: 0] += left }
        return s
    }

    /// Passes over the events that cannot be replayed, counting why, so that the next event
    /// (and the CPU the task's next step runs on) is one that will be.
    mutating func skipUnreplayable() {
        while cursor < events.count, let reason = skipReason(events[cursor]) {
            stats.skipped[reason, default: 0] += 1
            if events[cursor].kind == .free { failed.remove(events[cursor].pfn) }
            cursor += 1
        }
    }

    func skipReason(_ e: KernelTrace.Event) -> String? {
        guard cpus.contains(e.cpu) else { return TraceReplayStats.skipCPU }
        switch e.kind {
        case .alloc: return e.order > KernelTrace.maxOrder ? TraceReplayStats.skipOrder : nil
        case .free:
            if blocks[e.pfn] != nil { return nil }
            return failed.contains(e.pfn) ? TraceReplayStats.skipFailedFree : TraceReplayStats.skipUnknownFree
        }
    }

    /// An allocation event was replayed (`block` nil: numasim's allocation failed): checks its
    /// migratetype, keeps the block for the event's free, and compares the placement with the
    /// kernel's where the topology places the kernel's pfn.
    mutating func allocated(_ e: KernelTrace.Event, _ block: AllocatedBlock?, machine: BootedMachine) {
        if Int(e.gfp.migrateType(mobilityDisabled: !machine.mobilityGrouping).rawValue) != e.migratetype {
            stats.migratetypeMismatches += 1
        }
        guard !e.kernelFailed else { return }
        if let block { blocks[e.pfn] = block } else { failed.insert(e.pfn) }
        guard let kernel = place(e.pfn, machine) else { return }
        stats.compared += 1
        guard let block, block.node == kernel.node else { return }
        stats.sameNode += 1
        if block.zone == kernel.zone { stats.sameZone += 1 }
    }

    /// The node id and zone index whose span holds `pfn` on this machine, if any.
    mutating func place(_ pfn: Int, _ machine: BootedMachine) -> (node: Int, zone: Int)? {
        if zoneSpans == nil {
            zoneSpans = machine.allZones.filter { $0.present > 0 }.map { ($0.startPfn, $0.startPfn + $0.spanned, $0.node, $0.index) }
        }
        return zoneSpans!.first { $0.start <= pfn && pfn < $0.end }.map { ($0.node, $0.zone) }
    }
}
