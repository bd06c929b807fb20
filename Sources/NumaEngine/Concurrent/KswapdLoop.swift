import Dispatch
import NumaCore
import Synchronization

/// One node's kswapd (mm/vmscan.c `kswapd`, `kswapd_try_to_sleep`): a loop on the node's own
/// serial Dispatch queue, asleep until `wakeup_kswapd` wakes it, then `balance_pgdat` until the
/// node is balanced, a 100 ms nap, and sleep.
///
/// The loop is event-driven rather than a blocked thread: asleep means no work queued, so a
/// machine with 1024 nodes does not park 1024 threads. A wake-up during the nap cuts it short
/// (the kernel's `remaining > 0`), counted as `kswapd_low_wmark_hit_quickly`; a node still
/// unbalanced after the nap counts `kswapd_high_wmark_hit_quickly`.
public final class KswapdLoop: @unchecked Sendable {
    public let nodeIndex: Int
    let allocator: PageAllocator
    let queue: DispatchQueue
    /// 0 asleep, 1 queued or running, 2 napping.
    private let state = Atomic<Int>(0)
    /// Bumped by every wake-up, so a nap can tell whether it was interrupted.
    private let wakeups = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    /// How long a nap lasts (the kernel's HZ/10).
    public var napMilliseconds = 100

    public init(nodeIndex: Int, allocator: PageAllocator, label: String) {
        self.nodeIndex = nodeIndex
        self.allocator = allocator
        queue = DispatchQueue(label: label)
    }

    private var reclaim: NodeReclaimState { allocator.nodes[nodeIndex].reclaim }

    /// `wake_up_interruptible(&pgdat->kswapd_wait)`: from any thread.
    public func wake() {
        guard !stopped.load(ordering: .acquiring) else { return }
        wakeups.wrappingAdd(1, ordering: .acquiringAndReleasing)
        let s = state.load(ordering: .acquiring)
        if s == 0 {
            if state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged {
                reclaim.setSleeping(false)
                queue.async { self.runOnce() }
            }
        } else if s == 2 {
            if state.compareExchange(expected: 2, desired: 1, ordering: .acquiringAndReleasing).exchanged {
                allocator.kswapdWokenDuringNap(nodeIndex: nodeIndex)
                reclaim.setSleeping(false)
                queue.async { self.runOnce() }
            }
        }
    }

    /// One iteration of the kswapd loop (`PageAllocator.kswapdIteration`), then the nap.
    private func runOnce() {
        guard !stopped.load(ordering: .acquiring) else { state.store(0, ordering: .releasing); return }
        switch allocator.kswapdIteration(nodeIndex: nodeIndex) {
        case .unbalanced: queue.async { self.runOnce() }
        case .maySleep(let order, let hz): nap(reclaimOrder: order, highestZone: hz)
        }
    }

    /// `kswapd_try_to_sleep`'s nap: asleep on kswapd_wait (wakeup_kswapd may wake it), for up to
    /// 100 ms, then the second check before the full sleep.
    private func nap(reclaimOrder: Int, highestZone hz: Int) {
        let seen = wakeups.load(ordering: .acquiring)
        reclaim.setSleeping(true)
        state.store(2, ordering: .releasing)
        queue.asyncAfter(deadline: .now() + .milliseconds(napMilliseconds)) {
            // A wake-up during the nap already moved the state on (and queued a run).
            guard self.state.compareExchange(expected: 2, desired: 1, ordering: .acquiringAndReleasing).exchanged else { return }
            if self.wakeups.load(ordering: .acquiring) != seen {
                // Woken during the nap, but the nap's end won the race for the state.
                self.allocator.kswapdWokenDuringNap(nodeIndex: self.nodeIndex)
            } else if self.allocator.kswapdNapEnded(nodeIndex: self.nodeIndex, order: reclaimOrder, highestZone: hz) {
                self.state.store(0, ordering: .releasing)   // full sleep until wakeup_kswapd
                // A wake-up that raced with going to sleep: run again rather than miss it.
                if self.wakeups.load(ordering: .acquiring) != seen { self.wake() }
                return
            }
            self.reclaim.setSleeping(false)
            self.runOnce()
        }
    }

    /// Stops the loop and waits until it is idle (between phases and at the end of a run).
    public func stop() {
        stopped.store(true, ordering: .releasing)
        queue.sync {}
        // A pending nap fires later and finds the loop stopped.
        state.store(0, ordering: .releasing)
        reclaim.setSleeping(true)
    }

    /// Lets a stopped loop be woken again.
    public func resume() { stopped.store(false, ordering: .releasing) }
}
