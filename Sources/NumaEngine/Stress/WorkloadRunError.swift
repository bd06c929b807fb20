import NumaTopology
import NumaWorkload

/// A workload the chosen engine cannot run, or a step that failed while it ran (a process's
/// mmap outside user space, a step naming a mapping not made yet, a SIGSEGV, out of memory for
/// its page tables). It names the workload key (`phases[1].processes[0].threads[1].steps[3]`);
/// where the file was read, `InputError(file:text:_:)` adds the file and the key's line.
public struct WorkloadRunError: TopologyProblem, Sendable {
    public let key: String
    public let message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    /// The same problem with its key placed inside phase `p` of `workload`.
    func inPhase(_ p: Int, of workload: Workload) -> WorkloadRunError {
        WorkloadRunError(key: workload.key(phase: p, key), message: message)
    }
}
