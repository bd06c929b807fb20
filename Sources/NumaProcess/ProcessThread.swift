import NumaCore

/// A thread of a simulated process as the kernel's fault path sees it (`task_struct`): bound to
/// one CPU, with its task memory policy (`current->mempolicy`) and that policy's interleave
/// counter (`il_prev`). What it runs is the workload's (the engine's process runner).
public final class ProcessThread: @unchecked Sendable {
    public let name: String
    public let cpu: Int
    public internal(set) var policy: MemPolicy
    var interleave: InterleaveState
    public unowned let process: SimulatedProcess

    public init(name: String, cpu: Int, policy: MemPolicy, process: SimulatedProcess, maxNumNodes: Int) {
        self.name = name
        self.cpu = cpu
        self.policy = policy
        interleave = InterleaveState(maxNumNodes: maxNumNodes)
        self.process = process
    }

    /// set_mempolicy(2) (`do_set_mempolicy`): a new policy restarts the interleave counter.
    public func setMempolicy(_ policy: MemPolicy, maxNumNodes: Int) {
        self.policy = policy
        interleave = InterleaveState(maxNumNodes: maxNumNodes)
    }
}
