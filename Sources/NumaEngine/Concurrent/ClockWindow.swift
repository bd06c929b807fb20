import Foundation
import Synchronization

/// The concurrent engine's simulated clocks (docs/time.md, docs/concurrency.md): host threads
/// race as before, but no actor runs more than `window` simulated ns ahead of the slowest
/// running one. Each host thread (its CPUs' tasks) and each node's kswapd publishes its clock in
/// a slot of its own (`Int.max` while it has nothing to run: done, asleep or napping); before an
/// operation that would take it past the slowest actor + `window`, an actor yields until the
/// others catch up. The slowest actor never waits, so the machine always progresses; and since
/// how far one actor gets ahead of another is bounded in simulated time, not by the host's
/// scheduling, counters that depend on the race (kswapd against the allocators) no longer
/// depend on how fast the host is.
///
/// Nap ends are judged by the CPUs' clocks: `earliestNapEnd` is the earliest end of any
/// kswapd's nap, and the host thread whose clock passes it ends that nap; kcompactd timers
/// likewise (`earliestKcompactdDeadline`).
final class ClockWindow: @unchecked Sendable {
    /// How far ahead of the slowest running actor any may get, in simulated ns.
    let window: Int
    let hostCount: Int
    let nodeCount: Int
    /// One slot per host thread, then one per kswapd, each on its own 128-byte line.
    private let slots: UnsafeMutablePointer<Atomic<Int>>
    private static let stride = 16
    /// The earliest simulated time at which a napping kswapd's nap ends (Int.max: none naps).
    let earliestNapEnd = Atomic<Int>(Int.max)
    /// The earliest kcompactd deadline not yet handed to its node's queue (Int.max: none).
    let earliestKcompactdDeadline = Atomic<Int>(Int.max)

    init(hosts: Int, nodes: Int, window: Int) {
        hostCount = hosts
        nodeCount = nodes
        self.window = window
        let n = (hosts + nodes) * ClockWindow.stride
        slots = UnsafeMutableRawPointer.allocate(byteCount: n * 8, alignment: 128).bindMemory(to: Atomic<Int>.self, capacity: n)
        for i in 0..<n { (slots + i).initialize(to: Atomic(Int.max)) }
    }

    deinit {
        slots.deinitialize(count: (hostCount + nodeCount) * ClockWindow.stride)
        UnsafeMutableRawPointer(slots).deallocate()
    }

    func hostSlot(_ h: Int) -> Int { h }
    func kswapdSlot(_ n: Int) -> Int { hostCount + n }

    @inline(__always) func publish(_ slot: Int, _ t: Int) {
        slots[slot &* ClockWindow.stride].store(t, ordering: .releasing)
    }

    /// The slowest running actor's clock (Int.max when none runs).
    func minimum(excluding slot: Int = -1) -> Int {
        var m = Int.max
        for i in 0..<(hostCount + nodeCount) where i != slot {
            m = Swift.min(m, slots[i &* ClockWindow.stride].load(ordering: .acquiring))
        }
        return m
    }

    /// The slowest host thread's clock: "now" for a wake-up (Int.max when none runs).
    func minimumOfHosts() -> Int {
        var m = Int.max
        for i in 0..<hostCount { m = Swift.min(m, slots[i &* ClockWindow.stride].load(ordering: .acquiring)) }
        return m
    }

    /// Publishes `t` for `slot` and yields until no other running actor is more than `window`
    /// behind it. Returns the bound it may run to without asking again.
    @discardableResult
    func advance(_ slot: Int, to t: Int) -> Int {
        publish(slot, t)
        while true {
            let m = minimum(excluding: slot)
            if m == Int.max || t <= m &+ window { return m == Int.max ? Int.max : m &+ window }
            sched_yield()
        }
    }

    /// Lowers `earliestNapEnd` to `t` if it is later.
    func noteNap(until t: Int) { lower(earliestNapEnd, to: t) }

    /// Lowers `earliestKcompactdDeadline` to `t` if it is later.
    func noteKcompactd(deadline t: Int) { lower(earliestKcompactdDeadline, to: t) }

    private func lower(_ a: borrowing Atomic<Int>, to t: Int) {
        var cur = a.load(ordering: .acquiring)
        while t < cur {
            let (done, now) = a.compareExchange(expected: cur, desired: t, ordering: .acquiringAndReleasing)
            if done { return }
            cur = now
        }
    }
}
