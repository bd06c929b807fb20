import Dispatch
import NumaCore
import NumaTopology

/// The concurrent shell around one `PageAllocator`: a `NodeActor` per node (`pg_data_t` as an
/// actor, owning the node's kswapd loop), wired so that `wakeup_kswapd` from any CPU reaches
/// the node's kswapd queue. Machine changes (sysctl writes, hotplug steps) go through the
/// allocator's one path while `quiesce` holds every kswapd stopped.
public final class SimulatedMachine: @unchecked Sendable {
    public let allocator: PageAllocator
    public let nodes: [NodeActor]
    /// The simulated clocks of the host threads and kswapds (docs/time.md).
    let window: ClockWindow
    let loops: [KswapdLoop]

    /// `hosts`: the most host threads a phase runs; `windowNs`: how far (simulated ns) any actor
    /// may run ahead of the slowest.
    public init(allocator: PageAllocator, hosts: Int = 1, windowNs: Int = SimulatedMachine.defaultWindowNs) {
        self.allocator = allocator
        let window = ClockWindow(hosts: hosts, nodes: allocator.nodeIDs.count, window: windowNs)
        self.window = window
        nodes = allocator.nodeIDs.indices.map { NodeActor(nodeIndex: $0, allocator: allocator, window: window) }
        let loops = nodes.map(\.kswapd)
        self.loops = loops
        allocator.kswapdWaker = { n in loops[n].wake() }
        let firstKswapdRow = allocator.kswapdSlot(nodeIndex: 0)
        allocator.reclaimBatchDone = { row in
            if row >= firstKswapdRow { loops[row - firstKswapdRow].batchDone() }
        }
        allocator.kcompactdRun(nowNs: 0)
        noteKcompactdDeadlines()
    }

    /// 20 µs: a few reclaim batches or a few dozen page faults.
    public static let defaultWindowNs = 20_000

    /// A host thread's clock reached `t`: naps that end by then end (judged by the CPUs' clocks).
    @inline(__always) func napsMayEnd(at t: Int) {
        guard t >= window.earliestNapEnd.load(ordering: .acquiring) else { return }
        window.earliestNapEnd.store(Int.max, ordering: .releasing)
        for l in loops {
            l.napMayEnd(at: t)
            let u = l.napUntil.load(ordering: .acquiring)
            if u != Int.max { window.noteNap(until: u) }
        }
    }

    /// The host thread of window slot `hostSlot` reached `t`: it runs the kcompactd timers due
    /// by then (judged by the CPUs' clocks, as naps are). While it waits for a kswapd queue its
    /// slot reads "not running", so that kswapd, inside an iteration, does not wait for it.
    @inline(__always) func kcompactdTimersMayFire(at t: Int, hostSlot: Int) {
        guard t >= window.earliestKcompactdDeadline.load(ordering: .acquiring) else { return }
        window.earliestKcompactdDeadline.store(Int.max, ordering: .releasing)
        window.publish(hostSlot, Int.max)
        for l in loops {
            if !l.kcompactdTimerMayFire(at: t), let d = allocator.kcompactdDeadline(nodeIndex: l.nodeIndex) {
                window.noteKcompactd(deadline: d)
            }
        }
        window.publish(hostSlot, t)
    }

    /// Every pending kcompactd deadline into the window (at the start, and when the loops
    /// resume after a machine change: a timer that came while they were stopped carries over).
    func noteKcompactdDeadlines() {
        for n in allocator.nodes.indices {
            if let d = allocator.kcompactdDeadline(nodeIndex: n) { window.noteKcompactd(deadline: d) }
        }
    }

    /// Runs an async body from synchronous code (the CLI and the phase driver are synchronous);
    /// the node actors run on their own queues, so blocking this thread cannot deadlock them.
    public static func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }

    /// Snapshots of every node, each taken on its node actor.
    public func snapshots() -> [NodeActor.Snapshot] {
        let nodes = self.nodes
        return SimulatedMachine.blocking {
            var out: [NodeActor.Snapshot] = []
            for n in nodes { out.append(await n.snapshot()) }
            return out
        }
    }

    /// Stops every kswapd and waits until they are idle.
    public func quiesce() {
        let nodes = self.nodes
        SimulatedMachine.blocking { for n in nodes { await n.stopKswapd() } }
    }

    public func resume() {
        let nodes = self.nodes
        SimulatedMachine.blocking { for n in nodes { await n.startKswapd() } }
        noteKcompactdDeadlines()
    }
}

final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
