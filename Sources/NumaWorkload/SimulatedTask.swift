import Dispatch
import NumaCore
import Synchronization

/// One simulated thread of a workload: allocates with its policy on its CPUs, keeps a live set,
/// frees, re-touches pages (a touch of a page reclaim took is a refault), and dies when the OOM
/// killer picks it. Both engines drive tasks one `step` at a time; in the concurrent engine
/// only the host thread that owns the task's CPUs calls `step`. That ownership is why the
/// mutable fields skip the runtime's dynamic exclusivity checks (`@exclusivity(unchecked)`):
/// they cost more than the allocation they surround.
public final class SimulatedTask: @unchecked Sendable {
    public let spec: Workload.ThreadSpec
    public let cpus: [Int]
    public let name: String
    @exclusivity(unchecked) var remaining: Int
    /// Operations left before an `ops:` limit (Int.max without one).
    @exclusivity(unchecked) var opsLeft: Int
    /// The end of a `duration:` (set when the phase starts), checked every 256 steps.
    var deadline: ContinuousClock.Instant?
    @exclusivity(unchecked) var timedOut = false
    /// Next victim of `free: hold` once the live ring is full.
    @exclusivity(unchecked) var ringPos = 0
    @exclusivity(unchecked) var live: [AllocatedBlock] = []
    @exclusivity(unchecked) var cpuTurn = 0
    @exclusivity(unchecked) var interleave: InterleaveState
    @exclusivity(unchecked) var vmaOffset: Int
    @exclusivity(unchecked) var rng: SplitMix64
    @exclusivity(unchecked) public internal(set) var stats = TaskStats()
    /// Pages held, readable by the OOM killer from any thread.
    let livePagesAtomic = Atomic<Int>(0)
    /// Set by the OOM killer; the owner frees everything at its next step.
    let killedAtomic = Atomic<Bool>(false)
    /// The live set is needed to free, touch or give back pages; a group that only allocates
    /// kernel memory and never frees does not keep one (so a 100 GiB first touch costs no memory).
    let keepsLive: Bool

    /// Fallback and locality matrices (created at the first allocation: tasks do not know the machine).
    @exclusivity(unchecked) public internal(set) var placement: TaskPlacement?
    /// Allocator call latencies in simulated ns, recorded only when the engine's observer asks.
    @exclusivity(unchecked) public var latency: OpLatency?
    /// This thread's simulated time in ns (SimulatedTask+Clock.swift): each operation advances it
    /// by its cost; the engine lines it up with the CPU's clock before a step.
    @exclusivity(unchecked) public var clockNs = 0
    /// Simulated ns spent in touches of resident pages (memory latency, local or remote).
    @exclusivity(unchecked) public internal(set) var accessNs = 0
    /// Operation count and placement sums for a reporter on another thread.
    let published = PublishedCounters()
    /// The sums as last published by the owner (any thread may read them).
    public var publishedSums: PlacementSums { published.snapshot }
    /// The simulated clock as last published (any thread).
    public var publishedClock: Int { published.load(.clock) }
    /// The operation count as last published (any thread).
    public var publishedOps: Int { published.load(.ops) }
    @exclusivity(unchecked) var failureCount = 0
    /// `stress --trace`: the trace this task replays, event by event (SimulatedTask+Trace.swift).
    @exclusivity(unchecked) var replay: TraceReplay?
    /// The cpuset `mems_allowed` of the task's cgroup while cpusets are enabled (set by the
    /// engine before the phase runs); nil: no restriction.
    @exclusivity(unchecked) public var memsAllowed: Set<Int>?
    /// The memory cgroup of the task's cgroup (set by the engine before the phase runs); nil:
    /// the root, nothing charged.
    @exclusivity(unchecked) public var memcg: MemCgroup?

    public var isDone: Bool { exiting ? exitCursor >= live.count : remaining <= 0 || opsLeft <= 0 || timedOut || stats.killed }
    /// Exiting (`beginExit`): each step gives back the next block of `live[exitCursor...]`.
    @exclusivity(unchecked) var exiting = false
    @exclusivity(unchecked) var exitCursor = 0
    /// What is left for progress reports: operations under an `ops:` limit, else pages.
    public var workLeft: Int { Swift.min(1 << 40, spec.opsLimit != nil ? Swift.max(0, opsLeft) : Swift.max(0, remaining)) }

    /// Starts the clock of a `duration:` group (the engine calls this when the phase starts).
    public func startClock(_ now: ContinuousClock.Instant) {
        if let d = spec.duration { deadline = now + .nanoseconds(Int64(d * 1e9)) }
    }
    public var livePages: Int { livePagesAtomic.load(ordering: .relaxed) }

    public init(spec: Workload.ThreadSpec, cpus: [Int], pages: Int, name: String, seed: UInt64, maxNumNodes: Int) {
        self.spec = spec
        self.cpus = cpus
        self.name = name
        remaining = pages
        opsLeft = spec.opsLimit ?? Int.max
        interleave = InterleaveState(maxNumNodes: maxNumNodes)
        vmaOffset = spec.vmaStart ?? 0
        rng = SplitMix64(seed: seed)
        if let trace = spec.trace {
            replay = TraceReplay(trace, cpus: cpus)
            remaining = replay!.left
        }
        keepsLive = spec.file == nil
            && (spec.touches > 0 || spec.kind != .kernel || { if case .never = spec.free { return false } else { return true } }())
    }

    public struct TaskStats: Sendable {
        public var allocations = 0
        public var frees = 0
        /// Failed allocations by "GFP order N: reason".
        public var failures: [String: Int] = [:]
        public var touches = 0
        public var refaults = 0
        public var killed = false
        /// Failed allocations (the sum of `failures`, kept so `ops` costs no dictionary walk).
        public var failed = 0
        public var ops: Int { allocations + frees + touches + failed }
    }

    /// One operation: an allocation (with the frees and touches it implies).
    public func step(_ a: PageAllocator) {
        // The kernel work the step causes on its CPU's counter row (refills, drains, reclaim,
        // throttling) is priced once per step (SimulatedTask+Clock.swift).
        let row = a.slot(ofCPU: nextCPU)
        let work = a.workNanoseconds(row: row)
        stepBody(a)
        clockNs &+= a.workNanoseconds(row: row) &- work
        publish()
    }

    func stepBody(_ a: PageAllocator) {
        if killedAtomic.load(ordering: .acquiring) { die(a); return }
        if exiting { exitStep(a); return }
        if replay != nil { traceStep(a); return }
        if let deadline, cpuTurn & 255 == 0, ContinuousClock.now >= deadline { timedOut = true; return }
        let opsBefore = stats.ops
        defer { opsLeft -= stats.ops - opsBefore }
        let cpu = cpus[cpuTurn % cpus.count]
        cpuTurn += 1
        if let file = spec.file {
            remaining -= 1
            readFilePage(a, file, cpu: cpu)
            if killedAtomic.load(ordering: .acquiring) { die(a) }
            return
        }
        let order = SimulatedTask.pickOrder(spec.orders, &rng)
        remaining -= 1 << order
        if order == TransparentHugepage.order, let mode = spec.thp {
            // A THP fault: one THP, or the 4 KiB pages of its fallback (SimulatedTask+THP.swift).
            let blocks = thpFault(a, mode, cpu: cpu)
            guard !blocks.isEmpty else { return }
            for b in blocks { place(a, b, cpu: cpu) }
        } else {
            guard let b = allocate(a, order: order, cpu: cpu) else { return }
            place(a, b, cpu: cpu)
        }
        touchLive(a, cpu: cpu)
        if killedAtomic.load(ordering: .acquiring) { die(a) }
    }

    /// A new block: on the LRU (anon and file pages), then kept or freed as the group's `free:`
    /// says.
    func place(_ a: PageAllocator, _ b: AllocatedBlock, cpu: Int) {
        a.addToLRU(b, kind: spec.kind, dirty: spec.dirty)
        stats.allocations += 1
        switch spec.free {
        case .immediately:
            release(a, b, cpu: cpu)
        case .never:
            if keepsLive { keep(b) }
        case .atExit:
            keep(b)
        case .random(let limit):
            keep(b)
            while livePages > limit && !live.isEmpty {
                let i = Int(rng.next() % UInt64(live.count))
                let victim = live[i]
                live.swapAt(i, live.count - 1)
                live.removeLast()
                livePagesAtomic.wrappingSubtract(1 << victim.order, ordering: .relaxed)
                release(a, victim, cpu: cpu)
            }
        case .hold(let k):
            // A ring of the last k blocks: the oldest goes when a new one comes.
            if live.count < k {
                keep(b)
            } else {
                ringPos %= live.count
                let old = live[ringPos]
                live[ringPos] = b
                ringPos += 1
                livePagesAtomic.wrappingAdd((1 << b.order) - (1 << old.order), ordering: .relaxed)
                release(a, old, cpu: cpu)
            }
        }
    }

    /// The group's `touch:` re-touches of random live pages after an allocation.
    func touchLive(_ a: PageAllocator, cpu: Int) {
        for _ in 0..<spec.touches where !live.isEmpty {
            let i = Int(rng.next() % UInt64(live.count))
            stats.touches += 1
            if a.touch(live[i], write: spec.dirty) {
                chargeAccess(a, live[i], cpu: cpu)
            } else if let moved = a.followMigration(live[i]) {
                // Demotion moved it: the PTE follows (a migration entry, not a refault).
                live[i] = moved
                a.touch(moved, write: spec.dirty)
                chargeAccess(a, moved, cpu: cpu)
            } else if adoptSplit(a, at: i) {
                // Reclaim split the THP: its pages are the task's from here on; the page
                // touched is the first, seen again at the next touch.
                continue
            } else {
                refault(a, at: i, cpu: cpu)
            }
        }
    }

    /// Owner-only stores (single writer): relaxed atomics so a reporter may read them.
    @inline(__always) func publish() {
        published.store(.ops, stats.allocations &+ stats.frees &+ stats.touches &+ failureCount)
        published.store(.clock, clockNs)
        // Field by field: binding the whole struct would retain its arrays on every step.
        guard placement != nil else { return }
        published.store(.pages, placement!.pages)
        published.store(.missPages, placement!.missPages)
        published.store(.localPages, placement!.localPages)
        published.store(.distancePages, placement!.distancePages)
    }

    /// An allocation with the group's GFP mask, or `gfp` (a trace event's).
    func allocate(_ a: PageAllocator, order: Int, cpu: Int, gfp eventGFP: GFP? = nil) -> AllocatedBlock? {
        let gfp = eventGFP ?? spec.gfp
        let index: Int? = spec.vmaStart == nil ? nil : vmaOffset
        vmaOffset += 1 << order
        let row = latency == nil ? 0 : a.slot(ofCPU: cpu)
        let work = latency == nil ? 0 : a.workNanoseconds(row: row)
        let asking = a.policyNode(spec.policy, cpu: cpu, order: order, state: &interleave, interleaveIndex: index)
        let r = a.allocPages(gfp: gfp, order: order, policy: spec.policy, preferredNode: asking, cpu: cpu, mems: memsAllowed)
        chargeAllocation(a, r, order: order, gfp: gfp, row: row, workBefore: work)
        switch r {
        case .success(let b):
            // mem_cgroup_charge (user pages) or __memcg_kmem_charge_page (__GFP_ACCOUNT): a charge
            // that fails frees the page, and the allocation fails as the fault would (VM_FAULT_OOM).
            if let m = memcg, spec.kind != .kernel || gfp.contains(.account),
               !a.memcgCharge(b, to: m, kind: spec.kind, gfp: gfp, cpu: cpu) {
                a.freePages(b, cpu: cpu)
                failureCount += 1
                stats.failures["\(gfp) order \(order): memory cgroup \(m.name) at memory.max (charge failed)", default: 0] += 1
                stats.failed += 1
                return nil
            }
            if placement == nil { placement = TaskPlacement(a) }
            let local = a.node(ofCPU: cpu) ?? a.nodeIDs[0]
            placement!.record(asking: asking, local: local, serving: b.node, order: order)
            return b
        case .failure(let f):
            failureCount += 1
            let reason: String
            if case .noMemory(_, _, let r) = f { reason = r.description } else { reason = f.description }
            stats.failures["\(gfp) order \(order): \(reason)", default: 0] += 1
            stats.failed += 1
            return nil
        }
    }

    func keep(_ b: AllocatedBlock) {
        live.append(b)
        livePagesAtomic.wrappingAdd(1 << b.order, ordering: .relaxed)
    }

    /// munmap/exit of one block: a page reclaim already took is gone (its swap slot is freed).
    func release(_ a: PageAllocator, _ b: AllocatedBlock, cpu: Int) {
        let row = latency == nil ? 0 : a.slot(ofCPU: cpu)
        let work = latency == nil ? 0 : a.workNanoseconds(row: row)
        let released = a.release(b, cpu: cpu, kind: spec.kind)
        chargeFree(a, row: row, workBefore: work)
        if !released && spec.kind == .anon { a.releaseSwapSlot() }
        stats.frees += 1
    }

    /// The page at `live[i]` was reclaimed: fault it back in (swap-in or a page-cache read) as a
    /// working-set page, on the active list.
    func refault(_ a: PageAllocator, at i: Int, cpu: Int) {
        stats.refaults += 1
        let old = live[i]
        chargeRefault(a, kind: spec.kind)
        if spec.kind == .anon {
            a.releaseSwapSlot()
            a.count(.pswpin, cpu: cpu)
        } else {
            _ = a.takeShadow(old)
        }
        a.count(.pgmajfault, cpu: cpu)
        livePagesAtomic.wrappingSubtract(1 << old.order, ordering: .relaxed)
        guard let b = allocate(a, order: old.order, cpu: cpu) else {
            live.swapAt(i, live.count - 1)
            live.removeLast()
            return
        }
        a.countRefault(b, file: spec.kind == .file, cpu: cpu)
        a.addToLRU(b, kind: spec.kind, active: true, dirty: spec.dirty)
        stats.allocations += 1
        live[i] = b
        livePagesAtomic.wrappingAdd(1 << b.order, ordering: .relaxed)
    }

    /// The task exits at the end of its phase (`free: at_exit`): its pages go back. Page cache
    /// it read stays (it belongs to the file).
    public func exit(_ a: PageAllocator) {
        guard case .atExit = spec.free, !stats.killed else { return }
        let cpu = cpus[0]
        let row = a.slot(ofCPU: cpu), work = a.workNanoseconds(row: row)
        for b in live[exitCursor...] { release(a, b, cpu: cpu) }
        clockNs &+= a.workNanoseconds(row: row) &- work
        endExit()
    }

    /// The exit as operations on the simulated clock (the deterministic engine): true if the
    /// task has pages to give back, which its next steps free one block each, in the order
    /// they were touched (`exit_mmap` unmaps in address order), while kswapd goes on.
    public func beginExit() -> Bool {
        guard case .atExit = spec.free, !stats.killed, !live.isEmpty else { return false }
        exiting = true
        exitCursor = 0
        return true
    }

    /// One step of the exit: the next block goes back (`zap_pte_range` → `free_unref_page`).
    func exitStep(_ a: PageAllocator) {
        let b = live[exitCursor]
        exitCursor += 1
        livePagesAtomic.wrappingSubtract(1 << b.order, ordering: .relaxed)
        release(a, b, cpu: cpus[cpuTurn % cpus.count])
        if exitCursor == live.count { endExit() }
    }

    func endExit() {
        live.removeAll()
        exitCursor = 0
        exiting = false
        livePagesAtomic.store(0, ordering: .relaxed)
    }

    /// Killed by the OOM killer: every page goes back, the task stops.
    public func die(_ a: PageAllocator) {
        guard !stats.killed else { return }
        let cpu = cpus[0]
        for b in live[exitCursor...] { release(a, b, cpu: cpu) }
        endExit()
        stats.killed = true
    }

    /// Marks the task for the OOM killer.
    public func kill() { killedAtomic.store(true, ordering: .releasing) }
    public var isKilled: Bool { killedAtomic.load(ordering: .acquiring) }

    static func pickOrder(_ orders: [(order: Int, weight: Int)], _ rng: inout SplitMix64) -> Int {
        if orders.count == 1 { return orders[0].order }
        let total = orders.reduce(0) { $0 + $1.weight }
        // The parser refuses an empty order map and a zero total; a spec built in code that
        // breaks that draws order 0 rather than dividing by zero.
        guard total > 0 else { return orders.first?.order ?? 0 }
        var x = Int(rng.next() % UInt64(total))
        for o in orders {
            if x < o.weight { return o.order }
            x -= o.weight
        }
        return orders[orders.count - 1].order
    }
}
