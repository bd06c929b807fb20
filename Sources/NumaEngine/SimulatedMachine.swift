import Dispatch
import NumaCore
import NumaTopology

/// The concurrent shell around one `PageAllocator`: a `NodeActor` and a kswapd loop per node,
/// wired so that `wakeup_kswapd` from any CPU reaches the node's kswapd queue.
public final class SimulatedMachine: @unchecked Sendable {
    public let allocator: PageAllocator
    public let nodes: [NodeActor]

    public init(allocator: PageAllocator) {
        self.allocator = allocator
        nodes = allocator.nodeIDs.indices.map { NodeActor(nodeIndex: $0, allocator: allocator) }
        let loops = nodes.map(\.kswapd)
        allocator.kswapdWaker = { n in loops[n].wake() }
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
    }

    /// A sysctl step: kswapd stopped, the handlers' recomputation done, and each node's new
    /// numbers applied on its node actor.
    public func writeSysctls(_ assignments: [String]) throws {
        quiesce()
        defer { resume() }
        var m = allocator.machine
        for s in assignments { try m.topology.sysctl.apply(assignment: s, arch: m.topology.arch, source: "workload") }
        m.applySysctlWrite()
        let nodes = self.nodes
        let machine = m
        SimulatedMachine.blocking { for n in nodes { await n.apply(machine) } }
        allocator.adopt(m)
        allocator.zoneReclaimMode = m.topology.sysctl.zoneReclaimMode
    }

    /// A memory hotplug step: kswapd stopped while `body` changes the machine (no CPU allocates
    /// between phases), then each node actor applies the recomputed numbers.
    public func hotplug<R>(_ body: () -> R) -> R {
        quiesce()
        defer { resume() }
        let r = body()
        let nodes = self.nodes
        let machine = allocator.machine
        SimulatedMachine.blocking { for n in nodes { await n.apply(machine) } }
        return r
    }
}

final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
