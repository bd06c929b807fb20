import NumaCore
import NumaTopology

extension Workload {
    /// The workload `numasim stress --trace FILE` runs: one run phase with one task that replays
    /// the trace's events in the order they were recorded, each on the CPU that recorded it
    /// (`SimulatedTask.traceStep`). The task plays every CPU of the trace that the topology has
    /// (events of other CPUs are skipped); its pages are kernel pages to reclaim (not on the LRU:
    /// a trace does not say what a page holds) and its policy is the default one (local node
    /// first), as a task without `set_mempolicy` has.
    public init(trace: KernelTrace, topology: Topology) {
        let known = Set(topology.nodes.flatMap(\.cpus.members))
        let cpus = Set(trace.events.map(\.cpu)).filter(known.contains).sorted()
        var spec = ThreadSpec(cpus: cpus.isEmpty ? [known.min() ?? 0] : cpus, policy: .default, gfp: .kernel,
                              orders: [(order: 0, weight: 1)], allocatePages: trace.events.count, free: .never)
        spec.trace = trace
        self.init(threads: [spec])
    }
}
