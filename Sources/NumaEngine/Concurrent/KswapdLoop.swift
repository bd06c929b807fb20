import Dispatch
import NumaCore
import Synchronization

/// One node's kswapd (mm/vmscan.c `kswapd`, `kswapd_try_to_sleep`): a loop on the node's own
/// serial Dispatch queue, asleep until `wakeup_kswapd` wakes it, then `balance_pgdat` until the
/// node is balanced, a nap of `kswapd_nap` (HZ/10) simulated ns, and sleep.
///
/// The loop is event-driven rather than a blocked thread: asleep means no work queued, so a
/// machine with 1024 nodes does not park 1024 threads. Time is simulated (docs/time.md): kswapd
/// has its own clock, advanced by the reclaim work on its counter row; it starts at the waking
/// CPUs' time; it publishes its clock in the engine's `ClockWindow` while it runs, so the CPUs
/// cannot run more than the window ahead of it (nor it ahead of them); and its nap ends when a
/// CPU's clock passes the nap's end. A wake-up during the nap cuts it short (the kernel's
/// `remaining > 0`), counted as `kswapd_low_wmark_hit_quickly`; a node still unbalanced after
/// the nap counts `kswapd_high_wmark_hit_quickly`.
public final class KswapdLoop: @unchecked Sendable {
    public let nodeIndex: Int
    /// Unowned: the allocator's wake-up and reclaim hooks hold the loop, not the reverse.
    unowned let allocator: PageAllocator
    let queue: DispatchQueue
    let window: ClockWindow
    /// 0 asleep, 1 queued or running, 2 napping.
    private let state = Atomic<Int>(0)
    /// Bumped by every wake-up, so going to sleep can tell whether one raced with it.
    private let wakeups = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    /// The simulated time at which the current nap ends (Int.max when not napping).
    let napUntil = Atomic<Int>(Int.max)
    /// kswapd's clock and the start of its current iteration (time, and work on its row);
    /// touched by whoever holds the loop in state 1 (the state's atomics order the hand-overs).
    private var clock = 0
    private var iterationStart = 0
    private var workAtStart = 0
    private var napOrder = 0
    private var napHighestZone = 0
    /// A host thread is running this node's kcompactd timer.
    private let kcompactdFiring = Atomic<Bool>(false)

    init(nodeIndex: Int, allocator: PageAllocator, label: String, window: ClockWindow) {
        self.nodeIndex = nodeIndex
        self.allocator = allocator
        self.window = window
        queue = DispatchQueue(label: label)
    }

    private var reclaim: NodeReclaimState { allocator.nodes[nodeIndex].reclaim }
    private var slot: Int { window.kswapdSlot(nodeIndex) }

    /// `wake_up_interruptible(&pgdat->kswapd_wait)`: from any thread, at the CPUs' time.
    public func wake() {
        guard !stopped.load(ordering: .acquiring) else { return }
        wakeups.wrappingAdd(1, ordering: .acquiringAndReleasing)
        let s = state.load(ordering: .acquiring)
        if s == 0 {
            if state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged { start() }
        } else if s == 2 {
            if state.compareExchange(expected: 2, desired: 1, ordering: .acquiringAndReleasing).exchanged {
                napUntil.store(Int.max, ordering: .releasing)
                allocator.kswapdWokenDuringNap(nodeIndex: nodeIndex)
                start()
            }
        }
    }

    /// Runnable from the slowest CPU's time (its own if no CPU runs).
    private func start() {
        let now = window.minimumOfHosts()
        if now != Int.max { clock = max(clock, now) }
        reclaim.setSleeping(false)
        window.publish(slot, clock)
        queue.async { self.runOnce() }
    }

    /// One iteration of the kswapd loop (`PageAllocator.kswapdIteration`), then the nap.
    private func runOnce() {
        guard !stopped.load(ordering: .acquiring) else { sleep(); return }
        iterationStart = clock
        workAtStart = allocator.workNanoseconds(row: allocator.kswapdSlot(nodeIndex: nodeIndex))
        let outcome = allocator.kswapdIteration(nodeIndex: nodeIndex)
        advanceClock()
        if allocator.kcompactdWakeEnded(nodeIndex: nodeIndex, nowNs: clock), let d = allocator.kcompactdDeadline(nodeIndex: nodeIndex) {
            window.noteKcompactd(deadline: d)
        }
        switch outcome {
        case .unbalanced: queue.async { self.runOnce() }
        case .maySleep(let order, let hz): nap(reclaimOrder: order, highestZone: hz)
        }
    }

    private func advanceClock() {
        clock = iterationStart + allocator.workNanoseconds(row: allocator.kswapdSlot(nodeIndex: nodeIndex)) - workAtStart
    }

    /// Reclaim finished a batch on this kswapd (its queue): the clock moves on, and kswapd waits
    /// if that took it past the window.
    func batchDone() {
        advanceClock()
        window.advance(slot, to: clock)
    }

    /// `kswapd_try_to_sleep`'s nap: on kswapd_wait (wakeup_kswapd may wake it) until a CPU's
    /// clock passes its end, then the second check before the full sleep.
    private func nap(reclaimOrder: Int, highestZone hz: Int) {
        napOrder = reclaimOrder
        napHighestZone = hz
        let seen = wakeups.load(ordering: .acquiring)
        reclaim.setSleeping(true)
        let until = clock + allocator.costs[.kswapdNap]
        napUntil.store(until, ordering: .releasing)
        window.publish(slot, Int.max)
        state.store(2, ordering: .releasing)
        window.noteNap(until: until)
        // A wake-up that raced with lying down: it found state 1 and did nothing.
        if wakeups.load(ordering: .acquiring) != seen { wake() }
    }

    /// A CPU's clock reached `t`: if that ends this kswapd's nap, the nap-end check runs.
    func napMayEnd(at t: Int) {
        let until = napUntil.load(ordering: .acquiring)
        guard until <= t, state.compareExchange(expected: 2, desired: 1, ordering: .acquiringAndReleasing).exchanged else { return }
        napUntil.store(Int.max, ordering: .releasing)
        queue.async {
            self.clock = max(self.clock, until)
            let seen = self.wakeups.load(ordering: .acquiring)
            if self.stopped.load(ordering: .acquiring) ||
                self.allocator.kswapdNapEnded(nodeIndex: self.nodeIndex, order: self.napOrder, highestZone: self.napHighestZone) {
                self.sleep()
                // A wake-up that raced with going to sleep: run again rather than miss it.
                if self.wakeups.load(ordering: .acquiring) != seen { self.wake() }
                return
            }
            self.reclaim.setSleeping(false)
            self.window.publish(self.slot, self.clock)
            self.runOnce()
        }
    }

    /// kcompactd's timer on this node, from the host thread whose clock reached `t`: if the
    /// deadline is due, that thread runs `PageAllocator.kcompactdTimerExpired` at the deadline
    /// inside this loop's queue (`queue.sync`: kcompactd shares kswapd's thread and counter row,
    /// so the timer's work comes between kswapd's iterations) and waits for it, so its CPUs do
    /// not run on past the deadline meanwhile. One host thread handles a deadline; a stopped
    /// loop leaves it to the next phase. Returns true if the timer was due (its handler then
    /// notes the next deadline).
    func kcompactdTimerMayFire(at t: Int) -> Bool {
        guard let d = allocator.kcompactdDeadline(nodeIndex: nodeIndex), d <= t else { return false }
        guard kcompactdFiring.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return true }
        queue.sync {
            if !stopped.load(ordering: .acquiring), allocator.kcompactdDeadline(nodeIndex: nodeIndex) == d {
                allocator.kcompactdTimerExpired(nodeIndex: nodeIndex, nowNs: d)
            }
        }
        kcompactdFiring.store(false, ordering: .releasing)
        if let next = allocator.kcompactdDeadline(nodeIndex: nodeIndex) { window.noteKcompactd(deadline: next) }
        return true
    }

    /// Full sleep until `wakeup_kswapd`.
    private func sleep() {
        reclaim.setSleeping(true)
        window.publish(slot, Int.max)
        state.store(0, ordering: .releasing)
    }

    /// Stops the loop and waits until it is idle (between phases and at the end of a run). A
    /// napping kswapd stays napping (its nap's end carries over to the next phase).
    public func stop() {
        stopped.store(true, ordering: .releasing)
        queue.sync {}
        if state.load(ordering: .acquiring) == 1 { sleep() }
    }

    /// Lets a stopped loop be woken again.
    public func resume() { stopped.store(false, ordering: .releasing) }
}
