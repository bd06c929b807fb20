import NumaCore

/// A thread of a simulated process as the kernel's fault path sees it (`task_struct`): bound to
/// one CPU, with its task memory policy (`current->mempolicy`) and that policy's interleave
/// counter (`il_prev`), its pid, and its NUMA-balancing state. What it runs is the workload's
/// (the engine's process runner), which also keeps its time: `nowNanoseconds` (the simulated
/// clock at the operation under way, from which `jiffies` are read) and `runtimeNanoseconds`
/// (`se.sum_exec_runtime`: a bound thread with work to do runs all the time it has).
public final class ProcessThread: @unchecked Sendable {
    public let name: String
    public let cpu: Int
    public internal(set) var policy: MemPolicy
    var interleave: InterleaveState
    public unowned let process: SimulatedProcess
    /// The task's NUMA-balancing fields (`init_numa_balancing` at creation).
    public internal(set) var numa: TaskNumaState
    public var nowNanoseconds = 0
    public var runtimeNanoseconds = 0

    public init(name: String, cpu: Int, policy: MemPolicy, process: SimulatedProcess, maxNumNodes: Int, pid: Int = 1) {
        self.name = name
        self.cpu = cpu
        self.policy = policy
        interleave = InterleaveState(maxNumNodes: maxNumNodes)
        self.process = process
        let a = process.allocator
        numa = TaskNumaState(pid: pid, nodeIDs: (a.nodeIDs.max() ?? 0) + 1,
                             scanDelayMs: a.machine.topology.sysctl.tiering.scanDelayMs)
    }

    /// set_mempolicy(2) (`do_set_mempolicy`): a new policy restarts the interleave counter.
    public func setMempolicy(_ policy: MemPolicy, maxNumNodes: Int) {
        self.policy = policy
        interleave = InterleaveState(maxNumNodes: maxNumNodes)
    }
}
