import NumaCore
import NumaTopology
import NumaWorkload

/// The deterministic engine's discrete-event simulation (docs/time.md): every simulated CPU's
/// tasks and every node's kswapd have their own simulated clock, and the scheduler always runs
/// the earliest event next (ties: kswapds by node index, then tasks in workload order). A task
/// event is one operation (`SimulatedTask.step`), advancing its clock by what the operation
/// cost; a kswapd event runs (or continues) one iteration of the kswapd loop on its
/// `KswapdCoroutine`, which suspends after any reclaim batch that took it past another
/// actor's time. So kswapd reclaims while the CPUs allocate, and can fall behind them: direct
/// reclaim, `allocstall` and throttling happen when the allocation rate outruns it.
///
/// kswapd's sleeps follow 6.1's `kswapd_try_to_sleep`: after a balanced `balance_pgdat` it
/// naps `kswapd_nap` (HZ/10); a `wakeup_kswapd` during the nap cuts it short
/// (KSWAPD_LOW_WMARK_HIT_QUICKLY), the nap's end checks the node again (full sleep, or
/// KSWAPD_HIGH_WMARK_HIT_QUICKLY and another run).
///
/// Each node's kcompactd timer (`kcompactd()`'s `wait_event_freezable_timeout`, every 500 ms
/// while `compaction_proactiveness` is not 0) is an event at its deadline
/// (`PageAllocator.kcompactdDeadline`) while any task of the phase runs; it runs
/// `PageAllocator.kcompactdTimerExpired` on the scheduler's thread (kcompactd's work is charged
/// to kswapd's row), ranked after the tasks on ties. A kswapd iteration that woke kcompactd
/// restarts its wait (`kcompactdWakeEnded`).
final class DiscreteEventScheduler: @unchecked Sendable {
    enum KswapdState { case sleeping, runnable, napping(until: Int, order: Int, highestZone: Int) }

    struct Kswapd {
        var state = KswapdState.sleeping
        /// Its clock, and where the current iteration started (time and work counted on its row).
        var clock = 0
        var iterationStart = 0
        var workAtStart = 0
        var coroutine: KswapdCoroutine?
        var outcome: KswapdOutcome?
        /// The time of its pending event, kept across phases.
        var pending: Int?
    }

    /// Unowned: the allocator's wake-up and reclaim hooks hold the scheduler, not the reverse.
    unowned let a: PageAllocator
    let nodeCount: Int
    @exclusivity(unchecked) var kswapd: [Kswapd]
    /// Each CPU slot's clock: the end of the last operation run on it.
    let cpuClock: UnsafeMutableBufferPointer<Int>
    /// The time of the event being run.
    @exclusivity(unchecked) private(set) var now = 0
    @exclusivity(unchecked) var queue = EventQueue(ranks: 0)
    /// The task whose step is running (the OOM killer must not free its pages mid-step).
    @exclusivity(unchecked) var currentTask: AnyObject?
    /// The kswapd whose coroutine is running.
    @exclusivity(unchecked) private var running: Int?
    /// The rank of node index 0's kcompactd timer in the current `run` (after the tasks').
    @exclusivity(unchecked) private var kcompactdRank = 0

    init(allocator: PageAllocator) {
        a = allocator
        nodeCount = allocator.nodes.count
        kswapd = [Kswapd](repeating: Kswapd(), count: allocator.nodes.count)
        // A kswapd woken between phases (a hugetlb pool resize before the first run phase)
        // keeps its pending time for the next `run`.
        queue = EventQueue(ranks: allocator.nodes.count)
        cpuClock = .allocate(capacity: allocator.cpus.count + 1)
        cpuClock.initialize(repeating: 0)
        allocator.reclaimBatchDone = { [unowned self] row in self.reclaimBatchDone(row: row) }
        allocator.kcompactdRun(nowNs: 0)
    }

    deinit {
        stop()
        cpuClock.deallocate()
    }

    /// The latest clock of any CPU or kswapd: where the next phase starts.
    var latest: Int { max(cpuClock.max() ?? 0, kswapd.map(\.clock).max() ?? 0) }

    // MARK: kswapd

    /// `wakeup_kswapd` woke node index `n`'s kswapd (it was asleep or napping) at `now`.
    func wake(_ n: Int) {
        switch kswapd[n].state {
        case .runnable: return
        case .napping: a.kswapdWokenDuringNap(nodeIndex: n)
        case .sleeping: break
        }
        a.nodes[n].reclaim.setSleeping(false)
        kswapd[n].state = .runnable
        kswapd[n].clock = max(kswapd[n].clock, now)
        schedule(kswapd: n, at: kswapd[n].clock)
    }

    private func schedule(kswapd n: Int, at t: Int) {
        kswapd[n].pending = t
        queue.schedule(n, at: t)
    }

    /// A kswapd event at `t`: a nap's end, or (the start or the rest of) an iteration.
    private func runKswapd(_ n: Int, at t: Int) {
        kswapd[n].pending = nil
        now = t
        if case .napping(_, let order, let hz) = kswapd[n].state {
            kswapd[n].clock = t
            if a.kswapdNapEnded(nodeIndex: n, order: order, highestZone: hz) {
                kswapd[n].state = .sleeping
                return
            }
            a.nodes[n].reclaim.setSleeping(false)
            kswapd[n].state = .runnable
        }
        let co = coroutine(n)
        if !co.inIteration {
            kswapd[n].clock = max(kswapd[n].clock, t)
            kswapd[n].iterationStart = kswapd[n].clock
            kswapd[n].workAtStart = a.workNanoseconds(row: a.kswapdSlot(nodeIndex: n))
        }
        running = n
        co.resume()
        running = nil
        if co.inIteration {
            schedule(kswapd: n, at: kswapd[n].clock)
            return
        }
        if a.kcompactdWakeEnded(nodeIndex: n, nowNs: kswapd[n].clock) { scheduleKcompactd(n) }
        switch kswapd[n].outcome! {
        case .unbalanced:
            schedule(kswapd: n, at: kswapd[n].clock)
        case .maySleep(let order, let hz):
            a.nodes[n].reclaim.setSleeping(true)
            let until = kswapd[n].clock + a.costs[.kswapdNap]
            kswapd[n].state = .napping(until: until, order: order, highestZone: hz)
            schedule(kswapd: n, at: until)
        }
    }

    private func coroutine(_ n: Int) -> KswapdCoroutine {
        if let c = kswapd[n].coroutine { return c }
        let c = KswapdCoroutine(name: "kswapd\(a.nodeIDs[n])") { [unowned self] in
            self.kswapd[n].outcome = self.a.kswapdIteration(nodeIndex: n)
            self.advanceKswapdClock(n)
        }
        kswapd[n].coroutine = c
        return c
    }

    private func advanceKswapdClock(_ n: Int) {
        kswapd[n].clock = kswapd[n].iterationStart + a.workNanoseconds(row: a.kswapdSlot(nodeIndex: n)) - kswapd[n].workAtStart
    }

    /// Reclaim finished a batch (on the row of whoever reclaims): a running kswapd whose clock
    /// went past the next event gives the machine back until the clock reaches it again.
    private func reclaimBatchDone(row: Int) {
        guard let n = running, row == a.kswapdSlot(nodeIndex: n) else { return }
        advanceKswapdClock(n)
        guard let next = queue.peek(), next.before(EventQueue.Event(time: kswapd[n].clock, rank: n, generation: 0)) else { return }
        kswapd[n].coroutine!.suspend()
    }

    // MARK: kcompactd

    /// Node index `n`'s kcompactd timer at its deadline (none without one).
    private func scheduleKcompactd(_ n: Int) {
        if let d = a.kcompactdDeadline(nodeIndex: n) { queue.schedule(kcompactdRank + n, at: d) } else { queue.cancel(kcompactdRank + n) }
    }

    /// Node index `n`'s kcompactd timeout ran out at `t`.
    private func runKcompactd(_ n: Int, at t: Int) {
        now = t
        a.kcompactdTimerExpired(nodeIndex: n, nowNs: t)
        scheduleKcompactd(n)
    }

    // MARK: tasks

    /// Runs tasks to the end. A phase's tasks all start at the latest clock (the previous
    /// phase's end); `continuing` tasks (an exit) go on from their own clocks. kswapd events
    /// still pending keep their times. When the tasks are done, a kswapd inside an iteration
    /// finishes it only if `finishingIterations` (the exit); otherwise it stays suspended, so
    /// that what kswapd reclaims after the last touch counts in the exit, as the kernel's does.
    func run<Actor: ClockedActor>(_ tasks: [Actor], continuing: Bool, finishingIterations: Bool, afterStep: () -> Void) {
        kcompactdRank = nodeCount + tasks.count
        queue = EventQueue(ranks: kcompactdRank + nodeCount)
        let start = latest
        for n in 0..<nodeCount { if let t = kswapd[n].pending { queue.schedule(n, at: t) } }
        for (i, t) in tasks.enumerated() where !t.isDone {
            if !continuing { t.clockNs = start }
            queue.schedule(nodeCount + i, at: t.clockNs)
        }
        for n in 0..<nodeCount { scheduleKcompactd(n) }
        while let e = queue.pop() {
            if e.rank >= kcompactdRank {
                // Only while the phase runs: with no task left (or after a panic) the deadline
                // carries over to the next phase.
                if a.hasPanicked || tasks.allSatisfy(\.isDone) { continue }
                runKcompactd(e.rank - kcompactdRank, at: e.time)
                continue
            }
            if e.rank < nodeCount {
                // With no task left (or after a panic), naps, wake-ups and suspended iterations
                // carry over; an iteration still running finishes only in an exit, or after a
                // panic (the run is over).
                let inIteration = kswapd[e.rank].coroutine?.inIteration ?? false
                if (a.hasPanicked || tasks.allSatisfy(\.isDone)) && !(inIteration && (finishingIterations || a.hasPanicked)) {
                    kswapd[e.rank].pending = e.time
                    continue
                }
                runKswapd(e.rank, at: e.time)
                continue
            }
            let t = tasks[e.rank - nodeCount]
            // After a kernel panic (out of memory, nothing to kill) no task runs again.
            guard !t.isDone, !a.hasPanicked else { continue }
            var slot = a.slot(ofCPU: t.nextCPU)
            let begin = max(t.clockNs, cpuClock[slot])
            if begin > e.time {
                // Its CPU is busy with another task until `begin`.
                queue.schedule(e.rank, at: begin)
                continue
            }
            t.clockNs = begin
            // The task steps again at once while it stays the earliest event (the common case
            // of one busy task): no queue traffic per operation; the queue's head is looked up
            // again only when something was scheduled meanwhile (a kswapd wake-up).
            var top = queue.peek()
            var seen = queue.version
            while true {
                now = t.clockNs
                currentTask = t
                t.advance(a)
                currentTask = nil
                cpuClock[slot] = max(cpuClock[slot], t.clockNs)
                afterStep()
                if t.isDone || a.hasPanicked { break }
                slot = a.slot(ofCPU: t.nextCPU)
                let next = max(t.clockNs, cpuClock[slot])
                if queue.version != seen {
                    top = queue.peek()
                    seen = queue.version
                }
                if let top, !EventQueue.Event(time: next, rank: e.rank, generation: 0).before(top) {
                    queue.schedule(e.rank, at: next)
                    break
                }
                t.clockNs = next
            }
        }
    }

    /// Stops the kswapd threads (at the end of the run; none is inside an iteration then).
    func stop() {
        for n in 0..<nodeCount {
            kswapd[n].coroutine?.stop()
            kswapd[n].coroutine = nil
        }
    }
}
